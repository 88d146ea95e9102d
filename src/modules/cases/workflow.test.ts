import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { northshire, riverford, type TestApp, testApp } from '../../../test/support/app.ts';
import { signInStaff, textOf, type Visitor } from '../../../test/support/staff.ts';
import { listAudit } from '../../platform/audit/audit.ts';
import { recordSubmission } from './service.ts';
import { statusBook } from './workflow.ts';

let t: TestApp;
let manager: Visitor;
let officer: Visitor;
let reference: string;
let caseId: string;
let tenantId: string;

/** The licensing team's own statuses: one hidden from residents, one that closes the case. */
const licensing = {
  'status-0': 'received',
  'public-0': 'yes',
  'status-1': 'site-visit',
  'labelEn-1': 'Site visit booked',
  'labelCy-1': 'Ymweliad safle wedi’i drefnu',
  'public-1': 'yes',
  'status-2': 'legal-review',
  'labelEn-2': 'With our lawyers',
  'status-3': 'granted',
  'labelEn-3': 'Licence granted',
  'public-3': 'yes',
  'closes-3': 'yes',
};

before(async () => {
  t = await testApp();
  tenantId = t.tenants.riverford.id;
  const tenant = t.app.services.tenants.bySlug('riverford')!;
  const made = await t.app.services.db.transaction((tx) =>
    recordSubmission(tx, {
      tenant,
      serviceSlug: null,
      formSlug: 'street-trading',
      formVersion: 1,
      queue: 'licensing',
      dueAt: null,
      submissionKey: 'workflow-test-1',
      answers: {},
      assessments: [],
      email: 'trader@example.com',
      uprn: null,
      channel: 'web',
      submittedByStaff: null,
      summary: 'Street trading licence',
    }),
  );
  reference = made.case.reference;
  caseId = made.case.id;
  manager = await signInStaff(t, riverford, 'admin@riverford.example');
  officer = await signInStaff(t, riverford, 'officer@riverford.example');
});
after(() => t?.close());

const track = async (lang: 'en' | 'cy' = 'en') =>
  textOf(
    (await t.app.inject({ url: `/track/${reference}`, headers: { ...riverford, 'accept-language': lang } }))
      .body,
  );

describe('a service’s own statuses', () => {
  it('refuses a workflow without the first status or a closing one, and changes nothing', async () => {
    const page = '/staff/cases/workflows/licensing';
    const bad = await manager.post(page, page, {
      'status-0': 'site-visit',
      'labelEn-0': 'Site visit booked',
    });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /govuk-error-summary/);
    const text = textOf(bad.body);
    assert.match(text, /Keep the status .received./);
    assert.match(text, /at least one status that closes the case/);
    const unnamed = await manager.post(page, page, { ...licensing, 'labelEn-3': '' });
    assert.equal(unnamed.statusCode, 400);
    assert.match(textOf(unnamed.body), /Status 4: Enter what the resident reads, in English/);
    assert.equal((await statusBook(t.app.services.db, tenantId)).byQueue.has('licensing'), false);
  });

  it('saves a manager’s workflow, audited; case officers cannot change it', async () => {
    const page = '/staff/cases/workflows/licensing';
    assert.equal((await officer.get(page)).statusCode, 403);
    const saved = await manager.post(page, page, licensing);
    assert.equal(saved.statusCode, 303, saved.body);
    const list = textOf((await manager.get('/staff/cases/workflows')).body);
    assert.match(list, /licensing 4 of its own/);
    const audit = await listAudit(t.app.services.db, tenantId, {
      subjectType: 'queue',
      subjectId: 'licensing',
      limit: 5,
    });
    assert.equal(audit[0]?.action, 'case.workflow.change');
  });

  it('offers officers only the queue’s statuses; a hidden one never reaches the resident', async () => {
    const page = `/staff/cases/${reference}`;
    const html = textOf((await officer.get(page)).body);
    assert.match(html, /With our lawyers Not shown to the resident/);
    assert.equal((await officer.post(page, `${page}/status`, { status: 'in-progress' })).statusCode, 400);
    const noted = await officer.post(page, `${page}/status`, {
      status: 'legal-review',
      noteEn: 'Our lawyers are reading your plan',
    });
    assert.equal(noted.statusCode, 400);
    assert.match(textOf(noted.body), /The resident does not see this status/);
    assert.equal((await officer.post(page, `${page}/status`, { status: 'legal-review' })).statusCode, 303);
    const seen = await track();
    assert.match(seen, /Received/);
    assert.doesNotMatch(seen, /lawyers|legal/i);

    assert.equal((await officer.post(page, `${page}/status`, { status: 'site-visit' })).statusCode, 303);
    assert.match(await track(), /Site visit booked/);
    assert.match(await track('cy'), /Ymweliad safle wedi.i drefnu/);
  });

  it('will not remove a status that open cases are in', async () => {
    const page = '/staff/cases/workflows/licensing';
    const { 'status-1': _, 'labelEn-1': __, 'labelCy-1': ___, 'public-1': ____, ...without } = licensing;
    const refused = await manager.post(page, page, without);
    assert.equal(refused.statusCode, 400);
    assert.match(textOf(refused.body), /.site-visit. cannot be removed: 1 open cases are in it/);
  });

  it('closes the case on a closing status of the queue', async () => {
    const page = `/staff/cases/${reference}`;
    assert.equal((await officer.post(page, `${page}/status`, { status: 'granted' })).statusCode, 303);
    const [row] = await t.app.services.db.query<{ closed: boolean }>(
      'select closed_at is not null as closed from cases where tenant_id = $1 and id = $2',
      [tenantId, caseId],
    );
    assert.equal(row!.closed, true);
    assert.match(await track(), /Licence granted/);
  });

  it('belongs to its council: the other council’s queue of the same name keeps the standard statuses', async () => {
    const book = await statusBook(t.app.services.db, t.tenants.northshire.id);
    assert.equal(book.byQueue.has('licensing'), false);
    assert.deepEqual(
      book.of('licensing').map((s) => s.status),
      ['received', 'in-progress', 'action-needed', 'completed', 'closed'],
    );
    const other = await signInStaff(t, northshire, 'admin@northshire.example');
    const list = textOf((await other.get('/staff/cases/workflows')).body);
    assert.doesNotMatch(list, /of its own/);
  });
});
