import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createHttpClient, type OutboundErrorReason, OutboundRequestError } from './http-client.ts';

interface Seen {
  method: string;
  url: string;
  host: string | undefined;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let server: http.Server;
let port: number;
let connections = 0;
const seen: Seen[] = [];

/** A local server on 127.0.0.1 only: these tests never send traffic anywhere else. */
before(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        host: req.headers.host,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      const url = new URL(req.url ?? '/', 'http://x');
      switch (url.pathname) {
        case '/json':
          res.setHeader('content-type', 'application/json');
          res.setHeader('set-cookie', ['a=1', 'b=2']);
          res.end(JSON.stringify({ ok: true, host: req.headers.host }));
          return;
        case '/big': {
          const size = Number(url.searchParams.get('size'));
          if (url.searchParams.get('chunked')) {
            // No content-length: the cap has to be enforced while reading.
            const piece = Buffer.alloc(64 * 1024, 'a');
            let sent = 0;
            const write = () => {
              while (sent < size) {
                sent += piece.length;
                if (!res.write(piece)) return void res.once('drain', write);
              }
              res.end();
            };
            write();
          } else {
            res.setHeader('content-length', size);
            res.end(Buffer.alloc(size, 'a'));
          }
          return;
        }
        case '/slow':
          setTimeout(() => res.end('late'), 2000).unref();
          return;
        case '/trickle':
          res.write('a');
          setTimeout(() => res.end('b'), 2000).unref();
          return;
        case '/redirect': {
          const to = url.searchParams.get('to') ?? '/json';
          res.statusCode = Number(url.searchParams.get('status') ?? 302);
          res.setHeader('location', to);
          res.end();
          return;
        }
        case '/loop':
          res.statusCode = 302;
          res.setHeader('location', '/loop');
          res.end();
          return;
        default:
          res.end(`${req.method} ${req.url}`);
      }
    });
  });
  server.on('connection', () => {
    connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

async function refused(promise: Promise<unknown>, reason: OutboundErrorReason, pattern?: RegExp) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof OutboundRequestError, String(error));
    assert.equal(error.reason, reason, error.message);
    if (pattern) assert.match(error.message, pattern);
    return true;
  });
}

