import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testDatabase } from '../../test/support/database.ts';
import { migrate, readMigrations } from './migrate.ts';

describe('migrations', () => {
  it('apply once, however many processes start together', async () => {
    const { db, close } = await testDatabase();
    try {
      const extra = [
        ...(await readMigrations()),
        {
          name: '9999_probe.sql',
          sql: 'create table probe (tenant_id uuid not null, n int);',
          checksum: 'probe-1',
        },
      ];
      const results = await Promise.all([migrate(db, extra), migrate(db, extra), migrate(db, extra)]);
      assert.deepEqual(
        results.flat().filter((n) => n === '9999_probe.sql'),
        ['9999_probe.sql'],
      );
      const [row] = await db.query<{ n: number }>(
        `select count(*)::int as n from schema_migrations where name = '9999_probe.sql'`,
      );
      assert.equal(row?.n, 1);
    } finally {
      await close();
    }
  });

  it('refuse a migration edited after it was applied', async () => {
    const { db, close } = await testDatabase();
    try {
      const edited = (await readMigrations()).map((m, i) => (i === 0 ? { ...m, checksum: 'changed' } : m));
      await assert.rejects(migrate(db, edited), /was changed after it was applied/);
    } finally {
      await close();
    }
  });

  it('create the search and distance extensions', async () => {
    const { db, close } = await testDatabase();
    try {
      const rows = await db.query<{ extname: string }>('select extname from pg_extension order by extname');
      const names = rows.map((r) => r.extname);
      for (const ext of ['cube', 'earthdistance', 'fuzzystrmatch', 'pg_trgm', 'unaccent'])
        assert.ok(names.includes(ext), ext);
      const [sim] = await db.query<{ s: number }>(`select similarity('collection', 'colection') as s`);
      assert.ok((sim?.s ?? 0) > 0.5);
    } finally {
      await close();
    }
  });

  it('give every table but the registries a tenant_id', async () => {
    const { db, close } = await testDatabase();
    try {
      const rows = await db.query<{ table_name: string }>(
        `select t.table_name from information_schema.tables t
          where t.table_schema = current_schema() and t.table_type = 'BASE TABLE'
            and t.table_name not in ('tenants', 'schema_migrations', 'seeds', 'tenant_hosts')
            and not exists (select 1 from information_schema.columns c
                             where c.table_schema = t.table_schema and c.table_name = t.table_name
                               and c.column_name = 'tenant_id')`,
      );
      assert.deepEqual(rows, []);
    } finally {
      await close();
    }
  });
});
