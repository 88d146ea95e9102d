import type { Queryable } from '../../db/database.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import type { FileStore } from '../../platform/files/file-store.ts';
import type { LocalText } from '../../platform/i18n/local-text.ts';
import { recordInteraction as insertInteraction } from '../crm/service.ts';
import { insertCaseUpdate } from './store.ts';
import { statusesFor } from './workflow.ts';
import { dueAt } from './working-days.ts';

/** How long a document version is kept, by its kind (ISO 8601 period in days). */
export const documentRetentionDays: Record<string, number> = {
  correspondence: 2 * 365,
  evidence: 6 * 365,
  decision: 6 * 365,
  other: 365,
};
export const documentKinds = Object.keys(documentRetentionDays);

/** The due date of a new case from its queue's service-level target, in working days. */
export async function slaDueAt(
  q: Queryable,
  tenantId: string,
  queue: string,
  received: Date,
): Promise<Date | null> {
  const [row] = await q.query<{ days: number }>(
    'select working_days as days from service_levels where tenant_id = $1 and queue = $2',
    [tenantId, queue],
  );
  return row ? dueAt(received, row.days) : null;
}

export interface WorkCase {
  id: string;
  reference: string;
  status: string;
  queue: string;
  category: string | null;
  area: string | null;
  serviceSlug: string | null;
  assigneeId: string | null;
  assigneeName: string | null;
  personId: string | null;
  personName: string | null;
  email: string | null;
  dueAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  overdue: boolean;
}

export interface CaseFilter {
  status?: string;
  /** 'overdue', 'today' (due by the end of today), 'week' */
  due?: string;
  /** 'me', 'unassigned' or a staff id */
  assignee?: string;
  queue?: string;
  category?: string;
  area?: string;
  open?: boolean;
  sort?: 'due' | 'created' | 'updated';
}

const workColumns = `c.id, c.reference, c.status, c.queue, c.category, c.area, c.service_slug as "serviceSlug",
  c.assignee_id as "assigneeId", su.name as "assigneeName", c.person_id as "personId",
  nullif(trim(p.given_name || ' ' || p.family_name), '') as "personName", s.email,
  c.due_at as "dueAt", c.created_at as "createdAt", c.updated_at as "updatedAt",
  (c.due_at is not null and c.due_at < $2 and c.closed_at is null) as overdue`;
const workFrom = `from cases c
  left join staff_users su on su.tenant_id = c.tenant_id and su.id = c.assignee_id
  left join people p on p.tenant_id = c.tenant_id and p.id = c.person_id
  left join submissions s on s.tenant_id = c.tenant_id and s.case_id = c.id`;

export async function listWork(
  q: Queryable,
  tenantId: string,
  me: string,
  now: Date,
  f: CaseFilter,
  limit = 100,
): Promise<WorkCase[]> {
  const params: unknown[] = [tenantId, now];
  const where = ['c.tenant_id = $1'];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (f.open ?? !f.status) where.push('c.closed_at is null');
  if (f.status) add('c.status = ?', f.status);
  if (f.queue) add('c.queue = ?', f.queue);
  if (f.category) add('c.category = ?', f.category);
  if (f.area) add('c.area = ?', f.area);
  if (f.assignee === 'me') add('c.assignee_id = ?', me);
  else if (f.assignee === 'unassigned') where.push('c.assignee_id is null');
  else if (f.assignee && /^[0-9a-f-]{36}$/i.test(f.assignee)) add('c.assignee_id = ?', f.assignee);
  if (f.due === 'overdue') where.push('c.due_at < $2');
  else if (f.due === 'today') where.push(`c.due_at < date_trunc('day', $2::timestamptz) + interval '1 day'`);
  else if (f.due === 'week') where.push(`c.due_at < $2::timestamptz + interval '7 days'`);
  const order =
    f.sort === 'created'
      ? 'c.created_at desc'
      : f.sort === 'updated'
        ? 'c.updated_at desc'
        : 'c.due_at asc nulls last, c.created_at';
  params.push(limit);
  return q.query<WorkCase>(
    `select ${workColumns} ${workFrom} where ${where.join(' and ')} order by ${order}, c.id limit $${params.length}`,
    params,
  );
}

export async function findWorkCase(
  q: Queryable,
  tenantId: string,
  reference: string,
  now: Date,
): Promise<WorkCase | undefined> {
  const [row] = await q.query<WorkCase>(
    `select ${workColumns} ${workFrom} where c.tenant_id = $1 and c.reference = $3`,
    [tenantId, now, reference],
  );
  return row;
}

/** Counts for the top of the console: my open cases, overdue, and each queue's open cases. */
export async function workCounts(q: Queryable, tenantId: string, me: string, now: Date) {
  const [mine] = await q.query<{ mine: number; overdue: number; unassigned: number }>(
    `select count(*) filter (where assignee_id = $2)::int as mine,
            count(*) filter (where due_at < $3)::int as overdue,
            count(*) filter (where assignee_id is null)::int as unassigned
       from cases where tenant_id = $1 and closed_at is null`,
    [tenantId, me, now],
  );
  const queues = await q.query<{ queue: string; open: number; overdue: number }>(
    `select queue, count(*)::int as open, count(*) filter (where due_at < $2)::int as overdue
       from cases where tenant_id = $1 and closed_at is null group by queue order by queue`,
    [tenantId, now],
  );
  return { ...mine!, queues };
}

