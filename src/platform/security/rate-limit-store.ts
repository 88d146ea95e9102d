import type { Database } from '../../db/database.ts';

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;

interface RouteParams {
  routeInfo?: { method?: string | string[]; url?: string };
}

interface Window {
  hits: number;
  endsAt: number;
}

/**
 * Counters in this process's memory, for the embedded database: its data folder belongs to
 * one process, so there is no other process to count with, and a limited request costs no
 * write. One set per database object, so every app built on it counts together.
 */
const memoryWindows = new WeakMap<Database, Map<string, Window>>();

function countInMemory(db: Database, key: string, timeWindow: number, at: number): Window {
  let windows = memoryWindows.get(db);
  if (!windows) {
    windows = new Map();
    memoryWindows.set(db, windows);
  }
  let window = windows.get(key);
  if (!window || window.endsAt <= at) {
    // Expired windows are dropped as they are met, and all of them when the map grows large.
    if (windows.size > 100_000) for (const [k, w] of windows) if (w.endsAt <= at) windows.delete(k);
    window = { hits: 0, endsAt: at + timeWindow };
    windows.set(key, window);
  }
  window.hits += 1;
  return window;
}

/**
 * A @fastify/rate-limit store: on PostgreSQL one upsert per limited request (only public
 * posts and sign-in are limited), counted across every process; on the embedded database,
 * in memory. Keys are "<tenant id>|<client>", made by our key generator.
 */
export function databaseRateLimitStore(db: Database, now: () => Date) {
  return class DatabaseRateLimitStore {
    readonly #route: string;

    constructor(params?: unknown) {
      const info = (params as RouteParams | undefined)?.routeInfo;
      const method = Array.isArray(info?.method) ? info.method.join(',') : info?.method;
      // Each limited route counts on its own: ten sign-ins must not use up a feedback form's allowance.
      this.#route = info?.url ? `${method} ${info.url}` : '*';
    }

    #split(key: string): [string, string] {
      const bar = key.indexOf('|');
      return [key.slice(0, bar), `${this.#route}|${key.slice(bar + 1)}`];
    }

    incr(key: string, callback: Callback, timeWindow: number): void {
      const [tenantId, rest] = this.#split(key);
      const at = now();
      if (db.driver === 'pglite') {
        const window = countInMemory(db, `${tenantId}|${rest}`, timeWindow, at.getTime());
        callback(null, { current: window.hits, ttl: Math.max(0, window.endsAt - at.getTime()) });
        return;
      }
      const ends = new Date(at.getTime() + timeWindow);
      db.query<{ hits: number; window_ends_at: Date }>(
        `insert into rate_limits (tenant_id, key, hits, window_ends_at) values ($1, $2, 1, $3)
         on conflict (tenant_id, key) do update set
           hits = case when rate_limits.window_ends_at <= $4 then 1 else rate_limits.hits + 1 end,
           window_ends_at = case when rate_limits.window_ends_at <= $4 then $3 else rate_limits.window_ends_at end
         returning hits, window_ends_at`,
        [tenantId, rest, ends, at],
      ).then(
        ([row]) =>
          callback(null, {
            current: row!.hits,
            ttl: Math.max(0, new Date(row!.window_ends_at).getTime() - at.getTime()),
          }),
        (error: Error) => callback(error),
      );
    }

    read(key: string, callback: Callback): void {
      const [tenantId, rest] = this.#split(key);
      const at = now();
      if (db.driver === 'pglite') {
        const window = memoryWindows.get(db)?.get(`${tenantId}|${rest}`);
        const live = window && window.endsAt > at.getTime();
        callback(
          null,
          live ? { current: window.hits, ttl: window.endsAt - at.getTime() } : { current: 0, ttl: 0 },
        );
        return;
      }
      db.query<{ hits: number; window_ends_at: Date }>(
        'select hits, window_ends_at from rate_limits where tenant_id = $1 and key = $2 and window_ends_at > $3',
        [tenantId, rest, at],
      ).then(
        ([row]) =>
          callback(
            null,
            row
              ? { current: row.hits, ttl: new Date(row.window_ends_at).getTime() - at.getTime() }
              : { current: 0, ttl: 0 },
          ),
        (error: Error) => callback(error),
      );
    }

    child(params: unknown) {
      return new DatabaseRateLimitStore(params);
    }
  };
}

export async function deleteExpiredRateLimits(db: Database, at: Date): Promise<number> {
  return (await db.query('delete from rate_limits where window_ends_at <= $1 returning 1', [at])).length;
}
