import { type Database, databaseOf, type Queryable } from './database.ts';

/**
 * Rows kept in this process's memory between requests, on the embedded database only.
 * PGlite's data folder belongs to one process, so every write passes through this process
 * and, when its store keeps the cache in step, the copy cannot go stale. On PostgreSQL other
 * processes write too, so nothing is kept there and every read goes to the database.
 *
 * A store reads like this, so that a write landing while a read is in flight is never
 * overwritten by the older row that read returns:
 *   const cached = cache.get(key); if (cached) return cached;
 *   const ticket = cache.ticket(key); const row = await query(...); cache.fill(ticket, row);
 * Writes outside a transaction call `set` with the new row; writes inside one call `forget`
 * (the transaction may yet roll back; PGlite runs nothing else until it ends).
 * Values are kept as JSON (a caller changing what it got cannot change the cached row), so
 * they hold no Dates; a row that expires carries its expiry, and its store checks it.
 */
export interface ProcessCache<V> {
  get(key: string): V | undefined;
  ticket(key: string): Ticket;
  fill(ticket: Ticket, value: V | undefined): void;
  set(key: string, value: V): void;
  forget(key: string): void;
  /** Forgets every key that starts with prefix (for example a council's id). */
  forgetPrefix(prefix: string): void;
  readonly size: number;
}

export interface Ticket {
  readonly key: string;
  readonly generation: number;
}

class MemoryCache<V> implements ProcessCache<V> {
  readonly #entries = new Map<string, string>();
  /** Bumped by every write, so a read that began before a write cannot fill with its old row. */
  readonly #generations = new Map<string, number>();
  #clock = 0;
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  get size() {
    return this.#entries.size;
  }

  get(key: string): V | undefined {
    const json = this.#entries.get(key);
    if (json === undefined) return undefined;
    // Least recently used goes first: move this one to the end.
    this.#entries.delete(key);
    this.#entries.set(key, json);
    return JSON.parse(json) as V;
  }

  ticket(key: string): Ticket {
    return { key, generation: this.#generations.get(key) ?? 0 };
  }

  fill(ticket: Ticket, value: V | undefined): void {
    if ((this.#generations.get(ticket.key) ?? 0) !== ticket.generation) return;
    if (value === undefined) return;
    this.#store(ticket.key, value);
  }

  set(key: string, value: V): void {
    this.#bump(key);
    this.#store(key, value);
  }

  forget(key: string): void {
    this.#bump(key);
    this.#entries.delete(key);
  }

  forgetPrefix(prefix: string): void {
    for (const key of [...this.#entries.keys()]) if (key.startsWith(prefix)) this.forget(key);
  }

  #bump(key: string) {
    this.#generations.set(key, ++this.#clock);
    // Generations only matter while a read is in flight; keep the map from growing forever.
    if (this.#generations.size > this.#max * 2) {
      const keep = [...this.#generations].slice(-this.#max);
      this.#generations.clear();
      for (const [k, g] of keep) this.#generations.set(k, g);
    }
  }

  #store(key: string, value: V) {
    this.#entries.delete(key);
    this.#entries.set(key, JSON.stringify(value));
    if (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }
}

/** On PostgreSQL: keeps nothing, so every read goes to the database. */
class NoCache<V> implements ProcessCache<V> {
  readonly size = 0;
  get(): V | undefined {
    return undefined;
  }
  ticket(key: string): Ticket {
    return { key, generation: 0 };
  }
  fill(): void {}
  set(): void {}
  forget(): void {}
  forgetPrefix(): void {}
}

const caches = new WeakMap<Database, Map<string, ProcessCache<unknown>>>();

/**
 * The cache called name for this database: one per database object, so that every app
 * built on the same database (tests build several) shares it and sees the same writes.
 */
export function processCache<V>(q: Queryable, name: string, options: { max?: number } = {}): ProcessCache<V> {
  const db = databaseOf(q);
  if (!db) return new NoCache<V>();
  let named = caches.get(db);
  if (!named) {
    named = new Map();
    caches.set(db, named);
  }
  let cache = named.get(name);
  if (!cache) {
    cache = db.driver === 'pglite' ? new MemoryCache<unknown>(options.max ?? 10_000) : new NoCache<unknown>();
    named.set(name, cache);
  }
  return cache as ProcessCache<V>;
}
