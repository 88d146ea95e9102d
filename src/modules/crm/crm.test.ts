import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { northshire, riverford, type TestApp, testApp } from '../../../test/support/app.ts';
import { signInStaff, textOf, type Visitor, visitor } from '../../../test/support/staff.ts';
import { listAudit } from '../../platform/audit/audit.ts';
import { recordSubmission } from '../cases/service.ts';
import { estimateFromSample, findDuplicatesOf, mergePeople, undoMerge } from './duplicates.ts';
import { score, toRecord } from './matching/model.ts';
import { linkContact } from './service.ts';
import { addPhone, insertInteraction, timeline } from './store.ts';

let t: TestApp;
let agent: Visitor;
let personId: string;
let riverfordId: string;

before(async () => {
  t = await testApp();
  riverfordId = t.tenants.riverford.id;
  const { db } = t.app.services;
  const tenant = t.app.services.tenants.bySlug('riverford')!;
  // A resident known from an earlier call, who then reports a missed bin online as a guest.
  personId = (await db.transaction((tx) =>
    linkContact(tx, riverfordId, {
      givenName: 'Aled',
      familyName: 'Pritchard',
      email: 'aled.pritchard@example.com',
      phone: '07700 900123',
    }),
  ))!;
  await insertInteraction(db, riverfordId, {
    channel: 'phone',
    kind: 'contact',
    personId,
    summary: 'Asked about garden waste',
    reason: 'Garden waste',
    outcome: 'information-given',
  });
  await db.transaction((tx) =>
    recordSubmission(tx, {
      tenant,
      serviceSlug: 'missed-bin-collection',
      formSlug: 'missed-bin-collection',
      formVersion: 1,
      queue: 'missed-bin-collection',
      dueAt: null,
      submissionKey: 'crm-test-1',
      answers: {},
      assessments: [],
      email: 'Aled.Pritchard@example.com',
      uprn: null,
      channel: 'web',
      submittedByStaff: null,
      summary: 'Report a missed bin collection',
    }),
  );
  agent = await signInStaff(t, riverford, 'agent@riverford.example');
});
after(() => t?.close());