export async function filterOptions(q: Queryable, tenantId: string) {
  const [row] = await q.query<{ queues: string[]; categories: string[]; areas: string[] }>(
    `select coalesce(array_agg(distinct queue), '{}') as queues,
            coalesce(array_agg(distinct category) filter (where category is not null), '{}') as categories,
            coalesce(array_agg(distinct area) filter (where area is not null), '{}') as areas
       from cases where tenant_id = $1`,
    [tenantId],
  );
  return row!;
}

interface Actor {
  id: string;
  ip?: string;
}

async function auditCase(
  q: Queryable,
  tenantId: string,
  actor: Actor,
  action: string,
  caseId: string,
  details = {},
) {
  await recordAudit(q, {
    tenantId,
    actor: { type: 'staff', id: actor.id },
    action,
    subject: { type: 'case', id: caseId },
    ...(actor.ip ? { ip: actor.ip } : {}),
    details,
  });
}

/** Assigns (or, with null, unassigns) a case; an interaction on the timeline and an audit line. */
export async function assignCase(
  tx: Queryable,
  tenantId: string,
  c: WorkCase,
  assigneeId: string | null,
  actor: Actor,
  assigneeName: string,
): Promise<void> {
  await tx.query('update cases set assignee_id = $3, updated_at = now() where tenant_id = $1 and id = $2', [
    tenantId,
    c.id,
    assigneeId,
  ]);
  await insertInteraction(tx, tenantId, {
    channel: 'web',
    kind: 'assignment',
    caseId: c.id,
    personId: c.personId,
    staffId: actor.id,
    summary: assigneeName,
  });
  await auditCase(tx, tenantId, actor, 'case.assign', c.id, { assignee: assigneeId });
}

/**
 * A status change. With a public note, the resident sees it on /track and it is emailed to
 * them and to the case's followers, through the outbox in the same transaction.
 */
export async function changeStatus(
  tx: Queryable,
  tenantId: string,
  c: WorkCase,
  status: string,
  publicNote: LocalText | null,
  actor: Actor,
  send: (to: string) => Promise<unknown>,
): Promise<number> {
  const step = (await statusesFor(tx, tenantId, c.queue)).find((s) => s.status === status);
  if (!step) throw new Error(`unknown status ${status} for queue ${c.queue}`);
  // A note the resident is meant to read cannot ride on a status hidden from them.
  if (publicNote && !step.public) throw new Error(`status ${status} is not shown to residents`);
  await insertCaseUpdate(tx, tenantId, c.id, status, publicNote, step.public);
  await tx.query(
    `update cases set closed_at = case when $3 then coalesce(closed_at, now()) else null end where tenant_id = $1 and id = $2`,
    [tenantId, c.id, step.closes],
  );
  await insertInteraction(tx, tenantId, {
    channel: 'web',
    kind: publicNote ? 'public-update' : 'status',
    caseId: c.id,
    personId: c.personId,
    staffId: actor.id,
    summary: publicNote?.en ?? status,
  });
  await auditCase(tx, tenantId, actor, 'case.status', c.id, { status, public: Boolean(publicNote) });
  let sent = 0;
  if (publicNote) {
    const followers = await tx.query<{ email: string }>(
      'select email from case_followers where tenant_id = $1 and case_id = $2',
      [tenantId, c.id],
    );
    const to = new Set([...(c.email ? [c.email.toLowerCase()] : []), ...followers.map((f) => f.email)]);
    for (const address of to) {
      await send(address);
      sent++;
    }
  }
  return sent;
}

export async function addNote(tx: Queryable, tenantId: string, c: WorkCase, body: string, actor: Actor) {
  await tx.query('insert into case_notes (tenant_id, case_id, staff_id, body) values ($1, $2, $3, $4)', [
    tenantId,
    c.id,
    actor.id,
    body,
  ]);
  await insertInteraction(tx, tenantId, {
    channel: 'web',
    kind: 'note',
    caseId: c.id,
    personId: c.personId,
    staffId: actor.id,
    summary: body.slice(0, 200),
  });
  await auditCase(tx, tenantId, actor, 'case.note', c.id);
}

export async function listNotes(q: Queryable, tenantId: string, caseId: string) {
  return q.query<{ body: string; createdAt: Date; staffName: string | null }>(
    `select n.body, n.created_at as "createdAt", s.name as "staffName" from case_notes n
       left join staff_users s on s.tenant_id = n.tenant_id and s.id = n.staff_id
      where n.tenant_id = $1 and n.case_id = $2 order by n.created_at desc, n.id desc`,
    [tenantId, caseId],
  );
}

