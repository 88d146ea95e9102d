import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seedTenants, testDatabase } from '../test/support/database.ts';
import { runHousekeeping } from './housekeeping.ts';

describe('housekeeping', () => {
  it('deletes expired sessions and old finished jobs, and keeps the rest', async () => {
    const { db, close } = await testDatabase();
    try {
      const { northshire } = await seedTenants(db);
      const now = new Date('2026-11-24T12:00:00Z');
      await db.query(
        `insert into sessions (tenant_id, id_hash, expires_at) values ($1, 'old', $2), ($1, 'live', $3)`,
        [northshire.id, new Date(now.getTime() - 1000), new Date(now.getTime() + 60_000)],
      );
      await db.query(
        `insert into jobs (tenant_id, kind, status, finished_at) values
           ($1, 'mail.send', 'done', $2), ($1, 'mail.send', 'done', $3), ($1, 'mail.send', 'dead', $2)`,
        [northshire.id, new Date(now.getTime() - 8 * 86_400_000), new Date(now.getTime() - 86_400_000)],
      );
      assert.deepEqual(await runHousekeeping(db, now), {
        sessions: 1,
        jobs: 1,
        documents: 0,
        registrations: 0,
      });
      assert.deepEqual(
        (await db.query<{ id_hash: string }>('select id_hash from sessions')).map((r) => r.id_hash),
        ['live'],
      );
      const left = await db.query<{ status: string }>('select status from jobs order by status');
      assert.deepEqual(
        left.map((r) => r.status),
        ['dead', 'done'],
        'dead letters stay for people to look at',
      );
    } finally {
      await close();
    }
  });
});
