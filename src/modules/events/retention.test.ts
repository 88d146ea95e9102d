import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deliverMail, riverford, type TestApp, testApp } from '../../../test/support/app.ts';
import { signInStaff, textOf, type Visitor, visitor } from '../../../test/support/staff.ts';
import { runHousekeeping } from '../../housekeeping.ts';
import { listAudit } from '../../platform/audit/audit.ts';
import { periodBefore, registrationRetention } from './retention.ts';
import { createEventAsStaff } from './testing.ts';

let t: TestApp;
let staff: Visitor;
before(async () => {
  t = await testApp({ TRUST_PROXY: '1' });
  staff = await signInStaff(t, riverford, 'admin@riverford.example');
});
after(() => t.close());

const db = () => t.app.services.db;
const tenantId = () => t.tenants.riverford.id;
const day = 86_400_000;

const createEvent = (slug: string, title: string, capacity = '') =>
  createEventAsStaff(staff, {
    slug,
    titleEn: title,
    capacity,
    'date-day': '20',
    'date-month': '5',
    'date-year': '2027',
  });

/** Registers through the public page; answers the registrant's own link. */
async function register(slug: string, name: string, email: string, needs: Record<string, string> = {}) {
  const response = await visitor(t, riverford).post(`/events/${slug}`, `/events/${slug}/register`, {
    name,
    email,
    accessNeeds: needs.accessNeeds ?? '',
    dietaryNeeds: needs.dietaryNeeds ?? '',
  });
  assert.equal(response.statusCode, 303);
  return String(response.headers.location);
}

async function cancelRegistration(link: string) {
  const response = await visitor(t, riverford).post(`${link}/cancel`, `${link}/cancel`, {});
  assert.equal(response.statusCode, 303);
}

/** Time passes: the event took place (same length), ending `endedAgo` before now. */
async function endedAgo(eventId: string, ms: number) {
  await db().query(
    `update events set starts_at = $3::timestamptz - (ends_at - starts_at), ends_at = $3
      where tenant_id = $1 and id = $2`,
    [tenantId(), eventId, new Date(Date.now() - ms)],
  );
}

interface Row {
  id: string;
  name: string | null;
  email: string | null;
  answers: Record<string, unknown>;
  status: string;
  attended: boolean | null;
  account_id: string | null;
  person_id: string | null;
  personal_data_deleted_at: Date | null;
  tokens: number;
}

const rowsOf = (eventId: string) =>
  db().query<Row>(
    `select r.id, r.name, r.email, r.answers, r.status, r.attended, r.account_id, r.person_id,
        r.personal_data_deleted_at,
        (select count(*)::int from event_registration_tokens k
          where k.tenant_id = r.tenant_id and k.registration_id = r.id) as tokens
       from event_registrations r where r.tenant_id = $1 and r.event_id = $2 order by r.queued_at, r.id`,
    [tenantId(), eventId],
  );

const expiredAudit = async (eventId: string) =>
  (await listAudit(db(), tenantId(), { subjectType: 'event', subjectId: eventId, limit: 100 })).filter(
    (a) => a.action === 'event.registrations.expired',
  );

