import type { Queryable } from '../../db/database.ts';
import { type ContactAddress, nameKey } from './contact.ts';

export const channels = ['web', 'phone', 'face-to-face', 'email', 'letter', 'api'] as const;
export type Channel = (typeof channels)[number];
export const avoidableTags = ['chasing-progress', 'unclear-information', 'repeat-unresolved'] as const;
export type AvoidableTag = (typeof avoidableTags)[number];

export interface Person {
  id: string;
  givenName: string;
  familyName: string;
  dateOfBirth: string | null;
  preferredLanguage: 'en' | 'cy' | null;
  preferredChannel: string | null;
  accessibilityNeeds: string;
  accountId: string | null;
  uprn: string | null;
  address: ContactAddress | null;
  postcode: string | null;
  mergedInto: string | null;
  createdAt: Date;
  emails: { email: string; verified: boolean }[];
  phones: string[];
}

const personColumns = `p.id, p.given_name as "givenName", p.family_name as "familyName",
  to_char(p.date_of_birth, 'YYYY-MM-DD') as "dateOfBirth", p.preferred_language as "preferredLanguage",
  p.preferred_channel as "preferredChannel", p.accessibility_needs as "accessibilityNeeds",
  p.account_id as "accountId", p.uprn, p.address, p.postcode, p.merged_into as "mergedInto",
  p.created_at as "createdAt",
  coalesce((select json_agg(json_build_object('email', e.email, 'verified', e.verified) order by e.verified desc, e.email)
     from person_emails e where e.tenant_id = p.tenant_id and e.person_id = p.id), '[]') as emails,
  coalesce((select json_agg(ph.phone order by ph.phone)
     from person_phones ph where ph.tenant_id = p.tenant_id and ph.person_id = p.id), '[]') as phones`;

export interface NewPerson {
  givenName?: string;
  familyName?: string;
  dateOfBirth?: string | null;
  preferredLanguage?: 'en' | 'cy' | null;
  preferredChannel?: string | null;
  accessibilityNeeds?: string;
  accountId?: string | null;
  address?: ContactAddress | null;
}

export async function insertPerson(q: Queryable, tenantId: string, p: NewPerson): Promise<string> {
  const given = p.givenName?.trim() ?? '';
  const family = p.familyName?.trim() ?? '';
  const [row] = await q.query<{ id: string }>(
    `insert into people (tenant_id, given_name, family_name, name_key, date_of_birth, preferred_language,
       preferred_channel, accessibility_needs, account_id, uprn, address, postcode)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) returning id`,
    [
      tenantId,
      given,
      family,
      nameKey(given, family),
      p.dateOfBirth || null,
      p.preferredLanguage ?? null,
      p.preferredChannel ?? null,
      p.accessibilityNeeds ?? '',
      p.accountId ?? null,
      p.address?.uprn ?? null,
      p.address ? JSON.stringify(p.address) : null,
      p.address?.postcode ?? null,
    ],
  );
  return row!.id;
}

export async function updatePerson(q: Queryable, tenantId: string, id: string, p: NewPerson): Promise<void> {
  const given = p.givenName?.trim() ?? '';
  const family = p.familyName?.trim() ?? '';
  await q.query(
    `update people set given_name = $3, family_name = $4, name_key = $5, date_of_birth = $6,
       preferred_language = $7, preferred_channel = $8, accessibility_needs = $9, updated_at = now()
     where tenant_id = $1 and id = $2`,
    [
      tenantId,
      id,
      given,
      family,
      nameKey(given, family),
      p.dateOfBirth || null,
      p.preferredLanguage ?? null,
      p.preferredChannel ?? null,
      p.accessibilityNeeds ?? '',
    ],
  );
}

export async function setPersonAddress(
  q: Queryable,
  tenantId: string,
  id: string,
  address: ContactAddress,
): Promise<void> {
  await q.query(
    `update people set uprn = $3, address = $4, postcode = $5, updated_at = now() where tenant_id = $1 and id = $2`,
    [tenantId, id, address.uprn ?? null, JSON.stringify(address), address.postcode ?? null],
  );
}

export async function addEmail(
  q: Queryable,
  tenantId: string,
  personId: string,
  email: string,
  verified: boolean,
): Promise<void> {
  await q.query(
    `insert into person_emails (tenant_id, person_id, email, verified) values ($1, $2, $3, $4)
     on conflict (tenant_id, person_id, email) do update set verified = person_emails.verified or excluded.verified`,
    [tenantId, personId, email, verified],
  );
}

