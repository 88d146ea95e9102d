import type { Queryable } from '../../db/database.ts';
import type { LocalText } from '../../platform/i18n/local-text.ts';

export type EventFormat = 'in-person' | 'online' | 'hybrid';
export type Visibility = 'public' | 'invitation';
export type EventStatus = 'open' | 'closed' | 'cancelled';
export type RegistrationStatus = 'confirmed' | 'waiting' | 'cancelled';

export interface EventRow {
  id: string;
  tenantId: string;
  slug: string;
  title: LocalText;
  description: LocalText;
  startsAt: Date;
  endsAt: Date;
  format: EventFormat;
  visibility: Visibility;
  venue: LocalText | null;
  accessInfo: LocalText | null;
  meetingUrl: string | null;
  capacity: number | null;
  status: EventStatus;
  sequence: number;
  groupId: string | null;
}

export interface EventInput {
  slug: string;
  title: LocalText;
  description: LocalText;
  startsAt: Date;
  endsAt: Date;
  format: EventFormat;
  visibility: Visibility;
  venue: LocalText | null;
  accessInfo: LocalText | null;
  meetingUrl: string | null;
  capacity: number | null;
  groupId: string | null;
}

/**
 * A registration still holding its personal data. Once the retention has run out, only the
 * figures remain (see retention.ts), and no lookup here returns the row as a Registration.
 */
export interface Registration {
  id: string;
  eventId: string;
  name: string;
  email: string;
  answers: Record<string, unknown>;
  lang: 'en' | 'cy';
  status: RegistrationStatus;
  queuedAt: Date;
  accountId: string | null;
  personId: string | null;
  attended: boolean | null;
  createdAt: Date;
  promotedAt: Date | null;
  cancelledAt: Date | null;
}

const columnsOf = (p: string) => `${p}id, ${p}tenant_id as "tenantId", ${p}slug, ${p}title, ${p}description,
  ${p}starts_at as "startsAt", ${p}ends_at as "endsAt", ${p}format, ${p}visibility, ${p}venue,
  ${p}access_info as "accessInfo", ${p}meeting_url as "meetingUrl", ${p}capacity, ${p}status, ${p}sequence,
  ${p}group_id as "groupId"`;
const eventColumns = columnsOf('');
/** Registrations whose personal data the retention sweep has not deleted. */
const live = 'personal_data_deleted_at is null';
const registrationColumns = `id, event_id as "eventId", name, email, answers, lang, status, queued_at as "queuedAt",
  account_id as "accountId", person_id as "personId", attended, created_at as "createdAt", promoted_at as "promotedAt",
  cancelled_at as "cancelledAt"`;

export async function insertEvent(q: Queryable, tenantId: string, e: EventInput): Promise<string> {
  const [row] = await q.query<{ id: string }>(
    `insert into events (tenant_id, slug, title, description, starts_at, ends_at, format, visibility, venue, access_info,
       meeting_url, capacity, group_id)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) returning id`,
    [tenantId, ...eventValues(e)],
  );
  return row!.id;
}

const eventValues = (e: EventInput) => [
  e.slug,
  JSON.stringify(e.title),
  JSON.stringify(e.description),
  e.startsAt,
  e.endsAt,
  e.format,
  e.visibility,
  e.venue ? JSON.stringify(e.venue) : null,
  e.accessInfo ? JSON.stringify(e.accessInfo) : null,
  e.meetingUrl,
  e.capacity,
  e.groupId,
];

export async function updateEvent(
  q: Queryable,
  tenantId: string,
  id: string,
  e: EventInput,
  raiseSequence: boolean,
): Promise<void> {
  await q.query(
    `update events set slug = $3, title = $4, description = $5, starts_at = $6, ends_at = $7, format = $8,
       visibility = $9, venue = $10, access_info = $11, meeting_url = $12, capacity = $13, group_id = $14,
       sequence = sequence + $15, updated_at = now()
     where tenant_id = $1 and id = $2`,
    [tenantId, id, ...eventValues(e), raiseSequence ? 1 : 0],
  );
}

