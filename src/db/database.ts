import type { PGlite, Transaction } from '@electric-sql/pglite';
import pg from 'pg';

/** What every store needs: parameterised SQL, on the database or inside a transaction. */
export interface Queryable {
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs several statements without parameters (migrations, seeds). */
  exec(text: string): Promise<void>;
}

export interface Database extends Queryable {
  readonly driver: 'pglite' | 'pg';
  /** Runs fn in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export class DatabaseUnavailableError extends Error {}

/** The database a transaction's handle belongs to, so per-database caches can be found from it. */
const owners = new WeakMap<Queryable, Database>();

/** The database q is, or whose transaction q is. */
export function databaseOf(q: Queryable): Database | undefined {
  return owners.get(q) ?? ('transaction' in q ? (q as Database) : undefined);
}

/** Whether q is a transaction's handle: a write there may yet be rolled back. */
export function inTransaction(q: Queryable): boolean {
  return owners.has(q);
}

// PGlite serialises its queries itself; a transaction holds it for its duration.
export function pgliteDatabase(client: PGlite): Database {
  const on = (q: PGlite | Transaction): Queryable => ({
    async query<Row>(text: string, params: readonly unknown[] = []) {
      const result = await q.query<Row>(text, params as unknown[]);
      return result.rows;
    },
    async exec(text: string) {
      await q.exec(text);
    },
  });
  const root = on(client);
  const database: Database = {
    driver: 'pglite',
    query: root.query,
    exec: root.exec,
    transaction: (fn) =>
      client.transaction((tx) => {
        const handle = on(tx);
        owners.set(handle, database);
        return fn(handle);
      }),
    close: () => client.close(),
  };
  return database;
}

export function pgDatabase(pool: pg.Pool): Database {
  const database: Database = {
    driver: 'pg',
    async query<Row>(text: string, params: readonly unknown[] = []) {
      const result = await pool.query(text, params as unknown[]);
      return result.rows as Row[];
    },
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const handle: Queryable = {
          async query<Row>(text: string, params: readonly unknown[] = []) {
            return (await client.query(text, params as unknown[])).rows as Row[];
          },
          async exec(text: string) {
            await client.query(text);
          },
        };
        owners.set(handle, database);
        const result = await fn(handle);
        await client.query('commit');
        return result;
      } catch (error) {
        await client.query('rollback').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    exec: async (text) => {
      await pool.query(text);
    },
    close: () => pool.end(),
  };
  return database;
}

export interface OpenOptions {
  databaseUrl: string | undefined;
  dataDir: string | undefined;
  /** Tests give each run its own schema in one PostgreSQL database. */
  searchPath?: string;
  /** A migrated PGlite image to start from (tests). */
  loadDataDir?: Blob;
  poolSize?: number;
}

export async function loadPgliteExtensions() {
  const [{ pg_trgm }, { unaccent }, { fuzzystrmatch }, { cube }, { earthdistance }] = await Promise.all([
    import('@electric-sql/pglite/contrib/pg_trgm'),
    import('@electric-sql/pglite/contrib/unaccent'),
    import('@electric-sql/pglite/contrib/fuzzystrmatch'),
    import('@electric-sql/pglite/contrib/cube'),
    import('@electric-sql/pglite/contrib/earthdistance'),
  ]);
  return { pg_trgm, unaccent, fuzzystrmatch, cube, earthdistance };
}

/** Opens PostgreSQL when a URL is given, else PGlite in dataDir (or in memory when dataDir is undefined). */
export async function openDatabase(options: OpenOptions): Promise<Database> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options);
  const { PGlite } = await import('@electric-sql/pglite');
  const client = await PGlite.create({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
    extensions: await loadPgliteExtensions(),
  });
  return pgliteDatabase(client);
}

async function openPostgres(databaseUrl: string, options: OpenOptions): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 5000,
    ...(options.searchPath ? { options: `-c search_path=${options.searchPath}` } : {}),
  });
  // An idle client that loses its server must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  let version: number;
  try {
    const rows = (await pool.query<{ v: string }>('show server_version_num')).rows;
    version = Number(rows[0]?.v);
  } catch (error) {
    await pool.end().catch(() => {});
    const where = safeLocation(databaseUrl);
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new DatabaseUnavailableError(`DATABASE_URL: cannot connect to ${where} (${reason})`);
  }
  if (version < 150000) {
    await pool.end();
    throw new DatabaseUnavailableError(`DATABASE_URL: PostgreSQL 15 or newer is required, found ${version}`);
  }
  return pgDatabase(pool);
}

/** host:port/database without credentials, for messages. */
export function safeLocation(databaseUrl: string): string {
  try {
    const u = new URL(databaseUrl);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'the database';
  }
}
