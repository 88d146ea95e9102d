import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../../db/database.ts';
import type { Tenant } from '../../platform/tenancy/tenant.ts';

/**
 * API keys (REST API and Open311). Staff create them and see them once; only a SHA-256 of
 * the key is kept (a key is 32 random bytes, so a plain hash is enough to make a stolen
 * table useless). In demo mode only, each council also takes `demo-<slug>-key`.
 */

const hash = (key: string) => createHash('sha256').update(key).digest('hex');

export interface ApiKeyRow {
  id: string;
  name: string;
  hint: string;
  scopes: string[];
  createdAt: Date;
  revokedAt: Date | null;
}

export async function createApiKey(
  q: Queryable,
  tenantId: string,
  k: { name: string; createdBy: string | null; scopes?: string[] },
): Promise<{ key: string; id: string }> {
  const key = `dsk_${randomBytes(32).toString('base64url')}`;
  const [row] = await q.query<{ id: string }>(
    `insert into api_keys (tenant_id, name, key_hash, hint, scopes, created_by) values ($1, $2, $3, $4, $5, $6)
     returning id`,
    [
      tenantId,
      k.name,
      hash(key),
      `${key.slice(0, 8)}…${key.slice(-4)}`,
      k.scopes ?? ['open311'],
      k.createdBy,
    ],
  );
  return { key, id: row!.id };
}

export async function listApiKeys(q: Queryable, tenantId: string): Promise<ApiKeyRow[]> {
  return q.query<ApiKeyRow>(
    `select id, name, hint, scopes, created_at as "createdAt", revoked_at as "revokedAt" from api_keys
      where tenant_id = $1 order by created_at desc`,
    [tenantId],
  );
}

export async function revokeApiKey(q: Queryable, tenantId: string, id: string): Promise<boolean> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return false;
  const rows = await q.query(
    'update api_keys set revoked_at = coalesce(revoked_at, now()) where tenant_id = $1 and id = $2 returning id',
    [tenantId, id],
  );
  return rows.length > 0;
}

/** Whether the key is a live key of this council with the scope (or the demo key, in demo mode). */
export async function apiKeyValid(
  q: Queryable,
  tenant: Tenant,
  key: unknown,
  scope: string,
  demo: boolean,
): Promise<boolean> {
  if (typeof key !== 'string' || key.length < 8 || key.length > 200) return false;
  if (demo && key === `demo-${tenant.slug}-key`) return true;
  const rows = await q.query(
    `select 1 from api_keys where tenant_id = $1 and key_hash = $2 and revoked_at is null and $3 = any(scopes)`,
    [tenant.id, hash(key), scope],
  );
  return rows.length > 0;
}
