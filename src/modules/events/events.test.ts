import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import ical from 'node-ical';
import pino from 'pino';
import { deliverMail, northshire, riverford, type TestApp, testApp } from '../../../test/support/app.ts';
import { signInStaff, textOf, visitor } from '../../../test/support/staff.ts';
import { createWorker } from '../../worker.ts';
import { createEventAsStaff } from './testing.ts';

let t: TestApp;
let staff: Awaited<ReturnType<typeof signInStaff>>;
before(async () => {
  // Behind a proxy, so each simulated person has an address of their own (the rate limit is per address).
  t = await testApp({ TRUST_PROXY: '1' });
  staff = await signInStaff(t, riverford, 'admin@riverford.example');
});
after(() => t.close());

type Mail = {
  id: number;
  to: string;
  subject: string;
  text: string;
  attachments: { filename: string; content_type: string; url: string }[];
};
const mailbox = async (host = riverford): Promise<Mail[]> => (await deliverMail(t, host)) as Mail[];
const mailTo = async (to: string, host = riverford) => (await mailbox(host)).filter((m) => m.to === to);

/** The one VEVENT of a calendar file, as an independent parser reads it. */
function veventOf(text: string) {
  const parsed = ical.sync.parseICS(text);
  const event = Object.values(parsed).find((v) => v?.type === 'VEVENT') as
    | { start: Date & { tz?: string }; summary: string }
    | undefined;
  assert.ok(event, 'no VEVENT in the calendar');
  return event;
}

const registration = (name: string, email: string, extra: Record<string, string> = {}) => ({
  name,
  email,
  accessNeeds: '',
  dietaryNeeds: '',
  ...extra,
});

/** Registers through the public page, as a person with no account; answers the response. */
async function register(slug: string, name: string, email: string, host = riverford, query = '') {
  const who = visitor(t, host);
  const page = `/events/${slug}${query}`;
  const invite = new URLSearchParams(query.slice(1)).get('invite');
  const response = await who.post(page, `/events/${slug}/register`, {
    ...registration(name, email),
    ...(invite ? { _invite: invite } : {}),
  });
  return { who, response };
}

async function startOf(slug: string, tenantId = t.tenants.riverford.id) {
  const [row] = await t.app.services.db.query<{ starts_at: Date; id: string }>(
    'select id, starts_at from events where tenant_id = $1 and slug = $2',
    [tenantId, slug],
  );
  return row!;
}

const createEvent = (fields: Record<string, string>) => createEventAsStaff(staff, fields);

