import type { Queryable } from '../../db/database.ts';
import type { WorkingCopy } from './edit.ts';

export interface FormSummary {
  slug: string;
  title: { en: string; cy?: string };
  /** The newest published version, or null for a form never published. */
  version: number | null;
  /** The working copy differs from the newest published version. */
  changed: boolean;
}

/** Every form of the council: published ones and those only in the builder. */
export async function listForms(q: Queryable, tenantId: string): Promise<FormSummary[]> {
  return q.query<FormSummary>(
    `with live as (
       select distinct on (slug) slug, version, definition from form_definitions
        where tenant_id = $1 and status = 'published' order by slug, version desc
     )
     select coalesce(w.slug, l.slug) as slug,
            coalesce(w.definition, l.definition)->'title' as title,
            l.version,
            (w.slug is not null and (l.slug is null or w.definition <> l.definition)) as changed
       from live l full join (select * from form_working_copies where tenant_id = $1) w on w.slug = l.slug
      order by 1`,
    [tenantId],
  );
}

export interface StoredCopy {
  definition: WorkingCopy;
  basedOnVersion: number | null;
}

export async function findWorkingCopy(
  q: Queryable,
  tenantId: string,
  slug: string,
  lock = false,
): Promise<StoredCopy | undefined> {
  const [row] = await q.query<StoredCopy>(
    `select definition, based_on_version as "basedOnVersion" from form_working_copies
      where tenant_id = $1 and slug = $2${lock ? ' for update' : ''}`,
    [tenantId, slug],
  );
  return row;
}

export async function saveWorkingCopy(
  q: Queryable,
  tenantId: string,
  slug: string,
  copy: WorkingCopy,
  basedOnVersion: number | null,
  staffId: string,
): Promise<void> {
  await q.query(
    `insert into form_working_copies (tenant_id, slug, definition, based_on_version, updated_by)
     values ($1, $2, $3, $4, $5)
     on conflict (tenant_id, slug) do update set definition = excluded.definition,
       based_on_version = excluded.based_on_version, updated_by = excluded.updated_by, updated_at = now()`,
    [tenantId, slug, JSON.stringify(copy), basedOnVersion, staffId],
  );
}

export interface VersionRow {
  version: number;
  definition: WorkingCopy;
  publishedAt: Date | null;
  publishedBy: string | null;
}

export async function listVersions(q: Queryable, tenantId: string, slug: string): Promise<VersionRow[]> {
  return q.query<VersionRow>(
    `select version, definition, published_at as "publishedAt", published_by as "publishedBy"
       from form_definitions where tenant_id = $1 and slug = $2 and status = 'published' order by version desc`,
    [tenantId, slug],
  );
}

/** Publishes the definition as the form's next version, under a lock on the form's rows. */
export async function insertVersion(
  q: Queryable,
  tenantId: string,
  slug: string,
  definition: unknown,
  staffId: string,
): Promise<number> {
  // Two publishes at once must not take the same number: serialise on the form.
  await q.query(`select pg_advisory_xact_lock(hashtext('doorstep:form:' || $1 || ':' || $2))`, [
    tenantId,
    slug,
  ]);
  const [row] = await q.query<{ version: number }>(
    `insert into form_definitions (tenant_id, slug, version, definition, status, published_at, published_by)
     select $1, $2, coalesce(max(version), 0) + 1, $3, 'published', now(), $4
       from form_definitions where tenant_id = $1 and slug = $2
     returning version`,
    [tenantId, slug, JSON.stringify(definition), staffId],
  );
  return row!.version;
}

/** Drafts in progress and cases made, per version: what a rollback or retirement must keep. */
export async function versionUse(
  q: Queryable,
  tenantId: string,
  slug: string,
): Promise<Map<number, { drafts: number; cases: number }>> {
  const rows = await q.query<{ version: number; drafts: number; cases: number }>(
    `select v.version,
            (select count(*)::int from form_drafts d where d.tenant_id = $1 and d.form_slug = $2
               and d.form_version = v.version and d.submitted_case_id is null and d.expires_at > now()) as drafts,
            (select count(*)::int from cases c where c.tenant_id = $1 and c.form_slug = $2
               and c.form_version = v.version) as cases
       from form_definitions v where v.tenant_id = $1 and v.slug = $2`,
    [tenantId, slug],
  );
  return new Map(rows.map((r) => [r.version, { drafts: r.drafts, cases: r.cases }]));
}
