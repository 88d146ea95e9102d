import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { type Database, loadPgliteExtensions, openDatabase, pgliteDatabase } from '../../src/db/database.ts';
import { migrate, readMigrations } from '../../src/db/migrate.ts';
import { seedDemo } from '../../src/platform/seeds/seeds.ts';

export interface TestDatabase {
  db: Database;
  close(): Promise<void>;
}

const cacheDir = path.resolve(import.meta.dirname, '../../node_modules/.cache/doorstep');

/**
 * A migrated PGlite image, made once per set of migrations and shared by every test file
 * (each runs in its own process): a fresh PGlite costs seconds, loading an image much less.
 */
async function pgliteImage(): Promise<Blob> {
  const migrations = await readMigrations();
  const key = createHash('sha256')
    .update(migrations.map((m) => m.checksum).join())
    .digest('hex')
    .slice(0, 16);
  const file = path.join(cacheDir, `pglite-${key}.tar`);
  if (existsSync(file)) return new Blob([await readFile(file)]);
  const { PGlite } = await import('@electric-sql/pglite');
  const client = await PGlite.create({ extensions: await loadPgliteExtensions() });
  await migrate(pgliteDatabase(client), migrations);
  const image = await client.dumpDataDir('none');
  await client.close();
  await mkdir(cacheDir, { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, Buffer.from(await image.arrayBuffer()));
  await rename(temp, file);
  return image;
}

/**
 * A fresh, migrated database for one test: PGlite in memory, or, when DATABASE_URL is set,
 * a schema of its own in that PostgreSQL database (dropped on close).
 */
export async function testDatabase(): Promise<TestDatabase> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const db = await openDatabase({
      databaseUrl: undefined,
      dataDir: undefined,
      loadDataDir: await pgliteImage(),
    });
    return { db, close: () => db.close() };
  }
  const schema = `test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const db = await openDatabase({
    databaseUrl: url,
    dataDir: undefined,
    searchPath: `${schema},public`,
    poolSize: 4,
  });
  await migrate(db);
  return {
    db,
    async close() {
      await db.close();
      const cleanup = new pg.Client({ connectionString: url });
      await cleanup.connect();
      await cleanup.query(`drop schema ${schema} cascade`);
      await cleanup.end();
    },
  };
}

export interface SeededTenants {
  northshire: { id: string; slug: 'northshire' };
  riverford: { id: string; slug: 'riverford' };
}

/** Seeds the demo councils (and every module's demo content) and returns their ids. */
export async function seedTenants(db: Database): Promise<SeededTenants> {
  await seedDemo(db, { log: () => {} });
  const rows = await db.query<{ id: string; slug: string }>(`select id, slug from tenants order by slug`);
  const id = (slug: string) => rows.find((r) => r.slug === slug)!.id;
  return {
    northshire: { id: id('northshire'), slug: 'northshire' },
    riverford: { id: id('riverford'), slug: 'riverford' },
  };
}
