import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  csrfFrom,
  deliverMail,
  northshire,
  riverford,
  type TestApp,
  testApp,
} from '../../../test/support/app.ts';
import {
  followProvider,
  reservePort,
  startTestProvider,
  type TestProvider,
} from '../../../test/support/openid-provider.ts';
import { freePort } from '../../../test/support/server.ts';
import { signInStaff, textOf, type Visitor, visitor } from '../../../test/support/staff.ts';
import { parsePairs } from './staff-routes.ts';

let t: TestApp;
let admin: Visitor;
const providers: TestProvider[] = [];
/** GOV.UK One Login, played by oidc-provider: started by the first suite. */
let oneLogin: TestProvider;

before(async () => {
  t = await testApp();
  admin = await signInStaff(t, northshire, 'admin@northshire.example');
});
after(async () => {
  for (const p of providers) await p.close();
  await t.close();
});

/** Adds a provider through the administrators' page; returns its page. */
async function addProvider(form: Record<string, string>) {
  const saved = await admin.post('/staff/identity/new', '/staff/identity', {
    scopes: 'openid email profile',
    enabled: 'yes',
    ...form,
  });
  assert.equal(saved.statusCode, 303, textOf(saved.body).slice(0, 2000));
  return admin.get(saved.headers.location as string);
}

/** The public key shown to the administrator, to register with the provider. */
function publicJwkFrom(html: string): Record<string, unknown> {
  const shown = /<code id="public-jwk">([\s\S]*?)<\/code>/.exec(html)?.[1];
  assert.ok(shown, 'the public key is shown');
  return JSON.parse(
    shown
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&'),
  );
}

/** Our callback, reached by the browser the provider redirected, as the same visitor. */
const pathOf = (url: URL) => `${url.pathname}${url.search}`;

/** A resident's code sign-in, reading the code from the outbox. */
async function signInWithCode(who: Visitor, email: string) {
  await who.post('/sign-in', '/sign-in', { email });
  const [job] = await t.app.services.db.query<{ payload: { text: string } }>(
    `select payload from jobs where kind = 'mail.send' and payload->>'to' = $1 order by created_at desc, id desc limit 1`,
    [email],
  );
  const code = /\b(\d{6})\b/.exec(job?.payload.text ?? '')?.[1];
  assert.ok(code);
  const done = await who.post('/sign-in/code', '/sign-in/code', { code });
  assert.equal(done.statusCode, 303);
}

/** The code mailed to link a provider to the account of this address, from the dev mailbox. */
async function linkCodeFor(email: string) {
  const mail = await deliverMail(t, northshire);
  const sent = mail.find((m) => m.to === email && /to link GOV\.UK One Login to your/.test(m.subject));
  assert.ok(sent, `no link code mailed to ${email}`);
  assert.match(sent.text, /nothing is linked without the code/);
  const code = /\b(\d{6})\b/.exec(sent.subject)?.[1];
  assert.ok(code);
  return code;
}

