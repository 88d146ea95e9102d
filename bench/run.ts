/**
 * `npm run bench [-- <suite>]`: runs every suite, or one, and prints the result table.
 * Figures are ratios against baselines measured in the same run; aims are informational,
 * so the exit code is 0 unless something crashed.
 * Settings: BENCH_DURATION (s per measured run, 8), BENCH_WARMUP (s, 5), BENCH_RUNS (3),
 * BENCH_CONNECTIONS (50), BENCH_STARTUP_PIN=1 (pin servers in the startup suite too),
 * BENCH_QUIET_WAIT (s to wait for an idle machine before each measurement, 30),
 * BENCH_CPU_PROF=<dir> (CPU profiles of Doorstep), BENCH_DOORSTEP_MAIN=<path> (another main.ts).
 */
import os from 'node:os';
import { Harness, type Row, type Suite } from './harness.ts';
import { baselines } from './suites/baselines.ts';
import { crm } from './suites/crm.ts';
import { febrl } from './suites/febrl.ts';
import { forms } from './suites/forms.ts';
import { home } from './suites/home.ts';
import { memory } from './suites/memory.ts';
import { reports } from './suites/reports.ts';
import { sessionPage } from './suites/session-page.ts';
import { startup } from './suites/startup.ts';

const suites: Suite[] = [baselines, home, sessionPage, memory, startup, forms, reports, crm, febrl];

function table(rows: Row[]): string {
  const header: Row = {
    suite: 'suite',
    figure: 'figure',
    value: 'value',
    ratio: 'ratio',
    aim: 'aim',
    verdict: '',
  };
  const cells = (r: Row) => [r.suite, r.figure, r.value, r.ratio ?? '', r.aim ?? '', r.verdict ?? ''];
  const all = [header, ...rows].map(cells);
  const widths = all[0]!.map((_, i) => Math.max(...all.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c
      .map((cell, i) => (i === 2 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(all[0]!), rule, ...all.slice(1).map(line)].join('\n');
}

async function main(): Promise<number> {
  const wanted = process.argv[2];
  const chosen = wanted ? suites.filter((s) => s.name === wanted) : suites;
  if (wanted && chosen.length === 0) {
    console.error(`bench: no suite "${wanted}"; suites: ${suites.map((s) => s.name).join(', ')}`);
    return 2;
  }
  const h = new Harness();
  const loadBefore = os.loadavg()[0]!;
  const { duration, warmup, runs, connections } = h.settings;
  const stop = () => {
    void h.cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const started = performance.now();
  let failed = false;
  try {
    for (const suite of chosen) {
      h.log(`suite ${suite.name}`);
      try {
        await suite.run(h);
      } catch (error) {
        failed = true;
        console.error(`bench: suite ${suite.name} failed:`, error);
      }
    }
  } finally {
    await h.cleanup();
  }
  const pinning = h.pinning
    ? `server pinned to core ${h.pinning.server}, load generator (autocannon) to core ${h.pinning.load}`
    : 'no CPU pinning (one core or no taskset)';
  console.log('');
  console.log(
    `Doorstep benchmarks — node ${process.version}, ${pinning}; ${connections} connections, ` +
      `${warmup} s warm-up, median of ${runs} × ${duration} s; ${Math.round((performance.now() - started) / 1000)} s in all`,
  );
  const cores = os.availableParallelism();
  console.log(
    `Load average (1 min) before the run: ${loadBefore.toFixed(2)} on ${cores} cores` +
      (loadBefore > 0.5 ? ' — other work was running: figures may be noisy' : ''),
  );
  console.log('');
  console.log(table(h.rows));
  console.log('');
  return failed ? 1 : 0;
}

process.exitCode = await main();