describe('outbound HTTP client', () => {
  test('demo mode sends *.localhost to 127.0.0.1 with the original Host header', async () => {
    const client = createHttpClient({ demo: true, allowPrivate: [] });
    const response = await client.request(`http://northshire.localhost:${port}/json`);
    assert.equal(response.status, 200);
    assert.deepEqual(response.json(), { ok: true, host: `northshire.localhost:${port}` });
    assert.equal(seen.at(-1)?.host, `northshire.localhost:${port}`);
    assert.equal(response.url, `http://northshire.localhost:${port}/json`);
    assert.match(String(response.headers['content-type']), /json/);
    assert.match(String(seen.at(-1)?.headers['user-agent']), /Doorstep/);

    const plain = await client.request(`http://localhost:${port}/x`);
    assert.equal(plain.text(), 'GET /x');
    assert.equal(seen.at(-1)?.host, `localhost:${port}`);
  });

  test('sends a method, headers and a body', async () => {
    const client = createHttpClient({ demo: true, allowPrivate: [], userAgent: 'Test/1' });
    const response = await client.request(`http://riverford.localhost:${port}/hook`, {
      method: 'post',
      headers: { 'content-type': 'application/json', 'Doorstep-Event': 'case.created', host: 'evil.example' },
      body: '{"a":1}',
    });
    assert.equal(response.text(), 'POST /hook');
    const last = seen.at(-1)!;
    assert.equal(last.body, '{"a":1}');
    assert.equal(last.headers['content-length'], '7');
    assert.equal(last.headers['doorstep-event'], 'case.created');
    assert.equal(last.headers['user-agent'], 'Test/1');
    // The URL decides the Host header, not the caller.
    assert.equal(last.host, `riverford.localhost:${port}`);
  });

  test('outside demo mode refuses loopback and private addresses before connecting', async () => {
    const client = createHttpClient({ demo: false, allowPrivate: [] });
    const before = connections;
    const cases: [string, RegExp][] = [
      [`http://127.0.0.1:${port}/`, /127\.0\.0\.1.*loopback/],
      [`http://localhost:${port}/`, /localhost.*loopback/],
      [`http://northshire.localhost:${port}/`, /northshire\.localhost.*loopback/],
      [`http://[::1]:${port}/`, /\[::1\].*loopback/],
      [`http://[::ffff:127.0.0.1]:${port}/`, /loopback \(embedded in IPv6\)/],
      [`http://2130706433:${port}/`, /loopback/], // 127.0.0.1 written as a number
      ['http://10.0.0.1/', /10\.0\.0\.1.*private/],
      ['http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254.*link-local/],
      ['http://100.64.0.1/', /CGNAT/],
      ['http://[fd00::1]/', /unique-local/],
      ['http://[fe80::1]/', /link-local/],
      ['http://0.0.0.0/', /unspecified/],
      ['https://192.168.0.1/', /private/],
    ];
    for (const [url, pattern] of cases) {
      await refused(client.request(url), 'blocked-address', pattern);
    }
    await refused(client.fetch(`http://127.0.0.1:${port}/`), 'blocked-address');
    assert.equal(connections, before, 'no connection was made');
  });

  test('checks what the name resolves to, and connects only to the address it checked', async () => {
    const asked: string[] = [];
    const fakeDns = (answers: Record<string, string[]>) => async (hostname: string) => {
      asked.push(hostname);
      const list = answers[hostname];
      if (!list) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      return list.map((address) => ({
        address,
        family: address.includes(':') ? (6 as const) : (4 as const),
      }));
    };
    const resolveHost = fakeDns({
      'internal.example.org': ['10.1.2.3'],
      'mixed.example.org': ['93.184.215.14', '127.0.0.1'],
      'rebind.example.org': ['127.0.0.1'],
    });
    const strict = createHttpClient({ demo: false, allowPrivate: [], resolveHost });
    await refused(
      strict.request('http://internal.example.org/'),
      'blocked-address',
      /internal\.example\.org.*10\.1\.2\.3/,
    );
    // One bad address is enough: the socket could pick any of them.
    await refused(strict.request('https://mixed.example.org/'), 'blocked-address', /127\.0\.0\.1/);
    await refused(strict.request('http://nowhere.example.org/'), 'dns', /nowhere\.example\.org.*ENOTFOUND/);

    // Allowed by name: the connection goes to the checked answer (no second lookup that
    // could be rebound), and the Host header keeps the name.
    const allowing = createHttpClient({ demo: false, allowPrivate: ['Rebind.Example.Org.'], resolveHost });
    asked.length = 0;
    const response = await allowing.request(`http://rebind.example.org:${port}/json`);
    assert.equal(response.status, 200);
    assert.equal(seen.at(-1)?.host, `rebind.example.org:${port}`);
    assert.deepEqual(asked, ['rebind.example.org']);
    await refused(allowing.request('http://internal.example.org/'), 'blocked-address');
  });

  test('allowPrivate lets named hosts, or every host with *, reach private addresses', async () => {
    const named = createHttpClient({ demo: false, allowPrivate: ['127.0.0.1', 'northshire.localhost'] });
    assert.equal((await named.request(`http://127.0.0.1:${port}/a`)).text(), 'GET /a');
    assert.equal((await named.request(`http://northshire.localhost:${port}/b`)).text(), 'GET /b');
    assert.equal(seen.at(-1)?.host, `northshire.localhost:${port}`);
    await refused(named.request(`http://localhost:${port}/`), 'blocked-address');

    const v6 = createHttpClient({ demo: false, allowPrivate: ['::1'] });
    await refused(v6.request(`http://[::ffff:127.0.0.1]:${port}/`), 'blocked-address');

    const all = createHttpClient({ demo: false, allowPrivate: ['*'] });
    assert.equal((await all.request(`http://127.0.0.1:${port}/c`)).text(), 'GET /c');
    assert.equal((await all.request(`http://localhost:${port}/d`)).text(), 'GET /d');
  });

  test('only http and https, no credentials in URLs, and invalid URLs are refused', async () => {
    const client = createHttpClient({ demo: true, allowPrivate: [] });
    await refused(client.request('ftp://northshire.localhost/x'), 'unsupported-protocol', /ftp:/);
    await refused(client.request('file:///etc/passwd'), 'unsupported-protocol');
    await refused(client.request('not a url'), 'invalid-url');
    await refused(
      client.request(`http://user:pass@northshire.localhost:${port}/`),
      'invalid-url',
      /credentials/,
    );
  });

  test('times out a silent server, and a slow body, as a whole', async () => {
    const client = createHttpClient({ demo: true, allowPrivate: [], timeoutMs: 5000 });
    let started = Date.now();
    await refused(
      client.request(`http://northshire.localhost:${port}/slow`, { timeoutMs: 200 }),
      'timeout',
      /200 ms/,
    );
    assert.ok(Date.now() - started < 1500);
    started = Date.now();
    const quick = createHttpClient({ demo: true, allowPrivate: [], timeoutMs: 200 });
    await refused(quick.request(`http://northshire.localhost:${port}/trickle`), 'timeout');
    assert.ok(Date.now() - started < 1500);
  });

  test('an abort signal stops the request', async () => {
    const client = createHttpClient({ demo: true, allowPrivate: [] });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await refused(
      client.request(`http://northshire.localhost:${port}/slow`, { signal: controller.signal }),
      'aborted',
    );
    await refused(
      client.request(`http://northshire.localhost:${port}/x`, { signal: AbortSignal.abort() }),
      'aborted',
    );
  });

  test('caps the response size, declared or not', async () => {
    const client = createHttpClient({ demo: true, allowPrivate: [], maxResponseBytes: 100_000 });
    const ok = await client.request(`http://northshire.localhost:${port}/big?size=100000`);
    assert.equal(ok.body.length, 100_000);
    await refused(
      client.request(`http://northshire.localhost:${port}/big?size=100001`),
      'too-large',
      /100000 bytes/,
    );
    await refused(
      client.request(`http://northshire.localhost:${port}/big?size=1000000&chunked=1`),
      'too-large',
    );
    // The default cap is 5 MiB.
    const defaults = createHttpClient({ demo: true, allowPrivate: [] });
    await refused(
      defaults.request(`http://northshire.localhost:${port}/big?size=${5 * 1024 * 1024 + 1}`),
      'too-large',
    );
    const roomy = await defaults.request(`http://northshire.localhost:${port}/big?size=${5 * 1024 * 1024}`);
    assert.equal(roomy.body.length, 5 * 1024 * 1024);
  });

  test('does not follow redirects unless asked, and re-checks every hop', async () => {
    const base = `http://northshire.localhost:${port}`;
    const demo = createHttpClient({ demo: true, allowPrivate: [] });
    const unfollowed = await demo.request(`${base}/redirect?to=/json`);
    assert.equal(unfollowed.status, 302);
    assert.equal(unfollowed.headers.location, '/json');

    const followed = await demo.request(`${base}/redirect?to=/json`, { maxRedirects: 1 });
    assert.equal(followed.status, 200);
    assert.equal(followed.url, `${base}/json`);
    await refused(demo.request(`${base}/loop`, { maxRedirects: 3 }), 'too-many-redirects', /3 redirects/);
    await refused(
      demo.request(`${base}/redirect?to=${encodeURIComponent('file:///etc/passwd')}`, { maxRedirects: 1 }),
      'unsupported-protocol',
    );

    // 303 turns a POST into a GET without its body; 307 keeps both.
    await demo.request(`${base}/redirect?status=303&to=/after`, {
      method: 'POST',
      body: 'x=1',
      maxRedirects: 1,
    });
    assert.equal(seen.at(-1)?.method, 'GET');
    assert.equal(seen.at(-1)?.body, '');
    await demo.request(`${base}/redirect?status=307&to=/after`, {
      method: 'POST',
      body: 'x=1',
      maxRedirects: 1,
    });
    assert.equal(seen.at(-1)?.method, 'POST');
    assert.equal(seen.at(-1)?.body, 'x=1');

    // Credentials are not passed on to another origin.
    const other = `http://riverford.localhost:${port}/json`;
    await demo.request(`${base}/redirect?to=${encodeURIComponent(other)}`, {
      headers: { authorization: 'Bearer secret' },
      maxRedirects: 1,
    });
    assert.equal(seen.at(-1)?.host, `riverford.localhost:${port}`);
    assert.equal(seen.at(-1)?.headers.authorization, undefined);

    // Outside demo mode an allowed host cannot redirect to one that is not.
    const strict = createHttpClient({ demo: false, allowPrivate: ['northshire.localhost'] });
    const before = seen.length;
    await refused(
      strict.request(`${base}/redirect?to=${encodeURIComponent('http://169.254.169.254/latest/')}`, {
        maxRedirects: 2,
      }),
      'blocked-address',
      /169\.254\.169\.254/,
    );
    await refused(
      strict.request(`${base}/redirect?to=${encodeURIComponent(other)}`, { maxRedirects: 2 }),
      'blocked-address',
    );
    assert.equal(seen.length, before + 2, 'only the first hops reached the server');
  });

  test('fetch follows the same rules and returns a Response', async () => {
    const client = createHttpClient({ demo: true, allowPrivate: [] });
    const response = await client.fetch(`http://northshire.localhost:${port}/json`);
    assert.ok(response instanceof Response);
    assert.equal(response.status, 200);
    assert.equal(response.url, `http://northshire.localhost:${port}/json`);
    assert.deepEqual(await response.json(), { ok: true, host: `northshire.localhost:${port}` });
    assert.deepEqual(response.headers.getSetCookie(), ['a=1', 'b=2']);

    await client.fetch(new URL(`http://northshire.localhost:${port}/token`), {
      method: 'POST',
      headers: { accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    const last = seen.at(-1)!;
    assert.equal(last.body, 'grant_type=client_credentials');
    assert.match(String(last.headers['content-type']), /application\/x-www-form-urlencoded/);
    assert.equal(last.host, `northshire.localhost:${port}`);

    const followed = await client.fetch(`http://northshire.localhost:${port}/redirect?to=/json`);
    assert.equal(followed.status, 200);
    assert.equal(followed.url, `http://northshire.localhost:${port}/json`);
    const manual = await client.fetch(`http://northshire.localhost:${port}/redirect?to=/json`, {
      redirect: 'manual',
    });
    assert.equal(manual.status, 302);
    await refused(
      client.fetch(`http://northshire.localhost:${port}/redirect?to=/json`, { redirect: 'error' }),
      'redirect',
    );
    await refused(client.fetch(`http://northshire.localhost:${port}/loop`), 'too-many-redirects');

    const empty = await client.fetch(`http://northshire.localhost:${port}/x`, { method: 'HEAD' });
    assert.equal(empty.status, 200);
    assert.equal(await empty.text(), '');

    const strict = createHttpClient({ demo: false, allowPrivate: [] });
    await refused(strict.fetch('http://169.254.169.254/'), 'blocked-address');
  });
});