export async function addPhone(
  q: Queryable,
  tenantId: string,
  personId: string,
  phone: string,
): Promise<void> {
  await q.query(
    'insert into person_phones (tenant_id, person_id, phone) values ($1, $2, $3) on conflict do nothing',
    [tenantId, personId, phone],
  );
}

export async function findPerson(q: Queryable, tenantId: string, id: string): Promise<Person | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  const [row] = await q.query<Person>(
    `select ${personColumns} from people p where p.tenant_id = $1 and p.id = $2`,
    [tenantId, id],
  );
  return row;
}

export async function findPeople(q: Queryable, tenantId: string, ids: readonly string[]): Promise<Person[]> {
  if (!ids.length) return [];
  return q.query<Person>(
    `select ${personColumns} from people p where p.tenant_id = $1 and p.id = any($2::uuid[])`,
    [tenantId, ids],
  );
}

/** Live (unmerged) people holding an email, a phone or an account. */
export async function peopleByEmail(q: Queryable, tenantId: string, email: string): Promise<string[]> {
  const rows = await q.query<{ id: string }>(
    `select p.id from person_emails e join people p on p.tenant_id = e.tenant_id and p.id = e.person_id
      where e.tenant_id = $1 and e.email = $2 and p.merged_into is null order by e.verified desc, p.created_at`,
    [tenantId, email],
  );
  return rows.map((r) => r.id);
}

export async function peopleByPhone(q: Queryable, tenantId: string, phone: string): Promise<string[]> {
  const rows = await q.query<{ id: string }>(
    `select p.id from person_phones ph join people p on p.tenant_id = ph.tenant_id and p.id = ph.person_id
      where ph.tenant_id = $1 and ph.phone = $2 and p.merged_into is null order by p.created_at`,
    [tenantId, phone],
  );
  return rows.map((r) => r.id);
}

export async function personByAccount(
  q: Queryable,
  tenantId: string,
  accountId: string,
): Promise<string | undefined> {
  const [row] = await q.query<{ id: string }>(
    'select id from people where tenant_id = $1 and account_id = $2 and merged_into is null',
    [tenantId, accountId],
  );
  return row?.id;
}

export async function setAccount(
  q: Queryable,
  tenantId: string,
  personId: string,
  accountId: string,
): Promise<void> {
  await q.query('update people set account_id = $3, updated_at = now() where tenant_id = $1 and id = $2', [
    tenantId,
    personId,
    accountId,
  ]);
}

export async function peopleAt(q: Queryable, tenantId: string, uprn: string): Promise<Person[]> {
  return q.query<Person>(
    `select ${personColumns} from people p where p.tenant_id = $1 and p.uprn = $2 and p.merged_into is null
      order by p.family_name, p.given_name`,
    [tenantId, uprn],
  );
}

export interface NewInteraction {
  channel: Channel;
  kind: string;
  caseId?: string | null;
  personId?: string | null;
  organisationId?: string | null;
  uprn?: string | null;
  email?: string | null;
  staffId?: string | null;
  summary: string;
  reason?: string | null;
  outcome?: string | null;
  avoidable?: AvoidableTag | null;
  note?: string;
}

export async function insertInteraction(q: Queryable, tenantId: string, i: NewInteraction): Promise<string> {
  const [row] = await q.query<{ id: string }>(
    `insert into interactions (tenant_id, channel, kind, case_id, person_id, organisation_id, uprn, email, staff_id,
       summary, reason, outcome, avoidable, note)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) returning id::text`,
    [
      tenantId,
      i.channel,
      i.kind,
      i.caseId ?? null,
      i.personId ?? null,
      i.organisationId ?? null,
      i.uprn ?? null,
      i.email ?? null,
      i.staffId ?? null,
      i.summary,
      i.reason ?? null,
      i.outcome ?? null,
      i.avoidable ?? null,
      i.note ?? '',
    ],
  );
  return row!.id;
}

export interface TimelineEntry {
  id: string;
  channel: Channel;
  kind: string;
  summary: string;
  reason: string | null;
  outcome: string | null;
  avoidable: AvoidableTag | null;
  note: string;
  occurredAt: Date;
  caseId: string | null;
  reference: string | null;
  caseStatus: string | null;
  staffName: string | null;
  personId: string | null;
}

export interface TimelineFilter {
  channel?: Channel;
  kind?: string;
  limit?: number;
}

/**
 * One timeline, newest first: every interaction of a person (directly, or on one of their
 * cases), of a property (by UPRN, or of anyone living there), or of an organisation.
 */
