import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, publicOrigin } from './config.ts';

const fails = (env: Record<string, string>, variable: string, pattern: RegExp) => {
  assert.throws(
    () => loadConfig(env, '/srv'),
    (error: unknown) =>
      error instanceof ConfigError && error.variable === variable && pattern.test(error.message),
  );
};

describe('settings', () => {
  it('default to a demo on the embedded database', () => {
    const config = loadConfig({}, '/srv');
    assert.equal(config.port, 3000);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.dataDir, '/srv/data');
    assert.equal(config.demo, true);
    assert.equal(publicOrigin(config, 'riverford'), 'http://riverford.localhost:3000');
  });

  it('leave demo mode off on PostgreSQL unless forced', () => {
    const pg = { DATABASE_URL: 'postgres://u@db/doorstep', SESSION_SECRET: 'x'.repeat(32) };
    assert.equal(loadConfig(pg).demo, false);
    assert.equal(loadConfig({ ...pg, DOORSTEP_DEMO: '1' }).demo, true);
    assert.equal(loadConfig({ DOORSTEP_DEMO: '0', SESSION_SECRET: 'y'.repeat(40) }).demo, false);
  });

  it('name the variable and the problem when a value is bad', () => {
    fails({ PORT: 'abc' }, 'PORT', /whole number, got "abc"/);
    fails({ PORT: '70000' }, 'PORT', /between 0 and 65535/);
    fails({ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL', /postgres/);
    fails({ DOORSTEP_DEMO: 'yes' }, 'DOORSTEP_DEMO', /1 or 0/);
    fails({ DATABASE_URL: 'postgres://db/x' }, 'SESSION_SECRET', /required outside demo mode/);
    fails({ SESSION_SECRET: 'short' }, 'SESSION_SECRET', /at least 32/);
    fails({ PUBLIC_ORIGIN_TEMPLATE: 'https://council.example' }, 'PUBLIC_ORIGIN_TEMPLATE', /\{slug\}/);
    fails({ NOTIFY_API_KEY: 'key' }, 'NOTIFY_TEMPLATE_ID', /required/);
    fails({ DOORSTEP_DEFAULT_TENANT: 'Not A Slug' }, 'DOORSTEP_DEFAULT_TENANT', /slug/);
  });

  it('build public links from the template', () => {
    const config = loadConfig({ PUBLIC_ORIGIN_TEMPLATE: 'https://{slug}.example.gov.uk/' });
    assert.equal(publicOrigin(config, 'northshire'), 'https://northshire.example.gov.uk');
  });
});
