import type { Database } from '../../db/database.ts';
import type { Job } from './outbox.ts';

/** The slice of pino (or Fastify's logger) the worker writes to. */
export interface WorkerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface JobContext {
  db: Database;
  now: () => Date;
  logger: WorkerLogger;
}

export type JobHandler = (job: Job, ctx: JobContext) => Promise<void>;

/** Thrown by a handler when trying again cannot help (a malformed payload, a 4xx answer): dead at once. */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

export interface Backoff {
  baseMs: number;
  maxMs: number;
}

export interface WorkerOptions {
  db: Database;
  handlers: Record<string, JobHandler>;
  now?: () => Date;
  pollIntervalMs?: number;
  /** Jobs claimed (and run concurrently) per poll. */
  batchSize?: number;
  /** How long a claim lasts before another worker may take the job over; renewed while it runs. */
  lockSeconds?: number;
  backoff?: Backoff;
  logger?: WorkerLogger;
  /** In [0, 1): the jitter's source, fixed in tests. */
  random?: () => number;
}

const silent: WorkerLogger = { info() {}, warn() {}, error() {} };

/**
 * Exponential backoff with full jitter: uniformly in [0, min(max, base * 2^(attempts-1))).
 * The jitter spreads the retries of jobs that failed together (an SMTP outage) so they do
 * not all come back in the same second.
 */
export function backoffDelayMs(
  attempts: number,
  backoff: Backoff,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.floor(random() * ceiling);
}

