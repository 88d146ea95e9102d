import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  cookiesFrom,
  csrfFrom,
  deliverMail,
  northshire,
  riverford,
  type TestApp,
  testApp,
} from '../../../test/support/app.ts';
import { binForm, publishForm } from '../../../test/support/forms.ts';

let t: TestApp;
before(async () => {
  t = await testApp();
  await publishForm(t.app.services.db, t.tenants.riverford.id, binForm());
});
after(() => t.close());

let visitors = 0;
/** A browser without JavaScript: a cookie jar, the last CSRF token seen, an address of its own. */
function browser(host = riverford) {
  visitors += 1;
  const remoteAddress = `10.2.${visitors >> 8}.${visitors & 255}`;
  let cookie = '';
  let csrf = '';
  const b = {
    async get(url: string) {
      const res = await t.app.inject({ url, remoteAddress, headers: { ...host, cookie } });
      cookie = cookiesFrom(res, cookie);
      if (res.statusCode < 300 && /name="_csrf"/.test(res.body)) csrf = csrfFrom(res.body);
      return res;
    },
    async post(url: string, fields: Record<string, string | string[]> = {}) {
      const body = new URLSearchParams();
      body.append('_csrf', csrf);
      for (const [k, v] of Object.entries(fields)) for (const x of [v].flat()) body.append(k, x);
      const res = await t.app.inject({
        method: 'POST',
        url,
        remoteAddress,
        headers: { ...host, cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: body.toString(),
      });
      cookie = cookiesFrom(res, cookie);
      return res;
    },
    /** Asks for a code and types the one the email brought; returns where sign-in led. */
    async signIn(email: string, returnTo?: string) {
      await b.get(`/sign-in${returnTo ? `?returnTo=${encodeURIComponent(returnTo)}` : ''}`);
      const asked = await b.post('/sign-in', { email, ...(returnTo ? { returnTo } : {}) });
      assert.equal(asked.headers.location, '/sign-in/code');
      const code = await latestCode(email, host);
      await b.get('/sign-in/code');
      const res = await b.post('/sign-in/code', { code });
      assert.equal(res.statusCode, 303, res.body.slice(0, 500));
      return res.headers.location as string;
    },
    get cookie() {
      return cookie;
    },
  };
  return b;
}

async function latestCode(email: string, host = riverford): Promise<string> {
  const mail = await deliverMail(t, host);
  const message = mail.find(
    (m) => m.to.toLowerCase() === email.toLowerCase() && /sign-in code/.test(m.subject),
  );
  const code = /\b(\d{6})\b/.exec(message?.subject ?? '')?.[1];
  assert.ok(code, `a code was mailed to ${email}`);
  return code;
}

const form = '/forms/missed-bin-collection';

/** A guest sends the missed bin form with this email; returns the reference. */
async function guestReport(email: string): Promise<string> {
  const g = browser();
  await g.get(`${form}/which-bin`);
  await g.post(`${form}/which-bin`, { binType: 'refuse' });
  await g.get(`${form}/contact`);
  await g.post(`${form}/contact`, { email });
  await g.get(`${form}/check`);
  await g.post(`${form}/submit`);
  const done = await g.get(`${form}/done`);
  const reference = /(RF-[0-9A-Z]{4}-[0-9A-Z]{4})/.exec(done.body)?.[1];
  assert.ok(reference);
  return reference;
}

describe('signing in with an emailed code', () => {
  it('gives a known and an unknown address the same answer, and needs no account beforehand', async () => {
    const first = browser();
    const location = await first.signIn('new.person@example.com');
    assert.equal(location, '/account', 'a new address makes an account');
    const known = browser();
    const unknown = browser();
    await known.get('/sign-in');
    await unknown.get('/sign-in');
    const a = await known.post('/sign-in', { email: 'new.person@example.com' });
    const b = await unknown.post('/sign-in', { email: 'nobody.yet@example.com' });
    assert.deepEqual([a.statusCode, a.headers.location], [b.statusCode, b.headers.location]);
    const pageA = (await known.get('/sign-in/code')).body;
    const pageB = (await unknown.get('/sign-in/code')).body;
    const strip = (html: string) =>
      html.replace(/name="_csrf" value="[^"]+"/, '').replace(/[a-z.]+@example\.com/g, 'EMAIL');
    assert.equal(strip(pageA), strip(pageB));
  });

  it('asks for the code with autocomplete="one-time-code", refuses a wrong one, and signs in once', async () => {
    const b = browser();
    await b.get('/sign-in');
    await b.post('/sign-in', { email: 'once@example.com' });
    const page = await b.get('/sign-in/code');
    assert.match(page.body, /autocomplete="one-time-code"/);
    const code = await latestCode('once@example.com');
    const wrong = await b.post('/sign-in/code', { code: code === '000000' ? '111111' : '000000' });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /govuk-error-summary/);
    assert.match(wrong.body, /href="#code"/);
    const right = await b.post('/sign-in/code', { code });
    assert.equal(right.headers.location, '/account');
    const again = browser();
    await again.get('/sign-in');
    await again.post('/sign-in', { email: 'once@example.com' });
    await again.get('/sign-in/code');
    const reused = await again.post('/sign-in/code', { code });
    assert.equal(reused.statusCode, 400, 'a used code does not sign anyone in again');
  });

  it('explains a badly typed address and sends nothing', async () => {
    const b = browser();
    await b.get('/sign-in');
    const res = await b.post('/sign-in', { email: 'not an address' });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /Enter an email address in the correct format/);
    assert.match(res.body, /value="not an address"/);
  });

  it('sends a person who is not signed in from My Account to sign in, and back afterwards', async () => {
    const b = browser();
    const res = await b.get('/account/details');
    assert.equal(res.headers.location, `/sign-in?returnTo=${encodeURIComponent('/account/details')}`);
    assert.equal(await b.signIn('returning@example.com', '/account/details'), '/account/details');
    assert.equal((await b.get('/account/details')).statusCode, 200);
  });

  it("keeps a council's sign-in to that council", async () => {
    const b = browser();
    await b.signIn('two.councils@example.com');
    const other = await t.app.inject({ url: '/account', headers: { ...northshire, cookie: b.cookie } });
    assert.equal(other.statusCode, 303);
    assert.match(String(other.headers.location), /^\/sign-in/);
  });
});

