/**
 * Staff sign-in in a real browser: a demo case officer of Riverford on a 320px phone without
 * JavaScript signs in with a code read from the dev mailbox and a TOTP code from the demo
 * secret, lands on the staff home, and meets the 403 page on an administrator's page; axe,
 * the horizontal-scroll and CSP checks on every page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generate } from 'otplib';
import { demoSecretGuardrails, demoTotpSecret } from '../../src/modules/staff/service.ts';
import {
  audit,
  type BrowserSuite,
  clickAndWait,
  signInCodeFromDevMailbox,
  startBrowserSuite,
} from './support/browser.ts';

let suite: BrowserSuite;

before(async () => {
  suite = await startBrowserSuite();
});

after(async () => {
  await suite?.close();
});

const text = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();

describe('staff sign-in', () => {
  test('a demo case officer signs in with an emailed code and TOTP, without JavaScript at 320px', async () => {
    const opened = await suite.openPage({ javaScript: false, width: 320 });
    const { page } = opened;
    try {
      await page.goto(suite.url('riverford', '/staff'));
      assert.equal(new URL(page.url()).pathname, '/staff/sign-in');
      assert.equal(text(await page.locator('h1').textContent()), 'Sign in as council staff');
      await audit(opened, 'staff-sign-in');

      // An empty address: the error summary, on an accessible page.
      await clickAndWait(page, page.getByRole('button', { name: 'Send me a code' }));
      assert.match(
        text(await page.locator('.govuk-error-summary').textContent()),
        /Enter your work email address/,
      );
      await audit(opened, 'staff-sign-in-error');

      await page.getByLabel('Work email address').fill('officer@riverford.example');
      await clickAndWait(page, page.getByRole('button', { name: 'Send me a code' }));
      assert.equal(new URL(page.url()).pathname, '/staff/sign-in/code');
      assert.equal(
        await page.getByLabel('Code from the email').getAttribute('autocomplete'),
        'one-time-code',
      );
      await audit(opened, 'staff-code');

      await page
        .getByLabel('Code from the email')
        .fill(await signInCodeFromDevMailbox(suite, 'riverford', 'officer@riverford.example'));
      await clickAndWait(page, page.getByRole('button', { name: 'Continue' }));
      assert.equal(new URL(page.url()).pathname, '/staff/sign-in/authenticator');
      await audit(opened, 'staff-authenticator');

      const totp = await generate({ secret: demoTotpSecret, guardrails: demoSecretGuardrails });
      await page.getByLabel('Code from your authenticator app').fill(totp);
      await clickAndWait(page, page.getByRole('button', { name: 'Sign in' }));
      assert.equal(new URL(page.url()).pathname, '/staff');
      assert.equal(text(await page.locator('h1').textContent()), 'Staff home');
      assert.match(text(await page.locator('main').textContent()), /Your role: Case officer/);
      await audit(opened, 'staff-home');

      // An administrator's page: a clear 403.
      const refused = await page.goto(suite.url('riverford', '/staff/users'));
      assert.equal(refused?.status(), 403);
      assert.equal(text(await page.locator('h1').textContent()), 'You cannot use this page');
      await audit(opened, 'staff-forbidden');

      await clickAndWait(page, page.getByRole('button', { name: 'Sign out' }));
      assert.equal(new URL(page.url()).pathname, '/staff/sign-in');
      assert.match(
        text(await page.locator('.govuk-notification-banner').textContent()),
        /You have signed out/,
      );
      await audit(opened, 'staff-signed-out');
      await page.goto(suite.url('riverford', '/staff'));
      assert.equal(new URL(page.url()).pathname, '/staff/sign-in');
    } finally {
      await opened.close();
    }
  });
});
