import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { northshire, riverford, type TestApp, testApp } from '../test/support/app.ts';

let t: TestApp;
before(async () => {
  t = await testApp();
});
after(() => t.close());

describe('councils on one deployment', () => {
  it('serve each council its own name, colours and logo', async () => {
    const ns = await t.app.inject({ url: '/', headers: northshire });
    const rf = await t.app.inject({ url: '/', headers: riverford });
    assert.equal(ns.statusCode, 200);
    assert.match(ns.body, /Northshire County Council/);
    assert.doesNotMatch(ns.body, /Riverford District Council/);
    assert.match(rf.body, /Riverford District Council/);

    const nsCss = await t.app.inject({ url: '/brand.css', headers: northshire });
    const rfCss = await t.app.inject({ url: '/brand.css', headers: riverford });
    assert.match(nsCss.body, /--govuk-brand-colour:#00594f/);
    assert.match(rfCss.body, /--govuk-brand-colour:#5c2483/);
    const logo = await t.app.inject({ url: '/logo.svg', headers: { host: 'riverford.localhost:3000' } });
    assert.equal(logo.headers['content-type'], 'image/svg+xml');
    assert.match(logo.body, /Riverford District Council/);
  });

  it('never show the crown or the GOV.UK font', async () => {
    const page = await t.app.inject({ url: '/', headers: northshire });
    assert.doesNotMatch(page.body, /govuk-logo|crown|GOV\.UK/i);
    const css = /href="(\/assets\/doorstep\.css[^"]*)"/.exec(page.body)?.[1];
    assert.ok(css);
    const sheet = await t.app.inject({ url: css });
    assert.equal(sheet.statusCode, 200);
    assert.doesNotMatch(sheet.body, /GDS Transport|@font-face/);
  });

  it('fall back to the default council for unknown hosts in demo mode only', async () => {
    const demo = await t.app.inject({ url: '/', headers: { host: '127.0.0.1:3000' } });
    assert.match(demo.body, /Northshire County Council/);

    const live = await testApp({ DOORSTEP_DEMO: '0', SESSION_SECRET: 'z'.repeat(32) });
    try {
      const unknown = await live.app.inject({ url: '/', headers: { host: 'elsewhere.example' } });
      assert.equal(unknown.statusCode, 404);
      assert.match(unknown.body, /not served by any council/);
      const known = await live.app.inject({ url: '/', headers: riverford });
      assert.equal(known.statusCode, 200);
      const mailbox = await live.app.inject({ url: '/dev/mail.json', headers: riverford });
      assert.equal(mailbox.statusCode, 404, 'the dev mailbox exists in demo mode only');
    } finally {
      await live.close();
    }
  });
});

describe('language', () => {
  it('switches with ?lang=, remembers it and shows the same page', async () => {
    const switched = await t.app.inject({ url: '/cookies?lang=cy', headers: northshire });
    assert.equal(switched.statusCode, 303);
    assert.equal(switched.headers.location, '/cookies');
    const cookie = switched.cookies.find((c) => c.name === 'lang');
    assert.equal(cookie?.value, 'cy');
    assert.equal(cookie?.httpOnly, true);

    const page = await t.app.inject({ url: '/cookies', headers: { ...northshire, cookie: 'lang=cy' } });
    assert.match(page.body, /<html lang="cy"/);
    assert.match(page.body, /<h1 class="govuk-heading-l">Cwcis<\/h1>/);
    assert.match(page.body, /Cyngor Sir Northshire/);
    assert.match(page.body, /href="\/cookies\?lang=en"[^>]*lang="en"/);
  });

  it('follows Accept-Language when nothing was chosen', async () => {
    const page = await t.app.inject({
      url: '/privacy',
      headers: { ...northshire, 'accept-language': 'cy-GB,cy;q=0.9' },
    });
    assert.match(page.body, /<html lang="cy"/);
    assert.equal(page.headers['content-language'], 'cy');
  });
});

