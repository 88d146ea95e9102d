import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deliverMail, riverford, type TestApp, testApp } from '../../../test/support/app.ts';
import { signInStaff, textOf, type Visitor } from '../../../test/support/staff.ts';
import { runHousekeeping } from '../../housekeeping.ts';
import { listAudit } from '../../platform/audit/audit.ts';
import { recordSubmission } from './service.ts';
import { addFollower } from './work.ts';

let t: TestApp;
let officer: Visitor;
let reference: string;
let caseId: string;
let tenantId: string;

before(async () => {
  t = await testApp();
  tenantId = t.tenants.riverford.id;
  const { db } = t.app.services;
  const tenant = t.app.services.tenants.bySlug('riverford')!;
  await db.query(
    `insert into service_levels (tenant_id, queue, working_days) values ($1, 'noise', 5)
     on conflict (tenant_id, queue) do update set working_days = 5`,
    [tenantId],
  );
  const made = await db.transaction((tx) =>
    recordSubmission(tx, {
      tenant,
      serviceSlug: null,
      formSlug: 'noise-nuisance',
      formVersion: 1,
      queue: 'noise',
      dueAt: null,
      submissionKey: 'work-test-1',
      answers: {},
      assessments: [],
      email: 'gwen@example.com',
      uprn: null,
      channel: 'web',
      submittedByStaff: null,
      summary: 'Noise from a neighbour',
    }),
  );
  reference = made.case.reference;
  caseId = made.case.id;
  await db.transaction((tx) => addFollower(tx, tenantId, caseId, 'neighbour@example.com'));
  // Another case, already late.
  await db.transaction((tx) =>
    recordSubmission(tx, {
      tenant,
      serviceSlug: null,
      formSlug: 'noise-nuisance',
      formVersion: 1,
      queue: 'noise',
      dueAt: new Date(Date.now() - 86_400_000),
      submissionKey: 'work-test-2',
      answers: {},
      assessments: [],
      email: null,
      uprn: null,
      channel: 'phone',
      submittedByStaff: null,
      summary: 'Late one',
    }),
  );
  officer = await signInStaff(t, riverford, 'officer@riverford.example');
});
after(() => t?.close());

