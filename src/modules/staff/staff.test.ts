import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generate } from 'otplib';
import { cookiesFrom, csrfFrom, northshire, riverford, testSecret } from '../../../test/support/app.ts';
import { type SeededTenants, seedTenants, testDatabase } from '../../../test/support/database.ts';
import { type App, buildApp } from '../../app.ts';
import { loadConfig } from '../../config.ts';
import { listAudit } from '../../platform/audit/audit.ts';
import { staffCreateCommand } from './cli.ts';
import { demoSecretGuardrails, demoTotpSecret } from './service.ts';
import { findUserByEmail, insertUser } from './store.ts';

type Host = { host: string };

let app: App;
let tenants: SeededTenants;
let closeDb: () => Promise<void>;
let clock = new Date();
let addresses = 0;

before(async () => {
  const database = await testDatabase({ seeded: true });
  closeDb = database.close;
  tenants = await seedTenants(database.db);
  const config = loadConfig({
    DOORSTEP_DEMO: '1',
    LOG_LEVEL: 'silent',
    TRUST_PROXY: '1',
    DOORSTEP_DATA: mkdtempSync(path.join(tmpdir(), 'doorstep-staff-')),
  });
  app = await buildApp({ config, db: database.db, sessionSecret: testSecret, clock: () => clock });
  await app.ready();
});

after(async () => {
  await app?.close();
  await closeDb?.();
});

const tick = (ms: number) => {
  clock = new Date(clock.getTime() + ms);
};

/** A browser of one person: a cookie jar and an address of its own. */
function visitor(host: Host) {
  addresses += 1;
  let cookie = '';
  const ip = `198.51.100.${addresses % 250}`;
  const send = async (method: 'GET' | 'POST', url: string, form?: Record<string, string>) => {
    const response = await app.inject({
      method,
      url,
      headers: {
        ...host,
        cookie,
        'x-forwarded-for': ip,
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { payload: new URLSearchParams(form).toString() } : {}),
    });
    cookie = cookiesFrom(response, cookie);
    return response;
  };
  return {
    ip,
    get cookie() {
      return cookie;
    },
    get: (url: string) => send('GET', url),
    /** Posts a form from the page it is on: the CSRF token is read from that page first. */
    async post(page: string, url: string, form: Record<string, string>) {
      const html = (await send('GET', page)).body;
      return send('POST', url, { ...form, _csrf: csrfFrom(html) });
    },
    /** Posts with the token of whatever page was shown last (for pages that render on POST). */
    postWith: (token: string, url: string, form: Record<string, string>) =>
      send('POST', url, { ...form, _csrf: token }),
  };
}

type Visitor = ReturnType<typeof visitor>;

/** The latest sign-in code mailed to an address (from the outbox, as the worker would send it). */
async function codeMailedTo(email: string): Promise<string> {
  const [job] = await app.services.db.query<{ payload: { text: string } }>(
    `select payload from jobs where kind = 'mail.send' and payload->>'to' = $1 order by created_at desc, id desc limit 1`,
    [email],
  );
  const match = /\b(\d{6})\b/.exec(job?.payload.text ?? '');
  assert.ok(match, `no code mailed to ${email}`);
  return match[1]!;
}

const totp = () =>
  generate({
    secret: demoTotpSecret,
    epoch: Math.floor(clock.getTime() / 1000),
    guardrails: demoSecretGuardrails,
  });

/** Email code, then TOTP: a demo member of staff signed in. */
async function signIn(host: Host, email: string, who = visitor(host)): Promise<Visitor> {
  // A TOTP code is accepted once: each sign-in of the same person happens in a later 30-second step.
  tick(31_000);
  const asked = await who.post('/staff/sign-in', '/staff/sign-in', { email });
  assert.equal(asked.headers.location, '/staff/sign-in/code');
  const coded = await who.post('/staff/sign-in/code', '/staff/sign-in/code', {
    code: await codeMailedTo(email),
  });
  assert.equal(coded.headers.location, '/staff/sign-in/authenticator', coded.body);
  const signed = await who.post('/staff/sign-in/authenticator', '/staff/sign-in/authenticator', {
    code: await totp(),
  });
  assert.equal(signed.headers.location, '/staff', signed.body);
  return who;
}

