import type { Queryable } from '../../db/database.ts';
import type { LocalText } from '../../platform/i18n/local-text.ts';

export const scopeNames = ['openid', 'email', 'profile', 'phone', 'address'] as const;
export type ScopeName = (typeof scopeNames)[number];

export interface OidcClient {
  clientId: string;
  name: LocalText;
  kind: 'confidential' | 'public';
  secretEncrypted: string | null;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  backchannelLogoutUri: string | null;
  allowedScopes: ScopeName[];
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

const clientColumns = `client_id as "clientId", name, kind, secret_encrypted as "secretEncrypted",
  redirect_uris as "redirectUris", post_logout_redirect_uris as "postLogoutRedirectUris",
  backchannel_logout_uri as "backchannelLogoutUri", allowed_scopes as "allowedScopes", enabled,
  created_at as "createdAt", updated_at as "updatedAt"`;

export async function listClients(q: Queryable, tenantId: string): Promise<OidcClient[]> {
  return q.query<OidcClient>(
    `select ${clientColumns} from oidc_clients where tenant_id = $1 order by client_id`,
    [tenantId],
  );
}

export async function findClient(
  q: Queryable,
  tenantId: string,
  clientId: string,
): Promise<OidcClient | undefined> {
  const [row] = await q.query<OidcClient>(
    `select ${clientColumns} from oidc_clients where tenant_id = $1 and client_id = $2`,
    [tenantId, clientId],
  );
  return row;
}

export type ClientInput = Omit<OidcClient, 'createdAt' | 'updatedAt'>;

export async function upsertClient(q: Queryable, tenantId: string, c: ClientInput, at: Date): Promise<void> {
  await q.query(
    `insert into oidc_clients (tenant_id, client_id, name, kind, secret_encrypted, redirect_uris,
       post_logout_redirect_uris, backchannel_logout_uri, allowed_scopes, enabled, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
     on conflict (tenant_id, client_id) do update set name = excluded.name, kind = excluded.kind,
       secret_encrypted = excluded.secret_encrypted, redirect_uris = excluded.redirect_uris,
       post_logout_redirect_uris = excluded.post_logout_redirect_uris,
       backchannel_logout_uri = excluded.backchannel_logout_uri, allowed_scopes = excluded.allowed_scopes,
       enabled = excluded.enabled, updated_at = excluded.updated_at`,
    [
      tenantId,
      c.clientId,
      JSON.stringify(c.name),
      c.kind,
      c.secretEncrypted,
      c.redirectUris,
      c.postLogoutRedirectUris,
      c.backchannelLogoutUri,
      c.allowedScopes,
      c.enabled,
      at,
    ],
  );
}

/** Deletes the app and everything the provider issued to it. */
export async function deleteClient(q: Queryable, tenantId: string, clientId: string): Promise<boolean> {
  const rows = await q.query('delete from oidc_clients where tenant_id = $1 and client_id = $2 returning 1', [
    tenantId,
    clientId,
  ]);
  await q.query(`delete from oidc_payloads where tenant_id = $1 and payload->>'clientId' = $2`, [
    tenantId,
    clientId,
  ]);
  return rows.length > 0;
}

// The provider's adapter (see adapter.ts).

export interface PayloadRow {
  payload: Record<string, unknown>;
  consumed: boolean;
}

export async function upsertPayload(
  q: Queryable,
  tenantId: string,
  model: string,
  id: string,
  payload: Record<string, unknown>,
  expiresAt: Date | null,
): Promise<void> {
  await q.query(
    `insert into oidc_payloads (tenant_id, model, id, payload, grant_id, user_code, uid, expires_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8)
     on conflict (tenant_id, model, id) do update set payload = excluded.payload, grant_id = excluded.grant_id,
       user_code = excluded.user_code, uid = excluded.uid, expires_at = excluded.expires_at`,
    [
      tenantId,
      model,
      id,
      JSON.stringify(payload),
      (payload.grantId as string | undefined) ?? null,
      (payload.userCode as string | undefined) ?? null,
      (payload.uid as string | undefined) ?? null,
      expiresAt,
    ],
  );
}

export async function findPayload(
  q: Queryable,
  tenantId: string,
  model: string,
  where: { id?: string; uid?: string; userCode?: string },
  at: Date,
): Promise<PayloadRow | undefined> {
  const [column, value] =
    where.id !== undefined
      ? ['id', where.id]
      : where.uid !== undefined
        ? ['uid', where.uid]
        : ['user_code', where.userCode];
  const [row] = await q.query<PayloadRow>(
    `select payload, consumed_at is not null as consumed from oidc_payloads
      where tenant_id = $1 and model = $2 and ${column} = $3 and (expires_at is null or expires_at > $4)`,
    [tenantId, model, value, at],
  );
  return row;
}

export async function consumePayload(q: Queryable, tenantId: string, model: string, id: string, at: Date) {
  await q.query('update oidc_payloads set consumed_at = $4 where tenant_id = $1 and model = $2 and id = $3', [
    tenantId,
    model,
    id,
    at,
  ]);
}

export async function destroyPayload(q: Queryable, tenantId: string, model: string, id: string) {
  await q.query('delete from oidc_payloads where tenant_id = $1 and model = $2 and id = $3', [
    tenantId,
    model,
    id,
  ]);
}

/** Everything issued under one grant (codes, tokens, the grant itself). */
export async function destroyByGrant(q: Queryable, tenantId: string, grantId: string): Promise<void> {
  await q.query(
    `delete from oidc_payloads where tenant_id = $1 and (grant_id = $2 or (model = 'Grant' and id = $2))`,
    [tenantId, grantId],
  );
}

/** Housekeeping: the provider's rows past their expiry, in every council. */
export async function deleteExpiredPayloads(q: Queryable, at: Date): Promise<number> {
  const rows = await q.query('delete from oidc_payloads where expires_at <= $1 returning 1', [at]);
  return rows.length;
}

export interface GrantRow {
  grantId: string;
  clientId: string;
  scopes: string;
  expiresAt: Date | null;
}

/** The apps a person allowed: their live grants. */
export async function grantsOfAccount(
  q: Queryable,
  tenantId: string,
  accountId: string,
  at: Date,
): Promise<GrantRow[]> {
  return q.query<GrantRow>(
    `select id as "grantId", payload->>'clientId' as "clientId",
        coalesce(payload->'openid'->>'scope', '') as scopes, expires_at as "expiresAt"
       from oidc_payloads
      where tenant_id = $1 and model = 'Grant' and payload->>'accountId' = $2
        and (expires_at is null or expires_at > $3)
      order by payload->>'clientId'`,
    [tenantId, accountId, at],
  );
}

// Signing keys.

export interface KeyRow {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateJwkEncrypted: string;
  createdAt: Date;
  retiredAt: Date | null;
}

export async function listKeys(q: Queryable, tenantId: string): Promise<KeyRow[]> {
  return q.query<KeyRow>(
    `select kid, alg, private_jwk_encrypted as "privateJwkEncrypted", created_at as "createdAt",
        retired_at as "retiredAt"
       from oidc_keys where tenant_id = $1 order by retired_at is not null, created_at desc`,
    [tenantId],
  );
}

export async function insertKey(
  q: Queryable,
  tenantId: string,
  key: { kid: string; alg: string; privateJwkEncrypted: string },
  at: Date,
): Promise<void> {
  await q.query(
    `insert into oidc_keys (tenant_id, kid, alg, private_jwk_encrypted, created_at) values ($1, $2, $3, $4, $5)`,
    [tenantId, key.kid, key.alg, key.privateJwkEncrypted, at],
  );
}

export async function retireKeys(q: Queryable, tenantId: string, kids: string[], at: Date): Promise<void> {
  await q.query('update oidc_keys set retired_at = $3 where tenant_id = $1 and kid = any($2)', [
    tenantId,
    kids,
    at,
  ]);
}

/** Retired keys no live token can have been signed with any more. */
export async function deleteKeysRetiredBefore(q: Queryable, before: Date): Promise<number> {
  const rows = await q.query('delete from oidc_keys where retired_at <= $1 returning 1', [before]);
  return rows.length;
}

/** The provider's sessions of one account (one browser's, when `id` is given). */
export async function providerSessions(
  q: Queryable,
  tenantId: string,
  accountId: string,
  id?: string,
): Promise<{ id: string; payload: { authorizations?: Record<string, { sid?: string }> } }[]> {
  return q.query(
    `select id, payload from oidc_payloads
      where tenant_id = $1 and model = 'Session' and payload->>'accountId' = $2 and ($3::text is null or id = $3)`,
    [tenantId, accountId, id ?? null],
  );
}
