import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generate } from 'otplib';
import sharp from 'sharp';
import {
  cookiesFrom,
  csrfFrom,
  deliverMail,
  northshire,
  type TestApp,
  testApp,
} from '../../../test/support/app.ts';
import { listAudit } from '../../platform/audit/audit.ts';
import { demoSecretGuardrails, demoTotpSecret } from '../staff/service.ts';
import { processPhoto } from './photos.ts';
import { createReportDeps } from './routes.ts';
import { createReport } from './service.ts';

let t: TestApp;
before(async () => {
  t = await testApp();
});
after(() => t.close());

let step = 0;
const signedIn = new Map<string, Awaited<ReturnType<typeof signIn>>>();
/** Each person signs in once: a TOTP code is accepted once per 30-second step. */
async function staff(email: string) {
  const known = signedIn.get(email);
  if (known) return known;
  const made = await signIn(email);
  signedIn.set(email, made);
  return made;
}

/** A demo member of staff signed in (emailed code, then TOTP), as a cookie jar. */
async function signIn(email: string) {
  let cookie = '';
  const ip = `203.0.113.${++step}`;
  const send = async (method: 'GET' | 'POST', url: string, form?: Record<string, string>) => {
    const res = await t.app.inject({
      method,
      url,
      headers: {
        ...northshire,
        cookie,
        'x-forwarded-for': ip,
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { payload: new URLSearchParams(form).toString() } : {}),
    });
    cookie = cookiesFrom(res, cookie);
    return res;
  };
  const post = async (page: string, url: string, form: Record<string, string>) =>
    send('POST', url, { ...form, _csrf: csrfFrom((await send('GET', page)).body) });
  await post('/staff/sign-in', '/staff/sign-in', { email });
  const [job] = await t.app.services.db.query<{ payload: { text: string } }>(
    `select payload from jobs where kind = 'mail.send' and payload->>'to' = $1 order by created_at desc, id desc limit 1`,
    [email],
  );
  await post('/staff/sign-in/code', '/staff/sign-in/code', {
    code: /\b(\d{6})\b/.exec(job!.payload.text)![1]!,
  });
  const signed = await post('/staff/sign-in/authenticator', '/staff/sign-in/authenticator', {
    code: await generate({ secret: demoTotpSecret, guardrails: demoSecretGuardrails }),
  });
  assert.equal(signed.headers.location, '/staff', signed.body);
  return { get: (url: string) => send('GET', url), post };
}

async function pothole(title: string, email: string, withPhoto = false) {
  const photo = withPhoto
    ? await processPhoto(
        await sharp({ create: { width: 400, height: 300, channels: 3, background: '#444' } })
          .jpeg()
          .toBuffer(),
      )
    : undefined;
  const made = await createReport(createReportDeps(t.app.services), {
    madeOn: t.app.services.tenants.bySlug('northshire')!,
    place: { lat: 52.3307, lng: -1.5196, addressText: 'Market Street' },
    category: 'pothole',
    title,
    description: 'Deep',
    name: 'Pat',
    email,
    phone: null,
    hideName: false,
    extra: { depth: 'deep' },
    photos: photo && !('problem' in photo) ? [photo] : [],
    channel: 'web',
    lang: 'en',
  });
  assert.equal(made.kind, 'created');
  return made.kind === 'created' ? made.report : assert.fail();
}