describe('what a guest sent, claimed into an account', () => {
  it('offers the guest submissions of the proved email only, and moves those chosen into the account', async () => {
    const mine = await guestReport('Claimer@Example.com');
    const theirs = await guestReport('someone.else@example.com');
    const b = browser();
    const location = await b.signIn('claimer@example.com');
    assert.equal(location, '/account/claim');
    const claim = await b.get('/account/claim');
    assert.match(claim.body, new RegExp(mine));
    assert.doesNotMatch(claim.body, new RegExp(theirs));
    const ids = [...claim.body.matchAll(/name="cases" type="checkbox" value="([0-9a-f-]{36})"/g)].map(
      (m) => m[1]!,
    );
    assert.equal(ids.length, 1);
    // A crafted post naming someone else's case claims nothing of theirs.
    const [other] = await t.app.services.db.query<{ id: string }>(
      'select id from cases where tenant_id = $1 and reference = $2',
      [t.tenants.riverford.id, theirs],
    );
    const res = await b.post('/account/claim', { cases: [...ids, other!.id] });
    assert.equal(res.headers.location, '/account');
    const account = await b.get('/account');
    assert.match(account.body, new RegExp(mine));
    assert.doesNotMatch(account.body, new RegExp(theirs));
    assert.match(account.body, /We have added them to your account/);
    const [row] = await t.app.services.db.query<{ account_id: string | null }>(
      'select account_id from cases where tenant_id = $1 and reference = $2',
      [t.tenants.riverford.id, theirs],
    );
    assert.equal(row!.account_id, null);
    // The confirmation email the council sent is in the account too.
    assert.match(account.body, new RegExp(`Missed bin collection[^<]*${mine}|${mine}`));
  });

  it('puts what a signed-in person sends straight into their account, with their email filled in', async () => {
    const b = browser();
    await b.signIn('prefill@example.com');
    await b.get(`${form}/which-bin`);
    await b.post(`${form}/which-bin`, { binType: 'recycling' });
    const contact = await b.get(`${form}/contact`);
    assert.match(contact.body, /value="prefill@example.com"/, "the account's email is offered");
    await b.post(`${form}/contact`, { email: 'prefill@example.com' });
    await b.get(`${form}/check`);
    await b.post(`${form}/submit`);
    const done = await b.get(`${form}/done`);
    const reference = /(RF-[0-9A-Z]{4}-[0-9A-Z]{4})/.exec(done.body)![1]!;
    const account = await b.get('/account');
    assert.match(account.body, new RegExp(reference));
  });
});

