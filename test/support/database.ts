import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { type Database, loadPgliteExtensions, openDatabase, pgliteDatabase } from '../../src/db/database.ts';
import { migrate, readMigrations } from '../../src/db/migrate.ts';
import { demoSeeds, seedDemo } from '../../src/platform/seeds/seeds.ts';
import { councilsSeed } from '../../src/platform/tenancy/demo-councils.ts';

export interface TestDatabase {
  db: Database;
  close(): Promise<void>;
}

const cacheDir = path.resolve(import.meta.dirname, '../../node_modules/.cache/doorstep');

/**
 * A migrated PGlite image, made once per set of migrations and shared by every test file
 * (each runs in its own process): a fresh PGlite costs seconds, loading an image much less.
 */
async function pgliteImage(seeded: boolean): Promise<Blob> {
  const migrations = await readMigrations();
  const seeds = seeded ? demoSeeds.map((s) => `${s.module}@${s.version}`).join() : 'none';
  const key = createHash('sha256')
    .update(`${migrations.map((m) => m.checksum).join()}|${seeds}|${await sourceStamp(seeded)}`)
    .digest('hex')
    .slice(0, 16);
  const file = path.join(cacheDir, `pglite-${key}.tar`);
  if (existsSync(file)) return new Blob([await readFile(file)]);
  const { PGlite } = await import('@electric-sql/pglite');
  const client = await PGlite.create({ extensions: await loadPgliteExtensions() });
  await migrate(pgliteDatabase(client), migrations);
  if (seeded) await seedDemo(pgliteDatabase(client), { log: () => {} });
  const image = await client.dumpDataDir('none');
  await client.close();
  await mkdir(cacheDir, { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, Buffer.from(await image.arrayBuffer()));
  await rename(temp, file);
  return image;
}

/**
 * Seed content lives in code, not only in versions: while a seed is being written its
 * version stays put, so the image also follows the seed files' modification times.
 */
async function sourceStamp(seeded: boolean): Promise<string> {
  if (!seeded) return '';
  const { stat } = await import('node:fs/promises');
  const files = [
    '../../src/platform/tenancy/demo-councils.ts',
    '../../src/platform/gazetteer/demo.ts',
    '../../src/modules/local-info/demo.ts',
    '../../src/modules/catalogue/seed.ts',
    '../../src/modules/forms/seed.ts',
    '../../src/modules/staff/seed.ts',
    '../../src/modules/reports/demo.ts',
    '../../src/modules/crm/seed.ts',
    '../../src/modules/events/seed.ts',
    '../../src/modules/surveys/seed.ts',
    '../../src/modules/oidc/seed.ts',
    '../../src/modules/identity/seed.ts',
    '../../src/modules/forms/engine/fixtures/missed-bin-collection.json',
    '../../src/modules/forms/engine/fixtures/single-person-discount.json',
    '../../src/modules/forms/demo/index.ts',
    ...['replacement-bin', 'bulky-waste', 'noise-nuisance', 'tell-us-you-have-moved'].map(
      (f) => `../../src/modules/forms/demo/riverford/${f}.json`,
    ),
    ...['residents-parking-permit', 'dropped-kerb', 'tell-us-you-have-moved'].map(
      (f) => `../../src/modules/forms/demo/northshire/${f}.json`,
    ),
  ];
  const times = await Promise.all(
    files.map((f) =>
      stat(path.resolve(import.meta.dirname, f)).then(
        (s) => s.mtimeMs,
        () => 0,
      ),
    ),
  );
  return times.join();
}

/**
 * A fresh, migrated database for one test: PGlite in memory, or, when DATABASE_URL is set,
 * a schema of its own in that PostgreSQL database (dropped on close).
 */
export async function testDatabase(options: { seeded?: boolean } = {}): Promise<TestDatabase> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const db = await openDatabase({
      databaseUrl: undefined,
      dataDir: undefined,
      loadDataDir: await pgliteImage(options.seeded ?? false),
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
  if (options.seeded) await seedDemo(db, { log: () => {} });
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

/** Seeds the demo councils (only them: other demo content comes with `seeded: true`) and returns their ids. */
export async function seedTenants(db: Database): Promise<SeededTenants> {
  await seedDemo(db, { log: () => {}, seeds: [councilsSeed] });
  const rows = await db.query<{ id: string; slug: string }>(`select id, slug from tenants order by slug`);
  const id = (slug: string) => rows.find((r) => r.slug === slug)!.id;
  return {
    northshire: { id: id('northshire'), slug: 'northshire' },
    riverford: { id: id('riverford'), slug: 'riverford' },
  };
}