test('moderation: edit the public title, hide a photo and a report with reasons, mark a duplicate (followers carried over), post a public update that followers get', async () => {
  const a = await pothole('pothole one', 'first@example.com', true);
  const b = await pothole('same pothole again', 'second@example.com');
  const officer = await staff('officer@northshire.example');
  const page = `/staff/reports/${a.reference}`;
  const shown = await officer.get(page);
  assert.equal(shown.statusCode, 200);
  assert.match(shown.body, /first@example.com/);
  const views = await listAudit(t.app.services.db, t.tenants.northshire.id, { limit: 100 });
  assert.ok(views.some((e) => e.action === 'view' && e.subject.id === a.caseId));

  assert.equal(
    (await officer.post(page, `${page}/title`, { title: 'Pothole by County Hall' })).statusCode,
    303,
  );
  const publicPage = await t.app.inject({ url: `/reports/${a.reference}`, headers: northshire });
  assert.match(publicPage.body, /Pothole by County Hall/);
  const photoUrl = /src="(\/reports\/photos\/[0-9a-f-]+)\/thumb"/.exec(publicPage.body)![1]!;
  const photoId = photoUrl.split('/').pop()!;

  const noReason = await officer.post(page, `${page}/photos/${photoId}/hide`, { reason: '' });
  assert.equal(noReason.statusCode, 400);
  assert.match(noReason.body, /govuk-error-summary/);
  assert.equal(
    (await officer.post(page, `${page}/photos/${photoId}/hide`, { reason: 'Shows a face' })).statusCode,
    303,
  );
  assert.equal((await t.app.inject({ url: photoUrl, headers: northshire })).statusCode, 404);

  // B duplicates A: B's follower now follows A.
  const bPage = `/staff/reports/${b.reference}`;
  assert.equal((await officer.post(bPage, `${bPage}/duplicate`, { original: b.reference })).statusCode, 400);
  assert.equal(
    (await officer.post(bPage, `${bPage}/duplicate`, { original: a.reference.toLowerCase() })).statusCode,
    303,
  );
  const bPublic = await t.app.inject({ url: `/reports/${b.reference}`, headers: northshire });
  assert.match(bPublic.body, new RegExp(`href="/reports/${a.reference}"`));
  const followers = await t.app.services.db.query<{ email: string }>(
    'select email from report_followers where tenant_id = $1 and case_id = $2 order by email',
    [t.tenants.northshire.id, a.caseId],
  );
  assert.deepEqual(
    followers.map((f) => f.email),
    ['first@example.com', 'second@example.com'],
  );

  await deliverMail(t, northshire);
  assert.equal(
    (await officer.post(page, `${page}/update`, { status: 'completed', description: 'Filled today' }))
      .statusCode,
    303,
  );
  const mail = await deliverMail(t, northshire);
  for (const to of ['first@example.com', 'second@example.com'])
    assert.ok(
      mail.some(
        (m) =>
          m.to === to && m.subject === `Update on report ${a.reference}` && m.text.includes('Filled today'),
      ),
    );
  assert.match(
    (await t.app.inject({ url: `/reports/${a.reference}`, headers: northshire })).body,
    /Filled today/,
  );

  assert.equal((await officer.post(page, `${page}/hide`, { reason: 'Abusive words' })).statusCode, 303);
  assert.equal((await t.app.inject({ url: `/reports/${a.reference}`, headers: northshire })).statusCode, 404);
  const listed = await t.app.inject({ url: `/open311/v2/requests/${a.reference}.json`, headers: northshire });
  assert.equal(listed.statusCode, 404);

  // An analyst may not moderate.
  const analyst = await staff('analyst@northshire.example');
  assert.equal((await analyst.get(page)).statusCode, 403);
});

test('an administrator creates an API key, sees it once, and it works for Open311; revoked, it does not', async () => {
  const admin = await staff('admin@northshire.example');
  const made = await admin.post('/staff/api-keys', '/staff/api-keys', { name: 'Highways system' });
  assert.equal(made.statusCode, 200);
  const key = /<code id="new-key">([^<]+)<\/code>/.exec(made.body)![1]!;
  const list = await admin.get('/staff/api-keys');
  assert.doesNotMatch(list.body, new RegExp(key));
  const postWith = (apiKey: string) =>
    t.app.inject({
      method: 'POST',
      url: '/open311/v2/requests.json',
      headers: { ...northshire, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        api_key: apiKey,
        service_code: 'pavement',
        lat: '52.3307',
        long: '-1.5196',
        description: 'Loose slab',
      }).toString(),
    });
  assert.equal((await postWith(key)).statusCode, 200);
  const [row] = await t.app.services.db.query<{ id: string }>(
    `select id from api_keys where name = 'Highways system'`,
  );
  assert.equal(
    (await admin.post('/staff/api-keys', `/staff/api-keys/${row!.id}/revoke`, {})).statusCode,
    303,
  );
  assert.equal((await postWith(key)).statusCode, 403);
});

test('staff edit a category: names, due days, its extra questions (a new form version), its back office', async () => {
  const admin = await staff('admin@northshire.example');
  const page = '/staff/report-categories/street-light';
  const bad = await admin.post(page, page, {
    nameEn: '',
    dueDays: '0',
    formJson: '{"nope": true}',
    url: 'ftp://x',
  });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.body, /govuk-error-summary/);
  const form = JSON.parse(
    /<textarea[^>]*id="formJson"[^>]*>([\s\S]*?)<\/textarea>/
      .exec(bad.body)![1]!
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&'),
  );
  form.pages[0].questions[0].label.en = 'What is wrong with the street light?';
  const ok = await admin.post(page, page, {
    nameEn: 'Street light fault',
    nameCy: 'Nam golau stryd',
    dueDays: '7',
    active: 'yes',
    formJson: JSON.stringify(form),
    url: 'https://lighting.example.org/open311/v2',
    jurisdiction: 'northshire',
    serviceCode: 'SL1',
    key: 'secret-key',
  });
  assert.equal(ok.statusCode, 303, ok.body);
  const services = (await t.app.inject({ url: '/open311/v2/services.json', headers: northshire })).json();
  assert.ok(services.some((s: { service_name: string }) => s.service_name === 'Street light fault'));
  const def = (
    await t.app.inject({ url: '/open311/v2/services/street-light.json', headers: northshire })
  ).json();
  assert.equal(def.attributes[0].description, 'What is wrong with the street light?');
  const versions = await t.app.services.db.query(
    'select version from form_definitions where tenant_id = $1 and slug = $2',
    [t.tenants.northshire.id, 'report-street-light'],
  );
  assert.equal(versions.length, 2);
});
