/**
 * Doorstep as OpenID Provider in a real browser, on a 320px phone without JavaScript: a council
 * app sends a resident to /oidc; they sign in with an emailed code, see exactly what the app
 * will receive, allow it, and the app's own server (on 127.0.0.1, another origin) receives
 * the code. That last redirect answers the consent form, so it is also the proof that the
 * consent page's CSP lets the form go to the app. Then the app signs them out through our
 * logout page. Axe, the horizontal-scroll and CSP checks on every page.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { signInStaff } from '../support/staff.ts';
import {
  audit,
  type BrowserSuite,
  clickAndWait,
  signInCodeFromDevMailbox,
  startBrowserSuite,
} from './support/browser.ts';

let suite: BrowserSuite;
let appServer: http.Server;
let appOrigin: string;
/** What reached the app's server: path and query of each request. */
const received: string[] = [];

before(async () => {
  suite = await startBrowserSuite({ TRUST_PROXY: '1' });
  appServer = http.createServer((req, res) => {
    received.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><html lang="en"><title>Council app</title><h1>Council app</h1></html>');
  });
  await new Promise<void>((resolve) => appServer.listen(0, '127.0.0.1', resolve));
  appOrigin = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise((resolve) => appServer.close(resolve));
  await suite?.close();
});

const text = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();
const email = 'oidc.browser@example.com';

describe('signing in to a council app with Doorstep', () => {
  test('sign in, consent and logout pages without JavaScript at 320px; the app receives the code', async () => {
    // An administrator registers the app (over HTTP, as the staff pages do).
    const admin = await signInStaff(suite.app, { host: 'northshire.localhost' }, 'admin@northshire.example');
    const made = await admin.post('/staff/apps/new', '/staff/apps/new', {
      clientId: 'parking-app',
      nameEn: 'Parking permits',
      nameCy: 'Trwyddedau parcio',
      kind: 'confidential',
      redirectUris: `${appOrigin}/callback`,
      postLogoutRedirectUris: `${appOrigin}/signed-out`,
      scopes: ['openid', 'email', 'profile'],
    });
    assert.equal(made.statusCode, 303);

    const opened = await suite.openPage({ javaScript: false, width: 320 });
    const { page } = opened;
    await page.setExtraHTTPHeaders({ 'x-forwarded-for': '203.0.113.77' });
    try {
      const verifier = randomBytes(32).toString('base64url');
      const auth = new URL(suite.url('northshire', '/oidc/auth'));
      for (const [k, v] of Object.entries({
        client_id: 'parking-app',
        response_type: 'code',
        scope: 'openid email profile',
        redirect_uri: `${appOrigin}/callback`,
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
        state: 'state-123',
      }))
        auth.searchParams.set(k, v);
      await page.goto(auth.href);
      assert.equal(new URL(page.url()).pathname, '/sign-in');
      await audit(opened, 'oidc-sign-in');
      await page.getByLabel('Email address').fill(email);
      await clickAndWait(page, page.getByRole('button', { name: 'Send me a code' }));
      await page
        .getByLabel('Enter the 6-digit code')
        .fill(await signInCodeFromDevMailbox(suite, 'northshire', email));
      await clickAndWait(page, page.getByRole('button', { name: 'Continue' }));

      assert.match(new URL(page.url()).pathname, /^\/oidc\/interaction\/[\w-]+$/);
      const main = text(await page.locator('main').textContent());
      assert.match(main, /Parking permits wants to use your council account/);
      assert.match(main, /Email address oidc\.browser@example\.com/);
      assert.doesNotMatch(main, /Phone number|Address /);
      await audit(opened, 'oidc-consent');

      // The same page in Welsh.
      await page.goto(`${page.url()}?lang=cy`);
      assert.match(
        text(await page.locator('main').textContent()),
        /Mae Trwyddedau parcio eisiau defnyddio eich cyfrif cyngor/,
      );
      await audit(opened, 'oidc-consent-cy');
      await page.goto(`${page.url().replace(/\?.*$/, '')}?lang=en`);

      await clickAndWait(page, page.getByRole('button', { name: 'Allow and continue' }));
      assert.ok(
        page.url().startsWith(`${appOrigin}/callback?code=`),
        `the app received the code: ${page.url()}`,
      );
      const callback = new URL(page.url());
      assert.equal(callback.searchParams.get('state'), 'state-123');
      assert.ok(
        received.some((r) => r.startsWith('/callback?code=')),
        'the app’s server received the code',
      );
      opened.assertHealthy();

      // My Account lists the app, with what it receives.
      await page.goto(suite.url('northshire', '/account/apps'));
      assert.match(
        text(await page.locator('main').textContent()),
        /Parking permits Receives: Account identifier, Email address, Name/,
      );
      await audit(opened, 'oidc-account-apps');

      // The app signs the resident out: our logout page, then back to the app.
      const end = new URL(suite.url('northshire', '/oidc/session/end'));
      end.searchParams.set('client_id', 'parking-app');
      end.searchParams.set('post_logout_redirect_uri', `${appOrigin}/signed-out`);
      await page.goto(end.href);
      assert.match(text(await page.locator('main').textContent()), /Parking permits asked to sign you out/);
      await audit(opened, 'oidc-logout');
      await clickAndWait(page, page.getByRole('button', { name: 'Yes, sign me out' }));
      assert.equal(page.url(), `${appOrigin}/signed-out`);
      opened.assertHealthy();
      await page.goto(suite.url('northshire', '/account'));
      assert.equal(new URL(page.url()).pathname, '/sign-in', 'the Doorstep session has ended too');
    } finally {
      await opened.close();
    }

    // The staff pages for council apps, with the administrator's session (signed in over HTTP).
    const staff = await suite.openPage({ javaScript: false, width: 320 });
    try {
      await staff.context.addCookies(
        admin.cookie
          .split(/;\s*/)
          .filter(Boolean)
          .map((pair) => {
            const [name, value] = pair.split('=') as [string, string];
            return { name, value, domain: 'northshire.localhost', path: '/' };
          }),
      );
      await staff.page.goto(suite.url('northshire', '/staff/apps'));
      assert.match(text(await staff.page.locator('main').textContent()), /Parking permits/);
      await audit(staff, 'oidc-staff-apps');
      await staff.page.goto(suite.url('northshire', '/staff/apps/new'));
      await clickAndWait(staff.page, staff.page.getByRole('button', { name: 'Register app' }));
      assert.equal(await staff.page.locator('.govuk-error-summary').count(), 1);
      await audit(staff, 'oidc-staff-app-errors');
      await staff.page.goto(suite.url('northshire', '/staff/apps/parking-app'));
      await clickAndWait(staff.page, staff.page.getByRole('button', { name: 'Make a new secret' }));
      assert.equal(await staff.page.locator('#secret code').count(), 1, 'the new secret is shown once');
      await audit(staff, 'oidc-staff-app');
    } finally {
      await staff.close();
    }
  });
});
