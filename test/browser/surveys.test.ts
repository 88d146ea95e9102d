/**
 * Surveys in a real browser, on a 320px phone without JavaScript: staff invite an outside
 * expert from the staff page; the expert, with no account, opens the email in the dev
 * mailbox, follows the link and answers the stakeholder survey; a resident answers the open
 * budget consultation from the hub. Axe, the horizontal-scroll and CSP checks on every page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  audit,
  type BrowserSuite,
  clickAndWait,
  deliverOutbox,
  signInStaff,
  startBrowserSuite,
} from './support/browser.ts';

let suite: BrowserSuite;

before(async () => {
  suite = await startBrowserSuite({ TRUST_PROXY: '1' });
  // The demo's surveys are dated; open them whatever the day the tests run.
  await suite.app.app.services.db.query(
    `update surveys set opens_at = now() - interval '1 day', closes_at = now() + interval '30 days'
     where slug in ('budget-2027', 'stakeholder-waste-strategy')`,
  );
});

after(async () => {
  await suite?.close();
});

const text = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();
const path = (page: Page) => new URL(page.url()).pathname;
const expert = 'ada.lovelace@institute.example';

const deliverMail = () => deliverOutbox(suite);

async function next(page: Page, button = 'Save and continue') {
  await clickAndWait(page, page.getByRole('button', { name: button, exact: true }));
  assert.equal(await page.locator('.govuk-error-summary').count(), 0, `${page.url()} shows errors`);
}

describe('surveys and consultations', () => {
  test('staff invite an outside expert, who answers from the emailed link on a phone with no account', async () => {
    const staff = await suite.openPage({ javaScript: false, width: 320 });
    try {
      const { page } = staff;
      await signInStaff(suite, page, 'riverford', 'admin@riverford.example');
      await clickAndWait(page, page.getByRole('link', { name: 'Surveys and consultations' }));
      assert.equal(path(page), '/staff/surveys');
      await audit(staff, 'surveys-staff-list');
      await clickAndWait(page, page.getByRole('link', { name: 'Waste strategy: stakeholder survey' }));
      await clickAndWait(page, page.getByRole('link', { name: 'Questions', exact: true }));
      await audit(staff, 'surveys-staff-questions');
      await clickAndWait(page, page.getByRole('link', { name: 'Settings and questions' }));
      await audit(staff, 'surveys-staff-settings');
      await clickAndWait(page, page.getByRole('link', { name: 'Invitations' }));
      await audit(staff, 'surveys-staff-invitations');
      await page.getByLabel('Invite list').fill('Working group');
      await page.getByLabel('People to invite').fill(`name,email\nAda Lovelace,${expert}`);
      await clickAndWait(page, page.getByRole('button', { name: 'Send invitations' }));
      assert.match(text(await page.locator('main').textContent()), /1 invited; 0 skipped/);
      assert.match(text(await page.locator('main').textContent()), new RegExp(expert));
    } catch (error) {
      await staff.close();
      throw error;
    }

    await deliverMail();
    const phone = await suite.openPage({ javaScript: false, width: 320 });
    try {
      const { page } = phone;
      await page.goto(suite.url('riverford', '/dev/mail'));
      await clickAndWait(page, page.getByRole('link', { name: /You are invited: Waste strategy/ }).first());
      const body = text(await page.locator('main').textContent());
      assert.match(body, /You do not need an account/);
      const link = /\/surveys\/stakeholder-waste-strategy\?invite=[A-Za-z0-9_-]{43}/.exec(body)?.[0];
      assert.ok(link, 'the email holds a personal link');

      await page.goto(suite.url('riverford', link));
      assert.equal(path(page), '/surveys/stakeholder-waste-strategy/p/organisation');
      await clickAndWait(page, page.getByRole('button', { name: 'Save and continue' }));
      assert.match(text(await page.locator('.govuk-error-summary').textContent()), /Select/);
      await audit(phone, 'surveys-invited-error');
      await page.getByLabel('Independent expert').check();
      await next(page);

      assert.equal(path(page), '/surveys/stakeholder-waste-strategy/p/strategy');
      await page
        .getByRole('group', { name: 'Weekly food waste collections' })
        .getByLabel('Strongly agree')
        .check();
      await page
        .getByRole('group', { name: 'Three-weekly general waste' })
        .getByLabel('Disagree', { exact: true })
        .check();
      await page
        .getByRole('group', { name: 'Reuse shops at recycling centres' })
        .getByLabel('Agree', { exact: true })
        .check();
      await page
        .getByRole('group', { name: /How ready is your sector/ })
        .getByLabel('7', { exact: true })
        .check();
      await page.getByLabel(/What should the strategy do differently/).fill('Start with the flats');
      await audit(phone, 'surveys-invited-grid');
      await next(page);

      assert.equal(path(page), '/surveys/stakeholder-waste-strategy/check');
      assert.match(text(await page.locator('main').textContent()), /Independent expert/);
      await audit(phone, 'surveys-invited-check');
      await clickAndWait(page, page.getByRole('button', { name: 'Send my response' }));
      assert.equal(path(page), '/surveys/stakeholder-waste-strategy/done');
      assert.match(text(await page.locator('main').textContent()), /Change your answers/);
      await audit(phone, 'surveys-invited-done');

      // The same link again: the thank-you page, never a second response.
      await page.goto(suite.url('riverford', link));
      assert.equal(path(page), '/surveys/stakeholder-waste-strategy/done');

      // Staff see the answer in the results: charts drawn on the server, each with its table.
      await clickAndWait(staff.page, staff.page.getByRole('link', { name: 'Results' }));
      assert.equal((await staff.page.locator('svg[role="img"] title').count()) > 0, true);
      assert.match(text(await staff.page.locator('main').textContent()), /Start with the flats/);
      await audit(staff, 'surveys-staff-results');
    } finally {
      await phone.close();
      await staff.close();
    }
  });

  test('a resident answers the open budget consultation from the hub', async () => {
    const phone = await suite.openPage({ javaScript: false, width: 320 });
    try {
      const { page } = phone;
      await page.goto(suite.url('riverford', '/surveys'));
      await audit(phone, 'surveys-hub');
      await clickAndWait(page, page.getByRole('link', { name: 'Riverford budget 2027 to 2028' }));
      await audit(phone, 'surveys-start');
      await clickAndWait(page, page.getByRole('link', { name: 'Ask for another format' }));
      await audit(phone, 'surveys-formats');
      await page.goBack();
      await clickAndWait(page, page.getByRole('button', { name: 'Start now' }));
      assert.equal(path(page), '/surveys/budget-2027/p/priorities');
      for (const [label, position] of [
        ['Social care', '1'],
        ['Roads and pavements', '1'],
        ['Libraries', '3'],
        ['Parks and open spaces', '4'],
      ] as const)
        await page.getByLabel(label, { exact: true }).selectOption(position);
      await page.getByLabel('3% rise').check();
      await clickAndWait(page, page.getByRole('button', { name: 'Save and continue' }));
      assert.match(text(await page.locator('.govuk-error-summary').textContent()), /different position/);
      await audit(phone, 'surveys-ranking-error');
      await page.getByLabel('Roads and pavements', { exact: true }).selectOption('2');
      await next(page);

      await page
        .getByRole('group', { name: 'The council gives value for money' })
        .getByLabel('Agree', { exact: true })
        .check();
      await page
        .getByRole('group', { name: 'The council listens to residents' })
        .getByLabel('Neither agree nor disagree')
        .check();
      await audit(phone, 'surveys-likert');
      await next(page);
      await page.getByLabel('4', { exact: true }).check();
      await next(page);
      assert.equal(path(page), '/surveys/budget-2027/check');
      await clickAndWait(page, page.getByRole('button', { name: 'Send my response' }));
      assert.equal(path(page), '/surveys/budget-2027/done');
      await audit(phone, 'surveys-done');

      await page.goto(suite.url('riverford', '/surveys/library-opening-hours/outcome'));
      assert.match(text(await page.locator('main').textContent()), /We did/);
      await audit(phone, 'surveys-outcome');
    } finally {
      await phone.close();
    }
  });
});