const emailPattern = /[^\s<>"'(),;:@]+@[^\s<>"'(),;:@]+/g;

/** Error text for logs: messages from mail servers often quote the recipient's address. */
function forLog(message: string): string {
  return message.replace(emailPattern, '[email]');
}

function describe(error: unknown): string {
  const text =
    error instanceof Error
      ? `${error.name && error.name !== 'Error' ? `${error.name}: ` : ''}${error.message}`
      : String(error);
  return text.slice(0, 2000);
}

interface ClaimedRow {
  tenant_id: string;
  id: string;
  kind: string;
  payload: unknown;
  attempts: number;
  max_attempts: number;
}

/**
 * Runs due jobs from the outbox. Any number of workers, in this process or others, may run
 * on one database: a claim takes rows with `FOR UPDATE SKIP LOCKED` and marks them running
 * until `locked_until`; a worker that dies leaves its jobs to be claimed again when that
 * passes. So a job runs at least once, and handlers must be idempotent.
 */
export class Worker {
  readonly #db: Database;
  readonly #handlers: Record<string, JobHandler>;
  readonly #now: () => Date;
  readonly #pollIntervalMs: number;
  readonly #batchSize: number;
  readonly #lockMs: number;
  readonly #backoff: Backoff;
  readonly #logger: WorkerLogger;
  readonly #random: () => number;
  readonly #inFlight = new Set<Promise<void>>();
  #running = false;
  #loop: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #wakeSleeper: (() => void) | undefined;
  #wokenEarly = false;

  constructor(options: WorkerOptions) {
    this.#db = options.db;
    this.#handlers = options.handlers;
    this.#now = options.now ?? (() => new Date());
    this.#pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.#batchSize = options.batchSize ?? 10;
    this.#lockMs = (options.lockSeconds ?? 300) * 1000;
    this.#backoff = options.backoff ?? { baseMs: 30_000, maxMs: 3_600_000 };
    this.#logger = options.logger ?? silent;
    this.#random = options.random ?? Math.random;
  }

  /** Polls until stop(); a poll that finds a full batch polls again at once. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#poll();
  }

  /** Stops polling and resolves when the jobs in flight have finished. */
  async stop(): Promise<void> {
    this.#running = false;
    this.wake();
    await this.#loop;
    this.#loop = undefined;
    await Promise.allSettled([...this.#inFlight]);
  }

  /** Polls now rather than at the next interval (after a commit that enqueued work). */
  wake(): void {
    const sleeper = this.#wakeSleeper;
    if (!sleeper) {
      this.#wokenEarly = true;
      return;
    }
    this.#wakeSleeper = undefined;
    clearTimeout(this.#timer);
    sleeper();
  }

  /** Claims the due jobs once, runs them, and returns how many it ran. */
  async runDue(): Promise<number> {
    const jobs = await this.#claim();
    await Promise.all(jobs.map((job) => this.#track(this.#execute(job))));
    return jobs.length;
  }

  async #poll(): Promise<void> {
    while (this.#running) {
      let claimed = 0;
      try {
        claimed = await this.runDue();
      } catch (error) {
        // The database may be restarting: say so and try again at the next interval.
        this.#logger.error({ err: forLog(describe(error)) }, 'job poll failed');
      }
      if (!this.#running) break;
      if (claimed < this.#batchSize) await this.#sleep();
    }
  }

  #sleep(): Promise<void> {
    if (this.#wokenEarly) {
      this.#wokenEarly = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#wakeSleeper = resolve;
      this.#timer = setTimeout(() => {
        this.#wakeSleeper = undefined;
        resolve();
      }, this.#pollIntervalMs);
    });
  }

  #track(run: Promise<void>): Promise<void> {
    this.#inFlight.add(run);
    return run.finally(() => this.#inFlight.delete(run));
  }

  async #claim(): Promise<Job[]> {
    const now = this.#now();
    // The CTE is materialised so the locking select runs once, whatever plan the update gets.
    const rows = await this.#db.query<ClaimedRow>(
      `with due as materialized (
         select tenant_id, id from jobs
          where (status = 'pending' and run_at <= $1) or (status = 'running' and locked_until < $1)
          order by run_at
          limit $3
          for update skip locked
       )
       update jobs j set status = 'running', attempts = j.attempts + 1, locked_until = $2
         from due
        where j.tenant_id = due.tenant_id and j.id = due.id
       returning j.tenant_id, j.id::text as id, j.kind, j.payload, j.attempts, j.max_attempts`,
      [now, new Date(now.getTime() + this.#lockMs), this.#batchSize],
    );
    return rows.map((r) => ({
      id: r.id,
      tenantId: r.tenant_id,
      kind: r.kind,
      payload: r.payload,
      attempts: r.attempts,
      maxAttempts: r.max_attempts,
    }));
  }

  async #execute(job: Job): Promise<void> {
    const about = { job: { id: job.id, tenantId: job.tenantId, kind: job.kind, attempts: job.attempts } };
    try {
      const handler = Object.hasOwn(this.#handlers, job.kind) ? this.#handlers[job.kind] : undefined;
      if (!handler) {
        await this.#bury(job, `no handler for job kind "${job.kind}"`);
        this.#logger.error(about, 'job has no handler; dead letter');
        return;
      }
      if (job.attempts > job.maxAttempts) {
        // Its last attempt was claimed and never finished: the worker died, perhaps because of it.
        await this.#bury(job, 'the last attempt did not finish (the worker stopped or its lock expired)');
        this.#logger.error(about, 'job lost its last attempt; dead letter');
        return;
      }
      const heartbeat = setInterval(() => {
        this.#renewLock(job).catch((error: unknown) => {
          this.#logger.warn({ ...about, err: forLog(describe(error)) }, 'job lock renewal failed');
        });
      }, this.#lockMs / 2);
      heartbeat.unref();
      try {
        await handler(job, { db: this.#db, now: this.#now, logger: this.#logger });
      } catch (error) {
        clearInterval(heartbeat);
        await this.#failed(job, error, about);
        return;
      }
      clearInterval(heartbeat);
      if (!(await this.#finish(job))) {
        this.#logger.warn(about, 'job finished after its claim passed to another run');
      }
    } catch (error) {
      // Recording the outcome failed: the claim expires and the job runs again.
      this.#logger.error({ ...about, err: forLog(describe(error)) }, 'job outcome not recorded');
    }
  }

  async #failed(job: Job, error: unknown, about: object): Promise<void> {
    const message = describe(error);
    if (error instanceof PermanentJobError || job.attempts >= job.maxAttempts) {
      await this.#bury(job, message);
      this.#logger.error({ ...about, err: forLog(message) }, 'job failed for the last time; dead letter');
      return;
    }
    const delayMs = backoffDelayMs(job.attempts, this.#backoff, this.#random);
    const runAt = new Date(this.#now().getTime() + delayMs);
    await this.#db.query(
      `update jobs set status = 'pending', run_at = $4, locked_until = null, last_error = $5
        where tenant_id = $1 and id = $2 and status = 'running' and attempts = $3`,
      [job.tenantId, job.id, job.attempts, runAt, message],
    );
    this.#logger.warn({ ...about, err: forLog(message), retryInMs: delayMs }, 'job failed; will retry');
  }

  // Each outcome names the attempt it belongs to, so a run whose claim expired and passed to
  // another worker cannot overwrite what that newer run records.
  async #finish(job: Job): Promise<boolean> {
    const rows = await this.#db.query(
      `update jobs set status = 'done', finished_at = $4, locked_until = null, last_error = null
        where tenant_id = $1 and id = $2 and status = 'running' and attempts = $3
        returning id`,
      [job.tenantId, job.id, job.attempts, this.#now()],
    );
    return rows.length > 0;
  }

  async #bury(job: Job, message: string): Promise<void> {
    await this.#db.query(
      `update jobs set status = 'dead', finished_at = $4, locked_until = null, last_error = $5
        where tenant_id = $1 and id = $2 and status = 'running' and attempts = $3`,
      [job.tenantId, job.id, job.attempts, this.#now(), message],
    );
  }

  async #renewLock(job: Job): Promise<void> {
    await this.#db.query(
      `update jobs set locked_until = $4
        where tenant_id = $1 and id = $2 and status = 'running' and attempts = $3`,
      [job.tenantId, job.id, job.attempts, new Date(this.#now().getTime() + this.#lockMs)],
    );
  }
}
