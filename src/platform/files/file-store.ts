import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Queryable } from '../../db/database.ts';

/**
 * Where uploaded files live (photos on reports, attachments on forms and cases). The bytes
 * go to a store, the facts about them to the `files` table; every call names the council,
 * and a file is found only by the council that owns it.
 *
 * Local disk is the default; an S3-compatible store can implement the same interface,
 * using `storageKey` as its object key.
 */

export interface StoredFile {
  id: string;
  tenantId: string;
  /** As given, minus any folder part and control characters. */
  filename: string;
  contentType: string;
  sizeBytes: number;
  /** Lower-case hex SHA-256 of the bytes. */
  sha256: string;
  /** Where the bytes are, relative to the store's root. */
  storageKey: string;
  createdAt: Date;
}

export interface FileMeta {
  filename: string;
  contentType: string;
}

export interface FileStore {
  /**
   * Stores the bytes, then records the row. `q` lets the row join the caller's transaction;
   * if that transaction rolls back, the bytes stay behind as an orphan, never the reverse.
   */
  put(tenantId: string, bytes: Buffer, meta: FileMeta, q?: Queryable): Promise<StoredFile>;
  get(tenantId: string, id: string, q?: Queryable): Promise<{ file: StoredFile; bytes: Buffer } | undefined>;
  /**
   * True when there was such a file; its bytes are removed with its row. No transaction
   * parameter on purpose: bytes cannot be rolled back, so delete after your commit.
   */
  delete(tenantId: string, id: string): Promise<boolean>;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A content type as `type/subtype` with optional parameters, nothing that could break a header. */
const contentTypePattern =
  /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*(\s*;\s*[a-z0-9!#$&^_.+-]+=("[^"\r\n]*"|[a-z0-9!#$&^_.+-]+))*$/i;
/** Control characters of any kind; they have no place in a filename shown or sent in a header. */
const controlCharacters = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;

export function cleanFilename(filename: string): string {
  // Browsers (old ones) send a full path; only the last part is the name.
  const base = filename.split(/[\\/]/).pop() ?? '';
  const clean = base.replace(controlCharacters, '').trim().normalize('NFC');
  const limited = [...clean].slice(0, 200).join('');
  return limited === '' || limited === '.' || limited === '..' ? 'file' : limited;
}

export function cleanContentType(contentType: string): string {
  const trimmed = contentType.trim().toLowerCase();
  return trimmed.length <= 200 && contentTypePattern.test(trimmed) ? trimmed : 'application/octet-stream';
}

interface FileRow {
  id: string;
  tenant_id: string;
  filename: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  storage_key: string;
  created_at: Date | string;
}

const columns = 'id, tenant_id, filename, content_type, size_bytes, sha256, storage_key, created_at';

function toStoredFile(row: FileRow): StoredFile {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    filename: row.filename,
    contentType: row.content_type,
    sizeBytes: Number(row.size_bytes),
    sha256: row.sha256,
    storageKey: row.storage_key,
    createdAt: row.created_at instanceof Date ? row.created_at : new Date(row.created_at),
  };
}

function requireTenant(tenantId: string): void {
  // The tenant id becomes a folder name: anything but a UUID could climb out of the root.
  if (!uuidPattern.test(tenantId)) throw new Error('file store: the tenant id must be a UUID');
}

export interface LocalFileStoreOptions {
  /** The data folder (DOORSTEP_DATA); files go under `<dataDir>/files`. */
  dataDir: string;
  db: Queryable;
}

export function createLocalFileStore(options: LocalFileStoreOptions): FileStore {
  const root = path.resolve(options.dataDir, 'files');

  function pathOf(storageKey: string): string {
    const full = path.resolve(root, storageKey);
    // Keys come from our own rows, but a bad row must still never reach outside the root.
    if (!full.startsWith(root + path.sep)) throw new Error('file store: storage key outside the store');
    return full;
  }

  /** Written under a temporary name, flushed, then renamed: a reader sees all or nothing. */
  async function writeAtomically(target: string, bytes: Buffer): Promise<void> {
    await mkdir(path.dirname(target), { recursive: true });
    const temp = path.join(path.dirname(target), `.tmp-${randomBytes(8).toString('hex')}`);
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } catch (error) {
      await handle.close();
      await rm(temp, { force: true });
      throw error;
    }
    await handle.close();
    try {
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  return {
    async put(tenantId, bytes, meta, q = options.db) {
      requireTenant(tenantId);
      const id = randomUUID();
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      // Sharded by hash so no folder grows huge; named by id, not by hash, so each row owns
      // its bytes: deleting a file (a person's photo, on request) removes them outright,
      // with no count of other rows sharing them to get wrong under concurrency.
      const storageKey = `${tenantId}/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${id}`;
      const target = pathOf(storageKey);
      await writeAtomically(target, bytes);
      try {
        const [row] = await q.query<FileRow>(
          `insert into files (tenant_id, id, filename, content_type, size_bytes, sha256, storage_key)
           values ($1, $2, $3, $4, $5, $6, $7)
           returning ${columns}`,
          [
            tenantId,
            id,
            cleanFilename(meta.filename),
            cleanContentType(meta.contentType),
            bytes.length,
            sha256,
            storageKey,
          ],
        );
        return toStoredFile(row!);
      } catch (error) {
        await unlink(target).catch(() => {});
        throw error;
      }
    },

    async get(tenantId, id, q = options.db) {
      requireTenant(tenantId);
      if (!uuidPattern.test(id)) return undefined;
      const [row] = await q.query<FileRow>(`select ${columns} from files where tenant_id = $1 and id = $2`, [
        tenantId,
        id,
      ]);
      if (!row) return undefined;
      const file = toStoredFile(row);
      // A row without its bytes is damage, not "not found": let it surface.
      const bytes = await readFile(pathOf(file.storageKey));
      return { file, bytes };
    },

    async delete(tenantId, id) {
      requireTenant(tenantId);
      if (!uuidPattern.test(id)) return false;
      const [row] = await options.db.query<{ storage_key: string }>(
        'delete from files where tenant_id = $1 and id = $2 returning storage_key',
        [tenantId, id],
      );
      if (!row) return false;
      await unlink(pathOf(row.storage_key)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
      return true;
    },
  };
}
