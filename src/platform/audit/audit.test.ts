import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type SeededTenants,
  seedTenants,
  type TestDatabase,
  testDatabase,
} from '../../../test/support/database.ts';
import { listAudit, recordAudit } from './audit.ts';

let database: TestDatabase;
let tenants: SeededTenants;

before(async () => {
  database = await testDatabase();
  tenants = await seedTenants(database.db);
});

after(async () => {
  await database?.close();
});

describe('audit log', () => {
  test('records who did what to what, when and why', async () => {
    const started = Date.now();
    const entry = await recordAudit(database.db, {
      tenantId: tenants.northshire.id,
      actor: { type: 'staff', id: 'staff-1' },
      action: 'view',
      subject: { type: 'person', id: 'person-1' },
      reason: 'Resident phoned about a missed bin',
      ip: '192.0.2.10',
      details: { fields: ['phone', 'address'] },
    });
    assert.match(entry.id, /^\d+$/);
    assert.equal(entry.tenantId, tenants.northshire.id);
    assert.deepEqual(entry.actor, { type: 'staff', id: 'staff-1' });
    assert.equal(entry.action, 'view');
    assert.deepEqual(entry.subject, { type: 'person', id: 'person-1' });
    assert.equal(entry.reason, 'Resident phoned about a missed bin');
    assert.equal(entry.ip, '192.0.2.10');
    assert.deepEqual(entry.details, { fields: ['phone', 'address'] });
    assert.ok(entry.at instanceof Date);
    assert.ok(Math.abs(entry.at.getTime() - started) < 60_000);

    const [listed] = await listAudit(database.db, tenants.northshire.id, {
      subjectType: 'person',
      subjectId: 'person-1',
      limit: 10,
    });
    assert.deepEqual(listed, entry);
  });

  test('optional parts may be left out', async () => {
    const entry = await recordAudit(database.db, {
      tenantId: tenants.riverford.id,
      actor: { type: 'system' },
      action: 'retention-sweep',
      subject: { type: 'form-submission' },
      reason: '  ',
    });
    assert.deepEqual(entry.actor, { type: 'system' });
    assert.deepEqual(entry.subject, { type: 'form-submission' });
    assert.equal(entry.reason, undefined);
    assert.equal(entry.ip, undefined);
    assert.deepEqual(entry.details, {});
  });

  test('refuses an entry that does not say what was done, or by what kind of actor', async () => {
    const base = {
      tenantId: tenants.northshire.id,
      actor: { type: 'staff' as const, id: 's' },
      action: 'view',
      subject: { type: 'case', id: 'c' },
    };
    await assert.rejects(recordAudit(database.db, { ...base, action: ' ' }), /action/);
    await assert.rejects(recordAudit(database.db, { ...base, subject: { type: '' } }), /subject/);
    await assert.rejects(
      recordAudit(database.db, { ...base, actor: { type: 'robot' as unknown as 'staff' } }),
      /actor type/,
    );
  });

  test("one council's entries never show for another", async () => {
    for (const [tenant, actor] of [
      [tenants.northshire, 'ns-officer'],
      [tenants.riverford, 'rf-officer'],
    ] as const) {
      await recordAudit(database.db, {
        tenantId: tenant.id,
        actor: { type: 'staff', id: actor },
        action: 'update',
        subject: { type: 'case', id: 'shared-subject-id' },
      });
    }
    const northshire = await listAudit(database.db, tenants.northshire.id, { limit: 1000 });
    const riverford = await listAudit(database.db, tenants.riverford.id, { limit: 1000 });
    assert.ok(northshire.length > 0 && riverford.length > 0);
    assert.ok(northshire.every((e) => e.tenantId === tenants.northshire.id));
    assert.ok(riverford.every((e) => e.tenantId === tenants.riverford.id));
    const same = { subjectType: 'case', subjectId: 'shared-subject-id', limit: 10 };
    assert.deepEqual(
      (await listAudit(database.db, tenants.northshire.id, same)).map((e) => e.actor.id),
      ['ns-officer'],
    );
    assert.deepEqual(
      (await listAudit(database.db, tenants.riverford.id, same)).map((e) => e.actor.id),
      ['rf-officer'],
    );
  });

  test('lists newest first, filtered, limited and paged', async () => {
    const tenantId = tenants.riverford.id;
    const ids: string[] = [];
    for (let n = 0; n < 7; n++) {
      const entry = await recordAudit(database.db, {
        tenantId,
        actor: { type: n % 2 ? 'api' : 'resident', id: `actor-${n % 2}` },
        action: 'view',
        subject: { type: 'booking', id: `booking-${n % 3}` },
      });
      ids.push(entry.id);
    }
    const all = await listAudit(database.db, tenantId, { subjectType: 'booking', limit: 100 });
    assert.deepEqual(
      all.map((e) => e.id),
      [...ids].reverse(),
    );
    const one = await listAudit(database.db, tenantId, {
      subjectType: 'booking',
      subjectId: 'booking-0',
      limit: 100,
    });
    assert.deepEqual(
      one.map((e) => e.id),
      [ids[6], ids[3], ids[0]],
    );
    const byActor = await listAudit(database.db, tenantId, {
      actorType: 'api',
      actorId: 'actor-1',
      limit: 100,
    });
    assert.deepEqual(
      byActor.map((e) => e.id),
      [ids[5], ids[3], ids[1]],
    );

    const first = await listAudit(database.db, tenantId, { subjectType: 'booking', limit: 3 });
    const second = await listAudit(database.db, tenantId, {
      subjectType: 'booking',
      limit: 3,
      beforeId: first.at(-1)!.id,
    });
    assert.deepEqual(
      [...first, ...second].map((e) => e.id),
      [ids[6], ids[5], ids[4], ids[3], ids[2], ids[1]],
    );
    assert.equal((await listAudit(database.db, tenantId, { limit: 0 })).length, 1, 'the limit is at least 1');
    await assert.rejects(listAudit(database.db, tenantId, { limit: 1, beforeId: '1 or 1=1' }), /beforeId/);
  });

  test('is written in the caller transaction, so it rolls back with the change', async () => {
    await assert.rejects(
      database.db.transaction(async (tx) => {
        await recordAudit(tx, {
          tenantId: tenants.northshire.id,
          actor: { type: 'staff', id: 'x' },
          action: 'update',
          subject: { type: 'rolled-back' },
        });
        throw new Error('undo');
      }),
      /undo/,
    );
    assert.deepEqual(
      await listAudit(database.db, tenants.northshire.id, { subjectType: 'rolled-back', limit: 10 }),
      [],
    );
  });
});