describe('working cases', () => {
  it('sets the due date from the queue’s target in working days', async () => {
    const [row] = await t.app.services.db.query<{ due: Date }>(
      'select due_at as due from cases where tenant_id = $1 and id = $2',
      [tenantId, caseId],
    );
    const days = (row!.due.getTime() - Date.now()) / 86_400_000;
    assert.ok(days > 5 && days < 12, `due in ${days} days`);
  });

  it('lists my queues with counts, filters, and highlights overdue cases', async () => {
    const page = await officer.get('/staff/cases?queue=noise');
    assert.equal(page.statusCode, 200);
    const text = textOf(page.body);
    assert.match(text, /Overdue: 1/);
    assert.match(text, new RegExp(reference));
    assert.match(page.body, /app-work-case--overdue/);
    const overdue = textOf((await officer.get('/staff/cases?due=overdue')).body);
    assert.doesNotMatch(overdue, new RegExp(reference));
  });

  it('claims cases in bulk; bad input changes nothing', async () => {
    const none = await officer.post('/staff/cases', '/staff/cases/bulk', { action: 'claim' });
    assert.equal(none.statusCode, 400);
    assert.match(none.body, /govuk-error-summary/);
    const claimed = await officer.post('/staff/cases', '/staff/cases/bulk', {
      action: 'claim',
      cases: [reference],
    });
    assert.equal(claimed.statusCode, 303);
    assert.match(textOf((await officer.get('/staff/cases?assignee=me')).body), new RegExp(reference));
  });

  it('emails a public update to the person and to followers; every change is an interaction and audited', async () => {
    const page = `/staff/cases/${reference}`;
    const bad = await officer.post(page, `${page}/status`, { status: 'made-up' });
    assert.equal(bad.statusCode, 400);
    const ok = await officer.post(page, `${page}/status`, {
      status: 'in-progress',
      noteEn: 'An officer will visit on Tuesday.',
      noteCy: 'Bydd swyddog yn ymweld ddydd Mawrth.',
    });
    assert.equal(ok.statusCode, 303);
    const mail = await deliverMail(t, riverford);
    for (const to of ['gwen@example.com', 'neighbour@example.com'])
      assert.ok(
        mail.some((m) => m.to === to && m.text.includes('An officer will visit on Tuesday.')),
        `mail to ${to}`,
      );
    const track = await t.app.inject({ url: `/track/${reference}`, headers: riverford });
    assert.match(textOf(track.body), /An officer will visit on Tuesday/);
    const note = await officer.post(page, `${page}/notes`, {
      note: 'Neighbour has a dog that barks at night',
    });
    assert.equal(note.statusCode, 303);
    assert.match(textOf((await officer.get(page)).body), /Neighbour has a dog/);
    const kinds = await t.app.services.db.query<{ kind: string }>(
      'select kind from interactions where tenant_id = $1 and case_id = $2 order by id',
      [tenantId, caseId],
    );
    assert.deepEqual(
      kinds.map((k) => k.kind),
      ['submission', 'assignment', 'public-update', 'note'],
    );
    const actions = (
      await listAudit(t.app.services.db, tenantId, { subjectType: 'case', subjectId: caseId, limit: 20 })
    ).map((e) => e.action);
    for (const a of ['case.assign', 'case.status', 'case.note', 'case.view'])
      assert.ok(actions.includes(a), a);
  });

  it('keeps documents with versions and audits each download', async () => {
    const page = `/staff/cases/${reference}`;
    const html = (await officer.get(page)).body;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    const upload = async (fields: Record<string, string>, content: string) => {
      const boundary = '----doorstep';
      const parts = [
        ...Object.entries({ _csrf: csrf, ...fields }).map(
          ([k, v]) => `--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`,
        ),
        `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="diary.txt"\r\ncontent-type: text/plain\r\n\r\n${content}\r\n`,
        `--${boundary}--\r\n`,
      ];
      return t.app.inject({
        method: 'POST',
        url: `${page}/documents`,
        headers: {
          ...riverford,
          cookie: officer.cookie,
          'content-type': `multipart/form-data; boundary=${boundary}`,
        },
        payload: parts.join(''),
      });
    };
    assert.equal((await upload({ title: 'Noise diary', kind: 'evidence' }, 'week one')).statusCode, 303);
    const [doc] = await t.app.services.db.query<{ id: string }>(
      'select id from case_documents where tenant_id = $1 and case_id = $2',
      [tenantId, caseId],
    );
    assert.equal((await upload({ documentId: doc!.id }, 'week two')).statusCode, 303);
    const v2 = await officer.get(`${page}/documents/${doc!.id}/2`);
    assert.equal(v2.statusCode, 200);
    assert.equal(v2.body, 'week two');
    assert.equal((await officer.get(`${page}/documents/${doc!.id}/1`)).body, 'week one');
    const downloads = (
      await listAudit(t.app.services.db, tenantId, { subjectType: 'case', subjectId: caseId, limit: 50 })
    ).filter((e) => e.action === 'case.document.download');
    assert.equal(downloads.length, 2);
    const [kept] = await t.app.services.db.query<{ years: number }>(
      `select extract(year from age(delete_after, created_at))::int as years from case_document_versions
        where tenant_id = $1 and document_id = $2 and version = 1`,
      [tenantId, doc!.id],
    );
    assert.equal(kept!.years, 5); // six years less a day or two of leap: kept by the evidence rule
  });

  it('destroys documents when their kind’s retention ends, and keeps the rest', async () => {
    const { db, files } = t.app.services;
    const page = `/staff/cases/${reference}`;
    const html = (await officer.get(page)).body;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    const boundary = '----doorstep';
    const payload = [
      ...Object.entries({ _csrf: csrf, title: 'Letter to the neighbour', kind: 'correspondence' }).map(
        ([k, v]) => `--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`,
      ),
      `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="letter.txt"\r\ncontent-type: text/plain\r\n\r\nDear neighbour\r\n`,
      `--${boundary}--\r\n`,
    ].join('');
    const uploaded = await t.app.inject({
      method: 'POST',
      url: `${page}/documents`,
      headers: {
        ...riverford,
        cookie: officer.cookie,
        'content-type': `multipart/form-data; boundary=${boundary}`,
      },
      payload,
    });
    assert.equal(uploaded.statusCode, 303);
    const documents = async () =>
      db.query<{ id: string; kind: string; fileId: string }>(
        `select d.id, d.kind, v.file_id as "fileId" from case_documents d
           join case_document_versions v on v.tenant_id = d.tenant_id and v.document_id = d.id
          where d.tenant_id = $1 and d.case_id = $2 order by d.kind, v.version`,
        [tenantId, caseId],
      );
    const letter = (await documents()).find((d) => d.kind === 'correspondence')!;
    // Three years on: correspondence (two years) is past its rule, evidence (six) is not.
    const later = new Date(Date.now() + 3 * 365 * 86_400_000);
    const removed = await runHousekeeping(db, later, files);
    assert.equal(removed.documents, 1);
    assert.deepEqual(
      (await documents()).map((d) => d.kind),
      ['evidence', 'evidence'],
    );
    assert.equal(await files.get(tenantId, letter.fileId), undefined);
    // Housekeeping three years on also ended every session: another officer signs in to look.
    const admin = await signInStaff(t, riverford, 'admin@riverford.example');
    assert.equal((await admin.get(`${page}/documents/${letter.id}/1`)).statusCode, 404);
    const expired = (
      await listAudit(db, tenantId, { subjectType: 'case', subjectId: caseId, limit: 50 })
    ).filter((e) => e.action === 'case.document.expired');
    assert.equal(expired.length, 1);
    // Run again: nothing more is due, nothing breaks.
    assert.equal((await runHousekeeping(db, later, files)).documents, 0);
  });

  it('refuses agents', async () => {
    const agent = await signInStaff(t, riverford, 'agent@riverford.example');
    assert.equal((await agent.get('/staff/cases')).statusCode, 403);
  });
});