describe('the retention of event registrations', () => {
  const ids: Record<'old' | 'recent' | 'calledOff' | 'coming', string> = {
    old: '',
    recent: '',
    calledOff: '',
    coming: '',
  };
  const links: Record<string, string> = {};
  let earlier: Record<string, Row[]> = {};
  let first: Awaited<ReturnType<typeof runHousekeeping>>;

  before(async () => {
    ids.old = await createEvent('old-forum', 'Old forum', '2');
    links.ada = await register('old-forum', 'Ada Lovelace', 'ada@example.com', {
      accessNeeds: 'A hearing loop, please',
      dietaryNeeds: 'Nut allergy',
    });
    links.bob = await register('old-forum', 'Bob Babbage', 'bob@example.com');
    links.cy = await register('old-forum', 'Cy Waiting', 'cy@example.com');
    links.dee = await register('old-forum', 'Dee Leaving', 'dee@example.com');
    await cancelRegistration(links.dee);

    ids.recent = await createEvent('recent-forum', 'Recent forum');
    links.eve = await register('recent-forum', 'Eve Recent', 'eve@example.com', {
      dietaryNeeds: 'Vegan',
    });

    ids.calledOff = await createEvent('called-off', 'Called off');
    links.fay = await register('called-off', 'Fay Called', 'fay@example.com');
    const cancelled = await staff.post(
      `/staff/events/${ids.calledOff}/cancel`,
      `/staff/events/${ids.calledOff}/cancel`,
      {},
    );
    assert.equal(cancelled.statusCode, 303);

    ids.coming = await createEvent('coming-forum', 'Coming forum');
    links.gus = await register('coming-forum', 'Gus Gone', 'gus@example.com', { accessNeeds: 'Ramp' });
    links.hal = await register('coming-forum', 'Hal Here', 'hal@example.com', { accessNeeds: 'Ramp' });
    await cancelRegistration(links.gus);

    // The jobs run: each registrant is found or added in the CRM, and on their timeline.
    await deliverMail(t, riverford);

    // Staff mark who came to the old forum: Ada did, Bob did not.
    const page = await staff.get(`/staff/events/${ids.old}`);
    const boxes = [...page.body.matchAll(/name="attended" type="checkbox" value="([0-9a-f-]{36})"/g)];
    const ada = (await rowsOf(ids.old)).find((r) => r.email === 'ada@example.com')!;
    assert.equal(boxes.length, 2);
    const marked = await staff.post(`/staff/events/${ids.old}`, `/staff/events/${ids.old}/attendance`, {
      attended: [ada.id],
    });
    assert.equal(marked.statusCode, 303);

    // A year and a bit later.
    await endedAgo(ids.old, 400 * day);
    await endedAgo(ids.recent, 335 * day);
    // Called off 13 months ago; it would have taken place 11 months ago.
    await endedAgo(ids.calledOff, 335 * day);
    await db().query('update events set cancelled_at = $3 where tenant_id = $1 and id = $2', [
      tenantId(),
      ids.calledOff,
      new Date(Date.now() - 400 * day),
    ]);
    // The coming forum is still to come, but Gus cancelled 13 months ago (it was announced early).
    await db().query(
      `update event_registrations set cancelled_at = $3 where tenant_id = $1 and event_id = $2 and email = 'gus@example.com'`,
      [tenantId(), ids.coming, new Date(Date.now() - 400 * day)],
    );

    earlier = Object.fromEntries(
      await Promise.all(Object.entries(ids).map(async ([k, id]) => [k, await rowsOf(id)] as const)),
    );
    first = await runHousekeeping(db(), new Date());
  });

  it('is the shortest the registration form declares, a year', () => {
    assert.equal(registrationRetention.period, 'P1Y');
    assert.equal(
      periodBefore(new Date('2028-02-29T10:00:00Z'), registrationRetention.parsed).toISOString(),
      '2027-02-28T10:00:00.000Z',
    );
  });

  it('deletes the personal data of registrations to an event that ended more than a year ago, and keeps the figures', async () => {
    const rows = await rowsOf(ids.old);
    assert.equal(rows.length, 4);
    for (const r of rows) {
      assert.equal(r.name, null);
      assert.equal(r.email, null);
      assert.deepEqual(r.answers, {});
      assert.equal(r.account_id, null);
      assert.equal(r.person_id, null);
      assert.equal(r.tokens, 0, 'no link to the registration is left');
      assert.ok(r.personal_data_deleted_at);
    }
    assert.deepEqual(
      rows.map((r) => [r.status, r.attended]),
      earlier.old!.map((r) => [r.status, r.attended]),
    );
    assert.deepEqual(
      rows.map((r) => [r.status, r.attended]),
      [
        ['confirmed', true],
        ['confirmed', false],
        ['waiting', null],
        ['cancelled', null],
      ],
    );
    // Nothing of what Ada wrote is left anywhere in the registrations.
    const [left] = await db().query<{ n: number }>(
      `select count(*)::int as n from event_registrations
        where tenant_id = $1 and (answers::text like '%Nut allergy%' or name like 'Ada%' or email like 'ada@%')`,
      [tenantId()],
    );
    assert.equal(left!.n, 0);
    // The link in Ada's emails leads nowhere now.
    assert.equal((await t.app.inject({ url: links.ada!, headers: riverford })).statusCode, 404);
    assert.equal((await t.app.inject({ url: `${links.ada}.ics`, headers: riverford })).statusCode, 404);
  });

  it('audits the deletion, by the system, once per event', async () => {
    const [entry, ...more] = await expiredAudit(ids.old);
    assert.deepEqual(more, []);
    assert.equal(entry?.actor.type, 'system');
    assert.deepEqual(entry?.details, { registrations: 4, retention: 'P1Y' });
    assert.doesNotMatch(JSON.stringify(entry), /ada@|Lovelace|Nut allergy/);
    assert.equal(first.registrations, 6, 'the old forum, the event called off, and Gus');
  });

  it('counts from the cancellation of the event, or of the registration, when that came first', async () => {
    const [fay] = await rowsOf(ids.calledOff);
    assert.equal(fay?.email, null);
    assert.equal(fay?.status, 'confirmed');
    assert.equal((await expiredAudit(ids.calledOff)).length, 1);
    const coming = await rowsOf(ids.coming);
    assert.deepEqual(
      coming.map((r) => [r.status, r.email]),
      [
        ['cancelled', null],
        ['confirmed', 'hal@example.com'],
      ],
    );
    assert.deepEqual(coming[1], earlier.coming![1], 'Hal, still coming, is untouched');
  });

  it('leaves an event that ended 11 months ago untouched', async () => {
    assert.deepEqual(await rowsOf(ids.recent), earlier.recent);
    assert.deepEqual((await rowsOf(ids.recent))[0]?.answers, { dietaryNeeds: 'Vegan' });
    assert.equal((await expiredAudit(ids.recent)).length, 0);
    const mine = await t.app.inject({ url: links.eve!, headers: riverford });
    assert.equal(mine.statusCode, 200);
    assert.match(textOf(mine.body), /Eve Recent/);
  });

  it('keeps the CRM timeline, which holds none of the answers', async () => {
    const timeline = await db().query<{ kind: string; summary: string; note: string }>(
      `select i.kind, i.summary, i.note from interactions i
         join person_emails e on e.tenant_id = i.tenant_id and e.person_id = i.person_id
        where i.tenant_id = $1 and e.email = 'ada@example.com' and i.kind like 'event-%' order by i.id`,
      [tenantId()],
    );
    assert.deepEqual(
      timeline.map((i) => [i.kind, i.summary]),
      [
        ['event-registration', 'Registered for Old forum'],
        ['event-attendance', 'Attended Old forum'],
      ],
    );
    const [copied] = await db().query<{ n: number }>(
      `select count(*)::int as n from interactions
        where tenant_id = $1 and (summary like '%Nut allergy%' or note like '%Nut allergy%'
          or summary like '%hearing loop%' or note like '%hearing loop%')`,
      [tenantId()],
    );
    assert.equal(copied!.n, 0);
  });

  it('changes nothing more when housekeeping runs again', async () => {
    const snapshot = Object.fromEntries(
      await Promise.all(Object.entries(ids).map(async ([k, id]) => [k, await rowsOf(id)] as const)),
    );
    const audits = (await Promise.all(Object.values(ids).map((id) => expiredAudit(id)))).flat().length;
    const again = await runHousekeeping(db(), new Date());
    assert.equal(again.registrations, 0);
    for (const [k, id] of Object.entries(ids)) assert.deepEqual(await rowsOf(id), snapshot[k], k);
    assert.equal((await Promise.all(Object.values(ids).map((id) => expiredAudit(id)))).flat().length, audits);
  });

  it('still shows staff the old event’s figures, saying the details were deleted under the retention rule', async () => {
    const page = await staff.get(`/staff/events/${ids.old}`);
    assert.equal(page.statusCode, 200);
    const text = textOf(page.body);
    assert.match(text, /Places taken 2 \/ 2/);
    assert.match(text, /Attended 1 of 2 with a place/);
    assert.match(text, /Registered \(2\)/);
    assert.match(text, /Waiting list \(1\)/);
    assert.match(text, /Cancelled \(1\)/);
    assert.match(
      text,
      /were deleted on .* under the retention rule: they are kept for 1 year after the event ends/,
    );
    assert.match(text, /Registrations with details deleted: 4\./);
    assert.doesNotMatch(text, /null|undefined|Ada|Nobody yet/);
    assert.doesNotMatch(page.body, /name="attended"/, 'nobody left to tick');

    const welsh = await staff.get(`/staff/events/${ids.old}?lang=cy`);
    const cy = await staff.get(String(welsh.headers.location ?? `/staff/events/${ids.old}`));
    assert.match(textOf(cy.body), /o dan y rheol cadw: cânt eu cadw am 1 flwyddyn/);
    assert.match(textOf(cy.body), /Wedi dod 1 o'r 2 â lle/);
  });

  it('keeps the attendance recorded when staff save attendance after the details are gone', async () => {
    const saved = await staff.post(`/staff/events/${ids.old}`, `/staff/events/${ids.old}/attendance`, {});
    assert.equal(saved.statusCode, 303);
    assert.deepEqual(
      (await rowsOf(ids.old)).map((r) => r.attended),
      [true, false, null, null],
    );
  });
});
