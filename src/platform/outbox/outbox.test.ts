import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import {
  type SeededTenants,
  seedTenants,
  type TestDatabase,
  testDatabase,
} from '../../../test/support/database.ts';
import type { Database } from '../../db/database.ts';
import { enqueue, type Job, jobCounts, listDeadJobs, pruneDoneJobs, retryDeadJob } from './outbox.ts';
import { backoffDelayMs, PermanentJobError, Worker, type WorkerLogger } from './worker.ts';

let handle: TestDatabase;
let db: Database;
let tenants: SeededTenants;
let tenantId: string;

before(async () => {
  handle = await testDatabase();
  db = handle.db;
  tenants = await seedTenants(db);
  tenantId = tenants.northshire.id;
});
after(() => handle.close());
beforeEach(() => db.query('delete from jobs'));

/** A clock the test moves by hand. */
function manualClock(start = '2030-01-01T09:00:00.000Z') {
  let current = new Date(start);
  return {
    now: () => new Date(current),
    advance(ms: number) {
      current = new Date(current.getTime() + ms);
    },
    set(at: Date) {
      current = new Date(at);
    },
  };
}

interface JobRow {
  status: string;
  attempts: number;
  run_at: Date;
  last_error: string | null;
  finished_at: Date | null;
  locked_until: Date | null;
}

async function jobRow(id: string): Promise<JobRow> {
  const [row] = await db.query<JobRow>(
    'select status, attempts, run_at, last_error, finished_at, locked_until from jobs where id = $1',
    [id],
  );
  assert.ok(row, `job ${id} exists`);
  return row;
}

function capturingLogger() {
  const lines: { level: string; obj: object; msg: string }[] = [];
  const logger: WorkerLogger = {
    info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => lines.push({ level: 'error', obj, msg }),
  };
  return { logger, lines };
}

describe('backoffDelayMs', () => {
  test('doubles the ceiling with each attempt up to the cap, with full jitter below it', () => {
    const backoff = { baseMs: 1000, maxMs: 5000 };
    const top = () => 0.999999;
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((n) => backoffDelayMs(n, backoff, top)),
      [999, 1999, 3999, 4999, 4999],
    );
    assert.equal(
      backoffDelayMs(3, backoff, () => 0),
      0,
    );
    for (let i = 0; i < 200; i++) {
      const d = backoffDelayMs(3, backoff);
      assert.ok(d >= 0 && d < 4000, `${d} within [0, 4000)`);
    }
  });
});

describe('enqueue', () => {
  test('a job enqueued in a transaction that rolls back never runs', async () => {
    const ran: string[] = [];
    const worker = new Worker({
      db,
      handlers: { 'test.record': async (job) => void ran.push(job.id) },
    });
    await assert.rejects(
      db.transaction(async (tx) => {
        await enqueue(tx, { tenantId, kind: 'test.record', payload: { n: 1 } });
        throw new Error('the change failed');
      }),
      /the change failed/,
    );
    assert.equal(await worker.runDue(), 0);
    assert.deepEqual(ran, []);
    assert.equal((await db.query('select 1 from jobs')).length, 0);

    // The same write committed does run: the rollback, not the worker, kept the first away.
    const id = await db.transaction((tx) =>
      enqueue(tx, { tenantId, kind: 'test.record', payload: { n: 2 } }),
    );
    assert.equal(await worker.runDue(), 1);
    assert.deepEqual(ran, [id]);
    assert.equal((await jobRow(id)).status, 'done');
  });

  test('stores the payload as JSON and hands it to the handler with the job', async () => {
    const seen: Job[] = [];
    const id = await enqueue(db, {
      tenantId,
      kind: 'test.echo',
      payload: { name: 'Aled', items: [1, 2], nested: { ok: true } },
      maxAttempts: 3,
    });
    assert.match(id, /^\d+$/);
    await new Worker({ db, handlers: { 'test.echo': async (job) => void seen.push(job) } }).runDue();
    assert.deepEqual(seen, [
      {
        id,
        tenantId,
        kind: 'test.echo',
        payload: { name: 'Aled', items: [1, 2], nested: { ok: true } },
        attempts: 1,
        maxAttempts: 3,
      },
    ]);
  });

  test('a job is not run before its run_at', async () => {
    const clock = manualClock();
    const ran: string[] = [];
    const worker = new Worker({
      db,
      now: clock.now,
      handlers: { 'test.later': async (job) => void ran.push(job.id) },
    });
    await enqueue(db, {
      tenantId,
      kind: 'test.later',
      payload: {},
      runAt: new Date(clock.now().getTime() + 60_000),
    });
    assert.equal(await worker.runDue(), 0);
    clock.advance(59_999);
    assert.equal(await worker.runDue(), 0);
    clock.advance(1);
    assert.equal(await worker.runDue(), 1);
    assert.equal(ran.length, 1);
  });

  test('rejects a bad maxAttempts or an empty kind', async () => {
    await assert.rejects(enqueue(db, { tenantId, kind: 'x', payload: {}, maxAttempts: 0 }), RangeError);
    await assert.rejects(enqueue(db, { tenantId, kind: ' ', payload: {} }), TypeError);
  });
});