describe('signing in through an external OpenID provider (GOV.UK One Login played by oidc-provider)', () => {
  before(async () => {
    const port = await reservePort();
    const page = await addProvider({
      audience: 'residents',
      slug: 'one-login',
      labelEn: 'GOV.UK One Login',
      labelCy: 'GOV.UK One Login (Cymraeg)',
      issuer: `http://127.0.0.1:${port}`,
      clientId: 'doorstep-northshire',
      authMethod: 'private_key_jwt',
      extraParams: 'vtr=["Cl.Cm"]',
    });
    assert.match(textOf(page.body), /http:\/\/northshire\.localhost\/sign-in\/oidc\/one-login\/callback/);
    oneLogin = await startTestProvider({
      port,
      clients: [
        {
          client_id: 'doorstep-northshire',
          token_endpoint_auth_method: 'private_key_jwt',
          jwks: { keys: [publicJwkFrom(page.body)] },
          redirect_uris: ['http://northshire.localhost/sign-in/oidc/one-login/callback'],
        },
      ],
      user: { sub: 'urn:fdc:gov.uk:2022:first', email: 'gwen@example.com', email_verified: true },
    });
    providers.push(oneLogin);
  });

  it('makes an account on first sign-in, asking One Login for its vector of trust and for Welsh', async () => {
    const resident = visitor(t, northshire);
    await resident.get('/?lang=cy');
    const signInPage = await resident.get('/sign-in');
    assert.match(textOf(signInPage.body), /Mewngofnodi gyda GOV\.UK One Login \(Cymraeg\)/);
    const started = await resident.get('/sign-in/oidc/one-login');
    assert.equal(started.statusCode, 303);
    const callback = await followProvider(oneLogin, started.headers.location as string);

    const asked = oneLogin.authorizationRequests.at(-1)!;
    assert.equal(asked.searchParams.get('vtr'), '["Cl.Cm"]');
    assert.equal(asked.searchParams.get('ui_locales'), 'cy');
    assert.equal(asked.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(asked.searchParams.get('state') && asked.searchParams.get('nonce'));

    assert.equal(callback.origin, 'http://northshire.localhost');
    const back = await resident.get(pathOf(callback));
    assert.equal(back.statusCode, 303, textOf(back.body).slice(0, 1000));
    assert.equal(back.headers.location, '/account');
    const account = await resident.get('/account');
    assert.equal(account.statusCode, 200);
    assert.match(account.body, /gwen@example\.com/);
    // After a sign-in, a passkey is offered (never required).
    assert.match(account.body, /href="\/sign-in\/passkey\/offer"/);
    const methods = await resident.get('/account/sign-in-methods');
    assert.match(textOf(methods.body), /GOV\.UK One Login \(Cymraeg\)/);

    // Signing in again with the same One Login identity comes back to the same account.
    const again = visitor(t, northshire);
    const restarted = await again.get('/sign-in/oidc/one-login');
    const back2 = await again.get(
      pathOf(await followProvider(oneLogin, restarted.headers.location as string)),
    );
    assert.equal(back2.headers.location, '/account');
    assert.match((await again.get('/account')).body, /gwen@example\.com/);
    const [count] = await t.app.services.db.query<{ n: number }>(
      `select count(*)::int as n from account_emails where tenant_id = $1 and email = 'gwen@example.com'`,
      [t.tenants.northshire.id],
    );
    assert.equal(count!.n, 1);
  });

  it('links a verified email to the existing account only after the person confirms', async () => {
    const earlier = visitor(t, northshire);
    await signInWithCode(earlier, 'existing@example.com');
    const [before] = await t.app.services.db.query<{ id: string }>(
      `select account_id as id from account_emails where tenant_id = $1 and email = 'existing@example.com'`,
      [t.tenants.northshire.id],
    );

    oneLogin.user = {
      sub: 'urn:fdc:gov.uk:2022:second',
      email: 'existing@example.com',
      email_verified: true,
    };
    const resident = visitor(t, northshire);
    const started = await resident.get('/sign-in/oidc/one-login');
    const back = await resident.get(
      pathOf(await followProvider(oneLogin, started.headers.location as string)),
    );
    assert.equal(back.headers.location, '/sign-in/oidc-link');
    const question = await resident.get('/sign-in/oidc-link');
    assert.match(textOf(question.body), /Link to your existing account\?/);
    assert.match(textOf(question.body), /existing@example\.com/);
    // Nothing is linked and nobody is signed in until the person answers.
    assert.equal((await resident.get('/account')).statusCode, 303);

    const unanswered = await resident.post('/sign-in/oidc-link', '/sign-in/oidc-link', {});
    assert.equal(unanswered.statusCode, 400);
    assert.match(textOf(unanswered.body), /There is a problem.*Select what you want to do/);

    // Linking waits for a code mailed to the account's address: One Login's word is not proof.
    const asked = await resident.post('/sign-in/oidc-link', '/sign-in/oidc-link', { choice: 'link' });
    assert.equal(asked.headers.location, '/sign-in/oidc-link/code');
    assert.equal((await resident.get('/account')).statusCode, 303);
    const codePage = await resident.get('/sign-in/oidc-link/code');
    assert.match(textOf(codePage.body), /Check your email/);
    assert.match(textOf(codePage.body), /enter the code we have sent to existing@example\.com/);
    const code = await linkCodeFor('existing@example.com');
    const linked = await resident.post('/sign-in/oidc-link/code', '/sign-in/oidc-link/code', { code });
    assert.equal(linked.headers.location, '/account');
    const [identity] = await t.app.services.db.query<{ accountId: string }>(
      `select account_id as "accountId" from account_identities where tenant_id = $1 and subject = $2`,
      [t.tenants.northshire.id, 'urn:fdc:gov.uk:2022:second'],
    );
    assert.equal(identity!.accountId, before!.id);
    assert.match((await resident.get('/account')).body, /existing@example\.com/);
    // "Download my data" includes the ways in.
    const data = (await resident.get('/account/data.json')).json();
    assert.deepEqual(
      data.linked_sign_in_accounts.map((l: { issuer: string; email: string }) => [l.issuer, l.email]),
      [[oneLogin.issuer, 'existing@example.com']],
    );
    assert.deepEqual(data.passkeys, []);

    // With no email left, this linked account is the only way in: it cannot be removed.
    await t.app.services.db.query('delete from account_emails where tenant_id = $1 and account_id = $2', [
      t.tenants.northshire.id,
      before!.id,
    ]);
    const refused = await resident.post('/account/sign-in-methods', '/account/identities/remove', {
      issuer: oneLogin.issuer,
      subject: 'urn:fdc:gov.uk:2022:second',
    });
    assert.equal(refused.headers.location, '/account/sign-in-methods');
    assert.match(
      textOf((await resident.get('/account/sign-in-methods')).body),
      /This is your only way to sign in/,
    );
    const [still] = await t.app.services.db.query<{ n: number }>(
      'select count(*)::int as n from account_identities where tenant_id = $1 and account_id = $2',
      [t.tenants.northshire.id, before!.id],
    );
    assert.equal(still!.n, 1);
  });

  it('links nothing and signs nobody in without the code mailed to the existing account', async () => {
    const owner = visitor(t, northshire);
    await signInWithCode(owner, 'guarded@example.com');
    const [ownerAccount] = await t.app.services.db.query<{ id: string }>(
      `select account_id as id from account_emails where tenant_id = $1 and email = 'guarded@example.com'`,
      [t.tenants.northshire.id],
    );
    const subject = 'urn:fdc:gov.uk:2022:claims-guarded';
    const linkedTo = async () =>
      (
        await t.app.services.db.query<{ accountId: string }>(
          `select account_id as "accountId" from account_identities where tenant_id = $1 and subject = $2`,
          [t.tenants.northshire.id, subject],
        )
      ).map((r) => r.accountId);

    // Someone whose provider vouches for the owner's address, without holding the mailbox.
    oneLogin.user = { sub: subject, email: 'guarded@example.com', email_verified: true };
    const other = visitor(t, northshire);
    const started = await other.get('/sign-in/oidc/one-login');
    const back = await other.get(pathOf(await followProvider(oneLogin, started.headers.location as string)));
    assert.equal(back.headers.location, '/sign-in/oidc-link');

    // No code asked for yet: the code page sends back to the question, and a posted code does nothing.
    assert.equal((await other.get('/sign-in/oidc-link/code')).headers.location, '/sign-in/oidc-link');
    const early = await other.post('/sign-in/oidc-link', '/sign-in/oidc-link/code', { code: '123456' });
    assert.equal(early.headers.location, '/sign-in/oidc-link');

    const asked = await other.post('/sign-in/oidc-link', '/sign-in/oidc-link', { choice: 'link' });
    assert.equal(asked.headers.location, '/sign-in/oidc-link/code');
    const code = await linkCodeFor('guarded@example.com');
    const wrong = code === '000000' ? '000001' : '000000';

    const empty = await other.post('/sign-in/oidc-link/code', '/sign-in/oidc-link/code', { code: '' });
    assert.equal(empty.statusCode, 400);
    assert.match(textOf(empty.body), /There is a problem.*Enter the 6-digit code from the email/);
    const incorrect = await other.post('/sign-in/oidc-link/code', '/sign-in/oidc-link/code', { code: wrong });
    assert.equal(incorrect.statusCode, 400);
    assert.match(incorrect.body, /<title>Error: Check your email/);
    assert.match(textOf(incorrect.body), /There is a problem.*The code is not right/);
    assert.match(incorrect.body, /href="#code"/);
    assert.deepEqual(await linkedTo(), []);
    assert.equal((await other.get('/account')).statusCode, 303);
    // The owner sees the wrong code among their account's activity.
    const [failed] = await t.app.services.db.query<{ details: { purpose: string } }>(
      `select details from audit_log where tenant_id = $1 and action = 'resident.sign-in-failed' and subject_id = $2`,
      [t.tenants.northshire.id, ownerAccount!.id],
    );
    assert.equal(failed?.details.purpose, 'link-identity');

    // Five tries a code: after them even the right one is refused, and nothing has changed.
    for (let i = 0; i < 4; i++)
      await other.post('/sign-in/oidc-link/code', '/sign-in/oidc-link/code', { code: wrong });
    const late = await other.post('/sign-in/oidc-link/code', '/sign-in/oidc-link/code', { code });
    assert.equal(late.statusCode, 400);
    assert.match(textOf(late.body), /This code has expired or has been used too many times/);
    assert.deepEqual(await linkedTo(), []);
    assert.equal((await other.get('/account')).statusCode, 303);
    const resident = await t.app.services.db.query(
      `select 1 from sessions where tenant_id = $1 and data->'resident'->>'accountId' = $2`,
      [t.tenants.northshire.id, ownerAccount!.id],
    );
    assert.equal(resident.length, 1, 'only the owner is signed in to the account');

    // The page in Welsh.
    await other.get('/sign-in/oidc-link/code?lang=cy');
    const welsh = textOf((await other.get('/sign-in/oidc-link/code')).body);
    assert.match(welsh, /Gwiriwch eich e-bost/);
    assert.match(welsh, /I gysylltu GOV\.UK One Login \(Cymraeg\) â'ch cyfrif, rhowch y cod/);
    assert.match(welsh, /Anfon cod newydd/);

    // "A separate account" still needs no code, and leaves the address with its owner.
    const separate = await other.post('/sign-in/oidc-link', '/sign-in/oidc-link', { choice: 'new' });
    assert.equal(separate.headers.location, '/account');
    const [made] = await linkedTo();
    assert.ok(made && made !== ownerAccount!.id);
    assert.doesNotMatch((await other.get('/account')).body, /guarded@example\.com/);
  });

  it('says plainly when a provider is down and offers the other ways in', async () => {
    const deadPort = await freePort();
    await addProvider({
      audience: 'residents',
      slug: 'broken',
      labelEn: 'Broken Login',
      labelCy: 'Mewngofnodi wedi torri',
      issuer: `http://127.0.0.1:${deadPort}`,
      clientId: 'x',
      authMethod: 'client_secret_basic',
      clientSecret: 'never-shown-again',
    });
    const resident = visitor(t, northshire);
    const down = await resident.get('/sign-in/oidc/broken');
    assert.equal(down.statusCode, 503);
    const text = textOf(down.body);
    assert.match(text, /Broken Login is not working at the moment/);
    assert.match(down.body, /href="\/sign-in"/);
    assert.match(down.body, /href="\/sign-in\/passkey"/);
    assert.match(down.body, /href="\/sign-in\/oidc\/one-login"/);
  });

  it('never shows a client secret back, and refuses bad settings with an error summary', async () => {
    const list = await admin.get('/staff/identity');
    const broken = /href="\/staff\/identity\/([0-9a-f-]{36})">Broken Login/.exec(list.body)?.[1];
    assert.ok(broken);
    const page = await admin.get(`/staff/identity/${broken}`);
    assert.doesNotMatch(page.body, /never-shown-again/);
    const [row] = await t.app.services.db.query<{ enc: string }>(
      `select client_secret_enc as enc from identity_providers where tenant_id = $1 and id = $2`,
      [t.tenants.northshire.id, broken],
    );
    assert.doesNotMatch(row!.enc, /never-shown-again/);

    const bad = await admin.post('/staff/identity/new', '/staff/identity', {
      audience: 'residents',
      slug: 'Not A Slug',
      issuer: 'ftp://example.com',
      clientId: '',
      authMethod: 'client_secret_basic',
      scopes: 'email',
      labelEn: '',
      roleMap: 'x=emperor',
    });
    assert.equal(bad.statusCode, 400);
    const text = textOf(bad.body);
    for (const message of [
      /Enter a short name of lower-case letters/,
      /Enter the issuer as a full address/,
      /Enter the client ID/,
      /Enter the client secret/,
      /Enter the scopes, including openid/,
      /Enter a name for the button/,
      /Write one value=role a line/,
    ])
      assert.match(text, message);
    const [n] = await t.app.services.db.query<{ n: number }>(
      `select count(*)::int as n from identity_providers where tenant_id = $1 and slug not in ('one-login', 'broken', 'gov-uk-one-login')`,
      [t.tenants.northshire.id],
    );
    assert.equal(n!.n, 0);
  });

  it("keeps one council's providers from another's residents and staff", async () => {
    const resident = visitor(t, riverford);
    const page = await resident.get('/sign-in');
    assert.doesNotMatch(page.body, /One Login/);
    assert.equal((await resident.get('/sign-in/oidc/one-login')).statusCode, 404);
    const riverfordAdmin = await signInStaff(t, riverford, 'admin@riverford.example');
    const list = await riverfordAdmin.get('/staff/identity');
    assert.equal(list.statusCode, 200);
    // Its own switched-off One Login entry (the demo seed), none of Northshire's.
    assert.match(textOf(list.body), /GOV\.UK One Login/);
    assert.doesNotMatch(
      list.body,
      /Broken Login|\/staff\/identity\/(?:[0-9a-f-]{36})">GOV\.UK One Login \(Cymraeg\)/,
    );
    const [theirs] = await t.app.services.db.query<{ id: string }>(
      `select id from identity_providers where tenant_id = $1 and slug = 'one-login'`,
      [t.tenants.northshire.id],
    );
    assert.equal((await riverfordAdmin.get(`/staff/identity/${theirs!.id}`)).statusCode, 404);
  });
});

describe("staff single sign-on through the council's own provider", () => {
  let idp: TestProvider;
  let providerId: string;

  before(async () => {
    const port = await reservePort();
    const page = await addProvider({
      audience: 'staff',
      slug: 'northshire-ad',
      labelEn: 'Northshire staff account',
      labelCy: 'Cyfrif staff Northshire',
      issuer: `http://127.0.0.1:${port}`,
      clientId: 'doorstep-staff',
      authMethod: 'client_secret_basic',
      clientSecret: 'staff-client-secret',
      scopes: 'openid email profile groups',
      roleClaim: 'groups',
      roleMap: 'doorstep-officers=case-officer\ndoorstep-analysts=analyst',
    });
    providerId = /action="\/staff\/identity\/([0-9a-f-]{36})"/.exec(page.body)![1]!;
    idp = await startTestProvider({
      port,
      clients: [
        {
          client_id: 'doorstep-staff',
          client_secret: 'staff-client-secret',
          token_endpoint_auth_method: 'client_secret_basic',
          redirect_uris: ['http://northshire.localhost/staff/sign-in/sso/northshire-ad/callback'],
        },
      ],
      user: {
        sub: 'ad-1001',
        email: 'new.officer@northshire.example',
        email_verified: true,
        given_name: 'Nia',
        family_name: 'Officer',
        groups: ['doorstep-officers'],
      },
    });
    providers.push(idp);
  });

  const ssoSignIn = async () => {
    const who = visitor(t, northshire);
    const page = await who.get('/staff/sign-in');
    assert.match(textOf(page.body), /Sign in with Northshire staff account/);
    const started = await who.get('/staff/sign-in/sso/northshire-ad');
    assert.equal(started.statusCode, 303, started.body);
    const back = await who.get(pathOf(await followProvider(idp, started.headers.location as string)));
    return { who, back };
  };

  it('adds someone with a mapped role, then asks for our second factor', async () => {
    const { back } = await ssoSignIn();
    assert.equal(back.headers.location, '/staff/sign-in/set-up', textOf(back.body).slice(0, 500));
    const [user] = await t.app.services.db.query<{ role: string; name: string }>(
      `select role, name from staff_users where tenant_id = $1 and email = 'new.officer@northshire.example'`,
      [t.tenants.northshire.id],
    );
    assert.deepEqual(user, { role: 'case-officer', name: 'Nia Officer' });
  });

  it('leaves the second factor to the provider when an administrator says so, and maps the role', async () => {
    const page = await admin.get(`/staff/identity/${providerId}`);
    const form = {
      audience: 'staff',
      slug: 'northshire-ad',
      labelEn: 'Northshire staff account',
      labelCy: 'Cyfrif staff Northshire',
      issuer: idp.issuer,
      clientId: 'doorstep-staff',
      authMethod: 'client_secret_basic',
      scopes: 'openid email profile groups',
      enabled: 'yes',
      roleClaim: 'groups',
      roleMap: 'doorstep-officers=case-officer\ndoorstep-analysts=analyst',
      trustSecondFactor: 'yes',
      _csrf: csrfFrom(page.body),
    };
    const saved = await t.app.inject({
      method: 'POST',
      url: `/staff/identity/${providerId}`,
      headers: { ...northshire, cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(form).toString(),
    });
    assert.equal(saved.statusCode, 303, textOf(saved.body).slice(0, 1000));

    idp.user = {
      sub: 'ad-2002',
      email: 'officer@northshire.example',
      email_verified: true,
      groups: ['doorstep-analysts'],
    };
    const { who, back } = await ssoSignIn();
    assert.equal(back.headers.location, '/staff');
    const home = await who.get('/staff');
    assert.equal(home.statusCode, 200);
    assert.match(textOf(home.body), /officer@northshire\.example/);
    const [user] = await t.app.services.db.query<{ role: string }>(
      `select role from staff_users where tenant_id = $1 and email = 'officer@northshire.example'`,
      [t.tenants.northshire.id],
    );
    assert.equal(user!.role, 'analyst');
  });

  it('turns away someone the council has not added and whose claims map to no role', async () => {
    idp.user = { sub: 'ad-3003', email: 'stranger@example.com', email_verified: true, groups: ['visitors'] };
    const { who, back } = await ssoSignIn();
    assert.equal(back.statusCode, 403);
    assert.match(textOf(back.body), /You do not have a staff account here/);
    assert.equal((await who.get('/staff')).headers.location, '/staff/sign-in');
  });
});

describe('passkeys over HTTP', () => {
  it('signs nobody in with an answer that does not verify, and says so on the page', async () => {
    const resident = visitor(t, northshire);
    const page = await resident.get('/sign-in/passkey');
    assert.equal(page.statusCode, 200);
    // The ceremony's options are on the page for the script; the emailed code is offered beside it.
    assert.match(
      page.body,
      /data-passkey="authenticate" data-options="\{&quot;rpId&quot;:&quot;northshire\.localhost&quot;/,
    );
    assert.match(page.body, /src="\/assets\/identity\/passkeys\.js"/);
    const refused = await resident.post('/sign-in/passkey', '/sign-in/passkey', {
      credential: JSON.stringify({ id: 'not-a-credential', rawId: 'x', type: 'public-key', response: {} }),
    });
    assert.equal(refused.statusCode, 400);
    assert.match(textOf(refused.body), /The passkey did not work/);
    assert.equal((await resident.get('/account')).statusCode, 303);
  });

  it('serves the passkey scripts from our own origin', async () => {
    for (const file of ['passkeys.js', 'index.umd.min.js']) {
      const res = await t.app.inject({ url: `/assets/identity/${file}`, headers: northshire });
      assert.equal(res.statusCode, 200, file);
      assert.match(String(res.headers['content-type']), /javascript/);
    }
    assert.equal(
      (await t.app.inject({ url: '/assets/identity/package.json', headers: northshire })).statusCode,
      404,
    );
  });

  it('lists the ways a resident signs in, the emailed code always among them', async () => {
    const resident = visitor(t, northshire);
    await signInWithCode(resident, 'methods@example.com');
    const page = await resident.get('/account/sign-in-methods');
    assert.equal(page.statusCode, 200);
    const text = textOf(page.body);
    assert.match(text, /You can always sign in with a code sent to one of your email addresses/);
    assert.match(text, /You have not added a passkey/);
    assert.match(page.body, /<input type="hidden" name="provider" value="one-login">/);

    // Linking starts only from that form: a link from elsewhere, followed while signed in, attaches nothing.
    oneLogin.user = {
      sub: 'urn:fdc:gov.uk:2022:linked-later',
      email: 'someone.else@example.com',
      email_verified: true,
    };
    assert.equal((await resident.get('/sign-in/oidc/one-login')).headers.location, '/account');
    const started = await resident.post('/account/sign-in-methods', '/account/identities/link', {
      provider: 'one-login',
    });
    assert.equal(started.statusCode, 303);
    const back = await resident.get(
      pathOf(await followProvider(oneLogin, started.headers.location as string)),
    );
    assert.equal(back.headers.location, '/account/sign-in-methods');
    const after = textOf((await resident.get('/account/sign-in-methods')).body);
    assert.match(after, /Account linked/);
    assert.match(after, /someone\.else@example\.com/);
    // The account's own address hears of the change, through the outbox.
    const notices = await t.app.services.db.query<{ payload: { subject: string; text: string } }>(
      `select payload from jobs where kind = 'mail.send' and payload->>'to' = 'methods@example.com'
        and payload->>'subject' like 'A new way to sign in%'`,
    );
    assert.equal(notices.length, 1);
    assert.match(notices[0]!.payload.text, /GOV\.UK One Login/);
  });
});

describe('parsePairs', () => {
  it('reads name=value lines and refuses anything else', () => {
    assert.deepEqual(parsePairs('vtr=["Cl.Cm"]\n\n a = b=c '), { vtr: '["Cl.Cm"]', a: 'b=c' });
    assert.equal(parsePairs('no equals'), undefined);
    assert.equal(parsePairs('=value'), undefined);
  });
});
