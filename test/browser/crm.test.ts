/**
 * The contact centre's one screen, in a real browser at 320px without JavaScript: a resident
 * who reported a missed bin yesterday as a guest phones; the agent finds them by their phone
 * number typed another way, sees the report, the property's bin day, earlier contacts and
 * satisfaction on one screen, logs the call, submits a form on their behalf, and the resident
 * receives the same confirmation email; a second record of them is offered as a likely
 * duplicate and merged. axe, sideways scroll and CSP on every staff page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { findDuplicatesOf } from '../../src/modules/crm/duplicates.ts';
import { linkContact } from '../../src/modules/crm/service.ts';
import { addPhone, insertInteraction } from '../../src/modules/crm/store.ts';
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
});
after(async () => {
  await suite?.close();
});

const text = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();
const path = (page: Page) => new URL(page.url()).pathname;
const email = 'aled.pritchard@example.com';

async function continueOn(page: Page, button = 'Continue') {
  await clickAndWait(page, page.getByRole('button', { name: button, exact: true }));
  const summary = page.locator('.govuk-error-summary');
  assert.equal(
    (await summary.count()) ? text(await summary.textContent()) : '',
    '',
    `${page.url()} shows errors`,
  );
}

/** The missed bin form from its first page to the confirmation, as far as answers go. */
async function missedBin(page: Page, o: { pickAddress: boolean; email?: string }) {
  assert.equal(path(page), '/forms/missed-bin-collection/address');
  if (o.pickAddress) {
    await page.getByLabel('Postcode', { exact: true }).fill('RF1 1AA');
    await clickAndWait(page, page.getByRole('button', { name: 'Find address' }));
    await page.locator('input[name="address-uprn"]').first().check();
  }
  await continueOn(page);
  await page.getByLabel('General waste (black bin)').check();
  await continueOn(page);
  const today = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London' }).format(new Date()).split('/');
  await page.getByLabel('Day').fill(String(Number(today[0])));
  await page.getByLabel('Month').fill(String(Number(today[1])));
  await page.getByLabel('Year').fill(today[2]!);
  await continueOn(page);
  await continueOn(page);
  if (o.email) await page.locator('input[name="email"]').fill(o.email);
  assert.equal(await page.locator('input[name="email"]').inputValue(), email);
  await continueOn(page);
  await page.locator('input[name="declaration"]').check();
  await continueOn(page);
  assert.equal(path(page), '/forms/missed-bin-collection/check');
}

async function deliverMail() {
  await deliverOutbox(suite);
  const response = await suite.app.app.inject({
    url: '/dev/mail.json',
    headers: { host: 'riverford.localhost' },
  });
  return response.json() as { to: string; subject: string; text: string }[];
}

