import type { Queryable } from '../../db/database.ts';

/** At most `max` hits in a window of `windowMs`, counted per key. */
export interface ThrottleLimit {
  max: number;
  windowMs: number;
}

export interface ThrottleResult {
  allowed: boolean;
  /** How long until the window ends, in whole seconds (0 when allowed). */
  retryAfterSeconds: number;
}

/**
 * Counts one hit against a key in a fixed window, on the same table as the HTTP rate limits
 * (so every process shares the count and housekeeping clears it). For limits a route's
 * address alone cannot express: per email address, per address and IP together, per user.
 * A throttle only delays: nothing here disables an account, so nobody can lock another out
 * for longer than a window.
 */
export async function throttleHit(
  q: Queryable,
  tenantId: string,
  key: string,
  limit: ThrottleLimit,
  now: Date,
): Promise<ThrottleResult> {
  const ends = new Date(now.getTime() + limit.windowMs);
  const [row] = await q.query<{ hits: number; window_ends_at: Date | string }>(
    `insert into rate_limits (tenant_id, key, hits, window_ends_at) values ($1, $2, 1, $3)
     on conflict (tenant_id, key) do update set
       hits = case when rate_limits.window_ends_at <= $4 then 1 else rate_limits.hits + 1 end,
       window_ends_at = case when rate_limits.window_ends_at <= $4 then $3 else rate_limits.window_ends_at end
     returning hits, window_ends_at`,
    [tenantId, `throttle|${key}`, ends, now],
  );
  const allowed = row!.hits <= limit.max;
  const left = new Date(row!.window_ends_at).getTime() - now.getTime();
  return { allowed, retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil(left / 1000)) };
}
