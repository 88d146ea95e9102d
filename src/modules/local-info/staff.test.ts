import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { riverford, type TestApp, testApp } from '../../../test/support/app.ts';
import { signInStaff, textOf, type Visitor } from '../../../test/support/staff.ts';
import { listAudit } from '../../platform/audit/audit.ts';

let t: TestApp;
let manager: Visitor;

before(async () => {
  t = await testApp();
  manager = await signInStaff(t, riverford, 'manager@riverford.example');
});
after(async () => {
  await t?.close();
});

const factsOf = async (uprn: string) =>
  (
    await t.app.services.db.query<{ facts: Record<string, string> }>(
      'select facts from addresses where tenant_id = $1 and uprn = $2',
      [t.tenants.riverford.id, uprn],
    )
  )[0]?.facts;

describe('local information edited by staff', () => {
  test('a facts upload lists the addresses it touches and applies only when confirmed', async () => {
    const [a, b] = await t.app.services.db.query<{ uprn: string; line1: string }>(
      `select uprn, line1 from addresses where tenant_id = $1 and postcode = 'RF1 1AA' order by uprn limit 2`,
      [t.tenants.riverford.id],
    );
    const before = await factsOf(a!.uprn);
    const csv = `uprn,binRound,ward\n${a!.uprn},RF-TUE-B,Riverside\n${b!.uprn},RF-TUE-B,Riverside`;
    const checked = await manager.post('/staff/local-info', '/staff/local-info/facts', { csv });
    assert.equal(checked.statusCode, 200);
    const text = textOf(checked.body);
    assert.match(text, /This touches 2 addresses/);
    assert.match(text, new RegExp(a!.line1));
    assert.deepEqual(await factsOf(a!.uprn), before, 'nothing changes before confirming');

    const applied = await manager.post('/staff/local-info', '/staff/local-info/facts', {
      csv,
      confirm: 'yes',
    });
    assert.equal(applied.headers.location, '/staff/local-info?applied=2');
    assert.equal((await factsOf(a!.uprn))?.binRound, 'RF-TUE-B');
    assert.equal((await factsOf(a!.uprn))?.ward, 'Riverside');
    const [entry] = await listAudit(t.app.services.db, t.tenants.riverford.id, {
      subjectType: 'property',
      limit: 1,
    });
    assert.ok(
      (entry!.details.changes as { path: string; after: unknown }[]).some(
        (c) => c.path === 'facts.binRound' && c.after === 'RF-TUE-B',
      ),
    );
  });

  test('a bank-holiday change lists the addresses on the rounds it moves, and applies when confirmed', async () => {
    const form = {
      'original-day': '7',
      'original-month': '6',
      'original-year': '2027',
      'moved-day': '8',
      'moved-month': '6',
      'moved-year': '2027',
      reasonEn: 'Depot closed',
      reasonCy: 'Depo ar gau',
    };
    const checked = await manager.post('/staff/local-info', '/staff/local-info/changes', form);
    assert.equal(checked.statusCode, 200);
    const text = textOf(checked.body);
    const count = Number(/This touches (\d+) addresses/.exec(text)?.[1]);
    assert.ok(count > 0, text.slice(0, 2000));
    assert.match(text, /RF-MON/);
    const none = await t.app.services.db.query(
      `select 1 from collection_changes where tenant_id = $1 and original_date = '2027-06-07'`,
      [t.tenants.riverford.id],
    );
    assert.equal(none.length, 0);
    const applied = await manager.post('/staff/local-info', '/staff/local-info/changes', {
      ...form,
      confirm: 'yes',
    });
    assert.equal(applied.headers.location, `/staff/local-info?applied=${count}`);
    const [row] = await t.app.services.db.query<{ d: string }>(
      `select to_char(new_date, 'YYYY-MM-DD') as d from collection_changes where tenant_id = $1 and original_date = '2027-06-07'`,
      [t.tenants.riverford.id],
    );
    assert.equal(row?.d, '2027-06-08');
  });

  test('bad input gets an error summary and changes nothing', async () => {
    const unknown = await manager.post('/staff/local-info', '/staff/local-info/facts', {
      csv: 'uprn,binRound\n999999999999,RF-MON-A',
      confirm: 'yes',
    });
    assert.equal(unknown.statusCode, 400);
    assert.match(textOf(unknown.body), /There is a problem.*there is no address with UPRN 999999999999/);
    const header = await manager.post('/staff/local-info', '/staff/local-info/facts', {
      csv: 'house,bin\n1,2',
    });
    assert.equal(header.statusCode, 400);
    const change = await manager.post('/staff/local-info', '/staff/local-info/changes', {
      'original-day': '30',
      'original-month': '2',
      'original-year': '2027',
      confirm: 'yes',
    });
    assert.equal(change.statusCode, 400);
    assert.match(textOf(change.body), /Enter the real date the collections were due/);
    assert.match(textOf(change.body), /Enter the reason in English/);
  });

  test('a case officer cannot reach local information', async () => {
    const officer = await signInStaff(t, riverford, 'officer@riverford.example');
    assert.equal((await officer.get('/staff/local-info')).statusCode, 403);
  });
});
