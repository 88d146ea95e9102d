import type { Queryable } from '../../db/database.ts';

export interface StoredDefinition {
  slug: string;
  version: number;
  definition: unknown;
}

/** The newest published version of a form, or undefined. */
export async function latestPublished(
  q: Queryable,
  tenantId: string,
  slug: string,
): Promise<StoredDefinition | undefined> {
  const [row] = await q.query<StoredDefinition>(
    `select slug, version, definition from form_definitions
      where tenant_id = $1 and slug = $2 and status = 'published' order by version desc limit 1`,
    [tenantId, slug],
  );
  return row;
}

export async function publishedSlugs(q: Queryable, tenantId: string): Promise<Set<string>> {
  const rows = await q.query<{ slug: string }>(
    `select distinct slug from form_definitions where tenant_id = $1 and status = 'published'`,
    [tenantId],
  );
  return new Set(rows.map((r) => r.slug));
}

export async function findVersion(
  q: Queryable,
  tenantId: string,
  slug: string,
  version: number,
): Promise<StoredDefinition | undefined> {
  const [row] = await q.query<StoredDefinition>(
    `select slug, version, definition from form_definitions where tenant_id = $1 and slug = $2 and version = $3`,
    [tenantId, slug, version],
  );
  return row;
}

export interface Draft {
  id: string;
  formSlug: string;
  formVersion: number;
  answers: Record<string, unknown>;
  submittedCaseId: string | null;
  email: string | null;
}

const draftColumns = `id, form_slug as "formSlug", form_version as "formVersion", answers,
  submitted_case_id as "submittedCaseId", email`;

export async function createDraft(
  q: Queryable,
  tenantId: string,
  d: { formSlug: string; formVersion: number; answers: unknown; expiresAt: Date },
): Promise<string> {
  const [row] = await q.query<{ id: string }>(
    `insert into form_drafts (tenant_id, form_slug, form_version, answers, expires_at) values ($1, $2, $3, $4, $5)
     returning id`,
    [tenantId, d.formSlug, d.formVersion, JSON.stringify(d.answers), d.expiresAt],
  );
  return row!.id;
}

export async function findDraft(
  q: Queryable,
  tenantId: string,
  id: string,
  now: Date,
): Promise<Draft | undefined> {
  if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
  const [row] = await q.query<Draft>(
    `select ${draftColumns} from form_drafts where tenant_id = $1 and id = $2 and expires_at > $3`,
    [tenantId, id, now],
  );
  return row;
}

export async function saveDraftAnswers(
  q: Queryable,
  tenantId: string,
  id: string,
  answers: unknown,
  expiresAt: Date,
): Promise<void> {
  await q.query(
    `update form_drafts set answers = $3, expires_at = $4, updated_at = now()
      where tenant_id = $1 and id = $2 and submitted_case_id is null`,
    [tenantId, id, JSON.stringify(answers), expiresAt],
  );
}

/** Locks the draft for its submission, so two requests sending it cannot both make a case. */
export async function lockDraft(q: Queryable, tenantId: string, id: string): Promise<Draft | undefined> {
  const [row] = await q.query<Draft>(
    `select ${draftColumns} from form_drafts where tenant_id = $1 and id = $2 for update`,
    [tenantId, id],
  );
  return row;
}

export async function markDraftSubmitted(
  q: Queryable,
  tenantId: string,
  id: string,
  caseId: string,
): Promise<void> {
  await q.query(
    `update form_drafts set submitted_case_id = $3, updated_at = now() where tenant_id = $1 and id = $2`,
    [tenantId, id, caseId],
  );
}

export async function deleteExpiredDrafts(q: Queryable, at: Date): Promise<number> {
  return (await q.query('delete from form_drafts where expires_at <= $1 returning 1', [at])).length;
}

/** Keeps the draft for its owner's return: one link, by email, usable once before it expires. */
export async function setResumeToken(
  q: Queryable,
  tenantId: string,
  id: string,
  r: { email: string; tokenHash: string; expiresAt: Date; draftExpiresAt: Date },
): Promise<void> {
  await q.query(
    `update form_drafts set email = $3, resume_token_hash = $4, resume_expires_at = $5,
       expires_at = greatest(expires_at, $6), updated_at = now()
      where tenant_id = $1 and id = $2 and submitted_case_id is null`,
    [tenantId, id, r.email, r.tokenHash, r.expiresAt, r.draftExpiresAt],
  );
}

/** Uses up a resume link: returns its draft once, and never again. */
export async function takeResumeToken(
  q: Queryable,
  tenantId: string,
  tokenHash: string,
  now: Date,
): Promise<Draft | undefined> {
  const [row] = await q.query<Draft>(
    `update form_drafts set resume_token_hash = null, resume_expires_at = null, updated_at = now()
      where tenant_id = $1 and resume_token_hash = $2 and resume_expires_at > $3 and expires_at > $3
        and submitted_case_id is null
      returning ${draftColumns}`,
    [tenantId, tokenHash, now],
  );
  return row;
}