const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;|&rsquo;|’/g, "'")
    .replace(/\s+/g, ' ');

describe('staff sign-in', () => {
  test('a demo case officer signs in with an emailed code and TOTP, and sees what the role may use', async () => {
    const officer = await signIn(northshire, 'officer@northshire.example');
    const home = await officer.get('/staff');
    assert.equal(home.statusCode, 200);
    assert.equal(home.headers['cache-control'], 'no-store');
    const body = text(home.body);
    assert.match(body, /Staff home/);
    assert.match(body, /Your role: Case officer/);
    assert.match(body, /Cases/);
    assert.doesNotMatch(body, /Sign-in activity/);
    assert.doesNotMatch(home.body, /href="\/staff\/users"/);
    const [entry] = await listAudit(app.services.db, tenants.northshire.id, {
      subjectType: 'staff-user',
      limit: 1,
    });
    assert.equal(entry?.action, 'staff.signed-in');
  });

  test('the code page asks for a one-time code', async () => {
    const who = visitor(northshire);
    await who.post('/staff/sign-in', '/staff/sign-in', { email: 'agent@northshire.example' });
    const page = await who.get('/staff/sign-in/code');
    assert.match(page.body, /autocomplete="one-time-code"/);
  });

  test('the second factor is required: an emailed code alone signs nobody in', async () => {
    const who = visitor(northshire);
    await who.post('/staff/sign-in', '/staff/sign-in', { email: 'analyst@northshire.example' });
    await who.post('/staff/sign-in/code', '/staff/sign-in/code', {
      code: await codeMailedTo('analyst@northshire.example'),
    });
    const home = await who.get('/staff');
    assert.equal(home.statusCode, 303);
    assert.equal(home.headers.location, '/staff/sign-in');
    // A wrong TOTP is refused with an error summary; five of them end the sign-in.
    for (let i = 0; i < 4; i++) {
      const wrong = await who.post('/staff/sign-in/authenticator', '/staff/sign-in/authenticator', {
        code: (await totp()) === '000000' ? '111111' : '000000',
      });
      assert.equal(wrong.statusCode, 400);
      assert.match(wrong.body, /govuk-error-summary/);
    }
    const last = await who.post('/staff/sign-in/authenticator', '/staff/sign-in/authenticator', {
      code: (await totp()) === '000000' ? '111111' : '000000',
    });
    assert.equal(last.headers.location, '/staff/sign-in?ended=tries');
    assert.equal((await who.get('/staff/sign-in/authenticator')).headers.location, '/staff/sign-in');
  });

  test('the session id changes at each step of sign-in', async () => {
    const who = visitor(riverford);
    await who.get('/staff/sign-in');
    const first = who.cookie;
    await signIn(riverford, 'agent@riverford.example', who);
    assert.notEqual(who.cookie, first);
  });

  test('an unknown and a known address get the same answer, and only the known one a mail', async () => {
    const jobs = async () =>
      (await app.services.db.query<{ n: number }>('select count(*)::int as n from jobs'))[0]!.n;
    const answers = [];
    for (const email of ['admin@riverford.example', 'stranger@riverford.example']) {
      const who = visitor(riverford);
      const before = await jobs();
      const asked = await who.post('/staff/sign-in', '/staff/sign-in', { email });
      const page = await who.get('/staff/sign-in/code');
      const tried = await who.postWith(csrfFrom(page.body), '/staff/sign-in/code', { code: '000000' });
      answers.push({
        status: asked.statusCode,
        location: asked.headers.location,
        page: page.body.replaceAll(email, 'EMAIL').replace(/value="[^"]+"/g, ''),
        tried: tried.statusCode,
        triedPage: text(tried.body).replaceAll(email, 'EMAIL'),
        jobs: (await jobs()) - before,
      });
    }
    assert.deepEqual(answers[0], answers[1]);
    const mailed = await app.services.db.query(
      `select 1 from jobs where kind = 'mail.send' and payload->>'to' = 'stranger@riverford.example'`,
    );
    assert.equal(mailed.length, 0);
  });

  test('bad input gets an error summary and changes nothing', async () => {
    const who = visitor(northshire);
    const empty = await who.post('/staff/sign-in', '/staff/sign-in', { email: '' });
    assert.equal(empty.statusCode, 400);
    assert.match(text(empty.body), /There is a problem Enter your work email address/);
    const bad = await who.post('/staff/sign-in', '/staff/sign-in', { email: 'not an email' });
    assert.match(text(bad.body), /Enter an email address in the correct format/);
    assert.equal((await who.get('/staff/sign-in/code')).headers.location, '/staff/sign-in');
    // Without the form's token: refused.
    const forged = await app.inject({
      method: 'POST',
      url: '/staff/sign-in',
      headers: { ...northshire, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'email=admin%40northshire.example',
    });
    assert.equal(forged.statusCode, 403);
  });

  test('idle for 30 minutes signs out; activity keeps the session until the absolute limit', async () => {
    const who = await signIn(northshire, 'agent@northshire.example');
    tick(29 * 60_000);
    assert.equal((await who.get('/staff')).statusCode, 200);
    tick(29 * 60_000);
    assert.equal((await who.get('/staff')).statusCode, 200);
    tick(31 * 60_000);
    const idle = await who.get('/staff');
    assert.equal(idle.headers.location, '/staff/sign-in?ended=idle');
    assert.match(text((await who.get(idle.headers.location as string)).body), /did nothing for 30 minutes/);
    assert.equal((await who.get('/staff')).headers.location, '/staff/sign-in');

    const busy = await signIn(northshire, 'agent@northshire.example');
    let ended: string | undefined;
    for (let i = 0; i < 40 && !ended; i++) {
      tick(20 * 60_000);
      const r = await busy.get('/staff');
      if (r.statusCode !== 200) ended = r.headers.location as string;
    }
    assert.equal(ended, '/staff/sign-in?ended=limit');
  });

  test('recovery codes: set up on first sign-in, each works once', async () => {
    await insertUser(app.services.db, tenants.riverford.id, {
      email: 'new.starter@riverford.example',
      name: 'New Starter',
      role: 'case-officer',
    });
    tick(31_000);
    const who = visitor(riverford);
    await who.post('/staff/sign-in', '/staff/sign-in', { email: 'new.starter@riverford.example' });
    const coded = await who.post('/staff/sign-in/code', '/staff/sign-in/code', {
      code: await codeMailedTo('new.starter@riverford.example'),
    });
    assert.equal(coded.headers.location, '/staff/sign-in/set-up');
    const setUp = await who.get('/staff/sign-in/set-up');
    const key = /<code class="app-secret">([A-Z2-7 ]+)<\/code>/.exec(setUp.body)?.[1]?.replace(/ /g, '');
    assert.ok(key, 'the key is shown as text');
    assert.match(setUp.body, /href="otpauth:\/\/totp\//);
    const wrong = await who.postWith(csrfFrom(setUp.body), '/staff/sign-in/set-up', { code: '12345' });
    assert.equal(wrong.statusCode, 400);
    const codeNow = await generate({ secret: key, epoch: Math.floor(clock.getTime() / 1000) });
    const shown = await who.postWith(csrfFrom(wrong.body), '/staff/sign-in/set-up', { code: codeNow });
    assert.equal(shown.statusCode, 200);
    const codes = [...shown.body.matchAll(/<code>([0-9a-z]{5}-[0-9a-z]{5})<\/code>/g)].map((m) => m[1]!);
    assert.equal(codes.length, 10);
    assert.equal((await who.get('/staff')).statusCode, 200);
    await who.post('/staff', '/staff/sign-out', {});

    const withRecovery = async () => {
      tick(31_000);
      const r = visitor(riverford);
      await r.post('/staff/sign-in', '/staff/sign-in', { email: 'new.starter@riverford.example' });
      const c = await r.post('/staff/sign-in/code', '/staff/sign-in/code', {
        code: await codeMailedTo('new.starter@riverford.example'),
      });
      assert.equal(c.headers.location, '/staff/sign-in/authenticator');
      return {
        r,
        result: await r.post('/staff/sign-in/recovery-code', '/staff/sign-in/recovery-code', {
          code: codes[3]!.toUpperCase(),
        }),
      };
    };
    const first = await withRecovery();
    assert.equal(first.result.headers.location, '/staff');
    assert.equal((await first.r.get('/staff')).statusCode, 200);
    const again = await withRecovery();
    assert.equal(again.result.statusCode, 400);
    assert.match(text(again.result.body), /already been used/);
    assert.equal((await again.r.get('/staff')).statusCode, 303);
    const actions = (
      await listAudit(app.services.db, tenants.riverford.id, { subjectType: 'staff-user', limit: 50 })
    ).map((e) => e.action);
    assert.ok(actions.includes('staff.authenticator-set-up'));
    assert.ok(actions.includes('staff.recovery-code-used'));
  });
});

describe('staff permissions', () => {
  test('a case officer gets a clear 403 page on administrator pages, and changes nothing', async () => {
    const officer = await signIn(riverford, 'officer@riverford.example');
    for (const url of ['/staff/users', '/staff/users/new', '/staff/activity', '/staff/councils']) {
      const page = await officer.get(url);
      assert.equal(page.statusCode, 403, url);
      assert.match(text(page.body), /You cannot use this page/);
      assert.match(text(page.body), /Your role \(Case officer\) does not let you use this page/);
    }
    const home = await officer.get('/staff');
    const made = await officer.postWith(csrfFrom(home.body), '/staff/users', {
      name: 'Sneaky',
      email: 'sneaky@riverford.example',
      role: 'administrator',
    });
    assert.equal(made.statusCode, 403);
    assert.equal(
      await findUserByEmail(app.services.db, tenants.riverford.id, 'sneaky@riverford.example'),
      undefined,
    );
  });

  test('an administrator adds staff, changes a role (a new session id for them) and sees activity', async () => {
    const admin = await signIn(northshire, 'admin@northshire.example');
    const users = await admin.get('/staff/users');
    assert.equal(users.statusCode, 200);
    assert.match(users.body, /officer@northshire.example/);
    assert.doesNotMatch(users.body, /riverford/);
    const bad = await admin.post('/staff/users/new', '/staff/users', { name: '', email: 'x', role: 'boss' });
    assert.equal(bad.statusCode, 400);
    assert.equal((bad.body.match(/govuk-error-summary__list/g) ?? []).length, 1);
    assert.match(
      text(bad.body),
      /Enter their full name.*Enter an email address in the correct format.*Choose a role/,
    );
    const made = await admin.post('/staff/users/new', '/staff/users', {
      name: 'Sam Manager',
      email: 'Sam.Manager@northshire.example',
      role: 'service-manager',
    });
    assert.equal(made.statusCode, 303);
    const id = (made.headers.location as string).split('/').pop()!;
    const taken = await admin.post('/staff/users/new', '/staff/users', {
      name: 'Again',
      email: 'sam.manager@northshire.example',
      role: 'analyst',
    });
    assert.match(text(taken.body), /already has this email address/);

    const analyst = await signIn(northshire, 'analyst@northshire.example');
    const analystId = (await findUserByEmail(
      app.services.db,
      tenants.northshire.id,
      'analyst@northshire.example',
    ))!.id;
    const cookieBefore = analyst.cookie;
    assert.equal((await analyst.get('/staff/users')).statusCode, 403);
    await admin.post(`/staff/users/${analystId}`, `/staff/users/${analystId}/role`, {
      role: 'administrator',
    });
    const promoted = await analyst.get('/staff/users');
    assert.equal(promoted.statusCode, 200);
    assert.notEqual(analyst.cookie, cookieBefore, 'a new session id after a change of privilege');
    await admin.post(`/staff/users/${analystId}`, `/staff/users/${analystId}/role`, { role: 'analyst' });

    const activity = await admin.get('/staff/activity');
    assert.equal(activity.statusCode, 200);
    const body = text(activity.body);
    assert.match(body, /Signed in/);
    assert.match(body, /Role changed/);
    assert.match(body, /Added as staff/);
    assert.ok(id);
  });

  test("another council's staff answer 404, except to platform administrators", async () => {
    const northshireOfficer = (await findUserByEmail(
      app.services.db,
      tenants.northshire.id,
      'officer@northshire.example',
    ))!;
    const riverfordAdmin = await signIn(riverford, 'admin@riverford.example');
    assert.equal((await riverfordAdmin.get(`/staff/users/${northshireOfficer.id}`)).statusCode, 404);
    const own = await riverfordAdmin.get('/staff/users');
    assert.doesNotMatch(own.body, /northshire\.example/);
    // Nor can they change them.
    const changed = await riverfordAdmin.post('/staff/users', `/staff/users/${northshireOfficer.id}/role`, {
      role: 'administrator',
    });
    assert.equal(changed.statusCode, 404);
    // Their session means nothing on the other council's site, and their address is unknown there.
    const elsewhere = await app.inject({
      url: '/staff/users',
      headers: { ...northshire, cookie: riverfordAdmin.cookie },
    });
    assert.equal(elsewhere.headers.location, '/staff/sign-in');

    await insertUser(app.services.db, tenants.riverford.id, {
      email: 'platform@riverford.example',
      name: 'Pat Platform',
      role: 'administrator',
      platformAdmin: true,
    });
    await app.services.db.query(
      `update staff_users set totp_secret = $1, totp_enrolled_at = now() where email = 'platform@riverford.example'`,
      [demoTotpSecret],
    );
    const platform = await signIn(riverford, 'platform@riverford.example');
    const seen = await platform.get(`/staff/users/${northshireOfficer.id}`);
    assert.equal(seen.statusCode, 200);
    assert.match(text(seen.body), /Northshire County Council/);
    const councils = text((await platform.get('/staff/councils')).body);
    assert.match(councils, /Northshire County Council/);
    assert.match(councils, /Riverford District Council/);
    assert.match(text((await platform.get('/staff/councils/northshire')).body), /officer@northshire.example/);
  });
});

describe('doorstep staff:create', () => {
  test('creates an administrator once, and says so clearly', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s) },
    };
    const open = (fn: (db: typeof app.services.db) => Promise<number>) => fn(app.services.db);
    const args = [
      '--council',
      'riverford',
      '--email',
      'First.Admin@riverford.example',
      '--name',
      'First Admin',
    ];
    assert.equal(await staffCreateCommand(args, open, io), 0);
    assert.match(out.join(''), /first\.admin@riverford\.example is now an administrator of riverford/);
    const user = await findUserByEmail(
      app.services.db,
      tenants.riverford.id,
      'first.admin@riverford.example',
    );
    assert.equal(user?.role, 'administrator');
    assert.equal(await staffCreateCommand(args, open, io), 1);
    assert.match(err.join(''), /already staff/);
    assert.equal(
      await staffCreateCommand(['--council', 'nowhere', '--email', 'a@b.example', '--name', 'A'], open, io),
      1,
    );
    assert.equal(await staffCreateCommand(['--council', 'riverford'], open, io), 1);
    assert.match(err.join(''), /needs --email, --name/);
  });

  test('refuses while a server holds the embedded database', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'doorstep-staff-cli-'));
    const data = path.join(dir, 'data');
    mkdirSync(data, { recursive: true });
    // This test process stands in for the server holding the folder.
    writeFileSync(path.join(data, 'doorstep.lock'), `${process.pid} a Doorstep server\n`);
    const env: NodeJS.ProcessEnv = { ...process.env, DOORSTEP_DATA: data };
    delete env.DATABASE_URL;
    const child = spawnSync(
      process.execPath,
      [
        path.resolve(import.meta.dirname, '../../cli/index.ts'),
        'staff:create',
        '--council',
        'riverford',
        '--email',
        'a@riverford.example',
        '--name',
        'A',
      ],
      { env, encoding: 'utf8', timeout: 30_000 },
    );
    assert.equal(child.status, 1, child.stderr);
    assert.match(child.stderr, /in use by a Doorstep server \(pid \d+\)/);
  });
});
