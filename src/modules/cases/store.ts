import type { Queryable } from '../../db/database.ts';
import type { LocalText } from '../../platform/i18n/local-text.ts';

export interface CaseRow {
  id: string;
  reference: string;
  serviceSlug: string | null;
  formSlug: string | null;
  formVersion: number | null;
  status: string;
  queue: string;
  createdAt: Date;
  updatedAt: Date;
}

const caseColumns = `id, reference, service_slug as "serviceSlug", form_slug as "formSlug", form_version as "formVersion",
  status, queue, created_at as "createdAt", updated_at as "updatedAt"`;

export interface NewCase {
  reference: string;
  serviceSlug: string | null;
  formSlug: string | null;
  formVersion: number | null;
  queue: string;
  dueAt: Date | null;
  submissionKey: string | null;
  accountId?: string | null;
  personId?: string | null;
}

/** Inserts the case; undefined when the reference is taken (the caller draws another). */
export async function insertCase(q: Queryable, tenantId: string, c: NewCase): Promise<CaseRow | undefined> {
  const [row] = await q.query<CaseRow>(
    `insert into cases (tenant_id, reference, service_slug, form_slug, form_version, queue, due_at, submission_key,
       account_id, person_id)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     on conflict (tenant_id, reference) do nothing
     returning ${caseColumns}`,
    [
      tenantId,
      c.reference,
      c.serviceSlug,
      c.formSlug,
      c.formVersion,
      c.queue,
      c.dueAt,
      c.submissionKey,
      c.accountId ?? null,
      c.personId ?? null,
    ],
  );
  return row;
}

export async function findCaseBySubmissionKey(
  q: Queryable,
  tenantId: string,
  key: string,
): Promise<CaseRow | undefined> {
  const [row] = await q.query<CaseRow>(
    `select ${caseColumns} from cases where tenant_id = $1 and submission_key = $2`,
    [tenantId, key],
  );
  return row;
}

export async function findCaseByReference(
  q: Queryable,
  tenantId: string,
  reference: string,
): Promise<CaseRow | undefined> {
  const [row] = await q.query<CaseRow>(
    `select ${caseColumns} from cases where tenant_id = $1 and reference = $2`,
    [tenantId, reference],
  );
  return row;
}

export async function existingReferences(
  q: Queryable,
  tenantId: string,
  references: string[],
): Promise<string[]> {
  if (!references.length) return [];
  const rows = await q.query<{ reference: string }>(
    'select reference from cases where tenant_id = $1 and reference = any($2::text[])',
    [tenantId, references],
  );
  return rows.map((r) => r.reference);
}

export interface CaseUpdate {
  status: string;
  publicNote: LocalText | null;
  createdAt: Date;
  /** Whether the resident could see it. */
  public: boolean;
}

export async function insertCaseUpdate(
  q: Queryable,
  tenantId: string,
  caseId: string,
  status: string,
  publicNote: LocalText | null,
  visible = true,
): Promise<void> {
  await q.query(
    'insert into case_updates (tenant_id, case_id, status, public_note, public) values ($1, $2, $3, $4, $5)',
    [tenantId, caseId, status, publicNote ? JSON.stringify(publicNote) : null, visible],
  );
  await q.query('update cases set status = $3, updated_at = now() where tenant_id = $1 and id = $2', [
    tenantId,
    caseId,
    status,
  ]);
}

export async function listCaseUpdates(q: Queryable, tenantId: string, caseId: string): Promise<CaseUpdate[]> {
  return q.query<CaseUpdate>(
    `select status, public_note as "publicNote", created_at as "createdAt", public from case_updates
      where tenant_id = $1 and case_id = $2 order by created_at, id`,
    [tenantId, caseId],
  );
}

export interface SubmissionRow {
  answers: Record<string, unknown>;
  assessments: unknown[];
  email: string | null;
  channel: string;
  submittedAt: Date;
}

export async function insertSubmission(
  q: Queryable,
  tenantId: string,
  caseId: string,
  s: {
    answers: unknown;
    assessments: unknown[];
    email: string | null;
    channel: string;
    submittedByStaff: string | null;
  },
): Promise<void> {
  await q.query(
    `insert into submissions (tenant_id, case_id, answers, assessments, email, channel, submitted_by_staff)
     values ($1, $2, $3, $4, $5, $6, $7)`,
    [
      tenantId,
      caseId,
      JSON.stringify(s.answers),
      JSON.stringify(s.assessments),
      s.email,
      s.channel,
      s.submittedByStaff,
    ],
  );
}

export async function findSubmission(
  q: Queryable,
  tenantId: string,
  caseId: string,
): Promise<SubmissionRow | undefined> {
  const [row] = await q.query<SubmissionRow>(
    `select answers, assessments, email, channel, submitted_at as "submittedAt" from submissions
      where tenant_id = $1 and case_id = $2`,
    [tenantId, caseId],
  );
  return row;
}

export async function insertInteraction(
  q: Queryable,
  tenantId: string,
  i: {
    channel: string;
    kind: string;
    caseId: string | null;
    uprn: string | null;
    email: string | null;
    staffId: string | null;
    summary: string;
    personId?: string | null;
  },
): Promise<void> {
  await q.query(
    `insert into interactions (tenant_id, channel, kind, case_id, uprn, email, staff_id, summary, person_id)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [tenantId, i.channel, i.kind, i.caseId, i.uprn, i.email, i.staffId, i.summary, i.personId ?? null],
  );
}
