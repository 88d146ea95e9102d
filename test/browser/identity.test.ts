/**
 * Passkeys in Chromium with a virtual authenticator (the DevTools protocol's WebAuthn domain):
 * a resident signs in with an emailed code, accepts the offer of a passkey, signs out and
 * signs back in with the passkey alone; a member of staff adds a passkey and uses it as the
 * second factor in place of the authenticator app. Without JavaScript the passkey page says
 * the emailed code still works. Axe, the horizontal-scroll and CSP checks on every page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generate } from 'otplib';
import type { Page } from 'playwright-core';
import { demoSecretGuardrails, demoTotpSecret } from '../../src/modules/staff/service.ts';
import {
  audit,
  type BrowserSuite,
  clickAndWait,
  type OpenedPage,
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
const path = (page: Page) => new URL(page.url()).pathname;

/** A platform authenticator that holds discoverable credentials and says yes at once. */
async function virtualAuthenticator(opened: OpenedPage) {
  const cdp = await opened.page.context().newCDPSession(opened.page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    credentials: async () =>
      (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials as { rpId: string }[],
  };
}

describe('passkeys', () => {
  test('a resident adds a passkey after signing in, then signs in with it alone', async () => {
    const opened = await suite.openPage({ javaScript: true, width: 320 });
    const { page } = opened;
    const email = 'passkey.resident@example.com';
    try {
      const authenticator = await virtualAuthenticator(opened);
      await page.goto(suite.url('northshire', '/sign-in'));
      await page.getByLabel('Email address').fill(email);
      await clickAndWait(page, page.getByRole('button', { name: 'Send me a code' }));
      await page
        .getByLabel('Enter the 6-digit code')
        .fill(await signInCodeFromDevMailbox(suite, 'northshire', email));
      await clickAndWait(page, page.getByRole('button', { name: 'Continue' }));
      assert.equal(path(page), '/account');

      // Offered after the sign-in, never required.
      await clickAndWait(page, page.getByRole('link', { name: 'Create a passkey' }));
      assert.equal(path(page), '/sign-in/passkey/offer');
      await audit(opened, 'identity-passkey-offer');
      await clickAndWait(page, page.getByRole('button', { name: 'Create a passkey' }));
      assert.equal(path(page), '/account');
      assert.match(text(await page.locator('main').textContent()), /Passkey added/);
      const held = await authenticator.credentials();
      assert.equal(held.length, 1);
      assert.equal(held[0]!.rpId, 'northshire.localhost');

      await clickAndWait(page, page.getByRole('link', { name: /Ways to sign in/ }));
      assert.equal(path(page), '/account/sign-in-methods');
      assert.equal(await page.locator('.govuk-summary-card').count(), 1);
      await audit(opened, 'identity-methods');

      await page.goto(suite.url('northshire', '/account'));
      await clickAndWait(page, page.getByRole('button', { name: 'Sign out', exact: true }));
      assert.equal(path(page), '/sign-in');
      await clickAndWait(page, page.getByRole('link', { name: 'Sign in with a passkey' }));
      assert.equal(path(page), '/sign-in/passkey');
      await audit(opened, 'identity-passkey-sign-in');
      await clickAndWait(page, page.getByRole('button', { name: 'Use a passkey' }));
      assert.equal(path(page), '/account');
      assert.match(text(await page.locator('main').textContent()), new RegExp(email.replace(/\./g, '\\.')));
      opened.assertHealthy();
    } finally {
      await opened.close();
    }
  });

  test('without JavaScript the passkey page points to the emailed code', async () => {
    const opened = await suite.openPage({ javaScript: false, width: 320 });
    try {
      await opened.page.goto(suite.url('riverford', '/sign-in/passkey'));
      assert.equal(await opened.page.getByRole('button', { name: 'Use a passkey' }).count(), 0);
      assert.match(
        text(await opened.page.locator('main').textContent()),
        /You can still sign in with a code sent by email/,
      );
      await audit(opened, 'identity-passkey-no-js');
    } finally {
      await opened.close();
    }
  });

  test('a member of staff uses a passkey as the second factor', async () => {
    const opened = await suite.openPage({ javaScript: true, width: 1280 });
    const { page } = opened;
    const email = 'officer@northshire.example';
    const emailedCode = async () => {
      await page.goto(suite.url('northshire', '/staff/sign-in'));
      await page.getByLabel('Work email address').fill(email);
      await clickAndWait(page, page.getByRole('button', { name: 'Send me a code' }));
      await page
        .getByLabel('Code from the email')
        .fill(await signInCodeFromDevMailbox(suite, 'northshire', email));
      await clickAndWait(page, page.getByRole('button', { name: 'Continue' }));
      assert.equal(path(page), '/staff/sign-in/authenticator');
    };
    try {
      await virtualAuthenticator(opened);
      await emailedCode();
      await page
        .getByLabel('Code from your authenticator app')
        .fill(await generate({ secret: demoTotpSecret, guardrails: demoSecretGuardrails }));
      await clickAndWait(page, page.getByRole('button', { name: 'Sign in' }));
      assert.equal(path(page), '/staff');

      await page.goto(suite.url('northshire', '/staff/account'));
      await clickAndWait(page, page.getByRole('link', { name: 'Passkeys' }));
      assert.equal(path(page), '/staff/account/passkeys');
      await page.getByLabel('Name for this passkey (optional)').fill('Work laptop');
      await clickAndWait(page, page.getByRole('button', { name: 'Create a passkey' }));
      assert.match(text(await page.locator('main').textContent()), /Work laptop/);
      await audit(opened, 'identity-staff-passkeys');

      await clickAndWait(page, page.getByRole('button', { name: 'Sign out' }));
      await emailedCode();
      await clickAndWait(page, page.getByRole('link', { name: 'Use a passkey instead' }));
      assert.equal(path(page), '/staff/sign-in/passkey');
      await audit(opened, 'identity-staff-passkey-sign-in');
      await clickAndWait(page, page.getByRole('button', { name: 'Use a passkey' }));
      assert.equal(path(page), '/staff');
      assert.equal(text(await page.locator('h1').textContent()), 'Staff home');
      opened.assertHealthy();
    } finally {
      await opened.close();
    }
  });
});