export async function setEventStatus(
  q: Queryable,
  tenantId: string,
  id: string,
  status: EventStatus,
  raiseSequence: boolean,
): Promise<void> {
  await q.query(
    `update events set status = $3, sequence = sequence + $4, updated_at = now(),
       cancelled_at = case when $3 = 'cancelled' then coalesce(cancelled_at, now()) else cancelled_at end
     where tenant_id = $1 and id = $2`,
    [tenantId, id, status, raiseSequence ? 1 : 0],
  );
}

export async function findEvent(q: Queryable, tenantId: string, id: string): Promise<EventRow | undefined> {
  const [row] = await q.query<EventRow>(
    `select ${eventColumns} from events where tenant_id = $1 and id = $2`,
    [tenantId, id],
  );
  return row;
}

/**
 * The event, its row locked until the transaction ends: places are counted and given under
 * this lock. NO KEY UPDATE, because inserting a registration holds a KEY SHARE lock on the
 * event (the foreign key), which FOR UPDATE would wait on: two registrations would deadlock.
 */
export async function lockEvent(q: Queryable, tenantId: string, id: string): Promise<EventRow | undefined> {
  const [row] = await q.query<EventRow>(
    `select ${eventColumns} from events where tenant_id = $1 and id = $2 for no key update`,
    [tenantId, id],
  );
  return row;
}

export async function eventBySlug(
  q: Queryable,
  tenantId: string,
  slug: string,
): Promise<EventRow | undefined> {
  const [row] = await q.query<EventRow>(
    `select ${eventColumns} from events where tenant_id = $1 and slug = $2`,
    [tenantId, slug],
  );
  return row;
}

export async function publicEvents(q: Queryable, tenantId: string, from: Date): Promise<EventRow[]> {
  return q.query<EventRow>(
    `select ${eventColumns} from events
      where tenant_id = $1 and visibility = 'public' and status <> 'cancelled' and ends_at >= $2
      order by starts_at limit 200`,
    [tenantId, from],
  );
}

export interface EventSummary extends EventRow {
  confirmed: number;
  waiting: number;
}

export async function listEvents(q: Queryable, tenantId: string): Promise<EventSummary[]> {
  return q.query<EventSummary>(
    `select ${columnsOf('e.')},
       (select count(*)::int from event_registrations r
         where r.tenant_id = e.tenant_id and r.event_id = e.id and r.status = 'confirmed') as confirmed,
       (select count(*)::int from event_registrations r
         where r.tenant_id = e.tenant_id and r.event_id = e.id and r.status = 'waiting') as waiting
       from events e where e.tenant_id = $1 order by e.starts_at desc limit 500`,
    [tenantId],
  );
}

export async function groupEvents(q: Queryable, tenantId: string, groupId: string): Promise<EventRow[]> {
  return q.query<EventRow>(
    `select ${eventColumns} from events where tenant_id = $1 and group_id = $2 order by starts_at desc limit 200`,
    [tenantId, groupId],
  );
}

export async function countConfirmed(q: Queryable, tenantId: string, eventId: string): Promise<number> {
  const [row] = await q.query<{ n: number }>(
    `select count(*)::int as n from event_registrations where tenant_id = $1 and event_id = $2 and status = 'confirmed'`,
    [tenantId, eventId],
  );
  return row?.n ?? 0;
}

export async function activeRegistrationByEmail(
  q: Queryable,
  tenantId: string,
  eventId: string,
  email: string,
): Promise<Registration | undefined> {
  const [row] = await q.query<Registration>(
    `select ${registrationColumns} from event_registrations
      where tenant_id = $1 and event_id = $2 and email = $3 and status <> 'cancelled' and ${live}`,
    [tenantId, eventId, email],
  );
  return row;
}

