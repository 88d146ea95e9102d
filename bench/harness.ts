/**
 * The benchmark harness every suite uses: servers run in child processes pinned to core 0,
 * the load generator (bench/load.ts, autocannon) in another child pinned to core 1, where the
 * machine has two cores and taskset; a warm-up run, then the median of measured runs.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LoadResult, LoadSpec } from './load.ts';

export const repoRoot = path.resolve(import.meta.dirname, '..');
export const councilHost = 'northshire.localhost';

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

export interface Settings {
  /** Seconds of each measured run. */
  duration: number;
  /** Seconds of the warm-up run. */
  warmup: number;
  runs: number;
  connections: number;
}

export function settingsFromEnv(): Settings {
  return {
    duration: envNumber('BENCH_DURATION', 8),
    warmup: envNumber('BENCH_WARMUP', 5),
    runs: Math.round(envNumber('BENCH_RUNS', 3)),
    connections: Math.round(envNumber('BENCH_CONNECTIONS', 50)),
  };
}

/** taskset pinning: the server on core 0, the load generator on core 1, or none at all. */
export function cpuPinning(): { server: string; load: string } | undefined {
  if (os.availableParallelism() < 2) return undefined;
  const probe = spawnSync('taskset', ['-c', '1', 'true'], { stdio: 'ignore' });
  return probe.status === 0 ? { server: '0', load: '1' } : undefined;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request to 127.0.0.1 with a Host header (Node's fetch will not send a custom Host). */
export function request(
  port: number,
  pathname: string,
  options: { host?: string; method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: pathname,
        method: options.method ?? 'GET',
        headers: { ...(options.host ? { host: options.host } : {}), ...options.headers },
        timeout: 5000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout on ${pathname}`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Resident set size of a process in bytes, from /proc (undefined once it has gone). */
export function rssOf(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSecondsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after "pid (comm) ".
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Busy CPU seconds of the whole machine so far (every core), from /proc/stat. */
function machineBusySeconds(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / 100;
  } catch {
    return undefined;
  }
}

export type Readiness =
  /** Polls GET path (with Host) every 10 ms until it answers 200. */
  | { http: string; host?: string }
  /** Waits for the child to print a JSON line with "ready": true. */
  | { stdoutReady: true };

export interface StartOptions {
  name: string;
  /** Script path relative to the repository root. */
  script: string;
  env?: Record<string, string>;
  ready: Readiness;
  /** Pin to the server core (default true). */
  pin?: boolean;
  /** Node options before the script, e.g. --cpu-prof. */
  nodeArgs?: string[];
  timeoutMs?: number;
}

export class Server {
  readonly name: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Milliseconds from spawn to readiness. */
  readyMs = 0;
  /** The JSON line a stdout-ready child printed. */
  readyLine: Record<string, unknown> | undefined;
  output = '';
  #exited: Promise<number | null>;
  exitCode: number | null | undefined;
  exitSignal: NodeJS.Signals | null = null;

  constructor(name: string, port: number, child: ChildProcess) {
    this.name = name;
    this.port = port;
    this.child = child;
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-8000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.#exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exitCode = code;
        this.exitSignal = signal;
        resolve(code);
      }),
    );
  }

  /** Throws, with the server's last output, when it has exited. */
  assertRunning(label: string): void {
    if (this.exitCode === undefined) return;
    const how = this.exitSignal ? `signal ${this.exitSignal}` : `code ${this.exitCode}`;
    const tail = this.output.trim().split('\n').slice(-15).join('\n');
    throw new Error(
      `${label}: ${this.name} (pid ${this.pid}) exited with ${how} during the measurement\n${tail}`,
    );
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get exited(): Promise<number | null> {
    return this.#exited;
  }

  rss(): number | undefined {
    return rssOf(this.pid);
  }

  request(
    pathname: string,
    options: { host?: string; method?: string; headers?: Record<string, string>; body?: string } = {},
  ) {
    return request(this.port, pathname, options);
  }

  /** SIGTERM and wait (Doorstep closes PGlite cleanly); SIGKILL after 8 s. */
  async stop(): Promise<void> {
    if (this.exitCode !== undefined) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 8000);
    await this.#exited;
    clearTimeout(timer);
  }
}

export interface LoadOptions {
  path: string;
  host: string;
  headers?: Record<string, string>;
  method?: string;
  body?: string;
  varyClientAddress?: boolean;
  connections?: number;
  duration?: number;
}

export interface Measurement {
  rps: number;
  p99: number;
  p50: number;
  runs: LoadResult[];
  non2xx: number;
  errors: number;
  /** RSS of the server sampled during the measured runs. */
  rssLoadMedian: number;
  rssLoadMax: number;
  /** Share of one core used by the server and by the load generator (median of runs). */
  serverCpu: number;
  loadCpu: number;
  /** Cores busy with anything else on the machine during the runs (median): noise when high. */
  otherCpu: number;
  bytesPerResponse: number;
}

export interface Row {
  suite: string;
  figure: string;
  value: string;
  ratio?: string;
  aim?: string;
  verdict?: string;
}

export interface Suite {
  name: string;
  /** Suites run in this order by a full run. */
  run(h: Harness): Promise<void>;
}

export class Harness {
  readonly settings: Settings;
  readonly pinning: { server: string; load: string } | undefined;
  readonly rows: Row[] = [];
  readonly notes: string[] = [];
  readonly #tmp: string;
  readonly #servers = new Set<Server>();
  #dataDir: Promise<string> | undefined;
  #homeFile: Promise<string> | undefined;
  #bare: Promise<Measurement> | undefined;
  #plain: Promise<Measurement> | undefined;
  #plainFeedback: Promise<Measurement> | undefined;

  constructor(settings = settingsFromEnv()) {
    this.settings = settings;
    this.pinning = cpuPinning();
    this.#tmp = mkdtempSync(path.join(os.tmpdir(), 'doorstep-bench-'));
  }

  log(line: string): void {
    process.stderr.write(`[bench] ${line}\n`);
  }

  record(row: Row): void {
    this.rows.push(row);
  }

  tmpPath(name: string): string {
    return path.join(this.#tmp, name);
  }

  async startServer(options: StartOptions): Promise<Server> {
    const port = await freePort();
    const nodeArgs = [...(options.nodeArgs ?? []), path.resolve(repoRoot, options.script)];
    const pin = options.pin !== false && this.pinning;
    const [command, args] = pin
      ? ['taskset', ['-c', pin.server, process.execPath, ...nodeArgs]]
      : [process.execPath, nodeArgs];
    const started = performance.now();
    // taskset execs node, so the child's pid is the server's own (for /proc readings).
    const child = spawn(command, args, {
      cwd: repoRoot,
      env: { ...process.env, PORT: String(port), ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new Server(options.name, port, child);
    this.#servers.add(server);
    void server.exited.then(() => this.#servers.delete(server));
    const deadline = started + (options.timeoutMs ?? 60_000);
    const failed = (why: string) =>
      new Error(`${options.name}: ${why}\n${server.output.trim().split('\n').slice(-15).join('\n')}`);
    const ready = options.ready;
    if ('http' in ready) {
      for (;;) {
        if (server.exitCode !== undefined)
          throw failed(`exited with code ${server.exitCode} before it was ready`);
        if (performance.now() > deadline) {
          await server.stop();
          throw failed('not ready in time');
        }
        const reply = await request(port, ready.http, { ...(ready.host ? { host: ready.host } : {}) }).catch(
          () => undefined,
        );
        if (reply?.status === 200) break;
        await sleep(10);
      }
    } else {
      await new Promise<void>((resolve, reject) => {
        let buffered = '';
        const timer = setTimeout(() => reject(failed('not ready in time')), deadline - performance.now());
        const onData = (chunk: Buffer) => {
          buffered += chunk.toString();
          for (const line of buffered.split('\n')) {
            if (!line.startsWith('{')) continue;
            try {
              const parsed = JSON.parse(line) as Record<string, unknown>;
              if (parsed.ready === true) {
                server.readyLine = parsed;
                clearTimeout(timer);
                child.stdout?.off('data', onData);
                resolve();
                return;
              }
            } catch {
              // A partial line: wait for the rest.
            }
          }
        };
        child.stdout?.on('data', onData);
        void server.exited.then(() =>
          reject(failed(`exited with code ${server.exitCode} before it was ready`)),
        );
      });
    }
    server.readyMs = performance.now() - started;
    return server;
  }

  /**
   * Doorstep itself (`node src/main.ts`, demo mode) on the embedded database in dataDir.
   * BENCH_CPU_PROF=<dir> writes a V8 CPU profile of each Doorstep process there (at stop);
   * BENCH_DOORSTEP_MAIN=<path> starts another main.ts (a patched copy, to compare a change).
   */
  async startDoorstep(
    dataDir: string,
    options: { pin?: boolean; env?: Record<string, string> } = {},
  ): Promise<Server> {
    const profileDir = process.env.BENCH_CPU_PROF;
    return this.startServer({
      name: 'doorstep',
      script: process.env.BENCH_DOORSTEP_MAIN ?? 'src/main.ts',
      // The embedded database whatever the caller's environment says (empty counts as unset).
      env: {
        DOORSTEP_DATA: dataDir,
        DATABASE_URL: '',
        DOORSTEP_DEMO: '',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        ...options.env,
      },
      ...(profileDir ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`] } : {}),
      ready: { http: '/', host: councilHost },
      ...(options.pin === undefined ? {} : { pin: options.pin }),
      timeoutMs: 180_000,
    });
  }

  /** A Doorstep data folder that has been started once (migrated and seeded), shared by the suites. */
  doorstepData(): Promise<string> {
    this.#dataDir ??= (async () => {
      const dir = this.tmpPath('data');
      this.log(`preparing an embedded database in ${dir} (first start: initdb, migrate, seed)`);
      const server = await this.startDoorstep(dir);
      this.log(`first start took ${Math.round(server.readyMs)} ms`);
      await server.stop();
      return dir;
    })();
    return this.#dataDir;
  }

  /** The real home page's HTML, fetched once from Doorstep, in a file for the bare baseline. */
  homePageFile(): Promise<string> {
    this.#homeFile ??= (async () => {
      const server = await this.startDoorstep(await this.doorstepData());
      try {
        const reply = await server.request('/', { host: councilHost });
        if (reply.status !== 200) throw new Error(`GET / answered ${reply.status}`);
        const file = this.tmpPath('home.html');
        writeFileSync(file, reply.body);
        return file;
      } finally {
        await server.stop();
      }
    })();
    return this.#homeFile;
  }

  /** Baseline (b), measured once per invocation, by whichever suite asks first. */
  bareBaseline(): Promise<Measurement> {
    this.#bare ??= (async () => {
      const body = await this.homePageFile();
      const server = await this.startServer({
        name: 'bare',
        script: 'bench/servers/bare.ts',
        env: { BENCH_BODY_FILE: body, BENCH_HOST: councilHost },
        ready: { http: '/', host: councilHost },
      });
      try {
        return await this.measure(server, '(b) bare', { path: '/', host: councilHost });
      } finally {
        await server.stop();
      }
    })();
    return this.#bare;
  }

  /** Baseline (c), measured once per invocation, by whichever suite asks first. */
  plainBaseline(): Promise<Measurement> {
    this.#plain ??= (async () => {
      const server = await this.startServer({
        name: 'plain-govuk',
        script: 'bench/servers/plain-govuk.ts',
        ready: { http: '/' },
      });
      try {
        return await this.measure(server, '(c) plain', { path: '/', host: councilHost });
      } finally {
        await server.stop();
      }
    })();
    return this.#plain;
  }

  /**
   * (c'), for comparison only: the plain server's GET /feedback, with the components of
   * Doorstep's feedback page; one measured run after the warm-up.
   */
  plainFeedbackBaseline(): Promise<Measurement> {
    this.#plainFeedback ??= (async () => {
      const server = await this.startServer({
        name: 'plain-govuk',
        script: 'bench/servers/plain-govuk.ts',
        ready: { http: '/feedback' },
      });
      try {
        return await this.measure(server, "(c') plain feedback", { path: '/feedback', host: councilHost }, 1);
      } finally {
        await server.stop();
      }
    })();
    return this.#plainFeedback;
  }

  /** One autocannon run in its own process, pinned to the load core. */
  async load(port: number, options: LoadOptions): Promise<LoadResult> {
    const spec: LoadSpec = {
      url: `http://127.0.0.1:${port}${options.path}`,
      connections: options.connections ?? this.settings.connections,
      duration: options.duration ?? this.settings.duration,
      headers: { host: options.host, ...options.headers },
      ...(options.method ? { method: options.method } : {}),
      ...(options.body !== undefined ? { body: options.body } : {}),
      ...(options.varyClientAddress ? { varyClientAddress: true } : {}),
    };
    const script = path.join(repoRoot, 'bench/load.ts');
    const args = [script, JSON.stringify(spec)];
    const [command, argv] = this.pinning
      ? ['taskset', ['-c', this.pinning.load, process.execPath, ...args]]
      : [process.execPath, args];
    const child = spawn(command, argv, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), (spec.duration + 30) * 1000);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearTimeout(killer);
    const line = stdout.trim().split('\n').pop();
    if (code !== 0 || !line) throw new Error(`load generator failed (code ${code}): ${stderr.slice(-2000)}`);
    return JSON.parse(line) as LoadResult;
  }

  /**
   * Waits (up to BENCH_QUIET_WAIT seconds, 30 by default) until the machine is nearly idle
   * before a measurement: on a shared machine other people's tests would otherwise take
   * the server's core.
   */
  async waitForQuiet(label: string): Promise<void> {
    const deadline = performance.now() + envNumber('BENCH_QUIET_WAIT', 30) * 1000;
    let logged = false;
    for (;;) {
      const before = machineBusySeconds();
      await sleep(1000);
      const after = machineBusySeconds();
      if (before === undefined || after === undefined) return;
      const busy = after - before;
      if (busy < 0.25) return;
      if (performance.now() > deadline) {
        this.log(`${label}: the machine is still busy (${busy.toFixed(2)} cores); measuring anyway`);
        return;
      }
      if (!logged) this.log(`${label}: waiting for the machine to be quiet (${busy.toFixed(2)} cores busy)`);
      logged = true;
    }
  }

  /** A warm-up run, then `runs` measured runs; medians of requests per second and p99. */
  async measure(
    server: Server,
    label: string,
    options: LoadOptions,
    runs = this.settings.runs,
  ): Promise<Measurement> {
    const { warmup } = this.settings;
    await this.waitForQuiet(label);
    this.log(`${label}: warm-up ${warmup} s on ${server.name} ${options.path}`);
    const warm = await this.load(server.port, { ...options, duration: warmup });
    server.assertRunning(label);
    if (warm.non2xx || warm.errors)
      throw new Error(`${label}: warm-up had ${warm.non2xx} non-2xx answers and ${warm.errors} errors`);
    const results: LoadResult[] = [];
    const rss: number[] = [];
    const serverCpu: number[] = [];
    const otherCpu: number[] = [];
    for (let i = 0; i < runs; i++) {
      const sampler = setInterval(() => {
        const value = server.rss();
        if (value) rss.push(value);
      }, 250);
      const cpuBefore = cpuSecondsOf(server.pid);
      const busyBefore = machineBusySeconds();
      try {
        results.push(await this.load(server.port, options));
      } finally {
        clearInterval(sampler);
      }
      const cpuAfter = cpuSecondsOf(server.pid);
      const busyAfter = machineBusySeconds();
      const last = results.at(-1)!;
      server.assertRunning(label);
      // A healthy server gives no connection errors: a figure with them would mislead.
      if (last.errors || last.timeouts)
        throw new Error(`${label}: run ${i + 1} had ${last.errors} errors and ${last.timeouts} timeouts`);
      // The server idles while the load generator starts, so its CPU is counted over the load's seconds.
      if (cpuBefore !== undefined && cpuAfter !== undefined) {
        const serverCores = (cpuAfter - cpuBefore) / last.seconds;
        serverCpu.push(serverCores);
        // Whatever else the machine did meanwhile (other people's tests, say) competes with both.
        if (busyBefore !== undefined && busyAfter !== undefined)
          otherCpu.push(Math.max(0, (busyAfter - busyBefore) / last.seconds - serverCores - last.cpu));
      }
      this.log(
        `${label}: run ${i + 1}/${runs}: ${Math.round(last.rps)} req/s, p99 ${last.p99} ms, non-2xx ${last.non2xx}, errors ${last.errors}, load cpu ${last.cpu.toFixed(2)}`,
      );
    }
    return {
      rps: median(results.map((r) => r.rps)),
      p99: median(results.map((r) => r.p99)),
      p50: median(results.map((r) => r.p50)),
      runs: results,
      non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
      errors: results.reduce((sum, r) => sum + r.errors, 0),
      rssLoadMedian: median(rss),
      rssLoadMax: Math.max(...rss),
      serverCpu: median(serverCpu),
      loadCpu: median(results.map((r) => r.cpu)),
      otherCpu: otherCpu.length ? median(otherCpu) : 0,
      bytesPerResponse: median(results.map((r) => r.bytesPerResponse)),
    };
  }

  /** Median RSS over a second of idling. */
  async idleRss(server: Server): Promise<number> {
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      const value = server.rss();
      if (value) samples.push(value);
      await sleep(200);
    }
    return median(samples);
  }

  async cleanup(): Promise<void> {
    await Promise.all([...this.#servers].map((s) => s.stop()));
    rmSync(this.#tmp, { recursive: true, force: true });
  }
}

// Formatting for the result table.
export const fmt = {
  rps: (n: number) => `${Math.round(n).toLocaleString('en-GB')} req/s`,
  ms: (n: number) => `${n < 10 ? n.toFixed(1) : Math.round(n).toLocaleString('en-GB')} ms`,
  mb: (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`,
  ratio: (n: number) => (n < 0.1 ? n.toFixed(3) : n.toFixed(2)),
};

export function verdict(met: boolean): string {
  return met ? 'meets aim' : 'below aim';
}

/** Busy other processes make figures noisy; autocannon near a whole core set the pace itself. */
function cpuNote(m: Measurement): string {
  const notes: string[] = [];
  if (m.loadCpu >= 0.9) notes.push('load generator saturated: throughput is a lower bound');
  if (m.otherCpu >= 0.2) notes.push('other work on the machine: noisy');
  return notes.join('; ');
}

/** Rows for one load measurement: throughput and p99, with a ratio against a reference. */
export function recordMeasurement(
  h: Harness,
  suite: string,
  label: string,
  m: Measurement,
  reference?: { name: string; m: Measurement; aim?: number; expected?: [number, number] },
): void {
  const ratio = reference ? m.rps / reference.m.rps : undefined;
  let aim: string | undefined;
  let judged: string | undefined;
  if (reference?.aim !== undefined && ratio !== undefined) {
    aim = `≥ ${reference.aim} of ${reference.name}`;
    judged = verdict(ratio >= reference.aim);
  } else if (reference?.expected && ratio !== undefined) {
    const [low, high] = reference.expected;
    aim = `expected ${low}–${high} of ${reference.name}`;
    judged = ratio >= low && ratio <= high ? 'as expected' : 'outside expected';
  }
  h.record({
    suite,
    figure: `${label}: throughput`,
    value: fmt.rps(m.rps),
    ...(ratio !== undefined && reference ? { ratio: `${fmt.ratio(ratio)} of ${reference.name}` } : {}),
    ...(aim ? { aim } : {}),
    ...(judged ? { verdict: judged } : {}),
  });
  h.record({
    suite,
    figure: `${label}: p99 latency`,
    value: fmt.ms(m.p99),
    ...(reference ? { ratio: `${fmt.ratio(m.p99 / reference.m.p99)}× ${reference.name}` } : {}),
  });
  h.record({
    suite,
    figure: `${label}: cores server / load gen / other`,
    value: `${m.serverCpu.toFixed(2)} / ${m.loadCpu.toFixed(2)} / ${m.otherCpu.toFixed(2)}`,
    ...(cpuNote(m) ? { ratio: cpuNote(m) } : {}),
  });
}