describe('the contact centre', () => {
  test('an agent takes a call from a resident who reported a missed bin yesterday as a guest', async () => {
    const { db } = suite.app.app.services;
    const tenantId = suite.app.tenants.riverford.id;
    // Known from a call last month, by phone and email.
    const personId = (await db.transaction((tx) =>
      linkContact(tx, tenantId, { givenName: 'Aled', familyName: 'Pritchard', email, phone: '07700 900123' }),
    ))!;
    const earlier = await insertInteraction(db, tenantId, {
      channel: 'phone',
      kind: 'contact',
      personId,
      summary: 'Asked about garden waste',
      reason: 'Asked about garden waste',
      outcome: 'information-given',
    });
    await db.query(
      `update interactions set occurred_at = now() - interval '30 days' where tenant_id = $1 and id = $2`,
      [tenantId, earlier],
    );

    // Yesterday: the guest report and the satisfaction question after it.
    const resident = await suite.openPage({ javaScript: false, width: 320 });
    await resident.page.setExtraHTTPHeaders({ 'x-forwarded-for': '198.51.100.77' });
    await resident.page.goto(suite.url('riverford', '/forms/missed-bin-collection'));
    if (path(resident.page) !== '/forms/missed-bin-collection/address')
      await clickAndWait(resident.page, resident.page.getByRole('button', { name: /Start/ }));
    await missedBin(resident.page, { pickAddress: true, email });
    await continueOn(resident.page, 'Send');
    const reported = text(await resident.page.locator('strong.app-reference').textContent());
    await resident.page.getByLabel('Very satisfied').check();
    await clickAndWait(
      resident.page,
      resident.page.locator('form[action="/satisfaction"]').getByRole('button', { name: 'Send' }),
    );
    await resident.close();
    await db.query(
      `update interactions set occurred_at = occurred_at - interval '1 day'
        where tenant_id = $1 and case_id = (select id from cases where tenant_id = $1 and reference = $2)`,
      [tenantId, reported],
    );

    // Today: the agent signs in and takes the call.
    const opened = await suite.openPage({ javaScript: false, width: 320 });
    const { page } = opened;
    try {
      await signInStaff(suite, page, 'riverford', 'agent@riverford.example');
      assert.equal(path(page), '/staff');
      await audit(opened, 'crm-staff-home');

      // The number as the caller says it, not as it was written down.
      await page.locator('#bar-q').fill('+44 (0)7700 900-123');
      await clickAndWait(page, page.getByRole('button', { name: 'Search', exact: true }));
      assert.equal(path(page), '/staff/search');
      await audit(opened, 'crm-search');
      await clickAndWait(page, page.getByRole('link', { name: 'Aled Pritchard' }));
      assert.equal(path(page), `/staff/people/${personId}`);
      const screen = text(await page.locator('main').textContent());
      assert.match(screen, new RegExp(reported), 'the report');
      assert.match(screen, /Bin day: \w+day/, 'the property’s bin day');
      assert.match(screen, /Asked about garden waste/, 'earlier contacts');
      assert.match(screen, /satisfaction: very satisfied/, 'satisfaction');
      await audit(opened, 'crm-person');

      // Log the call: a few keystrokes, tagged as avoidable (they were chasing progress).
      await page.getByLabel('Reason').fill('Missed bin not yet collected');
      await page.getByLabel('Information given').check();
      await page.getByLabel('Chasing progress').check();
      await clickAndWait(page, page.getByRole('button', { name: 'Log contact' }));
      assert.match(text(await page.locator('.govuk-notification-banner').textContent()), /Contact logged/);
      assert.match(text(await page.locator('#timeline ~ ol').textContent()), /Missed bin not yet collected/);
      await audit(opened, 'crm-logged');

      // A form on their behalf: the same form engine, their details filled in.
      await clickAndWait(page, page.getByRole('link', { name: 'Fill in a form for them' }));
      await audit(opened, 'crm-assist');
      await page.getByLabel('Report a missed bin collection').check();
      await clickAndWait(page, page.getByRole('button', { name: 'Start the form' }));
      if (path(page) !== '/forms/missed-bin-collection/address')
        await clickAndWait(page, page.getByRole('button', { name: /Start/ }));
      await missedBin(page, { pickAddress: false });
      await clickAndWait(page, page.getByRole('button', { name: 'Send', exact: true }));
      assert.equal(path(page), `/staff/people/${personId}`);
      const banner = text(await page.locator('.govuk-notification-banner').textContent());
      const sent = /RF-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(banner)?.[0];
      assert.ok(sent, banner);
      await audit(opened, 'crm-sent');

      const [row] = await db.query<{ channel: string; staff: string; person: string }>(
        `select s.channel, s.submitted_by_staff as staff, c.person_id as person from cases c
           join submissions s on s.tenant_id = c.tenant_id and s.case_id = c.id
          where c.tenant_id = $1 and c.reference = $2`,
        [tenantId, sent],
      );
      const [agent] = await db.query<{ id: string }>(
        `select id from staff_users where tenant_id = $1 and email = 'agent@riverford.example'`,
        [tenantId],
      );
      assert.deepEqual(row, { channel: 'phone', staff: agent!.id, person: personId });

      // The resident gets the same confirmation as online.
      const mail = await deliverMail();
      const confirmations = mail.filter(
        (m) => m.to === email && /Report a missed bin collection/.test(m.subject),
      );
      assert.ok(
        confirmations.some((m) => m.subject.includes(sent!)),
        'confirmation for the assisted report',
      );
      assert.ok(
        confirmations.some((m) => m.subject.includes(reported)),
        'confirmation for the guest report',
      );

      // A second record of the caller, typed by someone else: offered as a likely duplicate,
      // its evidence explained field by field, and merged after a decision is asked for.
      const twin = (await db.transaction((tx) =>
        linkContact(tx, tenantId, { givenName: 'Aled', familyName: 'Prichard', email: 'aled.p@example.net' }),
      ))!;
      await db.transaction(async (tx) => {
        await addPhone(tx, tenantId, twin, '07700900123');
        await findDuplicatesOf(tx, tenantId, twin);
      });
      await page.goto(suite.url('riverford', '/staff/duplicates'));
      await audit(opened, 'crm-duplicates');
      await clickAndWait(page, page.getByRole('link', { name: /Aled Prichard/ }));
      assert.match(text(await page.locator('main').textContent()), /Phone: the same/);
      await audit(opened, 'crm-duplicate-review');
      await clickAndWait(page, page.getByRole('button', { name: 'Confirm' }));
      assert.match(
        text(await page.locator('.govuk-error-summary').textContent()),
        /Select what should happen/,
      );
      await audit(opened, 'crm-duplicate-error');
      await page.getByLabel('Merge them, keeping Aled Pritchard').check();
      await clickAndWait(page, page.getByRole('button', { name: 'Confirm' }));
      assert.match(text(await page.locator('main').textContent()), /Records merged.*Undo the merge/);
      await audit(opened, 'crm-duplicate-merged');
    } finally {
      await opened.close();
    }
  });
});