describe('My Account', () => {
  it('keeps details only when they make sense, and explains what is wrong', async () => {
    const b = browser();
    await b.signIn('details@example.com');
    await b.get('/account/details');
    const bad = await b.post('/account/details', {
      givenName: 'Jo',
      phone: '12345',
      preferredChannel: 'phone',
    });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /href="#phone"/);
    assert.match(bad.body, /value="Jo"/);
    let account = await b.get('/account');
    assert.doesNotMatch(account.body, />Jo</, 'nothing was saved');
    const good = await b.post('/account/details', {
      givenName: 'Jo',
      familyName: 'Bloggs',
      phone: '07700 900982',
      preferredLanguage: 'cy',
      preferredChannel: 'phone',
    });
    assert.equal(good.headers.location, '/account');
    account = await b.get('/account');
    assert.match(account.body, /Jo Bloggs/);
    assert.match(account.body, /07700 900982/);
    assert.match(account.body, /Your details are saved/);
  });

  it('keeps the UPRN of an address picked from the gazetteer', async () => {
    const b = browser();
    await b.signIn('address@example.com');
    const found = await b.get('/account/address?postcode=RF1+1AA');
    const uprn = /name="uprn" type="radio" value="(\d+)"/.exec(found.body)?.[1];
    assert.ok(uprn, 'addresses are offered for the postcode');
    const res = await b.post('/account/address', { postcode: 'RF1 1AA', uprn });
    assert.equal(res.headers.location, '/account');
    const data = (await b.get('/account/data.json')).json() as { account: { address: { uprn: string } } };
    assert.equal(data.account.address.uprn, uprn);
    const crafted = await b.post('/account/address', { postcode: 'RF1 1AA', uprn: '999999999999' });
    assert.equal(crafted.statusCode, 400, 'a UPRN the search did not offer is refused');
  });

  it('lists where the person is signed in, and signing out everywhere ends the other session', async () => {
    const phone = browser();
    const laptop = browser();
    await phone.signIn('everywhere@example.com');
    await laptop.signIn('everywhere@example.com');
    const security = await laptop.get('/account/security');
    assert.equal((security.body.match(/this device/g) ?? []).length, 1);
    assert.match(security.body, /Signed in with a code sent by email/);
    assert.equal((await phone.get('/account')).statusCode, 200);
    const res = await laptop.post('/account/sign-out-everywhere');
    assert.equal(res.headers.location, '/sign-in?signedOut=everywhere');
    const after = await phone.get('/account');
    assert.equal(after.statusCode, 303, 'the other session is over');
    assert.equal((await laptop.get('/account')).statusCode, 303);
  });

  it('gives the person their data, and closes the account keeping only what the council must', async () => {
    const reference = await guestReport('closing@example.com');
    const b = browser();
    await b.signIn('closing@example.com');
    await b.get('/account/claim');
    const claim = await b.get('/account/claim');
    const ids = [...claim.body.matchAll(/name="cases" type="checkbox" value="([0-9a-f-]{36})"/g)].map(
      (m) => m[1]!,
    );
    await b.post('/account/claim', { cases: ids });
    const data = await b.get('/account/data.json');
    assert.match(String(data.headers['content-disposition']), /attachment/);
    assert.ok(
      (data.json() as { requests: { reference: string }[] }).requests.some((r) => r.reference === reference),
    );
    const page = await b.get('/account/close');
    assert.match(page.body, new RegExp(reference), 'what is kept is shown first');
    const unconfirmed = await b.post('/account/close');
    assert.equal(unconfirmed.statusCode, 400);
    const closed = await b.post('/account/close', { confirm: 'yes' });
    assert.equal(closed.headers.location, '/sign-in?signedOut=closed');
    const [row] = await t.app.services.db.query<{ account_id: string | null }>(
      'select account_id from cases where tenant_id = $1 and reference = $2',
      [t.tenants.riverford.id, reference],
    );
    assert.equal(row!.account_id, null, 'the case stays, no longer in an account');
    const accounts = await t.app.services.db.query(
      `select 1 from account_emails where tenant_id = $1 and lower(email) = 'closing@example.com'`,
      [t.tenants.riverford.id],
    );
    assert.equal(accounts.length, 0);
  });

  it('adds a second email only once it is proved, and never removes the last', async () => {
    const b = browser();
    await b.signIn('first.address@example.com');
    await b.get('/account/emails/add');
    await b.post('/account/emails/add', { email: 'second.address@example.com' });
    await b.get('/account/emails/code');
    const wrong = await b.post('/account/emails/code', { code: '12345' });
    assert.equal(wrong.statusCode, 400);
    let account = await b.get('/account');
    assert.doesNotMatch(account.body, /second\.address@example\.com/);
    const code = await latestCode('second.address@example.com');
    await b.get('/account/emails/code');
    await b.post('/account/emails/code', { code });
    account = await b.get('/account');
    assert.match(account.body, /second\.address@example\.com/);
    await b.post('/account/emails/remove', { email: 'second.address@example.com' });
    await b.get('/account');
    const last = await b.post('/account/emails/remove', { email: 'first.address@example.com' });
    assert.equal(last.headers.location, '/account');
    account = await b.get('/account');
    assert.match(account.body, /first\.address@example\.com/);
    assert.match(account.body, /needs at least one email address/);
  });
});

describe('alerts a person follows', () => {
  it('lists the reports they follow in My Account, each with a link that stops its emails', async () => {
    const b = browser();
    await b.signIn('follower@example.com');
    let account = await b.get('/account');
    assert.match(account.body, /You do not follow any reports or places/);
    const [report] = await t.app.services.db.query<{ case_id: string; reference: string; title: string }>(
      'select case_id, reference, title from reports where tenant_id = $1 order by created_at limit 1',
      [t.tenants.riverford.id],
    );
    assert.ok(report, 'the demo has reports');
    await t.app.services.db.query(
      `insert into report_followers (tenant_id, case_id, email, confirmed_at) values ($1, $2, $3, now())`,
      [t.tenants.riverford.id, report.case_id, 'follower@example.com'],
    );
    account = await b.get('/account');
    assert.match(account.body, new RegExp(report.reference));
    const stop = /href="(\/reports\/follow\/[^"]+\/stop\?[^"]+)"/.exec(account.body)?.[1];
    assert.ok(stop, 'a stop link is offered');
    const stopped = await b.get(stop.replace(/&amp;/g, '&'));
    assert.equal(stopped.statusCode, 200);
    account = await b.get('/account');
    assert.doesNotMatch(account.body, new RegExp(report.reference));
  });
});
