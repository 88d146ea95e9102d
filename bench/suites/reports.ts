import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Queryable } from '../../src/db/database.ts';
import { type Database, openDatabase } from '../../src/db/database.ts';
import { benchReference } from '../../src/modules/reports/bench-seed.ts';
import { listRequests, openStatuses, reportsNear } from '../../src/modules/reports/store.ts';
import { fmt, type Harness, recordMeasurement, repoRoot, type Suite } from '../harness.ts';
import { withPostgres } from './forms.ts';

const council = 'northshire';
const host = `${council}.localhost`;
const day = 86_400_000;

/** `doorstep bench:seed` against the bench's own PostgreSQL database, its progress in the log. */
async function seedReports(h: Harness, url: string, reports: number): Promise<void> {
  const child = spawn(
    process.execPath,
    [
      path.join(repoRoot, 'src/cli/index.ts'),
      'bench:seed',
      '--council',
      council,
      '--reports',
      String(reports),
    ],
    {
      cwd: repoRoot,
      env: { ...process.env, DATABASE_URL: url, DOORSTEP_DEMO: '1', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let err = '';
  child.stderr.on('data', (c: Buffer) => {
    err += c.toString();
    for (const line of c.toString().trim().split('\n')) if (line) h.log(line);
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`bench:seed failed (code ${code}): ${err.slice(-2000)}`);
}

interface Latency {
  p50: number;
  p99: number;
  perSecond: number;
}

/** Runs fn `total` times from `concurrency` callers at once; per-call latencies in ms. */
async function latencies(
  fn: (i: number) => Promise<unknown>,
  total: number,
  concurrency = 8,
): Promise<Latency> {
  for (let i = 0; i < Math.min(200, total); i++) await fn(i);
  const times: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t = performance.now();
        await fn(i);
        times.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  return { p50: at(0.5), p99: at(0.99), perSecond: total / seconds };
}

async function plan(db: Database, sql: string, params: unknown[]): Promise<string> {
  const rows = await db.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${sql}`, params);
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

/**
 * Street reports at scale: a million reports seeded on PostgreSQL by `bench:seed`, then the
 * queries behind GET requests.json (90 days of one category), GET requests/{id} and "open
 * reports within 50 m of a point", each as p99 against a primary-key lookup in the same run,
 * with their query plans in the log; and the two Open311 endpoints through HTTP.
 */
export const reports: Suite = {
  name: 'reports',
  async run(h: Harness) {
    const total = Number(process.env.BENCH_REPORTS ?? 1_000_000);
    await withPostgres(h, async (url) => {
      const env = {
        DATABASE_URL: url,
        DOORSTEP_DEMO: '1',
        SESSION_SECRET: 'bench-session-secret-of-at-least-32-chars',
      };
      // The first start migrates and seeds the demo councils; the CLI then adds the reports.
      let server = await h.startDoorstep(h.tmpPath('pg-unused'), { env });
      await server.stop();
      const seeding = performance.now();
      await seedReports(h, url, total);
      h.record({
        suite: 'reports',
        figure: `bench:seed of ${total.toLocaleString('en-GB')} reports on PostgreSQL`,
        value: fmt.ms(performance.now() - seeding),
      });

      const db = await openDatabase({ databaseUrl: url, dataDir: undefined, poolSize: 8 });
      try {
        const [tenant] = await db.query<{ id: string }>('select id from tenants where slug = $1', [council]);
        const tenantId = tenant!.id;
        const sample = await db.query<{ caseId: string; reference: string; lat: number; lng: number }>(
          `select case_id as "caseId", reference, lat, lng from reports where tenant_id = $1
            order by md5(reference) limit 1000`,
          [tenantId],
        );
        const [busiest] = await db.query<{ category: string }>(
          `select category from reports where tenant_id = $1 group by category order by count(*) desc limit 1`,
          [tenantId],
        );
        const category = busiest!.category;
        const now = new Date();
        const from = new Date(now.getTime() - 90 * day);
        const pick = (i: number) => sample[i % sample.length]!;
        const iterations = Number(process.env.BENCH_QUERIES ?? 3000);

        await h.waitForQuiet('reports: queries');
        const pk = await latencies(
          (i) =>
            db.query('select * from reports where tenant_id = $1 and case_id = $2', [
              tenantId,
              pick(i).caseId,
            ]),
          iterations,
        );
        const figures: [string, Latency][] = [
          [
            'GET requests.json, 90 days of one category (up to 1,000)',
            await latencies(
              () => listRequests(db, tenantId, { codes: [category], from, to: now, limit: 1000 }),
              Math.max(200, Math.floor(iterations / 10)),
            ),
          ],
          [
            'GET requests/{id}',
            await latencies(
              (i) => listRequests(db, tenantId, { references: [pick(i).reference], limit: 1000 }),
              iterations,
            ),
          ],
          [
            'open reports within 50 m of a point',
            await latencies(
              (i) =>
                reportsNear(db, tenantId, { lat: pick(i).lat, lng: pick(i).lng }, 50, {
                  statuses: openStatuses,
                  limit: 50,
                }),
              iterations,
            ),
          ],
        ];
        h.record({
          suite: 'reports',
          figure: 'baseline: primary-key lookup, p50 / p99',
          value: `${fmt.ms(pk.p50)} / ${fmt.ms(pk.p99)}`,
          ratio: `${Math.round(pk.perSecond)} /s from 8 callers`,
        });
        for (const [label, l] of figures) {
          h.record({
            suite: 'reports',
            figure: `${label}: p50 / p99`,
            value: `${fmt.ms(l.p50)} / ${fmt.ms(l.p99)}`,
            ratio: `p99 ${(l.p99 / pk.p99).toFixed(1)}× the primary-key lookup`,
          });
        }

        // The plans, for the note: the same SQL the endpoints run, with one sample's values.
        const capture: { sql: string; params: unknown[] }[] = [];
        const spy = {
          query: (sql: string, params: readonly unknown[] = []) => {
            capture.push({ sql, params: [...params] });
            return Promise.resolve([]);
          },
          exec: () => Promise.resolve(),
        } as Queryable;
        await listRequests(spy, tenantId, { codes: [category], from, to: now, limit: 1000 });
        await listRequests(spy, tenantId, { references: [pick(7).reference], limit: 1000 });
        await reportsNear(spy, tenantId, { lat: pick(7).lat, lng: pick(7).lng }, 50, {
          statuses: openStatuses,
          limit: 50,
        });
        const names = ['requests.json (90 days, one category)', 'requests/{id}', 'open reports within 50 m'];
        for (const [i, c] of capture.entries()) {
          h.log(`reports: query plan, ${names[i]}:\n${await plan(db, c.sql, c.params)}`);
        }
      } finally {
        await db.close();
      }

      // The two Open311 endpoints through HTTP, on the same million reports.
      server = await h.startDoorstep(h.tmpPath('pg-unused'), { env });
      try {
        const start = encodeURIComponent(new Date(Date.now() - 90 * day).toISOString());
        const list = await h.measure(server, 'reports: requests.json', {
          path: `/open311/v2/requests.json?service_code=pothole&start_date=${start}`,
          host,
          connections: 8,
        });
        recordMeasurement(h, 'reports', 'HTTP GET requests.json, 90 days of potholes', list);
        const one = await h.measure(server, 'reports: requests/{id}', {
          path: `/open311/v2/requests/${benchReference('NS', 1)}.json`,
          host,
          connections: 8,
        });
        recordMeasurement(h, 'reports', 'HTTP GET requests/{id}.json', one);
      } finally {
        await server.stop();
      }
    });
  },
};
