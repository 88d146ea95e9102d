// Doorstep as an operator runs it, `node src/main.ts` in a child process, for tests of
// starting, stopping and surviving a kill.
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '../..');

export interface RunningServer {
  child: ChildProcess;
  port: number;
  output: () => string;
}

/**
 * A port nobody is listening on now, chosen by the system: a random one from a fixed range
 * can meet another test run's server on a shared machine.
 */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Starts the server on the embedded database in dataDir and waits for it to say it is ready. */
export async function startServer(
  port: number,
  dataDir: string,
  timeoutMs = 180_000,
): Promise<RunningServer> {
  const child = spawn(process.execPath, ['src/main.ts'], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      DOORSTEP_DATA: dataDir,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  const deadline = Date.now() + timeoutMs;
  while (!out.includes('Doorstep is ready')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      // What it said last may still be in the pipe when it exits.
      await new Promise((r) => setTimeout(r, 200));
      throw new Error(`server did not start (exit ${child.exitCode}):\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, port, output: () => out };
}

/** Sends a signal and waits for the exit: its code and how long it took. */
export async function stopServer(
  server: RunningServer,
  signal: NodeJS.Signals = 'SIGINT',
): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  const exited = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
  server.child.kill(signal);
  const code = await exited;
  return { code, ms: Date.now() - started };
}

export interface HttpReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request to 127.0.0.1 with a council's Host header (Node's fetch will not send one). */
export function httpRequest(
  port: number,
  options: { path: string; host: string; method?: string; headers?: Record<string, string>; body?: string },
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: options.path,
        method: options.method ?? 'GET',
        headers: { host: options.host, ...options.headers },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
