/**
 * Open311 in both directions between two Doorsteps over real HTTP on 127.0.0.1: the front
 * (A) pushes new reports to a back office (B, another Doorstep acting as the highways
 * system) and pulls its updates. Either side is restarted along the way; nothing is lost
 * and nothing is sent twice.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { testSecret } from '../../../../test/support/app.ts';
import { testDatabase } from '../../../../test/support/database.ts';
import { type App, buildApp } from '../../../app.ts';
import { loadConfig } from '../../../config.ts';
import type { Database } from '../../../db/database.ts';
import { createHttpClient } from '../../../platform/http-client/http-client.ts';
import { Worker } from '../../../platform/outbox/worker.ts';
import { createReportDeps } from '../routes.ts';
import { createReport } from '../service.ts';
import { findCategory, upsertCategory } from '../store.ts';
import { open311Handlers } from './client.ts';

const config = () =>
  loadConfig({
    DOORSTEP_DEMO: '1',
    LOG_LEVEL: 'silent',
    DOORSTEP_DATA: mkdtempSync(path.join(tmpdir(), 'doorstep-311-')),
  });
const host = { host: 'northshire.localhost' };

let aDb: { db: Database; close(): Promise<void> };
let bDb: { db: Database; close(): Promise<void> };
const aConfig = config();
const bConfig = config();
let a: App;
let b: App | undefined;
let port = 0;
let offsetMs = 0;
const clock = () => new Date(Date.now() + offsetMs);

async function startB() {
  b = await buildApp({ config: bConfig, db: bDb.db, sessionSecret: testSecret });
  await b.listen({ host: '127.0.0.1', port });
  port = (b.server.address() as AddressInfo).port;
}
async function stopB() {
  await b?.close();
  b = undefined;
}
async function startA() {
  a = await buildApp({ config: aConfig, db: aDb.db, sessionSecret: testSecret, clock });
  await a.ready();
}

/** A's worker as a running server has it: mail and Open311 jobs, the outbound client in demo mode. */
function workerOfA() {
  const http = createHttpClient({ demo: true, allowPrivate: [] });
  return new Worker({
    db: aDb.db,
    now: clock,
    // A failed job comes back 30 s later by this clock: the test moves the clock on to retry.
    backoff: { baseMs: 60_000, maxMs: 60_000 },
    random: () => 0.5,
    handlers: { ...a.services.mailer.handlers(), ...open311Handlers({ ...a.services, now: clock }, http) },
  });
}
async function runA() {
  const worker = workerOfA();
  let ran = 0;
  for (let i = 0; i < 20; i++) {
    const n = await worker.runDue();
    ran += n;
    if (!n) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  return ran;
}

const bReports = async () =>
  await bDb.db.query<{ reference: string; external_id: string }>(
    'select reference, external_id from reports where channel = $1',
    ['api'],
  );

before(async () => {
  [aDb, bDb] = await Promise.all([testDatabase({ seeded: true }), testDatabase({ seeded: true })]);
  await startB();
  await startA();
  // Northshire's potholes on A go to B's Northshire, as its back office.
  const tenant = a.services.tenants.bySlug('northshire')!;
  const pothole = (await findCategory(aDb.db, tenant.id, 'pothole'))!;
  await upsertCategory(aDb.db, tenant.id, {
    ...pothole,
    backoffice: {
      url: `http://northshire.localhost:${port}/open311/v2`,
      jurisdiction: 'northshire',
      key: 'demo-northshire-key',
      serviceCode: 'pothole',
    },
  });
});
after(async () => {
  await stopB();
  await a.close();
  await Promise.all([aDb.close(), bDb.close()]);
});

test('push and pull survive a restart of either side, with nothing lost and nothing sent twice', async () => {
  const before = (await bReports()).length;
  // B is down when the report is made: the push fails and waits to be retried.
  await stopB();
  const made = await createReport(createReportDeps(a.services), {
    madeOn: a.services.tenants.bySlug('riverford')!,
    place: { lat: 52.3307, lng: -1.5196, addressText: 'Market Street, Northbridge' },
    category: 'pothole',
    title: 'Pothole by County Hall',
    description: 'Deep and wide',
    name: 'Rhi Porter',
    email: 'rhi@example.com',
    phone: null,
    hideName: false,
    extra: { depth: 'deep' },
    photos: [],
    channel: 'web',
    lang: 'en',
  });
  assert.equal(made.kind, 'created');
  if (made.kind !== 'created') return;
  const tenantId = made.council.id;
  await runA();
  const [job] = await aDb.db.query<{ status: string; last_error: string }>(
    `select status, last_error from jobs where kind = 'open311.push'`,
  );
  assert.equal(job!.status, 'pending');
  assert.ok(job!.last_error);

  // B is back: the retry delivers it once.
  await startB();
  offsetMs += 60_000;
  await runA();
  const pushed = await bReports();
  assert.equal(pushed.length, before + 1);
  const bRef = pushed.find((r) => r.external_id?.endsWith(`:${made.report.reference}`))!.reference;
  const idOnA = async () =>
    (
      await aDb.db.query<{ backoffice_id: string }>(
        'select backoffice_id from reports where tenant_id = $1 and case_id = $2',
        [tenantId, made.report.caseId],
      )
    )[0]!.backoffice_id;
  assert.equal(await idOnA(), bRef);

  // A crash after B answered but before A committed: the push runs again, B finds its request.
  await aDb.db.query('update reports set backoffice_id = null where tenant_id = $1 and case_id = $2', [
    tenantId,
    made.report.caseId,
  ]);
  await aDb.db.query(`insert into jobs (tenant_id, kind, payload) values ($1, 'open311.push', $2)`, [
    tenantId,
    JSON.stringify({ caseId: made.report.caseId }),
  ]);
  await runA();
  assert.equal((await bReports()).length, before + 1, 'not sent twice');
  assert.equal(await idOnA(), bRef);

  // A restarts: nothing is pushed again.
  await a.close();
  await startA();
  offsetMs += 1000;
  await runA();
  assert.equal((await bReports()).length, before + 1);

  // The back office fixes it (its staff post the update through its own Open311).
  const fixed = await b!.inject({
    method: 'POST',
    url: '/open311/v2/servicerequestupdates.json',
    headers: { ...host, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({
      api_key: 'demo-northshire-key',
      service_request_id: bRef,
      update_id: 'crew-7',
      status: 'FIXED',
      updated_datetime: new Date().toISOString(),
      description: 'Filled and sealed',
    }).toString(),
  });
  assert.equal(fixed.statusCode, 200, fixed.body);

  // B is down at the next pull: it fails and is retried; nothing is recorded.
  await stopB();
  offsetMs += 6 * 60_000;
  await runA();
  const updatesOnA = async () =>
    aDb.db.query<{ status: string; description: string }>(
      `select status, description from report_updates where tenant_id = $1 and case_id = $2 and source = 'backoffice'`,
      [tenantId, made.report.caseId],
    );
  assert.equal((await updatesOnA()).length, 0);

  await startB();
  offsetMs += 60_000;
  await runA();
  assert.deepEqual(await updatesOnA(), [{ status: 'completed', description: 'Filled and sealed' }]);

  // More pulls, and a restart of A, and a pull over the same window again: the update stays one.
  offsetMs += 6 * 60_000;
  await runA();
  await a.close();
  await startA();
  await aDb.db.query("update open311_pulls set pulled_to = pulled_to - interval '2 hours'");
  offsetMs += 6 * 60_000;
  await runA();
  assert.equal((await updatesOnA()).length, 1);

  const [status] = await aDb.db.query<{ status: string }>(
    'select status from cases where tenant_id = $1 and id = $2',
    [tenantId, made.report.caseId],
  );
  assert.equal(status!.status, 'completed');
  // The follower (the reporter) was emailed the update once.
  const mail = (await a.inject({ url: '/dev/mail.json', headers: host })).json() as {
    to: string;
    subject: string;
    text: string;
  }[];
  const updates = mail.filter((m) => m.to === 'rhi@example.com' && m.subject.startsWith('Update on report'));
  assert.equal(updates.length, 1);
  assert.match(updates[0]!.text, /Filled and sealed/);
  // And the resident sees it on the report's page.
  const page = await a.inject({ url: `/reports/${made.report.reference}`, headers: host });
  assert.match(page.body, /Filled and sealed/);
  assert.match(page.body, /Fixed/);
});