export async function timeline(
  q: Queryable,
  tenantId: string,
  of: { personId: string } | { uprn: string } | { organisationId: string },
  filter: TimelineFilter = {},
): Promise<TimelineEntry[]> {
  const params: unknown[] = [tenantId];
  let where: string;
  if ('personId' in of) {
    params.push(of.personId);
    where = `(i.person_id = $2 or i.case_id in (select id from cases where tenant_id = $1 and person_id = $2))`;
  } else if ('uprn' in of) {
    params.push(of.uprn);
    where = `(i.uprn = $2 or i.person_id in (select id from people where tenant_id = $1 and uprn = $2))`;
  } else {
    params.push(of.organisationId);
    where = `(i.organisation_id = $2 or i.person_id in
      (select person_id from organisation_contacts where tenant_id = $1 and organisation_id = $2))`;
  }
  if (filter.channel) {
    params.push(filter.channel);
    where += ` and i.channel = $${params.length}`;
  }
  if (filter.kind) {
    params.push(filter.kind);
    where += ` and i.kind = $${params.length}`;
  }
  params.push(Math.min(filter.limit ?? 100, 500));
  return q.query<TimelineEntry>(
    `select i.id::text as id, i.channel, i.kind, i.summary, i.reason, i.outcome, i.avoidable, i.note,
        i.occurred_at as "occurredAt", i.case_id as "caseId", c.reference, c.status as "caseStatus",
        s.name as "staffName", i.person_id as "personId"
       from interactions i
       left join cases c on c.tenant_id = i.tenant_id and c.id = i.case_id
       left join staff_users s on s.tenant_id = i.tenant_id and s.id::text = i.staff_id
      where i.tenant_id = $1 and ${where}
      order by i.occurred_at desc, i.id desc limit $${params.length}`,
    params,
  );
}

export interface PersonCase {
  id: string;
  reference: string;
  status: string;
  queue: string;
  serviceSlug: string | null;
  createdAt: Date;
  dueAt: Date | null;
  rating: string | null;
}

export async function casesOf(q: Queryable, tenantId: string, personId: string): Promise<PersonCase[]> {
  return q.query<PersonCase>(
    `select c.id, c.reference, c.status, c.queue, c.service_slug as "serviceSlug", c.created_at as "createdAt",
        c.due_at as "dueAt", s.rating
       from cases c left join satisfaction s on s.tenant_id = c.tenant_id and s.case_id = c.id
      where c.tenant_id = $1 and c.person_id = $2 order by c.created_at desc limit 100`,
    [tenantId, personId],
  );
}

export async function casesAt(q: Queryable, tenantId: string, uprn: string): Promise<PersonCase[]> {
  return q.query<PersonCase>(
    `select distinct on (c.created_at, c.id) c.id, c.reference, c.status, c.queue, c.service_slug as "serviceSlug",
        c.created_at as "createdAt", c.due_at as "dueAt", s.rating
       from interactions i join cases c on c.tenant_id = i.tenant_id and c.id = i.case_id
       left join satisfaction s on s.tenant_id = c.tenant_id and s.case_id = c.id
      where i.tenant_id = $1 and i.uprn = $2 order by c.created_at desc, c.id limit 100`,
    [tenantId, uprn],
  );
}

export interface Organisation {
  id: string;
  name: string;
  kind: string;
  email: string | null;
  phone: string | null;
  uprn: string | null;
  address: ContactAddress | null;
}

const organisationColumns = 'id, name, kind, email, phone, uprn, address';

export async function insertOrganisation(
  q: Queryable,
  tenantId: string,
  o: Omit<Organisation, 'id'>,
): Promise<string> {
  const [row] = await q.query<{ id: string }>(
    `insert into organisations (tenant_id, name, kind, email, phone, uprn, address)
     values ($1, $2, $3, $4, $5, $6, $7) returning id`,
    [tenantId, o.name, o.kind, o.email, o.phone, o.uprn, o.address ? JSON.stringify(o.address) : null],
  );
  return row!.id;
}

export async function findOrganisation(
  q: Queryable,
  tenantId: string,
  id: string,
): Promise<Organisation | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  const [row] = await q.query<Organisation>(
    `select ${organisationColumns} from organisations where tenant_id = $1 and id = $2`,
    [tenantId, id],
  );
  return row;
}

export async function addOrganisationContact(
  q: Queryable,
  tenantId: string,
  organisationId: string,
  personId: string,
  role: string,
): Promise<void> {
  await q.query(
    `insert into organisation_contacts (tenant_id, organisation_id, person_id, role) values ($1, $2, $3, $4)
     on conflict (tenant_id, organisation_id, person_id) do update set role = excluded.role`,
    [tenantId, organisationId, personId, role],
  );
}