export async function addFollower(tx: Queryable, tenantId: string, caseId: string, email: string) {
  await tx.query(
    'insert into case_followers (tenant_id, case_id, email) values ($1, $2, $3) on conflict do nothing',
    [tenantId, caseId, email],
  );
}

/** A document, or a new version of one: the bytes in the file store, kept by the kind's rule. */
export async function addDocument(
  tx: Queryable,
  files: FileStore,
  tenantId: string,
  c: WorkCase,
  d: {
    documentId?: string;
    title: string;
    kind: string;
    filename: string;
    contentType: string;
    bytes: Buffer;
  },
  actor: Actor,
): Promise<{ documentId: string; version: number }> {
  let documentId = d.documentId;
  let kind = d.kind;
  if (documentId) {
    const [doc] = await tx.query<{ kind: string }>(
      'select kind from case_documents where tenant_id = $1 and id = $2 and case_id = $3',
      [tenantId, documentId, c.id],
    );
    if (!doc) throw new Error('no such document on this case');
    kind = doc.kind;
  } else {
    const [row] = await tx.query<{ id: string }>(
      'insert into case_documents (tenant_id, case_id, title, kind) values ($1, $2, $3, $4) returning id',
      [tenantId, c.id, d.title, d.kind],
    );
    documentId = row!.id;
  }
  const file = await files.put(tenantId, d.bytes, { filename: d.filename, contentType: d.contentType }, tx);
  const [v] = await tx.query<{ version: number }>(
    `insert into case_document_versions (tenant_id, document_id, version, file_id, staff_id, delete_after)
     select $1, $2, coalesce(max(version), 0) + 1, $3, $4, now() + make_interval(days => $5)
       from case_document_versions where tenant_id = $1 and document_id = $2
     returning version`,
    [tenantId, documentId, file.id, actor.id, documentRetentionDays[kind] ?? 365],
  );
  await insertInteraction(tx, tenantId, {
    channel: 'web',
    kind: 'document',
    caseId: c.id,
    personId: c.personId,
    staffId: actor.id,
    summary: d.title || d.filename,
  });
  await auditCase(tx, tenantId, actor, 'case.document.add', c.id, {
    document: documentId,
    version: v!.version,
  });
  return { documentId, version: v!.version };
}

export async function listDocuments(q: Queryable, tenantId: string, caseId: string) {
  return q.query<{
    id: string;
    title: string;
    kind: string;
    versions: { version: number; filename: string; createdAt: string; deleteAfter: string }[];
  }>(
    `select d.id, d.title, d.kind,
        coalesce(json_agg(json_build_object('version', v.version, 'filename', f.filename, 'createdAt', v.created_at,
          'deleteAfter', v.delete_after) order by v.version desc) filter (where v.version is not null), '[]') as versions
       from case_documents d
       left join case_document_versions v on v.tenant_id = d.tenant_id and v.document_id = d.id
       left join files f on f.tenant_id = v.tenant_id and f.id = v.file_id
      where d.tenant_id = $1 and d.case_id = $2 group by d.tenant_id, d.id order by d.created_at`,
    [tenantId, caseId],
  );
}

export async function documentFile(
  q: Queryable,
  tenantId: string,
  caseId: string,
  documentId: string,
  version: number,
): Promise<string | undefined> {
  const [row] = await q.query<{ fileId: string }>(
    `select v.file_id as "fileId" from case_document_versions v
       join case_documents d on d.tenant_id = v.tenant_id and d.id = v.document_id
      where v.tenant_id = $1 and d.case_id = $2 and v.document_id = $3 and v.version = $4`,
    [tenantId, caseId, documentId, version],
  );
  return row?.fileId;
}

/**
 * Deletes document versions past their kind's retention, a batch at a time: each file (its
 * row, then its bytes) and with it the version; a document left with no version goes too,
 * with an audit line saying which rule removed it. Safe to stop and run again.
 */
export async function deleteExpiredDocuments(
  db: Queryable,
  files: FileStore,
  now: Date,
  batch = 200,
): Promise<number> {
  let deleted = 0;
  for (;;) {
    const due = await db.query<{ tenantId: string; fileId: string; documentId: string; version: number }>(
      `select tenant_id as "tenantId", file_id as "fileId", document_id as "documentId", version
         from case_document_versions where delete_after < $1 order by delete_after limit $2`,
      [now, batch],
    );
    for (const d of due) {
      await files.delete(d.tenantId, d.fileId);
      const [emptied] = await db.query<{ caseId: string; kind: string }>(
        `delete from case_documents d where d.tenant_id = $1 and d.id = $2
            and not exists (select 1 from case_document_versions v where v.tenant_id = d.tenant_id and v.document_id = d.id)
          returning case_id as "caseId", kind`,
        [d.tenantId, d.documentId],
      );
      await recordAudit(db, {
        tenantId: d.tenantId,
        actor: { type: 'system' },
        action: 'case.document.expired',
        subject: { type: 'case', ...(emptied ? { id: emptied.caseId } : {}) },
        details: { document: d.documentId, version: d.version, documentRemoved: Boolean(emptied) },
      });
      deleted++;
    }
    if (due.length < batch) return deleted;
  }
}
