import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { seedTenants, testDatabase } from '../../../test/support/database.ts';
import type { Database } from '../../db/database.ts';
import { upsertTenant } from '../tenancy/store.ts';
import { countLines, importGazetteerCommand } from './cli.ts';
import { GazetteerImportError, importGazetteer, mapColumns, readRow } from './import.ts';
import { countAddresses, findByUprn } from './store.ts';

async function* chunks(text: string, size = 64) {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

const header = 'UPRN,Address Line 1,Address Line 2,Town,Postcode,Latitude,Longitude,bin_round,Ward\n';
const goodRows = [
  '200000000001,1 Weir Lane,,Riverford,rf7 1aa,52.18,-1.18,RF-MON-A,Weirside',
  '200000000002,2 Weir Lane,,Riverford,RF7 1AA,52.1801,-1.1801,RF-MON-A,Weirside',
  '200000000003,"Flat 1, Mill House",Weir Lane,Riverford,RF7 1AB,52.1802,-1.1802,RF-TUE-B,',
];

describe('reading a gazetteer file’s columns and rows', () => {
  it('maps the usual column names, any case or spacing, and keeps other columns as facts', () => {
    const columns = mapColumns([
      'UPRN',
      'Address Line 1',
      'ADDRESS_LINE_2',
      'post town',
      'Postcode',
      'lat',
      'Lon',
      'bin_round',
      'Parish Name',
    ]);
    assert.deepEqual(columns, {
      uprn: 0,
      line1: 1,
      line2: 2,
      line3: undefined,
      town: 3,
      postcode: 4,
      lat: 5,
      lng: 6,
      facts: [
        ['binRound', 7],
        ['parishName', 8],
      ],
    });
  });

  it('names the columns a header lacks, and refuses a column named twice', () => {
    assert.throws(
      () => mapColumns(['uprn', 'line1', 'postcode']),
      (e: Error) =>
        e instanceof GazetteerImportError &&
        /lacks town \(town\), latitude \(latitude\), longitude \(longitude\)/.test(e.message),
    );
    assert.throws(() => mapColumns(['uprn', 'UPRN']), /names column "uprn" twice/);
  });

  it('normalises a good row and explains every fault of a bad one', () => {
    const columns = mapColumns(header.trim().split(','));
    const good = readRow(
      ['000200000000003', 'Flat 1', 'Mill House', 'Riverford', 'rf71ab', '52.1', '-1.2', '', 'Weirside'],
      columns,
      9,
    );
    assert.deepEqual(good, {
      address: {
        uprn: '200000000003',
        line1: 'Flat 1',
        line2: 'Mill House',
        town: 'Riverford',
        postcode: 'RF7 1AB',
        lat: 52.1,
        lng: -1.2,
        facts: { ward: 'Weirside' },
      },
    });
    const bad = readRow(['12a', '', '', '', 'RF7', '-1.2', '52.1', '', ''], columns, 9);
    assert.deepEqual(bad, {
      errors: [
        'UPRN "12a" is not a number of up to 12 digits',
        'address line 1 is empty',
        'town is empty',
        'postcode "RF7" is not a UK postcode',
        'latitude "-1.2" is not a number between 49 and 61',
        'longitude "52.1" is not a number between -9 and 2',
      ],
    });
    assert.deepEqual(readRow(['1', '2'], columns, 9), { errors: ['has 2 values, expected 9'] });
  });
});

describe('importing a gazetteer', () => {
  let db: Database;
  let close: () => Promise<void>;
  let dir: string;
  // Two councils of their own, so that the demo gazetteers (when seeded) do not count.
  const tenants = { riverford: { id: '' }, northshire: { id: '' } };
  before(async () => {
    ({ db, close } = await testDatabase());
    await seedTenants(db);
    for (const [key, slug, prefix] of [
      ['riverford', 'importford', 'IMF'],
      ['northshire', 'importshire', 'IMS'],
    ] as const) {
      tenants[key].id = await upsertTenant(db, {
        slug,
        prefix,
        name: { en: `${slug} council` },
        brand: { colour: '#1d70b8', onColour: '#ffffff', logoSvg: '<svg/>' },
        contact: { phone: '', email: `hello@${slug}.example`, address: { en: '' }, openingHours: { en: '' } },
        footerLinks: [],
        hosts: [`${slug}.localhost`],
      });
    }
    dir = mkdtempSync(path.join(tmpdir(), 'doorstep-gazetteer-'));
  });
  after(async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('upserts good rows, skips bad ones with their line numbers, and is safe to run again', async () => {
    const csv = `${header}${goodRows[0]}\n1234567890123,Too long a UPRN,,Riverford,RF7 1AA,52.1,-1.1,,\n${goodRows[1]}\n"unterminated,x\n`;
    const progress: number[] = [];
    const first = await importGazetteer(db, tenants.riverford.id, chunks(csv), {
      batchSize: 1,
      onProgress: (p) => progress.push(p.imported),
    });
    assert.equal(first.rows, 4);
    assert.equal(first.imported, 2);
    assert.equal(first.skipped, 2);
    assert.equal(first.inserted, 2);
    assert.deepEqual(first.errors, [
      { line: 3, errors: ['UPRN "1234567890123" is not a number of up to 12 digits'] },
      { line: 5, errors: ['is not valid CSV: a quoted value that never ends'] },
    ]);
    assert.deepEqual(progress, [1, 2]);
    const address = await findByUprn(db, tenants.riverford.id, '200000000001');
    assert.deepEqual(address?.facts, { binRound: 'RF-MON-A', ward: 'Weirside' });
    assert.equal(address?.postcode, 'RF7 1AA');

    const again = await importGazetteer(db, tenants.riverford.id, chunks(csv));
    assert.deepEqual([again.inserted, again.updated, again.unchanged], [0, 0, 2]);
    assert.equal(await countAddresses(db, tenants.riverford.id), 2);
  });

  it('keeps facts a later file does not mention, unless told to replace them', async () => {
    const csv =
      'uprn,line1,town,postcode,latitude,longitude,parish\n200000000001,1 Weir Lane,Riverford,RF7 1AA,52.18,-1.18,Weirford\n';
    const merged = await importGazetteer(db, tenants.riverford.id, chunks(csv));
    assert.equal(merged.updated, 1);
    assert.deepEqual((await findByUprn(db, tenants.riverford.id, '200000000001'))?.facts, {
      binRound: 'RF-MON-A',
      ward: 'Weirside',
      parish: 'Weirford',
    });
    await importGazetteer(db, tenants.riverford.id, chunks(csv), { facts: 'replace' });
    assert.deepEqual((await findByUprn(db, tenants.riverford.id, '200000000001'))?.facts, {
      parish: 'Weirford',
    });
  });

  it('stops between batches when asked, and a second run finishes the job', async () => {
    const rows = Array.from(
      { length: 10 },
      (_, i) => `3000000000${String(i).padStart(2, '0')},${i + 1} Ferry Road,Riverford,RF8 1AA,52.2,-1.2`,
    );
    const csv = `uprn,line1,town,postcode,lat,lng\n${rows.join('\n')}\n`;
    const controller = new AbortController();
    const stopped = await importGazetteer(db, tenants.northshire.id, chunks(csv, 7), {
      batchSize: 3,
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    assert.equal(stopped.stopped, true);
    assert.equal(stopped.imported, 3);
    assert.equal(await countAddresses(db, tenants.northshire.id), 3);
    const finished = await importGazetteer(db, tenants.northshire.id, chunks(csv), { batchSize: 3 });
    assert.equal(finished.stopped, false);
    assert.deepEqual([finished.inserted, finished.unchanged], [7, 3]);
    assert.equal(await countAddresses(db, tenants.northshire.id), 10);
  });

  it('refuses a file without the columns it needs, writing nothing', async () => {
    await assert.rejects(
      importGazetteer(db, tenants.northshire.id, chunks('id,address\n1,x\n')),
      /the header row lacks UPRN/,
    );
    await assert.rejects(importGazetteer(db, tenants.northshire.id, chunks('')), /the file is empty/);
  });

  it('runs as a command: progress and bad lines on stderr, a summary on stdout', async () => {
    const file = path.join(dir, 'riverford.csv');
    writeFileSync(
      file,
      `${header}${goodRows.join('\n')}\n200000000009,9 Weir Lane,,Riverford,XX,52.1,-1.1,,\n`,
    );
    assert.equal(await countLines(file), 5);
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s) },
    };
    const open = (fn: (db: Database) => Promise<number>) => fn(db);
    const code = await importGazetteerCommand([file, '--council', 'importford'], open, io);
    assert.equal(code, 0);
    assert.match(err.join(''), /4 \/ 4 rows \(100%\), [\d,]+ rows\/s, 1 skipped/);
    assert.match(err.join(''), /line 5: postcode "XX" is not a UK postcode/);
    assert.match(
      out.join(''),
      /Imported 3 rows of .*riverford\.csv into importford \(1 new, 1 changed, 1 unchanged\); 1 bad row skipped/,
    );

    err.length = 0;
    assert.equal(await importGazetteerCommand([file, '--council', 'nowhere'], open, io), 1);
    assert.match(
      err.join(''),
      /no council "nowhere"; councils: importford, importshire, northshire, riverford/,
    );
    err.length = 0;
    assert.equal(await importGazetteerCommand([file], open, io), 1);
    assert.match(err.join(''), /Usage: npm run doorstep -- import:gazetteer FILE.csv --council <slug>/);
    err.length = 0;
    assert.equal(
      await importGazetteerCommand([path.join(dir, 'missing.csv'), '--council', 'importford'], open, io),
      1,
    );
    assert.match(err.join(''), /cannot read/);
  });

  it('refuses, as a command, while a server holds the embedded database', () => {
    const data = path.join(dir, 'data');
    const file = path.join(dir, 'riverford.csv');
    // This test process stands in for the server holding the folder.
    mkdirSync(data, { recursive: true });
    writeFileSync(path.join(data, 'doorstep.lock'), `${process.pid} a Doorstep server\n`);
    const env: NodeJS.ProcessEnv = { ...process.env, DOORSTEP_DATA: data };
    delete env.DATABASE_URL;
    const child = spawnSync(
      process.execPath,
      [
        path.resolve(import.meta.dirname, '../../cli/index.ts'),
        'import:gazetteer',
        file,
        '--council',
        'riverford',
      ],
      { env, encoding: 'utf8', timeout: 30_000 },
    );
    assert.equal(child.status, 1, child.stderr);
    assert.match(child.stderr, /in use by a Doorstep server \(pid \d+\)/);
  });
});