export async function organisationContacts(
  q: Queryable,
  tenantId: string,
  organisationId: string,
): Promise<{ personId: string; name: string; role: string }[]> {
  return q.query(
    `select p.id as "personId", trim(p.given_name || ' ' || p.family_name) as name, oc.role
       from organisation_contacts oc join people p on p.tenant_id = oc.tenant_id and p.id = oc.person_id
      where oc.tenant_id = $1 and oc.organisation_id = $2 order by p.family_name`,
    [tenantId, organisationId],
  );
}

export async function organisationsOf(
  q: Queryable,
  tenantId: string,
  personId: string,
): Promise<{ id: string; name: string; role: string }[]> {
  return q.query(
    `select o.id, o.name, oc.role from organisation_contacts oc
       join organisations o on o.tenant_id = oc.tenant_id and o.id = oc.organisation_id
      where oc.tenant_id = $1 and oc.person_id = $2 order by o.name`,
    [tenantId, personId],
  );
}

export interface PersonHit {
  id: string;
  givenName: string;
  familyName: string;
  postcode: string | null;
  line1: string | null;
  emails: string[];
  phones: string[];
  score: number;
}

const hitColumns = `p.id, p.given_name as "givenName", p.family_name as "familyName", p.postcode,
  p.address->>'line1' as line1,
  coalesce((select json_agg(e.email) from person_emails e where e.tenant_id = p.tenant_id and e.person_id = p.id), '[]') as emails,
  coalesce((select json_agg(ph.phone) from person_phones ph where ph.tenant_id = p.tenant_id and ph.person_id = p.id), '[]') as phones`;

/** People by name, forgiving typos: the words typed found, with slips, in the name (trigram word similarity), or a family name that sounds the same with the same first initial. */
export async function searchPeopleByName(
  q: Queryable,
  tenantId: string,
  key: string,
  limit = 20,
): Promise<PersonHit[]> {
  const words = key.split(' ').filter(Boolean);
  const last = words.at(-1) ?? key;
  return q.query<PersonHit>(
    `select ${hitColumns}, greatest(similarity(p.name_key, $2), word_similarity($2, p.name_key)) as score
       from people p
      where p.tenant_id = $1 and p.merged_into is null
        and ($2 <% p.name_key
             or (length($3) > 2 and dmetaphone(p.family_name) = dmetaphone($3) and left(p.name_key, 1) = $4))
      order by score desc, p.family_name limit $5`,
    [tenantId, key, last, (words[0] ?? '').slice(0, 1), limit],
  );
}

export async function searchPeopleByEmail(
  q: Queryable,
  tenantId: string,
  email: string,
): Promise<PersonHit[]> {
  return q.query<PersonHit>(
    `select ${hitColumns}, max(similarity(e.email, $2)) as score
       from person_emails e join people p on p.tenant_id = e.tenant_id and p.id = e.person_id
      where e.tenant_id = $1 and p.merged_into is null and (e.email = $2 or e.email % $2)
      group by p.tenant_id, p.id order by score desc limit 20`,
    [tenantId, email],
  );
}

/** A phone number in any format; a partial number matches the end of a full one. */
export async function searchPeopleByPhone(
  q: Queryable,
  tenantId: string,
  digits: string,
): Promise<PersonHit[]> {
  return q.query<PersonHit>(
    `select ${hitColumns}, case when bool_or(ph.phone = $2) then 1 else 0.8 end as score
       from person_phones ph join people p on p.tenant_id = ph.tenant_id and p.id = ph.person_id
      where ph.tenant_id = $1 and p.merged_into is null and (ph.phone = $2 or ph.phone like $3)
      group by p.tenant_id, p.id order by score desc limit 20`,
    [tenantId, digits, `%${digits.replace(/^0/, '')}`],
  );
}

export async function searchPeopleByPostcode(
  q: Queryable,
  tenantId: string,
  postcode: string,
): Promise<PersonHit[]> {
  return q.query<PersonHit>(
    `select ${hitColumns}, 1 as score from people p
      where p.tenant_id = $1 and p.postcode = $2 and p.merged_into is null order by p.family_name limit 50`,
    [tenantId, postcode],
  );
}

export async function searchOrganisations(
  q: Queryable,
  tenantId: string,
  text: string,
): Promise<{ id: string; name: string; kind: string }[]> {
  return q.query(
    `select id, name, kind from organisations
      where tenant_id = $1 and (lower(name) % $2 or $2 <% lower(name) or lower(name) like $3)
      order by word_similarity($2, lower(name)) desc limit 10`,
    [tenantId, text, `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`],
  );
}
