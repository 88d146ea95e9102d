import type { Queryable } from '../../db/database.ts';
import type { LocalText } from '../../platform/i18n/local-text.ts';

export interface Group {
  id: string;
  slug: string;
  name: LocalText;
  description: LocalText;
  openToRequests: boolean;
}

export interface Member {
  id: string;
  personId: string | null;
  organisationId: string | null;
  /** The person's name, or the organisation's. */
  name: string;
  /** A person's first email, or the organisation's. */
  email: string | null;
  joinedAt: Date;
}

export interface MembershipRequest {
  id: string;
  groupId: string;
  name: string;
  email: string;
  organisation: string;
  reason: string;
  lang: 'en' | 'cy';
  status: 'pending' | 'approved' | 'declined';
  createdAt: Date;
}

export interface GroupDocument {
  id: string;
  title: LocalText;
  url: string;
  createdAt: Date;
}

const groupColumns = `id, slug, name, description, open_to_requests as "openToRequests"`;

export async function insertGroup(q: Queryable, tenantId: string, g: Omit<Group, 'id'>): Promise<string> {
  const [row] = await q.query<{ id: string }>(
    `insert into stakeholder_groups (tenant_id, slug, name, description, open_to_requests)
     values ($1, $2, $3, $4, $5) returning id`,
    [tenantId, g.slug, JSON.stringify(g.name), JSON.stringify(g.description), g.openToRequests],
  );
  return row!.id;
}

export async function listGroups(
  q: Queryable,
  tenantId: string,
): Promise<(Group & { members: number; pending: number })[]> {
  return q.query(
    `select ${groupColumns},
       (select count(*)::int from group_members m where m.tenant_id = g.tenant_id and m.group_id = g.id) as members,
       (select count(*)::int from group_requests r
         where r.tenant_id = g.tenant_id and r.group_id = g.id and r.status = 'pending') as pending
       from stakeholder_groups g where tenant_id = $1 order by name->>'en'`,
    [tenantId],
  );
}

export async function findGroup(q: Queryable, tenantId: string, id: string): Promise<Group | undefined> {
  const [row] = await q.query<Group>(
    `select ${groupColumns} from stakeholder_groups where tenant_id = $1 and id = $2`,
    [tenantId, id],
  );
  return row;
}

export async function groupBySlug(q: Queryable, tenantId: string, slug: string): Promise<Group | undefined> {
  const [row] = await q.query<Group>(
    `select ${groupColumns} from stakeholder_groups where tenant_id = $1 and slug = $2`,
    [tenantId, slug],
  );
  return row;
}

export async function membersOf(q: Queryable, tenantId: string, groupId: string): Promise<Member[]> {
  return q.query<Member>(
    `select m.id, m.person_id as "personId", m.organisation_id as "organisationId", m.joined_at as "joinedAt",
       coalesce(nullif(trim(p.given_name || ' ' || p.family_name), ''), o.name, '') as name,
       coalesce((select e.email from person_emails e where e.tenant_id = m.tenant_id and e.person_id = m.person_id
                  order by e.verified desc, e.email limit 1), o.email) as email
       from group_members m
       left join people p on p.tenant_id = m.tenant_id and p.id = m.person_id
       left join organisations o on o.tenant_id = m.tenant_id and o.id = m.organisation_id
      where m.tenant_id = $1 and m.group_id = $2
      order by name`,
    [tenantId, groupId],
  );
}

export async function addMember(
  q: Queryable,
  tenantId: string,
  groupId: string,
  member: { personId: string } | { organisationId: string },
): Promise<boolean> {
  const rows = await q.query(
    `insert into group_members (tenant_id, group_id, person_id, organisation_id) values ($1, $2, $3, $4)
     on conflict do nothing returning id`,
    [
      tenantId,
      groupId,
      'personId' in member ? member.personId : null,
      'organisationId' in member ? member.organisationId : null,
    ],
  );
  return rows.length > 0;
}

export async function crmRecordExists(
  q: Queryable,
  tenantId: string,
  member: { personId: string } | { organisationId: string },
): Promise<boolean> {
  const rows = await q.query(
    'personId' in member
      ? 'select 1 from people where tenant_id = $1 and id = $2 and merged_into is null'
      : 'select 1 from organisations where tenant_id = $1 and id = $2',
    [tenantId, 'personId' in member ? member.personId : member.organisationId],
  );
  return rows.length > 0;
}

export async function removeMember(q: Queryable, tenantId: string, groupId: string, memberId: string) {
  await q.query('delete from group_members where tenant_id = $1 and group_id = $2 and id = $3', [
    tenantId,
    groupId,
    memberId,
  ]);
}

/**
 * Everyone a group invitation goes to: people who are members (their best email), and the
 * contacts of member organisations (each contact's best email), once per address.
 */
