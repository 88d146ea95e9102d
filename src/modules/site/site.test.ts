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

let t: TestApp;
before(async () => {
  t = await testApp();
});
after(() => t.close());

const feedbackCount = async (tenantId: string) =>
  (
    await t.app.services.db.query<{ n: number }>(
      'select count(*)::int as n from site_feedback where tenant_id = $1',
      [tenantId],
    )
  )[0]!.n;

async function openForm(host = northshire) {
  const page = await t.app.inject({ url: '/feedback?from=/cookies', headers: host });
  assert.equal(page.statusCode, 200);
  return { cookie: cookiesFrom(page), csrf: csrfFrom(page.body), html: page.body };
}

describe('feedback on the website', () => {
  it('sets a session cookie that is HttpOnly and SameSite=Lax, and Secure behind https', async () => {
    const page = await t.app.inject({ url: '/feedback', headers: northshire });
    const cookie = page.cookies.find((c) => c.name === 'doorstep_session');
    assert.equal(cookie?.httpOnly, true);
    assert.equal(cookie?.sameSite, 'Lax');
    assert.equal(cookie?.secure, undefined);

    const behindProxy = await testApp({ TRUST_PROXY: '1' });
    try {
      const secure = await behindProxy.app.inject({
        url: '/feedback',
        headers: { ...northshire, 'x-forwarded-proto': 'https' },
      });
      assert.equal(secure.cookies.find((c) => c.name === 'doorstep_session')?.secure, true);
    } finally {
      await behindProxy.close();
    }
  });

  it('refuses a post without the form’s token and stores nothing', async () => {
    const { cookie } = await openForm();
    const before = await feedbackCount(t.tenants.northshire.id);
    const res = await t.app.inject({
      method: 'POST',
      url: '/feedback',
      headers: { ...northshire, cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'satisfaction=satisfied',
    });
    assert.equal(res.statusCode, 403);
    assert.match(res.body, /This form has expired/);
    assert.equal(await feedbackCount(t.tenants.northshire.id), before);
  });

  it('refuses a token issued to another visitor', async () => {
    const mine = await openForm();
    const theirs = await openForm();
    const res = await t.app.inject({
      method: 'POST',
      url: '/feedback',
      headers: { ...northshire, cookie: mine.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${encodeURIComponent(theirs.csrf)}&satisfaction=satisfied`,
    });
    assert.equal(res.statusCode, 403);
  });

  it('explains a missing answer with an error summary, keeps what was typed, and stores nothing', async () => {
    const { cookie, csrf } = await openForm();
    const before = await feedbackCount(t.tenants.northshire.id);
    const post = await t.app.inject({
      method: 'POST',
      url: '/feedback',
      headers: { ...northshire, cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${encodeURIComponent(csrf)}&comments=${encodeURIComponent('The bins page <b>is</b> hard to find')}`,
    });
    assert.equal(post.statusCode, 303);
    assert.equal(post.headers.location, '/feedback');
    const page = await t.app.inject({
      url: '/feedback',
      headers: { ...northshire, cookie: cookiesFrom(post, cookie) },
    });
    assert.match(page.body, /<title>Error: Give feedback/);
    assert.match(page.body, /govuk-error-summary/);
    assert.match(page.body, /href="#satisfaction">Select how you felt about this website/);
    assert.match(page.body, /The bins page &lt;b&gt;is&lt;\/b&gt; hard to find/);
    assert.equal(await feedbackCount(t.tenants.northshire.id), before);
  });

  it('stores good feedback and emails the council through the outbox', async () => {
    const { cookie, csrf } = await openForm(riverford);
    const post = await t.app.inject({
      method: 'POST',
      url: '/feedback',
      headers: { ...riverford, cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${encodeURIComponent(csrf)}&satisfaction=dissatisfied&comments=Too+many+clicks&from=%2Fcookies`,
    });
    assert.equal(post.statusCode, 303);
    assert.equal(post.headers.location, '/feedback/thank-you');
    assert.equal(await feedbackCount(t.tenants.riverford.id), 1);
    assert.equal(await feedbackCount(t.tenants.northshire.id), 0);

    const mail = await deliverMail(t, riverford);
    assert.equal(mail[0]!.to, 'hello@riverford.example');
    assert.match(mail[0]!.subject, /Website feedback: dissatisfied/);
    assert.match(mail[0]!.text, /Too many clicks/);
    const other = (await t.app.inject({ url: '/dev/mail.json', headers: northshire })).json();
    assert.deepEqual(other, [], 'one council never sees another’s mail');
  });

  it('rate-limits posts from one address', async () => {
    const { cookie, csrf } = await openForm();
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/feedback',
        remoteAddress: '198.51.100.7',
        headers: { ...northshire, cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: `_csrf=${encodeURIComponent(csrf)}`,
      });
      statuses.push(res.statusCode);
    }
    assert.equal(statuses.at(-1), 429);
    const last = await t.app.inject({
      method: 'POST',
      url: '/feedback',
      remoteAddress: '198.51.100.7',
      headers: { ...northshire, cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${encodeURIComponent(csrf)}`,
    });
    assert.match(last.body, /Too many attempts/);
  });
});

describe('the council statements', () => {
  it('shows the stored statement, in Welsh where written, and the default text where left empty', async () => {
    const { saveTexts } = await import('../settings/store.ts');
    await saveTexts(t.app.services.db, t.tenants.riverford.id, {
      accessibilityStatement: {
        en: 'Riverford aims to meet WCAG 2.2 AA.\n\nCall us for help.',
        cy: 'Nod Glan-yr-afon.',
      },
      privacyNotice: { en: '' },
    });
    const en = await t.app.inject({ url: '/accessibility', headers: riverford });
    assert.match(en.body, /<p class="govuk-body">Riverford aims to meet WCAG 2.2 AA.<\/p>/);
    assert.match(en.body, /<p class="govuk-body">Call us for help.<\/p>/);
    const cy = await t.app.inject({ url: '/accessibility', headers: { ...riverford, cookie: 'lang=cy' } });
    assert.match(cy.body, /Nod Glan-yr-afon\./);
    const privacy = await t.app.inject({ url: '/privacy', headers: riverford });
    const fallback = await t.app.inject({ url: '/privacy', headers: northshire });
    assert.equal(privacy.statusCode, 200);
    // Riverford left its notice empty: the default text, as Northshire (never written) shows.
    assert.match(privacy.body, /Information Commissioner|ICO/);
    assert.equal(
      privacy.body.includes('Riverford aims'),
      false,
      'one statement does not stand in for the other',
    );
    assert.ok(fallback.body.length > 0);
  });
});
