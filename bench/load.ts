/**
 * The load generator, run by the harness in its own process (pinned to its own core):
 * `node bench/load.ts '<json spec>'` runs autocannon once and prints one JSON line.
 * autocannon writes a custom `host` header instead of its own (lib/httpRequestBuilder.js),
 * so a council's pages are reached on 127.0.0.1 with that council's Host.
 */
import { createRequire } from 'node:module';

export interface LoadSpec {
  url: string;
  connections: number;
  /** Seconds. */
  duration: number;
  headers: Record<string, string>;
  method?: string;
  body?: string;
  /** A new X-Forwarded-For per request: each one a guest of its own, so per-address limits hold. */
  varyClientAddress?: boolean;
}

export interface LoadResult {
  rps: number;
  /** Milliseconds. */
  p50: number;
  p99: number;
  requests: number;
  /** How long the load ran, in seconds. */
  seconds: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  bytesPerResponse: number;
  /** The share of one core the load generator used: near 1 means it, not the server, was the limit. */
  cpu: number;
}

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  throughput: { total: number };
  non2xx: number;
  '4xx': number;
  '5xx': number;
  errors: number;
  timeouts: number;
  duration: number;
}

type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;

const require = createRequire(import.meta.url);

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const autocannon = require('autocannon') as Autocannon;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.duration,
    headers: spec.headers,
    ...(spec.method ? { method: spec.method } : {}),
    ...(spec.body !== undefined ? { body: spec.body } : {}),
    ...(spec.varyClientAddress
      ? {
          requests: [
            {
              setupRequest: (request: { headers: Record<string, string> }) => {
                const n = Math.floor(Math.random() * 2 ** 24);
                request.headers['x-forwarded-for'] = `10.${n >> 16}.${(n >> 8) & 255}.${n & 255}`;
                return request;
              },
            },
          ],
        }
      : {}),
    pipelining: 1,
    timeout: 10,
  });
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const total = result.requests.total;
  return {
    rps: total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: total,
    seconds: result.duration,
    // A form POST answers 303 (post/redirect/get): only 4xx and 5xx are failures here.
    non2xx: spec.method === 'POST' ? result['4xx'] + result['5xx'] : result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    bytesPerResponse: total ? Math.round(result.throughput.total / total) : 0,
    cpu: (cpu.user + cpu.system) / 1e6 / elapsed,
  };
}

if (import.meta.main) {
  const spec = JSON.parse(process.argv[2] ?? '') as LoadSpec;
  const result = await runLoad(spec);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
