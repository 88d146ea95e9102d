import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testDatabase } from '../../../test/support/database.ts';
import { demoSeeds, type Seed, seedDemo } from './seeds.ts';

describe('demo seeds', () => {
  it('create both councils with their hosts, once, however often they run', async () => {
    const { db, close } = await testDatabase();
    try {
      const log: string[] = [];
      await seedDemo(db, { log: (l) => log.push(l) });
      await Promise.all([
        seedDemo(db, { log: (l) => log.push(l) }),
        seedDemo(db, { log: (l) => log.push(l) }),
      ]);
      assert.equal(log.filter((l) => l.includes('tenancy')).length, 1);
      const rows = await db.query<{ slug: string; prefix: string; host: string }>(
        `select slug, prefix, host from tenants join tenant_hosts on tenant_id = tenants.id order by slug`,
      );
      assert.deepEqual(rows, [
        { slug: 'northshire', prefix: 'NS', host: 'northshire.localhost' },
        { slug: 'riverford', prefix: 'RF', host: 'riverford.localhost' },
      ]);
    } finally {
      await close();
    }
  });

  it('bring a newer version of a module’s content to an existing database', async () => {
    const { db, close } = await testDatabase();
    try {
      await seedDemo(db, { log: () => {} });
      let runs = 0;
      const later = (version: number): Seed => ({
        module: 'later-module',
        version,
        async run() {
          runs++;
        },
      });
      await seedDemo(db, { log: () => {}, seeds: [...demoSeeds, later(1)] });
      await seedDemo(db, { log: () => {}, seeds: [...demoSeeds, later(1)] });
      assert.equal(runs, 1);
      await seedDemo(db, { log: () => {}, seeds: [...demoSeeds, later(2)] });
      assert.equal(runs, 2);
    } finally {
      await close();
    }
  });

  it('leave nothing behind when a seed fails half way, so it can run again', async () => {
    const { db, close } = await testDatabase();
    try {
      const failing: Seed = {
        module: 'failing',
        version: 1,
        async run(tx) {
          await tx.query(
            `insert into tenants (slug, prefix, name, brand, contact) values ('halfway', 'HW', '{}', '{}', '{}')`,
          );
          throw new Error('stopped');
        },
      };
      await assert.rejects(seedDemo(db, { log: () => {}, seeds: [failing] }), /stopped/);
      assert.deepEqual(await db.query(`select 1 from tenants where slug = 'halfway'`), []);
      assert.deepEqual(await db.query(`select 1 from seeds where module = 'failing'`), []);
    } finally {
      await close();
    }
  });
});