export async function invitees(
  q: Queryable,
  tenantId: string,
  groupId: string,
): Promise<{ name: string; email: string; personId: string | null }[]> {
  return q.query(
    `with reached as (
       select m.person_id from group_members m where m.tenant_id = $1 and m.group_id = $2 and m.person_id is not null
       union
       select c.person_id from group_members m
         join organisation_contacts c on c.tenant_id = m.tenant_id and c.organisation_id = m.organisation_id
        where m.tenant_id = $1 and m.group_id = $2
     ),
     addressed as (
       select distinct on (email) p.id as "personId", trim(p.given_name || ' ' || p.family_name) as name,
         (select e.email from person_emails e where e.tenant_id = p.tenant_id and e.person_id = p.id
           order by e.verified desc, e.email limit 1) as email
         from reached r join people p on p.tenant_id = $1 and p.id = r.person_id and p.merged_into is null
        order by email, p.id
     )
     select name, email, "personId" from addressed where email is not null
     union all
     -- An organisation with no contacts on record is reached at its own address.
     select o.name, lower(o.email), null from group_members m
       join organisations o on o.tenant_id = m.tenant_id and o.id = m.organisation_id
      where m.tenant_id = $1 and m.group_id = $2 and o.email is not null
        and not exists (select 1 from organisation_contacts c where c.tenant_id = m.tenant_id and c.organisation_id = o.id)
     order by name`,
    [tenantId, groupId],
  );
}

/** Whether the person is a member, in their own right or as a contact of a member organisation. */
export async function isMember(
  q: Queryable,
  tenantId: string,
  groupId: string,
  personId: string,
): Promise<boolean> {
  const [row] = await q.query(
    `select 1 from group_members m where m.tenant_id = $1 and m.group_id = $2 and (m.person_id = $3
       or exists (select 1 from organisation_contacts c
                   where c.tenant_id = m.tenant_id and c.organisation_id = m.organisation_id and c.person_id = $3))`,
    [tenantId, groupId, personId],
  );
  return !!row;
}

export async function groupsOfPerson(q: Queryable, tenantId: string, personId: string): Promise<Group[]> {
  return q.query<Group>(
    `select ${groupColumns} from stakeholder_groups g where g.tenant_id = $1 and exists (
       select 1 from group_members m where m.tenant_id = g.tenant_id and m.group_id = g.id and (m.person_id = $2
         or exists (select 1 from organisation_contacts c
                     where c.tenant_id = m.tenant_id and c.organisation_id = m.organisation_id and c.person_id = $2)))
     order by g.name->>'en'`,
    [tenantId, personId],
  );
}

export async function personOfAccount(
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

export async function insertRequest(
  q: Queryable,
  tenantId: string,
  r: Pick<MembershipRequest, 'groupId' | 'name' | 'email' | 'organisation' | 'reason' | 'lang'>,
): Promise<string> {
  const [row] = await q.query<{ id: string }>(
    `insert into group_requests (tenant_id, group_id, name, email, organisation, reason, lang)
     values ($1, $2, $3, $4, $5, $6, $7) returning id`,
    [tenantId, r.groupId, r.name, r.email, r.organisation, r.reason, r.lang],
  );
  return row!.id;
}

const requestColumns = `id, group_id as "groupId", name, email, organisation, reason, lang, status, created_at as "createdAt"`;

export async function pendingRequests(
  q: Queryable,
  tenantId: string,
  groupId: string,
): Promise<MembershipRequest[]> {
  return q.query<MembershipRequest>(
    `select ${requestColumns} from group_requests
      where tenant_id = $1 and group_id = $2 and status = 'pending' order by created_at`,
    [tenantId, groupId],
  );
}

/** Decides a pending request; undefined when it was not pending (decided in another tab). */
export async function decideRequest(
  q: Queryable,
  tenantId: string,
  id: string,
  status: 'approved' | 'declined',
  staffId: string,
  personId: string | null,
): Promise<MembershipRequest | undefined> {
  const [row] = await q.query<MembershipRequest>(
    `update group_requests set status = $3, decided_at = now(), decided_by = $4, person_id = $5
      where tenant_id = $1 and id = $2 and status = 'pending' returning ${requestColumns}`,
    [tenantId, id, status, staffId, personId],
  );
  return row;
}

export async function findRequest(
  q: Queryable,
  tenantId: string,
  id: string,
): Promise<MembershipRequest | undefined> {
  const [row] = await q.query<MembershipRequest>(
    `select ${requestColumns} from group_requests where tenant_id = $1 and id = $2`,
    [tenantId, id],
  );
  return row;
}

export async function documentsOf(q: Queryable, tenantId: string, groupId: string): Promise<GroupDocument[]> {
  return q.query<GroupDocument>(
    `select id, title, url, created_at as "createdAt" from group_documents
      where tenant_id = $1 and group_id = $2 order by created_at desc`,
    [tenantId, groupId],
  );
}

export async function insertDocument(
  q: Queryable,
  tenantId: string,
  groupId: string,
  d: { title: LocalText; url: string },
): Promise<void> {
  await q.query('insert into group_documents (tenant_id, group_id, title, url) values ($1, $2, $3, $4)', [
    tenantId,
    groupId,
    JSON.stringify(d.title),
    d.url,
  ]);
}

export async function removeDocument(q: Queryable, tenantId: string, groupId: string, id: string) {
  await q.query('delete from group_documents where tenant_id = $1 and group_id = $2 and id = $3', [
    tenantId,
    groupId,
    id,
  ]);
}
