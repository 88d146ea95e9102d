/**
 * Signing in through an external OpenID provider in Chromium, without JavaScript, at 320px:
 * GOV.UK One Login is played by a real oidc-provider on 127.0.0.1; the resident already has
 * an account with the address it vouches for, so they are asked before it is linked, and a code
 * is mailed to that address to prove the account is theirs. Also the page for a provider that
 * is down, and the administrators' provider pages. Axe, the horizontal-scroll and CSP checks
 * on every page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { northshire } from '../support/app.ts';
import { reservePort, startTestProvider, type TestProvider } from '../support/openid-provider.ts';
import { freePort } from '../support/server.ts';
import { signInStaff, type Visitor, visitor } from '../support/staff.ts';
import {
  audit,
  type BrowserSuite,
  clickAndWait,
  deliverOutbox,
  startBrowserSuite,
} from './support/browser.ts';

let suite: BrowserSuite;
let provider: TestProvider | undefined;
let admin: Visitor;
const email = 'one.login.browser@example.com';

before(async () => {
  suite = await startBrowserSuite();
  admin = await signInStaff(suite.app, northshire, 'admin@northshire.example');
});

after(async () => {
  await provider?.close();
  await suite?.close();
});

const text = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();
const path = (page: Page) => new URL(page.url()).pathname;

async function addProvider(form: Record<string, string>) {
  const saved = await admin.post('/staff/identity/new', '/staff/identity', {
    audience: 'residents',
    scopes: 'openid email',
    enabled: 'yes',
    authMethod: 'client_secret_basic',
    ...form,
  });
  assert.equal(saved.statusCode, 303);
  return saved.headers.location as string;
}

describe('external OpenID providers', () => {
  test('a resident signs in with One Login and links it to the account they already have', async () => {
    const port = await reservePort();
    await addProvider({
      slug: 'one-login',
      labelEn: 'GOV.UK One Login',
      labelCy: 'GOV.UK One Login',
      issuer: `http://127.0.0.1:${port}`,
      clientId: 'doorstep-browser',
      clientSecret: 'browser-test-secret',
      extraParams: 'vtr=["Cl.Cm"]',
    });
    provider = await startTestProvider({
      port,
      clients: [
        {
          client_id: 'doorstep-browser',
          client_secret: 'browser-test-secret',
          token_endpoint_auth_method: 'client_secret_basic',
          redirect_uris: [suite.url('northshire', '/sign-in/oidc/one-login/callback')],
        },
      ],
      user: { sub: 'urn:fdc:gov.uk:2022:browser', email, email_verified: true },
    });
    // The account exists already: made with an emailed code.
    const earlier = visitor(suite.app, northshire);
    await earlier.post('/sign-in', '/sign-in', { email });
    assert.equal(
      (await suite.app.app.services.db.query(`select 1 from jobs where payload->>'to' = $1`, [email])).length,
      1,
    );
    const [job] = await suite.app.app.services.db.query<{ payload: { text: string } }>(
      `select payload from jobs where payload->>'to' = $1`,
      [email],
    );
    await earlier.post('/sign-in/code', '/sign-in/code', {
      code: /\b(\d{6})\b/.exec(job!.payload.text)![1]!,
    });

    const opened = await suite.openPage({ javaScript: false, width: 320 });
    const { page } = opened;
    try {
      await page.goto(suite.url('northshire', '/sign-in'));
      await audit(opened, 'identity-sign-in-options');
      await clickAndWait(page, page.getByRole('link', { name: 'Sign in with GOV.UK One Login' }));
      await page.waitForURL((url) => url.pathname === '/sign-in/oidc-link');
      assert.equal(text(await page.locator('h1').textContent()), 'Link to your existing account?');
      await audit(opened, 'identity-link');
      await clickAndWait(page, page.getByRole('button', { name: 'Continue' }));
      assert.match(
        text(await page.locator('.govuk-error-summary').textContent()),
        /Select what you want to do/,
      );
      await audit(opened, 'identity-link-error');
      await page.getByLabel('Yes, link it to my account').check();
      await clickAndWait(page, page.getByRole('button', { name: 'Continue' }));
      // Linked only once the code mailed to the account's address is entered.
      assert.equal(path(page), '/sign-in/oidc-link/code');
      assert.equal(text(await page.locator('h1').textContent()), 'Check your email');
      await audit(opened, 'identity-link-code');
      await deliverOutbox(suite);
      const mail = (await suite.app.app.inject({ url: '/dev/mail.json', headers: northshire })).json() as {
        to: string;
        subject: string;
      }[];
      const code = /\b(\d{6})\b/.exec(
        mail.find((m) => m.to === email && /to link GOV\.UK One Login/.test(m.subject))?.subject ?? '',
      )?.[1];
      assert.ok(code, 'a link code was mailed');
      await page.getByLabel('Enter the 6-digit code').fill(code);
      await clickAndWait(page, page.getByRole('button', { name: 'Continue' }));
      assert.equal(path(page), '/account');
      assert.match(text(await page.locator('main').textContent()), new RegExp(email.replace(/\./g, '\\.')));
      assert.equal(provider.authorizationRequests.at(-1)!.searchParams.get('vtr'), '["Cl.Cm"]');
    } finally {
      await opened.close();
    }
  });

  test('a provider that is down gets a clear page offering the other ways in', async () => {
    await addProvider({
      slug: 'down',
      labelEn: 'Example Login',
      labelCy: 'Mewngofnodi Enghreifftiol',
      issuer: `http://127.0.0.1:${await freePort()}`,
      clientId: 'x',
      clientSecret: 'y',
    });
    const opened = await suite.openPage({ javaScript: false, width: 320 });
    try {
      const response = await opened.page.goto(suite.url('northshire', '/sign-in/oidc/down'));
      assert.equal(response?.status(), 503);
      assert.equal(
        text(await opened.page.locator('h1').textContent()),
        'Example Login is not working at the moment',
      );
      await audit(opened, 'identity-provider-down');
    } finally {
      await opened.close();
    }
  });

  test("administrators' provider pages", async () => {
    const opened = await suite.openPage({ javaScript: false, width: 320 });
    const { page } = opened;
    try {
      const [name, value] = admin.cookie
        .split('; ')
        .map((c) => c.split('='))
        .find(([n]) => n === 'doorstep_session')!;
      await opened.context.addCookies([
        { name: name!, value: value!, domain: 'northshire.localhost', path: '/' },
      ]);
      await page.goto(suite.url('northshire', '/staff/identity'));
      assert.equal(text(await page.locator('h1').textContent()), 'Sign-in providers');
      await audit(opened, 'identity-admin-list');
      await page.goto(suite.url('northshire', '/staff/identity/new'));
      await clickAndWait(page, page.getByRole('button', { name: 'Save provider' }));
      assert.match(text(await page.locator('.govuk-error-summary').textContent()), /Enter the client ID/);
      await audit(opened, 'identity-admin-errors');
      await page.goto(suite.url('northshire', '/staff/identity'));
      // The demo's switched-off One Login entry: saving it with a client ID makes the key pair.
      await clickAndWait(page, page.getByRole('link', { name: 'GOV.UK One Login' }).first());
      assert.equal(await page.locator('#public-jwk').count(), 0);
      await page.getByLabel('Client ID').fill('client-id-from-one-login');
      await clickAndWait(page, page.getByRole('button', { name: 'Save provider' }));
      assert.match(text(await page.locator('#public-jwk').textContent()), /"kty":"RSA"/);
      await audit(opened, 'identity-admin-provider');
    } finally {
      await opened.close();
    }
  });
});