export async function insertRegistration(
  q: Queryable,
  tenantId: string,
  r: Pick<
    Registration,
    'eventId' | 'name' | 'email' | 'answers' | 'lang' | 'status' | 'accountId' | 'personId'
  >,
): Promise<Registration | undefined> {
  const [row] = await q.query<Registration>(
    `insert into event_registrations (tenant_id, event_id, name, email, answers, lang, status, account_id, person_id)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     on conflict (tenant_id, event_id, email) where status <> 'cancelled' do nothing
     returning ${registrationColumns}`,
    [
      tenantId,
      r.eventId,
      r.name,
      r.email,
      JSON.stringify(r.answers),
      r.lang,
      r.status,
      r.accountId,
      r.personId,
    ],
  );
  return row;
}

export async function deleteRegistration(q: Queryable, tenantId: string, id: string): Promise<void> {
  await q.query('delete from event_registrations where tenant_id = $1 and id = $2', [tenantId, id]);
}

export async function setRegistrationPerson(q: Queryable, tenantId: string, id: string, personId: string) {
  await q.query('update event_registrations set person_id = $3 where tenant_id = $1 and id = $2', [
    tenantId,
    id,
    personId,
  ]);
}

export async function findRegistration(
  q: Queryable,
  tenantId: string,
  id: string,
): Promise<Registration | undefined> {
  const [row] = await q.query<Registration>(
    `select ${registrationColumns} from event_registrations where tenant_id = $1 and id = $2 and ${live}`,
    [tenantId, id],
  );
  return row;
}

export async function registrationByTokenHash(
  q: Queryable,
  tenantId: string,
  tokenHash: string,
): Promise<Registration | undefined> {
  const [row] = await q.query<Registration>(
    `select ${registrationColumns} from event_registrations
      where tenant_id = $1 and id = (select registration_id from event_registration_tokens
                                      where tenant_id = $1 and token_hash = $2) and ${live}`,
    [tenantId, tokenHash],
  );
  return row;
}

export async function insertToken(
  q: Queryable,
  tenantId: string,
  registrationId: string,
  tokenHash: string,
): Promise<void> {
  await q.query(
    'insert into event_registration_tokens (tenant_id, token_hash, registration_id) values ($1, $2, $3)',
    [tenantId, tokenHash, registrationId],
  );
}

export async function registrationsOf(
  q: Queryable,
  tenantId: string,
  eventId: string,
): Promise<Registration[]> {
  return q.query<Registration>(
    `select ${registrationColumns} from event_registrations where tenant_id = $1 and event_id = $2 and ${live}
      order by case status when 'confirmed' then 0 when 'waiting' then 1 else 2 end, queued_at, id`,
    [tenantId, eventId],
  );
}

/** Sets the status; answers the status it had, or undefined when it already had that status. */
export async function setRegistrationStatus(
  q: Queryable,
  tenantId: string,
  id: string,
  status: RegistrationStatus,
  /** False when a new registration gets its place: it was never really waiting. */
  promotion = true,
): Promise<RegistrationStatus | undefined> {
  const [row] = await q.query<{ before: RegistrationStatus }>(
    `update event_registrations r set status = $3,
       cancelled_at = case when $3 = 'cancelled' then now() else r.cancelled_at end,
       promoted_at = case when $3 = 'confirmed' and r.status = 'waiting' and $4 then now() else r.promoted_at end
      from event_registrations before
     where r.tenant_id = $1 and r.id = $2 and r.status <> $3
       and before.tenant_id = r.tenant_id and before.id = r.id
     returning before.status as before`,
    [tenantId, id, status, promotion],
  );
  return row?.before;
}

/** The longest-waiting registration, if any. */
export async function firstWaiting(
  q: Queryable,
  tenantId: string,
  eventId: string,
): Promise<Registration | undefined> {
  const [row] = await q.query<Registration>(
    `select ${registrationColumns} from event_registrations
      where tenant_id = $1 and event_id = $2 and status = 'waiting' and ${live} order by queued_at, id limit 1`,
    [tenantId, eventId],
  );
  return row;
}

