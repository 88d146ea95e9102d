import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from './database.ts';

const migrationsDir = path.join(import.meta.dirname, 'migrations');

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export async function readMigrations(dir = migrationsDir): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  return Promise.all(
    files.map(async (name) => {
      const sql = await readFile(path.join(dir, name), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

// Extensions belong to the database, not a schema: created once, in public, before any migration.
const extensions = ['pg_trgm', 'unaccent', 'fuzzystrmatch', 'cube', 'earthdistance'];

/**
 * Applies the migrations not yet applied, in one transaction under an advisory lock, so that
 * several processes starting together apply each migration exactly once.
 */
export async function migrate(db: Database, migrations?: Migration[]): Promise<string[]> {
  const all = migrations ?? (await readMigrations());
  return db.transaction(async (tx) => {
    await tx.query(`select pg_advisory_xact_lock(hashtext('doorstep:migrate'))`);
    for (const name of extensions) {
      const [present] = await tx.query(`select 1 from pg_extension where extname = $1`, [name]);
      if (!present) await tx.query(`create extension if not exists ${name} with schema public`);
    }
    await tx.query(`create table if not exists schema_migrations (
      name text primary key,
      checksum text not null,
      applied_at timestamptz not null default now()
    )`);
    const done = new Map(
      (
        await tx.query<{ name: string; checksum: string }>('select name, checksum from schema_migrations')
      ).map((r) => [r.name, r.checksum]),
    );
    const applied: string[] = [];
    for (const m of all) {
      const seen = done.get(m.name);
      if (seen === m.checksum) continue;
      if (seen !== undefined) {
        throw new Error(`Migration ${m.name} was changed after it was applied; add a new migration instead`);
      }
      await tx.exec(m.sql);
      await tx.query('insert into schema_migrations (name, checksum) values ($1, $2)', [m.name, m.checksum]);
      applied.push(m.name);
    }
    return applied;
  });
}
