/**
 * My Account in a real browser, on a 320px phone without JavaScript: a guest reports a missed
 * bin, later signs in with the same email (code read from the dev mailbox), claims the report
 * and sees it in their account; signing out everywhere from a second device ends the first
 * one's session. Axe, the horizontal-scroll and CSP checks on every page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
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
  suite = await startBrowserSuite({ TRUST_PROXY: '1' });
});

after(async () => {
  await suite?.close();
});

const text = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();
const path = (page: Page) => new URL(page.url()).pathname;
const email = 'resident.browser@example.com';

let devices = 0;
async function device(): Promise<OpenedPage> {
  const opened = await suite.openPage({ javaScript: false, width: 320 });
  devices += 1;
  await opened.page.setExtraHTTPHeaders({ 'x-forwarded-for': `203.0.113.${devices}` });
  return opened;
}

async function submit(page: Page, button = 'Continue') {
  await clickAndWait(page, page.getByRole('button', { name: button, exact: true }));
  assert.equal(await page.locator('.govuk-error-summary').count(), 0, `${page.url()} shows errors`);
}

/** Report a missed bin as a guest; returns the reference on the confirmation page. */
async function reportMissedBin(page: Page): Promise<string> {
  const form = '/forms/missed-bin-collection';
  await page.goto(suite.url('riverford', `${form}/address`));
  await page.getByLabel('Postcode', { exact: true }).fill('RF1 1AA');
  await clickAndWait(page, page.getByRole('button', { name: 'Find address' }));
  await page.locator('input[name="address-uprn"]').first().check();
  await submit(page);
  await page.getByLabel('General waste (black bin)').check();
  await submit(page);
  const today = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London' }).format(new Date()).split('/');
  await page.getByLabel('Day').fill(String(Number(today[0])));
  await page.getByLabel('Month').fill(String(Number(today[1])));
  await page.getByLabel('Year').fill(today[2]!);
  await submit(page);
  await submit(page);
  await page.locator('input[name="email"]').fill(email);
  await submit(page);
  await page.locator('input[name="declaration"]').check();
  await submit(page);
  assert.equal(path(page), `${form}/check`);
  await clickAndWait(page, page.getByRole('button', { name: /Send/ }));
  const reference = /RF-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(text(await page.locator('main').textContent()))?.[0];
  assert.ok(reference, 'the reference is on the confirmation page');
  return reference;
}

async function signIn(opened: OpenedPage, audited: boolean): Promise<void> {
  const { page } = opened;
  await page.goto(suite.url('riverford', '/account'));
  assert.equal(path(page), '/sign-in');
  if (audited) {
    await clickAndWait(page, page.getByRole('button', { name: 'Send me a code' }));
    assert.match(text(await page.locator('.govuk-error-summary').textContent()), /Enter your email address/);
    await audit(opened, 'accounts-sign-in-error');
  }
  await page.getByLabel('Email address').fill(email);
  await clickAndWait(page, page.getByRole('button', { name: 'Send me a code' }));
  assert.equal(path(page), '/sign-in/code');
  const input = page.getByLabel('Enter the 6-digit code');
  assert.equal(await input.getAttribute('autocomplete'), 'one-time-code');
  if (audited) await audit(opened, 'accounts-code');
  await input.fill(await signInCodeFromDevMailbox(suite, 'riverford', email));
  await clickAndWait(page, page.getByRole('button', { name: 'Continue' }));
}

describe('My Account', () => {
  test('a guest reports a missed bin, later signs in with the same email, claims it and sees it', async () => {
    const guest = await device();
    const reference = await reportMissedBin(guest.page);
    await guest.close();

    const phone = await device();
    const laptop = await device();
    try {
      await signIn(phone, true);
      assert.equal(path(phone.page), '/account/claim');
      assert.match(text(await phone.page.locator('main').textContent()), new RegExp(reference));
      await audit(phone, 'accounts-claim');
      await clickAndWait(phone.page, phone.page.getByRole('button', { name: 'Add to my account' }));
      assert.equal(path(phone.page), '/account');
      const main = text(await phone.page.locator('main').textContent());
      assert.match(main, new RegExp(reference), 'the report is in the account');
      assert.match(main, /Received/, 'with its status');
      await audit(phone, 'accounts-home');
      await phone.page.goto(suite.url('riverford', '/account/details'));
      await audit(phone, 'accounts-details');

      // A second device signs in, and from there the person signs out everywhere.
      await signIn(laptop, false);
      assert.equal(path(laptop.page), '/account');
      await laptop.page.goto(suite.url('riverford', '/account/security'));
      assert.match(text(await laptop.page.locator('main').textContent()), /this device/);
      await audit(laptop, 'accounts-security');
      await clickAndWait(laptop.page, laptop.page.getByRole('button', { name: 'Sign out everywhere' }));
      assert.equal(path(laptop.page), '/sign-in');
      assert.match(text(await laptop.page.locator('main').textContent()), /signed out on every device/);

      await phone.page.goto(suite.url('riverford', '/account'));
      assert.equal(path(phone.page), '/sign-in', 'the other session has ended');
    } finally {
      await phone.close();
      await laptop.close();
    }
  });
});
