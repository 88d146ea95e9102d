import { spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { benchConditions } from '../../src/modules/forms/engine/index.ts';
import {
  fmt,
  type Harness,
  recordMeasurement,
  repoRoot,
  type Server,
  type Suite,
  verdict,
} from '../harness.ts';
import type { JourneyResult, JourneySpec } from '../journey.ts';

const host = 'riverford.localhost';
const form = '/forms/bulky-waste';

function csrfOf(html: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('forms: no CSRF token on the page');
  return token;
}

/**
 * A guest part way through "book a bulky waste collection": the address page answered, so
 * the "items" question page is theirs to see and answer. Returns their cookie and token.
 */
async function guestOnItemsPage(server: Server): Promise<{ cookie: string; csrf: string }> {
  const first = await server.request(`${form}/address`, { host });
  const cookie = String(first.headers['set-cookie']?.[0] ?? '').split(';')[0]!;
  const csrf = csrfOf(first.body);
  const posted = await server.request(`${form}/address`, {
    host,
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      _csrf: csrf,
      'address-line1': '1 High Street',
      'address-town': 'Riverford',
      'address-postcode': 'RF1 1AA',
    }).toString(),
  });
  if (posted.status !== 303 || posted.headers.location !== `${form}/items`)
    throw new Error(`forms: answering the address page gave ${posted.status} ${posted.headers.location}`);
  const items = await server.request(`${form}/items`, { host, headers: { cookie } });
  if (items.status !== 200) throw new Error(`forms: GET items answered ${items.status}`);
  return { cookie, csrf: csrfOf(items.body) };
}

async function journeys(h: Harness, server: Server, label: string): Promise<JourneyResult> {
  await h.waitForQuiet(label);
  const spec: JourneySpec = { port: server.port, host, guests: 16, duration: h.settings.duration * 2 };
  const script = path.join(repoRoot, 'bench/journey.ts');
  const args = [script, JSON.stringify(spec)];
  const [command, argv] = h.pinning
    ? ['taskset', ['-c', h.pinning.load, process.execPath, ...args]]
    : [process.execPath, args];
  h.log(`${label}: ${spec.guests} guests for ${spec.duration} s`);
  const child = spawn(command, argv, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const line = stdout.trim().split('\n').pop();
  if (code !== 0 || !line) throw new Error(`journey generator failed (code ${code}): ${stderr.slice(-2000)}`);
  const result = JSON.parse(line) as JourneyResult;
  if (result.failures)
    throw new Error(`${label}: ${result.failures} journeys failed, first: ${result.firstFailure}`);
  return result;
}

function recordJourneys(h: Harness, database: string, r: JourneyResult): void {
  h.record({
    suite: 'forms',
    figure: `five-page guest journey on ${database}: journeys per second`,
    value: `${r.journeysPerSecond.toFixed(1)} /s`,
    ratio: `${r.journeys} journeys of 13 requests in ${r.seconds.toFixed(0)} s`,
  });
  for (const step of r.steps) {
    h.record({
      suite: 'forms',
      figure: `  ${database}: ${step.step}, p50 / p99`,
      value: `${fmt.ms(step.p50)} / ${fmt.ms(step.p99)}`,
    });
  }
}

/** A PostgreSQL database of the bench's own on the local server, dropped afterwards. */
export async function withPostgres<T>(h: Harness, fn: (url: string) => Promise<T>): Promise<T | undefined> {
  const admin = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `doorstep_bench_${process.pid}`;
  const client = new pg.Client({ connectionString: admin, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
  } catch (error) {
    h.log(
      `forms: no PostgreSQL at ${admin} (${(error as Error).message}); the PostgreSQL journey is skipped`,
    );
    return undefined;
  }
  await client.query(`create database ${name}`);
  try {
    const url = new URL(admin);
    url.pathname = `/${name}`;
    return await fn(url.toString());
  } finally {
    await client.query(`drop database if exists ${name} with (force)`);
    await client.end();
  }
}

export const forms: Suite = {
  name: 'forms',
  async run(h: Harness) {
    const plain = await h.plainBaseline();
    // Each guest comes from an address of their own (X-Forwarded-For), so the per-address
    // limit on public posts is exercised on every POST rather than tripped.
    const server = await h.startDoorstep(await h.doorstepData(), { env: { TRUST_PROXY: '1' } });
    try {
      const { cookie, csrf } = await guestOnItemsPage(server);
      const page = await h.measure(server, 'forms: question page', {
        path: `${form}/items`,
        host,
        headers: { cookie },
      });
      recordMeasurement(h, 'forms', 'question page GET (session, draft, CSRF)', page, {
        name: '(c)',
        m: plain,
        aim: 0.75,
      });
      const answer = await h.measure(server, 'forms: answer', {
        path: `${form}/items`,
        host,
        method: 'POST',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, items: 'sofa' }).toString(),
        varyClientAddress: true,
      });
      recordMeasurement(h, 'forms', 'valid answer POST (draft and session saved)', answer, {
        name: '(c)',
        m: plain,
        aim: 0.75,
      });
      recordJourneys(h, 'PGlite', await journeys(h, server, 'forms: journeys on PGlite'));
    } finally {
      await server.stop();
    }

    await withPostgres(h, async (url) => {
      const pgServer = await h.startDoorstep(h.tmpPath('pg-unused'), {
        env: {
          TRUST_PROXY: '1',
          DATABASE_URL: url,
          DOORSTEP_DEMO: '1',
          SESSION_SECRET: 'bench-session-secret-of-at-least-32-chars',
        },
      });
      try {
        recordJourneys(h, 'PostgreSQL', await journeys(h, pgServer, 'forms: journeys on PostgreSQL'));
      } finally {
        await pgServer.stop();
      }
    });

    // The engine's pure functions, on this core: 20 conditions (pages, questions, assessment rules) a set.
    benchConditions(20_000);
    const rates = [benchConditions(100_000), benchConditions(100_000), benchConditions(100_000)].sort(
      (a, b) => a - b,
    );
    const rate = rates[1]!;
    h.record({
      suite: 'forms',
      figure: 'condition sets evaluated per second, one core',
      value: `${Math.round(rate).toLocaleString('en-GB')} /s`,
      aim: '> 100,000 /s',
      verdict: verdict(rate > 100_000),
    });
  },
};
