import type { Queryable } from '../../db/database.ts';

/** A job as a handler sees it. `attempts` counts this run (1 on the first). */
export interface Job {
  id: string;
  tenantId: string;
  kind: string;
  payload: unknown;
  attempts: number;
  maxAttempts: number;
}

export interface NewJob {
  tenantId: string;
  /** Names the handler, like "mail.send"; the worker kills a job whose kind it has no handler for. */
  kind: string;
  /** Stored as jsonb: plain data only. */
  payload: unknown;
  /** Unset: due at once, by the database's clock. */
  runAt?: Date;
  maxAttempts?: number;
}

const defaultMaxAttempts = 8;

/**
 * Writes a job in the caller's transaction: if that transaction rolls back, the job was never
 * there, and if it commits, the job will run (at least once) even if the process dies now.
 */
export async function enqueue(q: Queryable, job: NewJob): Promise<string> {
  if (!job.kind.trim()) throw new TypeError('enqueue: kind is required');
  const maxAttempts = job.maxAttempts ?? defaultMaxAttempts;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError(`enqueue: maxAttempts must be a whole number of at least 1, got ${maxAttempts}`);
  }
  const payload = JSON.stringify(job.payload ?? {});
  // Whole milliseconds, as the worker's clock (a JS Date) has: a job enqueued "now" is due
  // to a worker that looks in the same millisecond.
  const [row] = await q.query<{ id: string }>(
    `insert into jobs (tenant_id, kind, payload, run_at, max_attempts)
     values ($1, $2, $3::jsonb, coalesce($4::timestamptz, date_trunc('milliseconds', now())), $5)
     returning id::text as id`,
    [job.tenantId, job.kind, payload, job.runAt ?? null, maxAttempts],
  );
  return row!.id;
}

/** Gauges for /metrics: jobs not yet finished (due or not), and dead letters. */
export async function jobCounts(q: Queryable): Promise<{ waiting: number; dead: number }> {
  // Two counts over the partial indexes rather than one pass over every finished job.
  const [row] = await q.query<{ waiting: number; dead: number }>(
    `select (select count(*) from jobs where status in ('pending', 'running'))::int as waiting,
            (select count(*) from jobs where status = 'dead')::int as dead`,
  );
  return { waiting: row?.waiting ?? 0, dead: row?.dead ?? 0 };
}

/**
 * Gives a dead letter a fresh set of attempts, due at once. False when the job is not dead
 * (never existed, belongs to another council, or already retried).
 */
export async function retryDeadJob(
  q: Queryable,
  tenantId: string,
  id: string,
  now = new Date(),
): Promise<boolean> {
  const rows = await q.query(
    `update jobs set status = 'pending', attempts = 0, run_at = $3, locked_until = null, finished_at = null
      where tenant_id = $1 and id = $2 and status = 'dead'
      returning id`,
    [tenantId, id, now],
  );
  return rows.length > 0;
}

export interface DeadJob {
  id: string;
  kind: string;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  finishedAt: Date;
}

/** A council's dead letters, newest first (for the staff console); payloads are left out. */
export async function listDeadJobs(q: Queryable, tenantId: string, limit = 100): Promise<DeadJob[]> {
  const rows = await q.query<{
    id: string;
    kind: string;
    attempts: number;
    last_error: string | null;
    created_at: Date;
    finished_at: Date;
  }>(
    `select id::text as id, kind, attempts, last_error, created_at, finished_at
       from jobs where tenant_id = $1 and status = 'dead'
      order by finished_at desc limit $2`,
    [tenantId, limit],
  );
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    attempts: r.attempts,
    lastError: r.last_error,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  }));
}

/** Deletes jobs that finished well before `before`; their payloads may hold personal data. */
export async function pruneDoneJobs(q: Queryable, before: Date): Promise<number> {
  const [row] = await q.query<{ n: number }>(
    `with gone as (delete from jobs where status = 'done' and finished_at < $1 returning 1)
     select count(*)::int as n from gone`,
    [before],
  );
  return row?.n ?? 0;
}