describe('registering for an event with no account', () => {
  it('gives a place on the seeded meeting, a confirmation with the .ics and the meeting link only to the registrant', async () => {
    const page = await t.app.inject({ url: '/events/waste-partnership-meeting', headers: riverford });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Waste partnership group meeting/);
    assert.match(page.body, /Access needs/);
    assert.match(page.body, /Dietary needs/);
    assert.doesNotMatch(page.body, /meet\.example\.org/, 'the meeting link is not public');

    const { who, response } = await register('waste-partnership-meeting', 'Ada Lovelace', 'ada@example.com');
    assert.equal(response.statusCode, 303);
    const confirmation = String(response.headers.location);
    assert.match(confirmation, /^\/events\/waste-partnership-meeting\/registrations\/[A-Za-z0-9_-]+$/);
    const mine = await who.get(confirmation);
    assert.equal(mine.statusCode, 200);
    assert.match(textOf(mine.body), /You are registered/);
    assert.match(mine.body, /https:\/\/meet\.example\.org\/riverford-waste-partnership/);
    assert.match(mine.body, new RegExp(`href="${confirmation}.ics"`));

    const ics = await who.get(`${confirmation}.ics`);
    assert.equal(ics.statusCode, 200);
    assert.match(String(ics.headers['content-type']), /^text\/calendar/);
    const event = veventOf(ics.body);
    const { starts_at } = await startOf('waste-partnership-meeting');
    assert.equal(event.start.toISOString(), starts_at.toISOString());
    assert.equal(event.start.tz, 'Europe/London');

    const [mail] = await mailTo('ada@example.com');
    assert.ok(mail, 'a confirmation email');
    assert.match(mail.subject, /Your place: Waste partnership group meeting/);
    assert.match(mail.text, /meet\.example\.org/);
    assert.match(mail.text, /registrations\/[A-Za-z0-9_-]+\/cancel/);
    assert.deepEqual(
      mail.attachments.map((a) => [a.filename, a.content_type]),
      [['invite.ics', 'text/calendar']],
    );
    const attached = await t.app.inject({ url: mail.attachments[0]!.url, headers: riverford });
    const invite = veventOf(attached.body);
    assert.match(attached.body, /METHOD:REQUEST/);
    assert.equal(invite.start.toISOString(), starts_at.toISOString());

    // On the person's CRM timeline (the job that links the person has run with the mail).
    const rows = await t.app.services.db.query<{ summary: string }>(
      `select i.summary from interactions i join person_emails e on e.tenant_id = i.tenant_id and e.person_id = i.person_id
        where i.tenant_id = $1 and e.email = 'ada@example.com' and i.kind = 'event-registration'`,
      [t.tenants.riverford.id],
    );
    assert.deepEqual(
      rows.map((r) => r.summary),
      ['Registered for Waste partnership group meeting'],
    );
  });

  it('shows the error summary and stores nothing when the name and email are missing', async () => {
    const { response } = await register('waste-partnership-meeting', '', 'not-an-email');
    assert.equal(response.statusCode, 400);
    assert.match(response.body, /govuk-error-summary/);
    assert.match(response.body, /href="#name"/);
    assert.match(response.body, /href="#email"/);
    const [row] = await t.app.services.db.query<{ n: number }>(
      `select count(*)::int as n from event_registrations where email = 'not-an-email'`,
    );
    assert.equal(row!.n, 0);
  });

  it('emails the link again, never showing it, when the address is already registered', async () => {
    const { response } = await register('waste-partnership-meeting', 'Ada Again', 'ada@example.com');
    assert.equal(response.headers.location, '/events/waste-partnership-meeting/sent');
    const mails = await mailTo('ada@example.com');
    assert.match(mails[0]!.subject, /Your registration: Waste partnership group meeting/);
  });

  it('keeps one council’s registrations from another', async () => {
    const { response } = await register('waste-partnership-meeting', 'Grace Hopper', 'grace@example.com');
    const path = String(response.headers.location);
    const elsewhere = await t.app.inject({ url: path, headers: northshire });
    assert.equal(elsewhere.statusCode, 404);
    const ics = await t.app.inject({ url: `${path}.ics`, headers: northshire });
    assert.equal(ics.statusCode, 404);
  });
});

