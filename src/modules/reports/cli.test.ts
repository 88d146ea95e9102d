import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { testDatabase } from '../../../test/support/database.ts';
import type { Database } from '../../db/database.ts';
import { importBoundariesCommand } from './cli.ts';
import { demoBoundariesGeoJson } from './demo.ts';

let db: Database;
let close: () => Promise<void>;
const dir = mkdtempSync(path.join(tmpdir(), 'doorstep-boundaries-'));
before(async () => {
  ({ db, close } = await testDatabase({ seeded: true }));
});
after(() => close());

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } },
  };
}

test('import:boundaries loads GeoJSON with progress, skips bad features by position, and is safe to run again', async () => {
  const file = path.join(dir, 'boundaries.geojson');
  const collection = demoBoundariesGeoJson() as {
    type: string;
    features: { type: string; properties: Record<string, string>; geometry: unknown }[];
  };
  collection.features.push(
    {
      type: 'Feature',
      properties: { council: 'nowhere', code: 'x', name: 'X' },
      geometry: collection.features[0]!.geometry,
    },
    {
      type: 'Feature',
      properties: { council: 'riverford', code: 'bad', name: 'Bad' },
      geometry: { type: 'Point', coordinates: [0, 0] } as never,
    },
  );
  writeFileSync(file, JSON.stringify(collection));
  const first = io();
  assert.equal(await importBoundariesCommand([file], (fn) => fn(db), first.io), 0);
  assert.match(first.err.join(''), /feature 1 of 4: northshire\/northshire-county updated/);
  assert.match(first.err.join(''), /feature 3 of 4: skipped: properties.council "nowhere"/);
  assert.match(first.err.join(''), /feature 4 of 4: skipped: geometry must be a Polygon or MultiPolygon/);
  assert.match(first.out.join(''), /0 added, 2 updated, 2 skipped/);
  const again = io();
  assert.equal(await importBoundariesCommand([file], (fn) => fn(db), again.io), 0);
  const [row] = await db.query<{ n: number }>('select count(*)::int as n from boundaries');
  assert.equal(row!.n, 2);
  const usage = io();
  assert.equal(await importBoundariesCommand([], (fn) => fn(db), usage.io), 1);
  assert.match(usage.err.join(''), /Usage: npm run doorstep -- import:boundaries FILE.geojson/);
});

test('import:boundaries refuses, as a command, while a server holds the embedded database', () => {
  const data = path.join(dir, 'data');
  mkdirSync(data, { recursive: true });
  writeFileSync(path.join(data, 'doorstep.lock'), `${process.pid} a Doorstep server\n`);
  const file = path.join(dir, 'boundaries.geojson');
  const env: NodeJS.ProcessEnv = { ...process.env, DOORSTEP_DATA: data };
  delete env.DATABASE_URL;
  const child = spawnSync(
    process.execPath,
    [path.resolve(import.meta.dirname, '../../cli/index.ts'), 'import:boundaries', file],
    {
      env,
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
  assert.equal(child.status, 1, child.stderr);
  assert.match(child.stderr, /in use by a Doorstep server \(pid \d+\)/);
});