describe('Worker', () => {
  test('a failing job is retried with growing backoff, then ends as a dead letter', async () => {
    const clock = manualClock();
    const { logger, lines } = capturingLogger();
    let calls = 0;
    const worker = new Worker({
      db,
      now: clock.now,
      logger,
      backoff: { baseMs: 1000, maxMs: 60_000 },
      random: () => 0.5,
      handlers: {
        'test.fail': async () => {
          calls++;
          throw new Error(`SMTP said no to someone@example.org (call ${calls})`);
        },
      },
    });
    const id = await enqueue(db, {
      tenantId,
      kind: 'test.fail',
      payload: { secret: 'national-insurance-QQ123456C' },
      runAt: clock.now(),
      maxAttempts: 4,
    });

    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      assert.equal(await worker.runDue(), 1, `attempt ${attempt} runs`);
      const row = await jobRow(id);
      assert.equal(row.status, 'pending');
      assert.equal(row.attempts, attempt);
      assert.match(row.last_error ?? '', new RegExp(`call ${attempt}`));
      const wait = row.run_at.getTime() - clock.now().getTime();
      delays.push(wait);
      clock.advance(wait - 1);
      assert.equal(await worker.runDue(), 0, 'not due a millisecond early');
      clock.advance(1);
    }
    // Half (the fixed jitter) of 1 s, 2 s, 4 s.
    assert.deepEqual(delays, [500, 1000, 2000]);

    assert.equal(await worker.runDue(), 1, 'the last attempt runs');
    const dead = await jobRow(id);
    assert.equal(dead.status, 'dead');
    assert.equal(dead.attempts, 4);
    assert.match(dead.last_error ?? '', /call 4/);
    assert.deepEqual(dead.finished_at, clock.now());
    assert.equal(dead.locked_until, null);
    clock.advance(24 * 3600_000);
    assert.equal(await worker.runDue(), 0, 'a dead letter is never claimed again');
    assert.equal(calls, 4);

    assert.deepEqual(await jobCounts(db), { waiting: 0, dead: 1 });
    const [listed] = await listDeadJobs(db, tenantId);
    assert.equal(listed?.id, id);
    assert.equal(listed?.kind, 'test.fail');

    // Logs tell what failed, never the payload, and mask addresses quoted by the error.
    const logged = JSON.stringify(lines);
    assert.doesNotMatch(logged, /QQ123456C/);
    assert.doesNotMatch(logged, /someone@example\.org/);
    assert.equal(lines.filter((l) => l.msg === 'job failed; will retry').length, 3);
    assert.equal(lines.filter((l) => l.msg.includes('dead letter')).length, 1);
  });

  test('a dead letter retried by hand gets a fresh set of attempts; only in its own council', async () => {
    const clock = manualClock();
    let succeed = false;
    const worker = new Worker({
      db,
      now: clock.now,
      handlers: {
        'test.flaky': async () => {
          if (!succeed) throw new Error('down');
        },
      },
    });
    const id = await enqueue(db, {
      tenantId,
      kind: 'test.flaky',
      payload: {},
      runAt: clock.now(),
      maxAttempts: 1,
    });
    await worker.runDue();
    assert.equal((await jobRow(id)).status, 'dead');

    assert.equal(await retryDeadJob(db, tenants.riverford.id, id, clock.now()), false);
    assert.equal(await retryDeadJob(db, tenantId, id, clock.now()), true);
    assert.equal(await retryDeadJob(db, tenantId, id, clock.now()), false, 'no longer dead');
    const revived = await jobRow(id);
    assert.equal(revived.status, 'pending');
    assert.equal(revived.attempts, 0);
    assert.deepEqual(await jobCounts(db), { waiting: 1, dead: 0 });

    succeed = true;
    assert.equal(await worker.runDue(), 1);
    assert.equal((await jobRow(id)).status, 'done');
  });

  test('a job of an unknown kind, or one that fails permanently, is dead at once', async () => {
    const worker = new Worker({
      db,
      handlers: {
        'test.permanent': async () => {
          throw new PermanentJobError('the payload has no address');
        },
      },
    });
    const unknown = await enqueue(db, { tenantId, kind: 'test.nobody-handles-this', payload: {} });
    const permanent = await enqueue(db, { tenantId, kind: 'test.permanent', payload: {} });
    assert.equal(await worker.runDue(), 2);
    const u = await jobRow(unknown);
    assert.equal(u.status, 'dead');
    assert.equal(u.attempts, 1);
    assert.match(u.last_error ?? '', /no handler for job kind "test\.nobody-handles-this"/);
    const p = await jobRow(permanent);
    assert.equal(p.status, 'dead');
    assert.match(p.last_error ?? '', /PermanentJobError: the payload has no address/);
  });

  test('a running job whose lock expired is claimed again (crash recovery)', async () => {
    const clock = manualClock();
    const ran: string[] = [];
    const worker = new Worker({
      db,
      now: clock.now,
      handlers: { 'test.crash': async (job) => void ran.push(job.id) },
    });
    const [stale, fresh, last] = await Promise.all(
      [1, 2, 3].map(() =>
        enqueue(db, { tenantId, kind: 'test.crash', payload: {}, runAt: clock.now(), maxAttempts: 3 }),
      ),
    );
    // As a worker that died mid-job leaves them: running, with a claim that ends some time.
    const crashed = async (id: string, attempts: number, lockedUntil: Date) =>
      db.query(`update jobs set status = 'running', attempts = $2, locked_until = $3 where id = $1`, [
        id,
        attempts,
        lockedUntil,
      ]);
    await crashed(stale!, 1, new Date(clock.now().getTime() - 1000));
    await crashed(fresh!, 1, new Date(clock.now().getTime() + 60_000));
    await crashed(last!, 3, new Date(clock.now().getTime() - 1000));

    assert.equal(await worker.runDue(), 2);
    assert.deepEqual(ran, [stale]);
    const recovered = await jobRow(stale!);
    assert.equal(recovered.status, 'done');
    assert.equal(recovered.attempts, 2, 'the lost run counts as an attempt');
    assert.equal((await jobRow(fresh!)).status, 'running', 'a live claim is left alone');
    const buried = await jobRow(last!);
    assert.equal(buried.status, 'dead', 'a job that lost its last attempt is not run past its limit');
    assert.match(buried.last_error ?? '', /last attempt did not finish/);

    clock.advance(60_001);
    assert.equal(await worker.runDue(), 1);
    assert.deepEqual(ran, [stale, fresh]);
  });

  test('a run that lost its claim to another worker does not overwrite the newer outcome', async () => {
    const clock = manualClock();
    let release!: () => void;
    const slowDone = new Promise<void>((resolve) => {
      release = resolve;
    });
    let calls = 0;
    const handlers = {
      'test.slow': async () => {
        calls++;
        if (calls === 1) await slowDone;
        else throw new Error('second run failed');
      },
    };
    const first = new Worker({ db, now: clock.now, lockSeconds: 10, handlers });
    const second = new Worker({ db, now: clock.now, lockSeconds: 10, random: () => 0, handlers });
    const id = await enqueue(db, { tenantId, kind: 'test.slow', payload: {}, runAt: clock.now() });
    const firstRun = first.runDue();
    while (calls === 0) await delay(1);
    clock.advance(11_000);
    assert.equal(await second.runDue(), 1);
    assert.equal((await jobRow(id)).status, 'pending', 'the second run failed and scheduled a retry');
    release();
    await firstRun;
    const row = await jobRow(id);
    assert.equal(row.status, 'pending', 'the stale first run could not mark it done');
    assert.equal(row.attempts, 2);
  });

  test('two workers racing over many jobs never run a job twice', async () => {
    const count = 150;
    const executions = new Map<string, number>();
    const active = new Set<string>();
    const overlaps: string[] = [];
    const handler = async (job: Job) => {
      if (active.has(job.id)) overlaps.push(job.id);
      active.add(job.id);
      executions.set(job.id, (executions.get(job.id) ?? 0) + 1);
      await delay(Math.random() * 3);
      active.delete(job.id);
    };
    await db.transaction(async (tx) => {
      for (let i = 0; i < count; i++) await enqueue(tx, { tenantId, kind: 'test.race', payload: { i } });
    });
    const a = new Worker({ db, handlers: { 'test.race': handler }, batchSize: 7, pollIntervalMs: 5 });
    const b = new Worker({ db, handlers: { 'test.race': handler }, batchSize: 7, pollIntervalMs: 5 });
    a.start();
    b.start();
    const deadline = Date.now() + 30_000;
    while ((await jobCounts(db)).waiting > 0) {
      assert.ok(Date.now() < deadline, 'the workers finish within 30 s');
      await delay(20);
    }
    await Promise.all([a.stop(), b.stop()]);
    assert.equal(executions.size, count);
    assert.deepEqual(
      [...executions].filter(([, n]) => n !== 1),
      [],
      'each job ran exactly once',
    );
    assert.deepEqual(overlaps, []);
    const [row] = await db.query<{ n: number }>(`select count(*)::int as n from jobs where status = 'done'`);
    assert.equal(row?.n, count);
  });

  test('stop() waits for a job in flight, then polls no more', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = 0;
    let finished = 0;
    const worker = new Worker({
      db,
      pollIntervalMs: 5,
      handlers: {
        'test.gate': async () => {
          started++;
          await gate;
          finished++;
        },
      },
    });
    const id = await enqueue(db, { tenantId, kind: 'test.gate', payload: {} });
    worker.start();
    while (started === 0) await delay(2);
    let stopped = false;
    const stopping = worker.stop().then(() => {
      stopped = true;
    });
    await delay(30);
    assert.equal(stopped, false, 'stop() waits while the job runs');
    release();
    await stopping;
    assert.equal(finished, 1);
    assert.equal((await jobRow(id)).status, 'done', 'the outcome was recorded before stop() resolved');

    await enqueue(db, { tenantId, kind: 'test.gate', payload: {} });
    await delay(30);
    assert.equal(started, 1, 'a stopped worker claims nothing');
  });

  test('wake() polls at once instead of waiting for the interval', async () => {
    const ran: string[] = [];
    const worker = new Worker({
      db,
      pollIntervalMs: 60_000,
      handlers: { 'test.wake': async (j) => void ran.push(j.id) },
    });
    worker.start();
    await delay(20);
    const id = await enqueue(db, { tenantId, kind: 'test.wake', payload: {} });
    worker.wake();
    const deadline = Date.now() + 5000;
    while (ran.length === 0 && Date.now() < deadline) await delay(5);
    await worker.stop();
    assert.deepEqual(ran, [id]);
  });
});

describe('pruneDoneJobs', () => {
  test('deletes finished jobs older than the cut-off and nothing else', async () => {
    const clock = manualClock();
    const worker = new Worker({ db, now: clock.now, handlers: { 'test.ok': async () => {} } });
    const old = await enqueue(db, { tenantId, kind: 'test.ok', payload: {}, runAt: clock.now() });
    await worker.runDue();
    clock.advance(3600_000);
    const recent = await enqueue(db, { tenantId, kind: 'test.ok', payload: {}, runAt: clock.now() });
    await worker.runDue();
    const waiting = await enqueue(db, {
      tenantId,
      kind: 'test.ok',
      payload: {},
      runAt: new Date('2031-01-01'),
    });
    assert.equal(await pruneDoneJobs(db, new Date(clock.now().getTime() - 1000)), 1);
    const left = (await db.query<{ id: string }>('select id::text as id from jobs order by id')).map(
      (r) => r.id,
    );
    assert.deepEqual(left, [recent, waiting]);
    assert.ok(!left.includes(old));
  });
});