/** Marks who came among those with a place whose details are still held (the others' stays as it was). */
export async function setAttendance(
  q: Queryable,
  tenantId: string,
  eventId: string,
  attended: readonly string[],
): Promise<Registration[]> {
  return q.query<Registration>(
    `update event_registrations set attended = (id = any($3::uuid[]))
      where tenant_id = $1 and event_id = $2 and status = 'confirmed' and ${live}
        and attended is distinct from (id = any($3::uuid[]))
      returning ${registrationColumns}`,
    [tenantId, eventId, attended],
  );
}

export interface RegistrationFigures {
  confirmed: number;
  waiting: number;
  cancelled: number;
  /** Among all registrations, those marked as having come. */
  attended: number;
  /** Registrations whose personal data the retention sweep deleted, and when it last did. */
  deleted: number;
  deletedAt: Date | null;
}

/** The event's figures, counting registrations whose personal data is gone as well. */
export async function registrationFigures(
  q: Queryable,
  tenantId: string,
  eventId: string,
): Promise<RegistrationFigures> {
  const [row] = await q.query<RegistrationFigures>(
    `select count(*) filter (where status = 'confirmed')::int as confirmed,
       count(*) filter (where status = 'waiting')::int as waiting,
       count(*) filter (where status = 'cancelled')::int as cancelled,
       count(*) filter (where attended)::int as attended,
       count(*) filter (where personal_data_deleted_at is not null)::int as deleted,
       max(personal_data_deleted_at) as "deletedAt"
       from event_registrations where tenant_id = $1 and event_id = $2`,
    [tenantId, eventId],
  );
  return row!;
}

/**
 * Registrations of one council whose personal data is due for deletion: the retention runs
 * from the end of the event, or the cancellation of the registration or of the event,
 * whichever came first, and ran out at `cutoff`. Locked, skipping rows another sweep holds.
 */
export async function registrationsDueForDeletion(
  q: Queryable,
  tenantId: string,
  cutoff: Date,
  limit: number,
): Promise<{ id: string; eventId: string }[]> {
  return q.query<{ id: string; eventId: string }>(
    `select r.id, r.event_id as "eventId"
       from event_registrations r join events e on e.tenant_id = r.tenant_id and e.id = r.event_id
      where r.tenant_id = $1 and r.personal_data_deleted_at is null
        and least(e.ends_at, e.cancelled_at, r.cancelled_at) <= $2
      order by r.event_id, r.id limit $3
      for update of r skip locked`,
    [tenantId, cutoff, limit],
  );
}

/**
 * Deletes the personal data of these registrations: name, email, answers, the account and
 * CRM person they were joined to, and every link (token) to them. Status, attendance and
 * the dates of the wait list stay, for the figures. Answers the ids it changed.
 */
export async function deletePersonalData(
  q: Queryable,
  tenantId: string,
  ids: readonly string[],
  at: Date,
): Promise<string[]> {
  await q.query(
    'delete from event_registration_tokens where tenant_id = $1 and registration_id = any($2::uuid[])',
    [tenantId, ids],
  );
  const rows = await q.query<{ id: string }>(
    `update event_registrations set name = null, email = null, answers = '{}', account_id = null, person_id = null,
       personal_data_deleted_at = $3
      where tenant_id = $1 and id = any($2::uuid[]) and personal_data_deleted_at is null
      returning id`,
    [tenantId, ids, at],
  );
  return rows.map((r) => r.id);
}

export interface AccountRegistration {
  id: string;
  status: RegistrationStatus;
  slug: string;
  title: LocalText;
  startsAt: Date;
  eventStatus: EventStatus;
}

export async function registrationsOfAccount(
  q: Queryable,
  tenantId: string,
  accountId: string,
  emails: readonly string[],
): Promise<AccountRegistration[]> {
  return q.query<AccountRegistration>(
    `select r.id, r.status, e.slug, e.title, e.starts_at as "startsAt", e.status as "eventStatus"
       from event_registrations r join events e on e.tenant_id = r.tenant_id and e.id = r.event_id
      where r.tenant_id = $1 and (r.account_id = $2 or r.email = any($3::text[]))
      order by e.starts_at desc limit 200`,
    [tenantId, accountId, emails],
  );
}
