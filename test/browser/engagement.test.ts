/**
 * Issue 9's journey in one go: the waste partnership group is invited to the stakeholder
 * survey and to its meeting; one member, with no account, opens each invitation in the dev
 * mailbox on a 320px phone without JavaScript, answers the survey, registers for the meeting
 * and gets an .ics that an independent parser (node-ical) reads as 18:30 in Europe/London.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import ical from 'node-ical';
import type { Page } from 'playwright-core';
import { eventBySlug } from '../../src/modules/events/store.ts';
import { groupBySlug, groupInvitees, inviteGroupToEvent } from '../../src/modules/groups/service.ts';
import { inviteToSurvey } from '../../src/modules/surveys/service.ts';
import {
  audit,
  type BrowserSuite,
  clickAndWait,
  deliverOutbox,
  startBrowserSuite,
} from './support/browser.ts';

let suite: BrowserSuite;
before(async () => {
  suite = await startBrowserSuite({ TRUST_PROXY: '1' });
  // The demo survey is dated; open it whatever the day the tests run.
  await suite.app.app.services.db.query(
    `update surveys set opens_at = now() - interval '1 day', closes_at = now() + interval '30 days'
      where slug = 'stakeholder-waste-strategy'`,
  );
});
after(async () => {
  await suite?.close();
});

const text = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();
const path = (page: Page) => new URL(page.url()).pathname;

const deliver = () => deliverOutbox(suite);

async function next(page: Page, button = 'Save and continue') {
  await clickAndWait(page, page.getByRole('button', { name: button, exact: true }));
  assert.equal(await page.locator('.govuk-error-summary').count(), 0, `${page.url()} shows errors`);
}

test('a group member with no account answers the survey and registers for the meeting from the emails', async () => {
  const services = suite.app.app.services;
  const { db } = services;
  const tenant = services.tenants.bySlug('riverford')!;
  const group = (await groupBySlug(db, tenant.id, 'waste-partnership'))!;
  const meeting = (await eventBySlug(db, tenant.id, 'waste-partnership-meeting'))!;
  const [survey] = await db.query<{ id: string }>(
    `select id from surveys where tenant_id = $1 and slug = 'stakeholder-waste-strategy'`,
    [tenant.id],
  );
  const invitees = await groupInvitees(db, tenant.id, group.id);
  await inviteToSurvey(db, {
    tenantId: tenant.id,
    surveyId: survey!.id,
    listName: 'Waste partnership group',
    invitees,
    now: new Date(),
  });
  await db.transaction((tx) => inviteGroupToEvent(services, tx, tenant, group, meeting));
  await deliver();
  const member = invitees[0]!.email;
  const mail = JSON.parse(
    (await suite.app.app.inject({ url: '/dev/mail.json', headers: { host: 'riverford.localhost' } })).body,
  ) as { id: string; to: string; subject: string }[];
  const mine = (subject: RegExp) => mail.find((m) => m.to === member && subject.test(m.subject));
  const surveyMail = mine(/You are invited: Waste strategy/);
  const meetingMail = mine(/Invitation: Waste partnership group meeting/);
  assert.ok(surveyMail && meetingMail, `both invitations reach ${member}`);

  const opened = await suite.openPage({ javaScript: false, width: 320 });
  const { page } = opened;
  try {
    await page.setExtraHTTPHeaders({ 'x-forwarded-for': '203.0.113.92' });
    // The survey, from the emailed link: the link is the credential.
    await page.goto(suite.url('riverford', `/dev/mail/${surveyMail.id}`));
    const surveyLink = /\/surveys\/stakeholder-waste-strategy\?invite=[A-Za-z0-9_-]{43}/.exec(
      text(await page.locator('main').textContent()),
    )?.[0];
    assert.ok(surveyLink, 'the email holds a personal link');
    await page.goto(suite.url('riverford', surveyLink));
    assert.equal(path(page), '/surveys/stakeholder-waste-strategy/p/organisation');
    await audit(opened, 'engagement-survey-first');
    await page.getByLabel('Independent expert').check();
    await next(page);
    for (const [statement, answer] of [
      ['Weekly food waste collections', 'Agree'],
      ['Three-weekly general waste', 'Disagree'],
      ['Reuse shops at recycling centres', 'Agree'],
    ] as const)
      await page.getByRole('group', { name: statement }).getByLabel(answer, { exact: true }).check();
    await page
      .getByRole('group', { name: /How ready is your sector/ })
      .getByLabel('5', { exact: true })
      .check();
    await audit(opened, 'engagement-survey-grid');
    await next(page);
    assert.equal(path(page), '/surveys/stakeholder-waste-strategy/check');
    await clickAndWait(page, page.getByRole('button', { name: 'Send my response' }));
    assert.equal(path(page), '/surveys/stakeholder-waste-strategy/done');
    await audit(opened, 'engagement-survey-done');

    // The meeting, from its invitation.
    await page.goto(suite.url('riverford', `/dev/mail/${meetingMail.id}`));
    const meetingLink = /\/events\/waste-partnership-meeting[^\s]*/.exec(
      text(await page.locator('main').textContent()),
    )?.[0];
    assert.ok(meetingLink, 'the invitation links to the meeting');
    await page.goto(suite.url('riverford', meetingLink));
    assert.equal(path(page), '/events/waste-partnership-meeting');
    await page.getByLabel('Full name').fill(invitees[0]!.name || 'A member');
    await page.getByLabel('Email address').fill(member);
    await clickAndWait(page, page.getByRole('button', { name: 'Register', exact: true }));
    assert.match(path(page), /^\/events\/waste-partnership-meeting\/registrations\/[\w-]+$/);
    assert.match(text(await page.locator('main').textContent()), /You are registered/);
    await audit(opened, 'engagement-registered');

    const downloading = page.waitForEvent('download');
    await page.getByRole('link', { name: /Add to your calendar/ }).click();
    const calendar = await readFile((await (await downloading).path())!, 'utf8');
    const event = Object.values(ical.sync.parseICS(calendar)).find((v) => v?.type === 'VEVENT') as
      | { start: Date & { tz?: string } }
      | undefined;
    assert.ok(event, 'the calendar has an event');
    assert.equal(event.start.toISOString(), meeting.startsAt.toISOString());
    assert.equal(event.start.tz, 'Europe/London');
    const london = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/London',
      hour: '2-digit',
      minute: '2-digit',
    }).format(event.start);
    assert.equal(london, '18:30');
  } finally {
    await opened.close();
  }
});
