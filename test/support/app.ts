import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { type App, buildApp } from '../../src/app.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import { createWorker } from '../../src/worker.ts';
import { type SeededTenants, seedTenants, testDatabase } from './database.ts';

export interface TestApp {
  app: App;
  tenants: SeededTenants;
  config: Config;
  close(): Promise<void>;
}

export const testSecret = 'test-session-secret-of-at-least-32-characters';

/** The whole app on a fresh database with the demo councils, in demo mode unless told otherwise. */
export async function testApp(
  env: Record<string, string> = {},
  options: { clock?: () => Date } = {},
): Promise<TestApp> {
  const { db, close } = await testDatabase({ seeded: true });
  const tenants = await seedTenants(db);
  const config = loadConfig({
    DOORSTEP_DEMO: '1',
    LOG_LEVEL: 'silent',
    DOORSTEP_DATA: mkdtempSync(path.join(tmpdir(), 'doorstep-test-')),
    ...env,
  });
  const app = await buildApp({ config, db, sessionSecret: testSecret, clock: options.clock });
  await app.ready();
  return {
    app,
    tenants,
    config,
    async close() {
      await app.close();
      await close();
    },
  };
}

export const northshire = { host: 'northshire.localhost' };
export const riverford = { host: 'riverford.localhost' };

/** The cookies a response set, as a Cookie header for the next request. */
export function cookiesFrom(response: { cookies: { name: string; value: string }[] }, previous = ''): string {
  const jar = new Map(
    previous
      .split(/;\s*/)
      .filter(Boolean)
      .map((pair) => pair.split('=') as [string, string]),
  );
  for (const c of response.cookies) jar.set(c.name, c.value);
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
}

export function csrfFrom(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error('no CSRF token on the page');
  return match[1];
}

/**
 * Delivers what the outbox holds, as the worker of a running server would, and returns the
 * council's dev mailbox, newest first.
 */
export async function deliverMail(
  t: TestApp,
  host: { host: string },
): Promise<{ to: string; subject: string; text: string }[]> {
  const worker = createWorker({
    db: t.app.services.db,
    mailer: t.app.services.mailer,
    now: () => new Date(),
    logger: pino({ level: 'silent' }),
    services: t.app.services,
    sessionSecret: testSecret,
  });
  for (let i = 0; i < 100 && (await worker.runDue()) > 0; i++);
  return (await t.app.inject({ url: '/dev/mail.json', headers: host })).json();
}
