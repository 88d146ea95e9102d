import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  type SeededTenants,
  seedTenants,
  type TestDatabase,
  testDatabase,
} from '../../../test/support/database.ts';
import { cleanContentType, cleanFilename, createLocalFileStore, type FileStore } from './file-store.ts';

let database: TestDatabase;
let tenants: SeededTenants;
let dataDir: string;
let store: FileStore;

before(async () => {
  database = await testDatabase();
  tenants = await seedTenants(database.db);
  dataDir = await mkdtemp(path.join(tmpdir(), 'doorstep-files-'));
  store = createLocalFileStore({ dataDir, db: database.db });
});

after(async () => {
  await database?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Every file under a folder, relative to it. */
async function filesUnder(folder: string): Promise<string[]> {
  if (!existsSync(folder)) return [];
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(folder, path.join(e.parentPath, e.name)));
}

describe('local file store', () => {
  test('stores bytes and facts, and gives them back', async () => {
    const bytes = randomBytes(10_000);
    const sha = createHash('sha256').update(bytes).digest('hex');
    const file = await store.put(tenants.northshire.id, bytes, {
      filename: 'pothole.jpg',
      contentType: 'image/jpeg',
    });
    assert.match(file.id, /^[0-9a-f-]{36}$/);
    assert.equal(file.tenantId, tenants.northshire.id);
    assert.equal(file.filename, 'pothole.jpg');
    assert.equal(file.contentType, 'image/jpeg');
    assert.equal(file.sizeBytes, 10_000);
    assert.equal(file.sha256, sha);
    assert.ok(file.createdAt instanceof Date);
    // <dataDir>/files/<tenant>/<sha[0:2]>/<sha[2:4]>/<id>
    assert.equal(
      file.storageKey,
      `${tenants.northshire.id}/${sha.slice(0, 2)}/${sha.slice(2, 4)}/${file.id}`,
    );
    assert.deepEqual(await readFile(path.join(dataDir, 'files', file.storageKey)), bytes);

    const got = await store.get(tenants.northshire.id, file.id);
    assert.ok(got);
    assert.deepEqual(got.bytes, bytes);
    assert.deepEqual(got.file, file);

    const [row] = await database.db.query<{ n: number }>(
      'select count(*)::int as n from files where tenant_id = $1 and id = $2',
      [tenants.northshire.id, file.id],
    );
    assert.equal(row?.n, 1);
  });

  test("a council cannot read or delete another council's file", async () => {
    const file = await store.put(tenants.northshire.id, Buffer.from('private'), {
      filename: 'letter.pdf',
      contentType: 'application/pdf',
    });
    assert.equal(await store.get(tenants.riverford.id, file.id), undefined);
    assert.equal(await store.delete(tenants.riverford.id, file.id), false);
    assert.ok(await store.get(tenants.northshire.id, file.id), 'still there for its owner');
  });

  test('unknown or malformed ids find nothing', async () => {
    assert.equal(await store.get(tenants.northshire.id, randomUUID()), undefined);
    assert.equal(await store.get(tenants.northshire.id, 'not-a-uuid'), undefined);
    assert.equal(await store.get(tenants.northshire.id, '../../etc/passwd'), undefined);
    assert.equal(await store.delete(tenants.northshire.id, 'nope'), false);
  });

  test('refuses a tenant id that is not a UUID (it becomes a folder name)', async () => {
    await assert.rejects(
      store.put('../escape', Buffer.from('x'), { filename: 'a', contentType: 'text/plain' }),
      /UUID/,
    );
    await assert.rejects(store.get('..', randomUUID()), /UUID/);
  });

  test('delete removes the row and the bytes', async () => {
    const file = await store.put(tenants.riverford.id, Buffer.from('bin day'), {
      filename: 'a.txt',
      contentType: 'text/plain',
    });
    const on = path.join(dataDir, 'files', file.storageKey);
    assert.ok(existsSync(on));
    assert.equal(await store.delete(tenants.riverford.id, file.id), true);
    assert.equal(existsSync(on), false);
    assert.equal(await store.get(tenants.riverford.id, file.id), undefined);
    assert.equal(await store.delete(tenants.riverford.id, file.id), false);
  });

  test('the same bytes twice are two files: deleting one keeps the other', async () => {
    const bytes = Buffer.from('same photo');
    const a = await store.put(tenants.northshire.id, bytes, { filename: 'a.jpg', contentType: 'image/jpeg' });
    const b = await store.put(tenants.northshire.id, bytes, { filename: 'b.jpg', contentType: 'image/jpeg' });
    assert.notEqual(a.storageKey, b.storageKey);
    assert.equal(a.sha256, b.sha256);
    await store.delete(tenants.northshire.id, a.id);
    assert.deepEqual((await store.get(tenants.northshire.id, b.id))?.bytes, bytes);
  });

  test('a row without its bytes is an error, not "not found"', async () => {
    const file = await store.put(tenants.northshire.id, Buffer.from('x'), {
      filename: 'x',
      contentType: 'text/plain',
    });
    await unlink(path.join(dataDir, 'files', file.storageKey));
    await assert.rejects(store.get(tenants.northshire.id, file.id), /ENOENT/);
    assert.equal(await store.delete(tenants.northshire.id, file.id), true, 'delete still clears the row');
  });

  test('leaves no temporary files, and removes the bytes when the row cannot be written', async () => {
    const before = (await filesUnder(path.join(dataDir, 'files'))).length;
    const unknownTenant = randomUUID(); // the foreign key refuses it
    await assert.rejects(
      store.put(unknownTenant, Buffer.from('x'), { filename: 'x', contentType: 'text/plain' }),
    );
    const after = await filesUnder(path.join(dataDir, 'files'));
    assert.equal(after.length, before);
    assert.equal(
      after.filter((f) => path.basename(f).startsWith('.tmp-')).length,
      0,
      'no temporary files are left behind',
    );
  });

  test('joins the caller transaction for the row', async () => {
    const kept = await database.db.transaction((tx) =>
      store.put(
        tenants.northshire.id,
        Buffer.from('in tx'),
        { filename: 't.txt', contentType: 'text/plain' },
        tx,
      ),
    );
    assert.ok(await store.get(tenants.northshire.id, kept.id));
    let rolledBack: string | undefined;
    await assert.rejects(
      database.db.transaction(async (tx) => {
        rolledBack = (
          await store.put(
            tenants.northshire.id,
            Buffer.from('gone'),
            { filename: 'g.txt', contentType: 'text/plain' },
            tx,
          )
        ).id;
        throw new Error('roll back');
      }),
      /roll back/,
    );
    assert.ok(rolledBack);
    assert.equal(await store.get(tenants.northshire.id, rolledBack), undefined);
  });

  test('cleans filenames and content types', async () => {
    assert.equal(cleanFilename('C:\\Users\\me\\Desktop\\photo.jpg'), 'photo.jpg');
    assert.equal(cleanFilename('../../etc/passwd'), 'passwd');
    assert.equal(cleanFilename('bad\r\nname\u0000.txt'), 'badname.txt');
    assert.equal(cleanFilename('right\u202eto-left.txt'), 'rightto-left.txt');
    assert.equal(cleanFilename('..'), 'file');
    assert.equal(cleanFilename('   '), 'file');
    assert.equal(cleanFilename('ffordd-y-môr.pdf'), 'ffordd-y-môr.pdf');
    assert.equal([...cleanFilename('a'.repeat(500))].length, 200);
    assert.equal(cleanContentType('Image/JPEG'), 'image/jpeg');
    assert.equal(cleanContentType('text/plain; charset=utf-8'), 'text/plain; charset=utf-8');
    assert.equal(cleanContentType('text/html\r\nx-evil: 1'), 'application/octet-stream');
    assert.equal(cleanContentType(''), 'application/octet-stream');
    assert.equal(cleanContentType('nonsense'), 'application/octet-stream');

    const file = await store.put(tenants.riverford.id, Buffer.from('x'), {
      filename: 'dir/evil\n.txt',
      contentType: 'bogus',
    });
    assert.equal(file.filename, 'evil.txt');
    assert.equal(file.contentType, 'application/octet-stream');
  });

  test('an empty file is a file', async () => {
    const file = await store.put(tenants.riverford.id, Buffer.alloc(0), {
      filename: 'empty',
      contentType: 'text/plain',
    });
    assert.equal(file.sizeBytes, 0);
    assert.equal((await store.get(tenants.riverford.id, file.id))?.bytes.length, 0);
  });
});