describe('people and the timeline', () => {
  it('links a guest submission to the person by email, without staff effort', async () => {
    const entries = await timeline(t.app.services.db, riverfordId, { personId });
    assert.deepEqual(
      entries.map((e) => e.kind),
      ['submission', 'contact'],
    );
    assert.ok(entries[0]!.reference);
  });

  it('finds the person by a phone number typed another way, and by a misspelt name', async () => {
    for (const q of ['+44 7700 900-123', '(07700) 900123', 'Aled Prichard', 'aled.pritchard@example.com']) {
      const page = await agent.get(`/staff/search?q=${encodeURIComponent(q)}`);
      assert.equal(page.statusCode, 200);
      assert.match(textOf(page.body), /Aled Pritchard/, q);
    }
  });

  it('writes an audit row, with who, what and why, when an agent views a person', async () => {
    const page = await agent.get(`/staff/people/${personId}?why=contact`);
    assert.equal(page.statusCode, 200);
    const text = textOf(page.body);
    assert.match(text, /Report a missed bin collection/);
    assert.match(text, /Asked about garden waste/);
    const [entry] = await listAudit(t.app.services.db, riverfordId, {
      subjectType: 'person',
      subjectId: personId,
      limit: 1,
    });
    assert.equal(entry?.action, 'crm.person.view');
    assert.equal(entry?.actor.type, 'staff');
    assert.ok(entry?.actor.id);
    assert.equal(entry?.reason, 'contact');
  });

  it('logs a contact with an avoidable-contact tag; bad input changes nothing', async () => {
    const page = `/staff/people/${personId}`;
    const bad = await agent.post(page, `${page}/contacts`, { channel: 'carrier-pigeon', reason: '' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /govuk-error-summary/);
    const before = await timeline(t.app.services.db, riverfordId, { personId });
    const ok = await agent.post(page, `${page}/contacts`, {
      channel: 'phone',
      reason: 'Missed bin',
      outcome: 'information-given',
      avoidable: 'chasing-progress',
      note: 'Wanted to know when the crew returns',
    });
    assert.equal(ok.statusCode, 303);
    const after = await timeline(t.app.services.db, riverfordId, { personId });
    assert.equal(after.length, before.length + 1);
    assert.equal(after[0]!.avoidable, 'chasing-progress');
    assert.equal(after[0]!.channel, 'phone');
  });

  it('links a resident’s sign-in to the person, by the email they proved', async () => {
    const resident = visitor(t, riverford);
    const asked = await resident.post('/sign-in', '/sign-in', { email: 'aled.pritchard@example.com' });
    assert.equal(asked.headers.location, '/sign-in/code');
    const [job] = await t.app.services.db.query<{ payload: { text: string } }>(
      `select payload from jobs where kind = 'mail.send' and payload->>'to' = $1 order by created_at desc, id desc limit 1`,
      ['aled.pritchard@example.com'],
    );
    const code = /\b(\d{6})\b/.exec(job!.payload.text)![1]!;
    const signed = await resident.post('/sign-in/code', '/sign-in/code', { code });
    assert.equal(signed.statusCode, 303);
    const entries = await timeline(t.app.services.db, riverfordId, { personId });
    assert.equal(entries[0]!.kind, 'sign-in');
    const [row] = await t.app.services.db.query<{ accountId: string | null; verified: boolean }>(
      `select p.account_id as "accountId", e.verified from people p
         join person_emails e on e.tenant_id = p.tenant_id and e.person_id = p.id
        where p.tenant_id = $1 and p.id = $2 and e.email = 'aled.pritchard@example.com'`,
      [riverfordId, personId],
    );
    assert.ok(row?.accountId);
    assert.equal(row?.verified, true);
  });

  it('never shows one council’s people to another council’s staff', async () => {
    const other = await signInStaff(t, northshire, 'agent@northshire.example');
    assert.equal((await other.get(`/staff/people/${personId}`)).statusCode, 404);
    const search = await other.get(`/staff/search?q=${encodeURIComponent('07700 900123')}`);
    assert.doesNotMatch(textOf(search.body), /Pritchard/);
    // A Riverford session on Northshire's host is nobody there.
    const crossed = await t.app.inject({
      url: `/staff/people/${personId}`,
      headers: { ...northshire, cookie: agent.cookie },
    });
    assert.notEqual(crossed.statusCode, 200);
  });

  it('adds a contact to an organisation after finding them by a mistyped name; another council’s person cannot be added', async () => {
    const made = await agent.post('/staff/organisations/new', '/staff/organisations', {
      name: 'Riverford Allotment Society',
      kind: 'charity',
      email: 'hello@allotments.example',
    });
    assert.equal(made.statusCode, 303);
    const orgPage = made.headers.location as string;
    const found = await agent.get(`${orgPage}?q=${encodeURIComponent('Aled Prichard')}`);
    assert.match(textOf(found.body), /Aled Pritchard/);
    const added = await agent.post(`${orgPage}?q=Aled`, `${orgPage}/contacts`, {
      personId,
      role: 'Secretary',
    });
    assert.equal(added.statusCode, 303);
    assert.match(textOf((await agent.get(orgPage)).body), /Aled Pritchard · Secretary/);
    const { db } = t.app.services;
    const [stranger] = await db.query<{ id: string }>(
      `insert into people (tenant_id, given_name, family_name, name_key) values ($1, 'Nia', 'Hughes', 'nia hughes') returning id`,
      [t.tenants.northshire.id],
    );
    const refused = await agent.post(orgPage, `${orgPage}/contacts`, { personId: stranger!.id, role: '' });
    assert.equal(refused.statusCode, 404);
    const orgId = orgPage.split('/').at(-1)!;
    const audited = await listAudit(db, riverfordId, {
      subjectType: 'organisation',
      subjectId: orgId,
      limit: 10,
    });
    assert.equal(audited.filter((e) => e.action === 'crm.organisation.contact-add').length, 1);
  });

  it('refuses a case officer without the contacts permission', async () => {
    const officer = await signInStaff(t, riverford, 'officer@riverford.example');
    assert.equal((await officer.get(`/staff/people/${personId}`)).statusCode, 403);
  });
});

describe('duplicates', () => {
  it('finds a likely duplicate, explains it, and merge then undo keep every interaction', async () => {
    const { db } = t.app.services;
    const twin = (await db.transaction((tx) =>
      linkContact(tx, riverfordId, {
        givenName: 'Aled',
        familyName: 'Prichard',
        email: 'aled.p@example.net',
      }),
    ))!;
    await db.transaction((tx) => addPhone(tx, riverfordId, twin, '07700900123'));
    await insertInteraction(db, riverfordId, {
      channel: 'letter',
      kind: 'contact',
      personId: twin,
      summary: 'Wrote about council tax',
    });
    await db.transaction((tx) => findDuplicatesOf(tx, riverfordId, twin));
    const [a, b] = [personId, twin].sort();
    const review = await agent.get(`/staff/duplicates/${a}/${b}`);
    assert.equal(review.statusCode, 200, review.body);
    assert.match(textOf(review.body), /Phone\s*: the same/);

    const count = async (id: string) => (await timeline(db, riverfordId, { personId: id })).length;
    const [mine, theirs] = [await count(personId), await count(twin)];
    const merged = await agent.post(`/staff/duplicates/${a}/${b}`, `/staff/duplicates/${a}/${b}`, {
      decision: a === personId ? 'keep-a' : 'keep-b',
    });
    assert.equal(merged.statusCode, 200);
    assert.equal(await count(personId), mine + theirs);
    assert.equal(await count(twin), 0);
    // The merged record's page leads to the kept one.
    assert.equal((await agent.get(`/staff/people/${twin}`)).headers.location, `/staff/people/${personId}`);

    const [merge] = await db.query<{ id: string }>(
      'select id::text as id from person_merges where tenant_id = $1 and merged_id = $2',
      [riverfordId, twin],
    );
    const undo = await agent.post(`/staff/people/${personId}`, `/staff/merges/${merge!.id}/undo`, {});
    assert.equal(undo.statusCode, 303);
    assert.equal(await count(personId), mine);
    assert.equal(await count(twin), theirs);
    const actions = (
      await listAudit(db, riverfordId, { subjectType: 'person', subjectId: personId, limit: 5 })
    ).map((e) => e.action);
    assert.ok(actions.includes('crm.person.merge') && actions.includes('crm.person.unmerge'));
  });

  it('merges through the service and undoes it, keeping cases and contact points', async () => {
    const { db } = t.app.services;
    const one = (await db.transaction((tx) =>
      linkContact(tx, riverfordId, { givenName: 'Ffion', email: 'f1@example.com' }),
    ))!;
    const two = (await db.transaction((tx) =>
      linkContact(tx, riverfordId, { givenName: 'Ffion', email: 'f2@example.com' }),
    ))!;
    const [staff] = await db.query<{ id: string }>(
      "select id from staff_users where tenant_id = $1 and email = 'agent@riverford.example'",
      [riverfordId],
    );
    const mergeId = await mergePeople(db, riverfordId, one, two, { id: staff!.id });
    const emails = await db.query<{ email: string }>(
      'select email from person_emails where tenant_id = $1 and person_id = $2 order by email',
      [riverfordId, one],
    );
    assert.deepEqual(
      emails.map((e) => e.email),
      ['f1@example.com', 'f2@example.com'],
    );
    await undoMerge(db, riverfordId, mergeId, { id: staff!.id });
    const after = await db.query<{ email: string }>(
      'select email from person_emails where tenant_id = $1 and person_id = $2',
      [riverfordId, one],
    );
    assert.deepEqual(
      after.map((e) => e.email),
      ['f1@example.com'],
    );
  });
});

describe('the duplicate model before any batch run', () => {
  it('comes from whole clusters of people, so a council larger than its sample still tells duplicates apart', async () => {
    const { db } = t.app.services;
    const tenantId = t.tenants.northshire.id;
    // 600 people, 40 to a postcode; every 20th on file twice with a slip in the surname.
    await db.query(
      `with s as (select i,
                         (array['ada','bryn','cai','dewi','elen','ffion','gwen','huw','ifan','jac','llio','mali','nest','osian','pedr','rhian'])[1 + (i * 7) % 16] as g,
                         (array['mor','llwyd','pri','par','rhe','pow','jenk','bev','how','vau','tal','cad'])[1 + (i * 5) % 12]
                           || (array['gan','ell','ford','ington','wood','ley','ton','stone','field','by'])[1 + (i * 3) % 10] as f
                    from generate_series(0, 599) as i)
       insert into people (tenant_id, given_name, family_name, name_key, date_of_birth, postcode)
       select $1::uuid, g, f, g || ' ' || f, date '1970-01-01' + (i * 7) % 3000, 'NS' || (i / 40) || ' 1AA' from s
       union all
       select $1::uuid, g, left(f, 2) || substr(f, 4), g || ' ' || left(f, 2) || substr(f, 4), date '1970-01-01' + (i * 7) % 3000,
              'NS' || (i / 40) || ' 1AA' from s where i % 20 = 0`,
      [tenantId],
    );
    const model = await estimateFromSample(db, tenantId, 200);
    assert.ok(model.records >= 630, `scaled to the council's ${model.records} people`);
    const person = (given: string, family: string, born: string, postcode: string) =>
      toRecord({
        id: `${given} ${family}`,
        givenName: given,
        familyName: family,
        dateOfBirth: born,
        postcode,
      });
    const original = person('ada', 'morgan', '1970-01-01', 'NS0 1AA');
    assert.ok(score(model, original, person('ada', 'mogan', '1970-01-01', 'NS0 1AA')).score >= 0.5);
    // Born the same day in the same street is not enough.
    assert.ok(score(model, original, person('huw', 'parry', '1970-01-01', 'NS0 1AA')).score < 0.5);
  });
});