describe('security headers', () => {
  it('send a strict CSP with no inline script or style allowed', async () => {
    const page = await t.app.inject({ url: '/', headers: northshire });
    const csp = String(page.headers['content-security-policy']);
    assert.match(csp, /script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.match(csp, /style-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(page.body, /\sstyle="/, 'no inline style attributes');
    const scripts = [...page.body.matchAll(/<script([^>]*)>([^<]*)<\/script>/g)];
    const inline = scripts.filter((s) => !/\ssrc=/.test(s[1]!));
    assert.equal(inline.length, 1, 'only the template’s own inline script');
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
  });

  it('allow map tiles only from the configured tile server', async () => {
    const withTiles = await testApp({ MAP_TILE_URL: 'https://tiles.example.org/{z}/{x}/{y}.png' });
    try {
      const page = await withTiles.app.inject({ url: '/', headers: northshire });
      assert.match(
        String(page.headers['content-security-policy']),
        /img-src 'self' data: https:\/\/tiles\.example\.org/,
      );
    } finally {
      await withTiles.close();
    }
    const page = await t.app.inject({ url: '/', headers: northshire });
    assert.doesNotMatch(String(page.headers['content-security-policy']), /tiles/);
  });
});

describe('errors', () => {
  it('show a GOV.UK-style 404 page in the council’s branding and language', async () => {
    const page = await t.app.inject({ url: '/no-such-page', headers: { ...northshire, cookie: 'lang=cy' } });
    assert.equal(page.statusCode, 404);
    assert.match(page.body, /Heb ddod o hyd i’r dudalen/);
    assert.match(page.body, /Cyngor Sir Northshire/);
  });

  it('answer API paths with problem+json', async () => {
    const res = await t.app.inject({ url: '/api/v1/nothing', headers: northshire });
    assert.equal(res.statusCode, 404);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    assert.equal(res.json().status, 404);
  });
});

describe('operations', () => {
  it('answer health, readiness and metrics', async () => {
    assert.equal((await t.app.inject({ url: '/healthz' })).json().status, 'ok');
    const ready = await t.app.inject({ url: '/readyz' });
    assert.deepEqual(ready.json(), { status: 'ok', database: 'ok' });
    await t.app.inject({ url: '/', headers: riverford });
    const metrics = await t.app.inject({ url: '/metrics' });
    assert.match(metrics.body, /doorstep_http_request_duration_seconds_bucket\{[^}]*route="\/"/);
    assert.match(metrics.body, /doorstep_jobs_waiting \d+/);
    assert.match(metrics.body, /doorstep_jobs_dead \d+/);
  });
});

describe('an unexpected failure', () => {
  it('shows a safe page with no stack, and logs the error', async () => {
    const { testDatabase, seedTenants } = await import('../test/support/database.ts');
    const { buildApp } = await import('./app.ts');
    const { loadConfig } = await import('./config.ts');
    const { db, close } = await testDatabase();
    await seedTenants(db);
    const app = await buildApp({
      config: loadConfig({ LOG_LEVEL: 'silent' }),
      db,
      sessionSecret: 'x'.repeat(32),
    });
    app.get('/boom', async () => {
      throw new Error('secret internals at /srv/doorstep/src/thing.ts:12');
    });
    try {
      const page = await app.inject({ url: '/boom', headers: northshire });
      assert.equal(page.statusCode, 500);
      assert.match(page.body, /Sorry, there is a problem with the service/);
      assert.doesNotMatch(page.body, /secret internals|thing\.ts/);
      const api = await app.inject({ url: '/boom', headers: { ...northshire, accept: 'application/json' } });
      assert.deepEqual(api.json(), {
        type: 'about:blank',
        title: 'Internal Server Error',
        status: 500,
        instance: '/boom',
      });
    } finally {
      await app.close();
      await close();
    }
  });
});
