/**
 * The guest journey load generator, run by the harness in its own process (pinned to its
 * own core): `node bench/journey.ts '<json spec>'` runs virtual guests through "book a
 * bulky waste collection" (five question pages, check your answers, send, confirmation),
 * each GET and POST with its cookie and CSRF token as a browser sends them, for a fixed
 * time, and prints one JSON line: journeys per second and p50/p99 per step.
 */
import http from 'node:http';

export interface JourneySpec {
  port: number;
  host: string;
  guests: number;
  /** Seconds. */
  duration: number;
}

export interface JourneyResult {
  journeys: number;
  journeysPerSecond: number;
  seconds: number;
  failures: number;
  firstFailure?: string;
  steps: { step: string; p50: number; p99: number; count: number }[];
  cpu: number;
}

const form = '/forms/bulky-waste';
const pages: [string, Record<string, string>][] = [
  [
    'address',
    { 'address-line1': '1 High Street', 'address-town': 'Riverford', 'address-postcode': 'RF1 1AA' },
  ],
  ['items', { items: 'sofa' }],
  ['where', { itemsLocation: 'front-garden' }],
  ['phone', { phone: '' }],
  ['email', { email: 'bench@example.com' }],
];

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

interface Reply {
  status: number;
  location?: string;
  body: string;
  setCookie: string[];
}

function send(spec: JourneySpec, method: string, path: string, cookie: string, guest: number, body?: string) {
  return new Promise<Reply>((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: spec.port,
        path,
        method,
        agent,
        headers: {
          host: spec.host,
          // Each virtual guest is its own address, as real guests are, so the per-address
          // limit on public posts (and its database counter) is exercised, not tripped.
          'x-forwarded-for': `10.${(guest >> 16) & 255}.${(guest >> 8) & 255}.${guest & 255}`,
          ...(cookie ? { cookie } : {}),
          ...(body !== undefined
            ? {
                'content-type': 'application/x-www-form-urlencoded',
                'content-length': Buffer.byteLength(body),
              }
            : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            location: res.headers.location,
            body: Buffer.concat(chunks).toString('utf8'),
            setCookie: res.headers['set-cookie'] ?? [],
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function runJourneys(spec: JourneySpec): Promise<JourneyResult> {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + spec.duration * 1000;
  const timings = new Map<string, number[]>();
  let journeys = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  let guestCounter = 0;

  const time = async (step: string, fn: () => Promise<Reply>, expect: number) => {
    const t0 = performance.now();
    const reply = await fn();
    const ms = performance.now() - t0;
    if (reply.status !== expect) throw new Error(`${step}: ${reply.status} (expected ${expect})`);
    const list = timings.get(step) ?? [];
    list.push(ms);
    timings.set(step, list);
    return reply;
  };

  const guest = async () => {
    while (performance.now() < deadline) {
      const id = ++guestCounter;
      let cookie = '';
      const keep = (r: Reply) => {
        for (const line of r.setCookie) {
          const pair = line.split(';')[0]!;
          const name = pair.split('=')[0]!;
          cookie = [...cookie.split('; ').filter((c) => c && !c.startsWith(`${name}=`)), pair].join('; ');
        }
        return r;
      };
      try {
        for (const [page, fields] of pages) {
          const shown = keep(
            await time(`GET ${page}`, () => send(spec, 'GET', `${form}/${page}`, cookie, id), 200),
          );
          const csrf = /name="_csrf" value="([^"]+)"/.exec(shown.body)?.[1] ?? '';
          const body = new URLSearchParams({ _csrf: csrf, ...fields }).toString();
          keep(
            await time(`POST ${page}`, () => send(spec, 'POST', `${form}/${page}`, cookie, id, body), 303),
          );
        }
        const check = keep(
          await time('GET check', () => send(spec, 'GET', `${form}/check`, cookie, id), 200),
        );
        const csrf = /name="_csrf" value="([^"]+)"/.exec(check.body)?.[1] ?? '';
        keep(
          await time(
            'POST submit',
            () =>
              send(
                spec,
                'POST',
                `${form}/submit`,
                cookie,
                id,
                new URLSearchParams({ _csrf: csrf }).toString(),
              ),
            303,
          ),
        );
        const done = await time('GET done', () => send(spec, 'GET', `${form}/done`, cookie, id), 200);
        if (!/class="app-reference">[A-Z]{2}-/.test(done.body))
          throw new Error('no reference on the confirmation');
        journeys++;
      } catch (error) {
        failures++;
        firstFailure ??= (error as Error).message;
      }
    }
  };

  await Promise.all(Array.from({ length: spec.guests }, guest));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    journeys,
    journeysPerSecond: journeys / seconds,
    seconds,
    failures,
    ...(firstFailure ? { firstFailure } : {}),
    steps: [...timings].map(([step, list]) => {
      const sorted = [...list].sort((a, b) => a - b);
      return { step, p50: percentile(sorted, 50), p99: percentile(sorted, 99), count: list.length };
    }),
    cpu: (cpu.user + cpu.system) / 1e6 / seconds,
  };
}

if (import.meta.main) {
  const spec = JSON.parse(process.argv[2] ?? '{}') as JourneySpec;
  const result = await runJourneys(spec);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  agent.destroy();
}
