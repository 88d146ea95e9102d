import type { Queryable } from '../../db/database.ts';
import type { LocalText } from '../../platform/i18n/local-text.ts';
import type { Brand, Contact, FooterLink } from '../../platform/tenancy/tenant.ts';

export interface ScheduleEntry {
  slug: string;
  purpose: LocalText;
  /** ISO-8601 period, as the form engine reads it: 'P1Y'. */
  period: string;
  starts: 'submitted' | 'case-closed';
  retired: boolean;
}

export async function listSchedule(q: Queryable, tenantId: string): Promise<ScheduleEntry[]> {
  return q.query<ScheduleEntry>(
    `select slug, purpose, period, starts, retired from retention_schedule
      where tenant_id = $1 order by retired, position, slug`,
    [tenantId],
  );
}

export async function upsertScheduleEntry(q: Queryable, tenantId: string, e: ScheduleEntry): Promise<void> {
  await q.query(
    `insert into retention_schedule (tenant_id, slug, purpose, period, starts, retired, position)
     values ($1, $2, $3, $4, $5, $6,
       (select coalesce(max(position), 0) + 1 from retention_schedule where tenant_id = $1))
     on conflict (tenant_id, slug) do update set purpose = excluded.purpose, period = excluded.period,
       starts = excluded.starts, retired = excluded.retired`,
    [tenantId, e.slug, JSON.stringify(e.purpose), e.period, e.starts, e.retired],
  );
}

export interface CouncilTexts {
  accessibilityStatement: LocalText;
  privacyNotice: LocalText;
}

export async function findTexts(q: Queryable, tenantId: string): Promise<CouncilTexts> {
  const [row] = await q.query<CouncilTexts>(
    `select accessibility_statement as "accessibilityStatement", privacy_notice as "privacyNotice"
       from council_settings where tenant_id = $1`,
    [tenantId],
  );
  return row ?? { accessibilityStatement: { en: '' }, privacyNotice: { en: '' } };
}

export async function saveTexts(q: Queryable, tenantId: string, t: CouncilTexts): Promise<void> {
  await q.query(
    `insert into council_settings (tenant_id, accessibility_statement, privacy_notice) values ($1, $2, $3)
     on conflict (tenant_id) do update set accessibility_statement = excluded.accessibility_statement,
       privacy_notice = excluded.privacy_notice, updated_at = now()`,
    [tenantId, JSON.stringify(t.accessibilityStatement), JSON.stringify(t.privacyNotice)],
  );
}

export interface Team {
  slug: string;
  name: LocalText;
  email: string;
  queue: boolean;
}

export async function listTeams(q: Queryable, tenantId: string): Promise<Team[]> {
  return q.query<Team>(
    'select slug, name, email, queue from council_teams where tenant_id = $1 order by slug',
    [tenantId],
  );
}

export async function upsertTeam(q: Queryable, tenantId: string, team: Team): Promise<void> {
  await q.query(
    `insert into council_teams (tenant_id, slug, name, email, queue) values ($1, $2, $3, $4, $5)
     on conflict (tenant_id, slug) do update set name = excluded.name, email = excluded.email, queue = excluded.queue`,
    [tenantId, team.slug, JSON.stringify(team.name), team.email, team.queue],
  );
}

/** Open cases in a queue: a queue that still holds work cannot be removed. */
export async function openCasesInQueue(q: Queryable, tenantId: string, queue: string): Promise<number> {
  const [row] = await q.query<{ n: number }>(
    `select count(*)::int as n from cases where tenant_id = $1 and queue = $2 and closed_at is null`,
    [tenantId, queue],
  );
  return row?.n ?? 0;
}

export async function deleteTeam(q: Queryable, tenantId: string, slug: string): Promise<void> {
  await q.query('delete from council_teams where tenant_id = $1 and slug = $2', [tenantId, slug]);
}

export interface Profile {
  name: LocalText;
  brand: Brand;
  contact: Contact;
  footerLinks: FooterLink[];
}

export async function findProfile(q: Queryable, tenantId: string, lock = false): Promise<Profile> {
  const [row] = await q.query<Profile>(
    `select name, brand, contact, footer_links as "footerLinks" from tenants where id = $1${lock ? ' for update' : ''}`,
    [tenantId],
  );
  if (!row) throw new Error(`no council ${tenantId}`);
  return row;
}

export async function saveProfile(q: Queryable, tenantId: string, p: Profile): Promise<void> {
  await q.query(
    'update tenants set name = $2, brand = $3, contact = $4, footer_links = $5, updated_at = now() where id = $1',
    [tenantId, ...[p.name, p.brand, p.contact, p.footerLinks].map((v) => JSON.stringify(v))],
  );
}