describe('capacity and the wait list', () => {
  it('puts 5 of 35 on the wait list; a cancellation promotes the first waiting, who is emailed, and the canceller gets no reminder', async () => {
    const id = await createEvent({
      slug: 'recycling-forum',
      titleEn: 'Recycling forum',
      capacity: '30',
      'date-day': '14',
      'date-month': '7',
      'date-year': '2027',
    });
    const links: string[] = [];
    for (let i = 0; i < 35; i++) {
      const { response } = await register('recycling-forum', `Person ${i}`, `person${i}@example.com`);
      assert.equal(response.statusCode, 303);
      links.push(String(response.headers.location));
    }
    const counts = await t.app.services.db.query<{ status: string; n: number }>(
      `select status, count(*)::int as n from event_registrations where event_id = $1 group by status order by status`,
      [id],
    );
    assert.deepEqual(counts, [
      { status: 'confirmed', n: 30 },
      { status: 'waiting', n: 5 },
    ]);
    const waitingPage = await t.app.inject({ url: links[31]!, headers: riverford });
    assert.match(textOf(waitingPage.body), /You are on the waiting list/);
    await mailbox();

    // Person 3 cancels from the link in their email: a confirm page, then a POST.
    const canceller = visitor(t, riverford);
    const confirm = await canceller.get(`${links[3]}/cancel`);
    assert.match(textOf(confirm.body), /Are you sure you want to cancel\?/);
    const cancelled = await canceller.post(`${links[3]}/cancel`, `${links[3]}/cancel`, {});
    assert.equal(cancelled.statusCode, 303);
    assert.match(textOf((await canceller.get(links[3]!)).body), /Your place is cancelled/);

    const promotedMail = await mailTo('person30@example.com');
    assert.match(promotedMail[0]!.subject, /A place is now yours: Recycling forum/);
    assert.equal(promotedMail[0]!.attachments[0]?.filename, 'invite.ics');
    const cancelMail = await mailTo('person3@example.com');
    assert.match(cancelMail[0]!.subject, /Place cancelled: Recycling forum/);
    const cancelIcs = await t.app.inject({ url: cancelMail[0]!.attachments[0]!.url, headers: riverford });
    assert.match(cancelIcs.body, /METHOD:CANCEL/);
    assert.match(
      textOf((await t.app.inject({ url: links[30]!, headers: riverford })).body),
      /You are registered/,
    );
    assert.match(textOf((await t.app.inject({ url: links[31]!, headers: riverford })).body), /waiting list/);

    // The reminders fall due: as a worker would run them half an hour before the start.
    const { starts_at } = await startOf('recycling-forum');
    const worker = createWorker({
      db: t.app.services.db,
      mailer: t.app.services.mailer,
      now: () => new Date(starts_at.getTime() - 30 * 60_000),
      logger: pino({ level: 'silent' }),
      services: t.app.services,
    });
    for (let i = 0; i < 100 && (await worker.runDue()) > 0; i++);
    const all = await mailbox();
    const reminders = (to: string) =>
      all.filter((m) => m.to === to && /^(Tomorrow|In an hour): Recycling forum/.test(m.subject));
    assert.equal(reminders('person3@example.com').length, 0, 'the canceller gets no reminder');
    assert.equal(reminders('person31@example.com').length, 0, 'nor does anyone still waiting');
    assert.equal(reminders('person30@example.com').length, 2, 'the promoted person gets both');
    assert.equal(reminders('person0@example.com').length, 2);
  });

  it('gives places freed while registration was closed to those waiting, before any newcomer, on reopening', async () => {
    const id = await createEvent({
      slug: 'compost-workshop',
      titleEn: 'Compost workshop',
      capacity: '2',
      'date-day': '15',
      'date-month': '7',
      'date-year': '2027',
    });
    const links: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { response } = await register('compost-workshop', `Gardener ${i}`, `gardener${i}@example.com`);
      links.push(String(response.headers.location));
    }
    const page = `/staff/events/${id}`;
    assert.equal((await staff.post(page, `${page}/registration`, { open: 'no' })).statusCode, 303);
    const leaver = visitor(t, riverford);
    assert.equal((await leaver.post(`${links[0]}/cancel`, `${links[0]}/cancel`, {})).statusCode, 303);
    assert.equal((await staff.post(page, `${page}/registration`, { open: 'yes' })).statusCode, 303);
    const status = async (email: string) =>
      (
        await t.app.services.db.query<{ status: string }>(
          'select status from event_registrations where event_id = $1 and email = $2',
          [id, email],
        )
      )[0]?.status;
    assert.equal(await status('gardener2@example.com'), 'confirmed');
    const { response } = await register('compost-workshop', 'Late comer', 'late@example.com');
    assert.equal(response.statusCode, 303);
    assert.equal(await status('late@example.com'), 'waiting');
  });

  it('never overbooks when 100 people register at once for the last 10 places', async () => {
    const id = await createEvent({
      slug: 'last-places',
      titleEn: 'Last places',
      capacity: '12',
      'date-day': '3',
      'date-month': '11',
      'date-year': '2027',
    });
    for (const i of [0, 1]) await register('last-places', `Early ${i}`, `early${i}@example.com`);
    // Each person opens the page first (their own session and CSRF token), then all press Register together.
    const people: { who: ReturnType<typeof visitor>; csrf: string; i: number }[] = [];
    for (let i = 0; i < 100; i++) {
      const who = visitor(t, riverford);
      const page = await who.get('/events/last-places');
      people.push({ who, csrf: /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!, i });
    }
    const responses = await Promise.all(
      people.map(({ who, csrf, i }) =>
        t.app.inject({
          method: 'POST',
          url: '/events/last-places/register',
          headers: {
            ...riverford,
            cookie: who.cookie,
            'x-forwarded-for': `198.51.100.${i}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          payload: new URLSearchParams({
            _csrf: csrf,
            ...registration(`Rush ${i}`, `rush${i}@example.com`),
          }).toString(),
        }),
      ),
    );
    assert.ok(
      responses.every((r) => r.statusCode === 303),
      responses.map((r) => r.statusCode).join(),
    );
    const counts = await t.app.services.db.query<{ status: string; n: number }>(
      `select status, count(*)::int as n from event_registrations where event_id = $1 group by status order by status`,
      [id],
    );
    assert.deepEqual(counts, [
      { status: 'confirmed', n: 12 },
      { status: 'waiting', n: 90 },
    ]);
  });
});

describe('calendar files across the clock changes', () => {
  for (const [label, day, month, time, utc] of [
    ['in summer (BST)', '14', '7', '18:30', '2027-07-14T17:30:00.000Z'],
    ['after the October clock change (GMT)', '3', '11', '18:30', '2027-11-03T18:30:00.000Z'],
    ['on the day the clocks go back', '31', '10', '09:30', '2027-10-31T09:30:00.000Z'],
  ] as const) {
    it(`gives the right start ${label}`, async () => {
      const slug = `clock-${month}-${day}`;
      await createEvent({
        slug,
        'date-day': day,
        'date-month': month,
        'date-year': '2027',
        start: time,
        end: '23:00',
      });
      const { who, response } = await register(slug, 'Clock Watcher', `clock${month}${day}@example.com`);
      const ics = await who.get(`${response.headers.location}.ics`);
      const event = veventOf(ics.body);
      assert.equal(event.start.toISOString(), utc);
      assert.equal(event.start.tz, 'Europe/London');
      assert.match(
        ics.body,
        new RegExp(
          `DTSTART;TZID=Europe/London:2027${month.padStart(2, '0')}${day.padStart(2, '0')}T${time.replace(':', '')}00`,
        ),
      );
    });
  }
});

describe('invitation-only events, attendance and staff access', () => {
  it('opens an invitation-only event only with its invitation link', async () => {
    const id = await createEvent({
      slug: 'invited-briefing',
      titleEn: 'Invited briefing',
      visibility: 'invitation',
      'date-day': '10',
      'date-month': '3',
      'date-year': '2027',
    });
    assert.equal(
      (await t.app.inject({ url: '/events/invited-briefing', headers: riverford })).statusCode,
      404,
    );
    const list = await t.app.inject({ url: '/events', headers: riverford });
    assert.doesNotMatch(list.body, /Invited briefing/);
    assert.match(list.body, /Waste partnership group meeting/);
    const detail = await staff.get(`/staff/events/${id}`);
    const link = /\/events\/invited-briefing\?invite=([\w-]+)/.exec(detail.body);
    assert.ok(link, 'staff see the invitation link');
    const forged = await t.app.inject({ url: '/events/invited-briefing?invite=forged', headers: riverford });
    assert.equal(forged.statusCode, 404);
    const { response } = await register(
      'invited-briefing',
      'Invited Guest',
      'guest@example.com',
      riverford,
      `?invite=${link[1]}`,
    );
    assert.equal(response.statusCode, 303);
    assert.match(String(response.headers.location), /\/events\/invited-briefing\/registrations\//);
  });

  it('records attendance marked by staff, on the CRM timeline too', async () => {
    const id = await createEvent({
      slug: 'drop-in',
      titleEn: 'Drop-in session',
      'date-day': '12',
      'date-month': '3',
      'date-year': '2027',
    });
    for (const n of [1, 2]) await register('drop-in', `Drop In ${n}`, `dropin${n}@example.com`);
    await mailbox(); // Also runs the jobs that link each registration to its CRM person.
    const page = await staff.get(`/staff/events/${id}`);
    const ids = [...page.body.matchAll(/name="attended" type="checkbox" value="([0-9a-f-]{36})"/g)].map(
      (m) => m[1]!,
    );
    assert.equal(ids.length, 2);
    const saved = await staff.post(`/staff/events/${id}`, `/staff/events/${id}/attendance`, {
      attended: [ids[0]!],
    });
    assert.equal(saved.statusCode, 303);
    const rows = await t.app.services.db.query<{ email: string; attended: boolean }>(
      'select email, attended from event_registrations where event_id = $1 order by email',
      [id],
    );
    assert.deepEqual(
      rows.map((r) => r.attended),
      [true, false],
    );
    const [timeline] = await t.app.services.db.query<{ summary: string }>(
      `select i.summary from interactions i join event_registrations r on r.tenant_id = i.tenant_id and r.person_id = i.person_id
        where r.id = $1 and i.kind = 'event-attendance'`,
      [ids[0]],
    );
    assert.equal(timeline?.summary, 'Attended Drop-in session');
  });

  it('keeps another council’s staff and residents out of an event', async () => {
    const { id } = await startOf('waste-partnership-meeting');
    const other = await signInStaff(t, northshire, 'admin@northshire.example');
    assert.equal((await other.get(`/staff/events/${id}`)).statusCode, 404);
    const ours = await startOf('waste-partnership-meeting', t.tenants.northshire.id);
    assert.notEqual(ours.id, id);
    const agent = await signInStaff(t, riverford, 'agent@riverford.example');
    assert.equal((await agent.get('/staff/events')).statusCode, 403);
  });
});

describe('under GOV.UK Notify', () => {
  it('links to the .ics in the email instead of attaching it', async () => {
    const notified = await testApp({
      TRUST_PROXY: '1',
      NOTIFY_API_KEY: 'test_key-00000000-0000-0000-0000-000000000000-00000000-0000-0000-0000-000000000000',
      NOTIFY_TEMPLATE_ID: '00000000-0000-0000-0000-000000000000',
    });
    try {
      const who = visitor(notified, riverford);
      const response = await who.post(
        '/events/waste-partnership-meeting',
        '/events/waste-partnership-meeting/register',
        registration('Notify Reader', 'notify@example.com'),
      );
      assert.equal(response.statusCode, 303);
      const [job] = await notified.app.services.db.query<{
        payload: { text: string; attachments?: unknown[] };
      }>(`select payload from jobs where kind = 'mail.send' and payload->>'to' = 'notify@example.com'`);
      assert.equal(job?.payload.attachments, undefined);
      assert.match(job!.payload.text, /Add it to your calendar: \S+\/registrations\/[\w-]+\.ics/);
    } finally {
      await notified.close();
    }
  });
});

describe('in Welsh', () => {
  it('shows the event, its form and the council’s own Welsh text', async () => {
    const page = await t.app.inject({
      url: '/events/waste-partnership-meeting',
      headers: { ...riverford, cookie: 'lang=cy' },
    });
    assert.equal(page.statusCode, 200);
    const text = textOf(page.body);
    assert.match(text, /Cyfarfod y grŵp partneriaeth gwastraff/);
    assert.match(text, /Siambr y Cyngor/);
    assert.match(text, /Anghenion mynediad/);
    assert.match(text, /Anghenion deietegol/);
    assert.match(page.body, /<html lang="cy"/);
  });
});
