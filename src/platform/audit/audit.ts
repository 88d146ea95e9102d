import type { Queryable } from '../../db/database.ts';

/**
 * The audit log: staff reads and writes of personal data (who, what, when, why), and other
 * acts worth answering for later. Write the entry with the same Queryable as the change it
 * records, so a change and its audit line commit or roll back together.
 */

export type ActorType = 'staff' | 'resident' | 'system' | 'api';

export interface AuditActor {
  type: ActorType;
  /** The staff user, resident, or API key; absent for the system. */
  id?: string;
}

export interface AuditSubject {
  /** What kind of thing was touched: 'person', 'case', 'file', … */
  type: string;
  id?: string;
}

export interface AuditInput {
  tenantId: string;
  actor: AuditActor;
  /** What was done: 'view', 'update', 'export', 'delete', … */
  action: string;
  subject: AuditSubject;
  /** Why, in the actor's words, when the screen asks (e.g. opening a person's record). */
  reason?: string;
  ip?: string;
  /** Anything else that explains the entry; never the personal data itself. */
  details?: Record<string, unknown>;
}

export interface AuditEntry {
  /** Increasing within a council; a string because it is a bigint. */
  id: string;
  tenantId: string;
  at: Date;
  actor: AuditActor;
  action: string;
  subject: AuditSubject;
  reason: string | undefined;
  ip: string | undefined;
  details: Record<string, unknown>;
}

export interface ListAuditOptions {
  subjectType?: string;
  /** Entries about any of these kinds of thing (a change history across several). */
  subjectTypes?: string[];
  subjectId?: string;
  actorType?: ActorType;
  actorId?: string;
  /** At most this many entries, newest first (1 to 1000). */
  limit: number;
  /** Only entries older than this id: the next page after the last entry of this one. */
  beforeId?: string;
}

const actorTypes: readonly ActorType[] = ['staff', 'resident', 'system', 'api'];

interface AuditRow {
  id: string;
  tenant_id: string;
  at: Date | string;
  actor_type: ActorType;
  actor_id: string | null;
  action: string;
  subject_type: string;
  subject_id: string | null;
  reason: string | null;
  ip: string | null;
  details: Record<string, unknown> | string;
}

const columns =
  'id::text as id, tenant_id, at, actor_type, actor_id, action, subject_type, subject_id, reason, ip, details';

function toEntry(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    at: row.at instanceof Date ? row.at : new Date(row.at),
    actor: row.actor_id === null ? { type: row.actor_type } : { type: row.actor_type, id: row.actor_id },
    action: row.action,
    subject:
      row.subject_id === null ? { type: row.subject_type } : { type: row.subject_type, id: row.subject_id },
    reason: row.reason ?? undefined,
    ip: row.ip ?? undefined,
    details:
      typeof row.details === 'string' ? (JSON.parse(row.details) as Record<string, unknown>) : row.details,
  };
}

/** Empty strings say nothing; they are stored as absent. */
function optional(value: string | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}

export async function recordAudit(q: Queryable, entry: AuditInput): Promise<AuditEntry> {
  if (!actorTypes.includes(entry.actor.type))
    throw new Error(`audit: unknown actor type "${entry.actor.type}"`);
  const action = entry.action.trim();
  const subjectType = entry.subject.type.trim();
  // An entry that does not say what was done to what cannot answer anyone's question later.
  if (!action) throw new Error('audit: the action is required');
  if (!subjectType) throw new Error('audit: the subject type is required');
  const [row] = await q.query<AuditRow>(
    `insert into audit_log (tenant_id, actor_type, actor_id, action, subject_type, subject_id, reason, ip, details)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)
     returning ${columns}`,
    [
      entry.tenantId,
      entry.actor.type,
      optional(entry.actor.id),
      action,
      subjectType,
      optional(entry.subject.id),
      optional(entry.reason),
      optional(entry.ip),
      JSON.stringify(entry.details ?? {}),
    ],
  );
  return toEntry(row!);
}

/** One council's entries, newest first, optionally for one subject or one actor. */
export async function listAudit(
  q: Queryable,
  tenantId: string,
  options: ListAuditOptions,
): Promise<AuditEntry[]> {
  const where = ['tenant_id = $1'];
  const params: unknown[] = [tenantId];
  const filter = (column: string, value: string | undefined, cast = '') => {
    if (value === undefined) return;
    params.push(value);
    where.push(`${column} = $${params.length}${cast}`);
  };
  filter('subject_type', options.subjectType);
  if (options.subjectTypes) {
    params.push(options.subjectTypes);
    where.push(`subject_type = any($${params.length}::text[])`);
  }
  filter('subject_id', options.subjectId);
  filter('actor_type', options.actorType);
  filter('actor_id', options.actorId);
  if (options.beforeId !== undefined) {
    if (!/^\d{1,19}$/.test(options.beforeId)) throw new Error('audit: beforeId must be an entry id');
    params.push(options.beforeId);
    where.push(`id < $${params.length}::bigint`);
  }
  const limit = Number.isFinite(options.limit) ? Math.min(Math.max(Math.trunc(options.limit), 1), 1000) : 50;
  params.push(limit);
  // Ordered by id, not time: ids are unique and follow insertion, so pages never overlap,
  // where timestamps can tie (every entry of one transaction has the same now()). Qualified,
  // since a bare "id" here would mean the text column of the select list.
  const rows = await q.query<AuditRow>(
    `select ${columns} from audit_log where ${where.join(' and ')} order by audit_log.id desc limit $${params.length}`,
    params,
  );
  return rows.map(toEntry);
}
