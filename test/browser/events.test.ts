/**
 * A stakeholder with no account registers for the waste partnership meeting on a 320px
 * phone without JavaScript: the event page, an error, the form, the confirmation page (axe
 * on each); the confirmation email in /dev/mail carries the .ics; the .ics downloaded from
 * the confirmation page reads, in an independent parser, as the meeting's start in Europe/London.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import ical from 'node-ical';
import type { Page } from 'playwright-core';
import { memberToken } from '../../src/modules/groups/service.ts';
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
const email = 'stakeholder.browser@example.org';

function startOf(calendar: string): Date & { tz?: string } {
  const event = Object.values(ical.sync.parseICS(calendar)).find((v) => v?.type === 'VEVENT') as
    | { start: Date & { tz?: string } }
    | undefined;
  assert.ok(event, 'the calendar has an event');
  return event.start;
}

const deliver = () => deliverOutbox(suite);

test('a stakeholder with no account registers on a phone without JavaScript and gets the .ics', async () => {
  const opened = await suite.openPage({ javaScript: false, width: 320 });
  const { page } = opened;
  await page.setExtraHTTPHeaders({ 'x-forwarded-for': '203.0.113.90' });
  const [meeting] = await suite.app.app.services.db.query<{ starts_at: Date }>(
    `select starts_at from events e join tenants t on t.id = e.tenant_id
      where t.slug = 'riverford' and e.slug = 'waste-partnership-meeting'`,
  );

  await page.goto(suite.url('riverford', '/events/waste-partnership-meeting'));
  assert.equal(text(await page.locator('h1').textContent()), 'Waste partnership group meeting');
  await audit(opened, 'events-meeting');

  const register = (p: Page) => clickAndWait(p, p.getByRole('button', { name: 'Register', exact: true }));
  await register(page);
  assert.match(text(await page.locator('.govuk-error-summary').textContent()), /Enter your full name/);
  await audit(opened, 'events-meeting-error');

  await page.getByLabel('Full name').fill('Sam Expert');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Access needs').fill('Step-free access, please');
  await page.getByLabel('Dietary needs').fill('Vegetarian');
  await register(page);
  assert.match(new URL(page.url()).pathname, /^\/events\/waste-partnership-meeting\/registrations\/[\w-]+$/);
  assert.match(text(await page.locator('main').textContent()), /You are registered/);
  assert.match(text(await page.locator('main').textContent()), /meet\.example\.org/);
  await audit(opened, 'events-registered');

  // The .ics, downloaded from the confirmation page.
  const downloading = page.waitForEvent('download');
  await page.getByRole('link', { name: /Add to your calendar/ }).click();
  const download = await downloading;
  const calendar = await readFile((await download.path())!, 'utf8');
  const start = startOf(calendar);
  assert.equal(start.toISOString(), meeting!.starts_at.toISOString());
  assert.equal(start.tz, 'Europe/London');
  const london = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/London',
    hour: '2-digit',
    minute: '2-digit',
  }).format(start);
  assert.equal(london, '18:30');

  // The confirmation email, in the dev mailbox, with the .ics attached.
  await deliver();
  await page.goto(suite.url('riverford', '/dev/mail'));
  await clickAndWait(
    page,
    page.getByRole('link', { name: /Your place: Waste partnership group meeting/ }).first(),
  );
  const message = text(await page.locator('main').textContent());
  assert.match(message, new RegExp(email.replace('.', '\\.')));
  const attachment = page.getByRole('link', { name: /invite\.ics/ });
  const href = await attachment.getAttribute('href');
  assert.ok(href, 'the .ics is attached');
  // Fetched in-process: *.localhost resolves only inside the browser.
  const attached = await suite.app.app.inject({ url: href, headers: { host: 'riverford.localhost' } });
  assert.equal(startOf(attached.body).toISOString(), meeting!.starts_at.toISOString());
  await opened.close();
});

test('staff run the meeting and the group at 320px without JavaScript; the group page and its join form', async () => {
  const opened = await suite.openPage({ javaScript: false, width: 320 });
  const { page } = opened;
  await page.setExtraHTTPHeaders({ 'x-forwarded-for': '203.0.113.91' });
  await page.goto(suite.url('riverford', '/groups/waste-partnership'));
  assert.match(text(await page.locator('main').textContent()), /Ask to join the group/);
  await audit(opened, 'groups-page');
  await clickAndWait(page, page.getByRole('link', { name: 'Ask to join the group' }));
  await clickAndWait(page, page.getByRole('button', { name: 'Send request' }));
  assert.match(text(await page.locator('.govuk-error-summary').textContent()), /Enter your full name/);
  await audit(opened, 'groups-join-error');

  await signInStaff(suite, page, 'riverford', 'admin@riverford.example');
  await clickAndWait(page, page.getByRole('link', { name: 'Events and groups' }));
  assert.equal(new URL(page.url()).pathname, '/staff/events');
  await audit(opened, 'events-staff-list');
  await clickAndWait(page, page.getByRole('link', { name: 'Waste partnership group meeting', exact: true }));
  assert.match(text(await page.locator('main').textContent()), /Registered \(\d+\)/);
  await audit(opened, 'events-staff-event');
  await page.goto(suite.url('riverford', '/staff/events/new'));
  await clickAndWait(page, page.getByRole('button', { name: 'Save' }));
  assert.match(text(await page.locator('.govuk-error-summary').textContent()), /Enter a title in English/);
  await audit(opened, 'events-staff-new-error');
  await page.goto(suite.url('riverford', '/staff/groups'));
  await audit(opened, 'groups-staff-list');
  await clickAndWait(page, page.getByRole('link', { name: 'Waste partnership group' }));
  await audit(opened, 'groups-staff-group');

  // A member's own link (as in their emails) opens the meetings and papers; the public list of events.
  const services = suite.app.app.services;
  const [member] = await services.db.query<{ tenant_id: string; group_id: string; person_id: string }>(
    `select m.tenant_id, m.group_id, m.person_id from group_members m join tenants t on t.id = m.tenant_id
      where t.slug = 'riverford' and m.person_id is not null limit 1`,
  );
  const token = memberToken(services.signer, member!.tenant_id, member!.group_id, member!.person_id);
  await page.goto(
    suite.url('riverford', `/groups/waste-partnership?member=${member!.person_id}&token=${token}`),
  );
  assert.match(text(await page.locator('main').textContent()), /Past meetings/);
  await audit(opened, 'groups-member-page');
  await page.goto(suite.url('riverford', '/events'));
  assert.match(text(await page.locator('main').textContent()), /Waste partnership group meeting/);
  await audit(opened, 'events-list');
  await opened.close();
});
