import type { Queryable } from '../../db/database.ts';
import type { LocalText } from '../../platform/i18n/local-text.ts';

// Passkeys.

export type PasskeyOwner = { accountId: string } | { staffUserId: string };

export interface Passkey {
  id: string;
  accountId: string | null;
  staffUserId: string | null;
  credentialId: string;
  publicKey: string;
  counter: number;
  transports: string[];
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

const passkeyColumns = `id, account_id as "accountId", staff_user_id as "staffUserId",
  credential_id as "credentialId", public_key as "publicKey", counter::float8 as counter, transports, name,
  created_at as "createdAt", last_used_at as "lastUsedAt"`;

const ownerWhere = (owner: PasskeyOwner) =>
  'accountId' in owner
    ? { sql: 'account_id = $2', id: owner.accountId }
    : { sql: 'staff_user_id = $2', id: owner.staffUserId };

export async function listPasskeys(q: Queryable, tenantId: string, owner: PasskeyOwner): Promise<Passkey[]> {
  const w = ownerWhere(owner);
  return q.query<Passkey>(
    `select ${passkeyColumns} from passkeys where tenant_id = $1 and ${w.sql} order by created_at`,
    [tenantId, w.id],
  );
}

export async function findPasskeyByCredential(
  q: Queryable,
  tenantId: string,
  credentialId: string,
): Promise<Passkey | undefined> {
  const [row] = await q.query<Passkey>(
    `select ${passkeyColumns} from passkeys where tenant_id = $1 and credential_id = $2`,
    [tenantId, credentialId],
  );
  return row;
}

export async function insertPasskey(
  q: Queryable,
  tenantId: string,
  owner: PasskeyOwner,
  key: { credentialId: string; publicKey: string; counter: number; transports: string[]; name: string },
  at: Date,
): Promise<boolean> {
  const rows = await q.query(
    `insert into passkeys (tenant_id, account_id, staff_user_id, credential_id, public_key, counter, transports, name, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9) on conflict do nothing returning 1`,
    [
      tenantId,
      'accountId' in owner ? owner.accountId : null,
      'staffUserId' in owner ? owner.staffUserId : null,
      key.credentialId,
      key.publicKey,
      key.counter,
      JSON.stringify(key.transports),
      key.name,
      at,
    ],
  );
  return rows.length > 0;
}

export async function touchPasskey(q: Queryable, tenantId: string, id: string, counter: number, at: Date) {
  await q.query(`update passkeys set counter = $3, last_used_at = $4 where tenant_id = $1 and id = $2`, [
    tenantId,
    id,
    counter,
    at,
  ]);
}

export async function renamePasskey(
  q: Queryable,
  tenantId: string,
  owner: PasskeyOwner,
  id: string,
  name: string,
): Promise<boolean> {
  const w = ownerWhere(owner);
  const rows = await q.query(
    `update passkeys set name = $4 where tenant_id = $1 and ${w.sql} and id = $3 returning 1`,
    [tenantId, w.id, id, name],
  );
  return rows.length > 0;
}

export async function deletePasskey(q: Queryable, tenantId: string, owner: PasskeyOwner, id: string) {
  const w = ownerWhere(owner);
  const rows = await q.query(
    `delete from passkeys where tenant_id = $1 and ${w.sql} and id = $3 returning 1`,
    [tenantId, w.id, id],
  );
  return rows.length > 0;
}

// Providers.

export type AuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
export type Audience = 'residents' | 'staff';

export interface Provider {
  id: string;
  slug: string;
  audience: Audience;
  issuer: string;
  clientId: string;
  authMethod: AuthMethod;
  clientSecretEnc: string | null;
  privateKeyEnc: string | null;
  publicJwk: Record<string, unknown> | null;
  scopes: string;
  label: LocalText;
  extraParams: Record<string, string>;
  enabled: boolean;
  roleClaim: string | null;
  roleMap: Record<string, string>;
  trustSecondFactor: boolean;
}

const providerColumns = `id, slug, audience, issuer, client_id as "clientId", auth_method as "authMethod",
  client_secret_enc as "clientSecretEnc", private_key_enc as "privateKeyEnc", public_jwk as "publicJwk",
  scopes, label, extra_params as "extraParams", enabled, role_claim as "roleClaim", role_map as "roleMap",
  trust_second_factor as "trustSecondFactor"`;

export function listProviders(q: Queryable, tenantId: string, audience?: Audience): Promise<Provider[]> {
  return q.query<Provider>(
    `select ${providerColumns} from identity_providers where tenant_id = $1 and ($2::text is null or audience = $2)
     order by audience, slug`,
    [tenantId, audience ?? null],
  );
}

export async function findProvider(
  q: Queryable,
  tenantId: string,
  id: string,
): Promise<Provider | undefined> {
  const [row] = await q.query<Provider>(
    `select ${providerColumns} from identity_providers where tenant_id = $1 and id = $2`,
    [tenantId, id],
  );
  return row;
}

export async function findProviderBySlug(
  q: Queryable,
  tenantId: string,
  audience: Audience,
  slug: string,
): Promise<Provider | undefined> {
  const [row] = await q.query<Provider>(
    `select ${providerColumns} from identity_providers where tenant_id = $1 and audience = $2 and slug = $3`,
    [tenantId, audience, slug],
  );
  return row;
}

export type ProviderInput = Omit<Provider, 'id'>;

/** Inserts or updates (by id); undefined when the slug is taken by another provider. */
export async function saveProvider(
  q: Queryable,
  tenantId: string,
  id: string | undefined,
  p: ProviderInput,
  at: Date,
): Promise<string | undefined> {
  const values = [
    tenantId,
    p.slug,
    p.audience,
    p.issuer,
    p.clientId,
    p.authMethod,
    p.clientSecretEnc,
    p.privateKeyEnc,
    p.publicJwk ? JSON.stringify(p.publicJwk) : null,
    p.scopes,
    JSON.stringify(p.label),
    JSON.stringify(p.extraParams),
    p.enabled,
    p.roleClaim,
    JSON.stringify(p.roleMap),
    p.trustSecondFactor,
    at,
  ];
  const rows = id
    ? await q.query<{ id: string }>(
        `update identity_providers set slug = $2, audience = $3, issuer = $4, client_id = $5, auth_method = $6,
           client_secret_enc = $7, private_key_enc = $8, public_jwk = $9, scopes = $10, label = $11,
           extra_params = $12, enabled = $13, role_claim = $14, role_map = $15, trust_second_factor = $16,
           updated_at = $17
         where tenant_id = $1 and id = $18
           and not exists (select 1 from identity_providers o where o.tenant_id = $1 and o.slug = $2 and o.id <> $18)
         returning id`,
        [...values, id],
      )
    : await q.query<{ id: string }>(
        `insert into identity_providers (tenant_id, slug, audience, issuer, client_id, auth_method, client_secret_enc,
           private_key_enc, public_jwk, scopes, label, extra_params, enabled, role_claim, role_map,
           trust_second_factor, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)
         on conflict (tenant_id, slug) do nothing returning id`,
        values,
      );
  return rows[0]?.id;
}

export async function deleteProvider(q: Queryable, tenantId: string, id: string): Promise<boolean> {
  const rows = await q.query(`delete from identity_providers where tenant_id = $1 and id = $2 returning 1`, [
    tenantId,
    id,
  ]);
  return rows.length > 0;
}

// Linked identities.

export interface AccountIdentity {
  accountId: string;
  providerId: string | null;
  issuer: string;
  subject: string;
  email: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
}

const identityColumns = `account_id as "accountId", provider_id as "providerId", issuer, subject, email,
  created_at as "createdAt", last_used_at as "lastUsedAt"`;

export async function findAccountIdentity(
  q: Queryable,
  tenantId: string,
  issuer: string,
  subject: string,
): Promise<AccountIdentity | undefined> {
  const [row] = await q.query<AccountIdentity>(
    `select ${identityColumns} from account_identities where tenant_id = $1 and issuer = $2 and subject = $3`,
    [tenantId, issuer, subject],
  );
  return row;
}

export function listAccountIdentities(q: Queryable, tenantId: string, accountId: string) {
  return q.query<AccountIdentity>(
    `select ${identityColumns} from account_identities where tenant_id = $1 and account_id = $2 order by created_at`,
    [tenantId, accountId],
  );
}

export async function linkAccountIdentity(
  q: Queryable,
  tenantId: string,
  link: { accountId: string; providerId: string; issuer: string; subject: string; email: string | null },
  at: Date,
) {
  await q.query(
    `insert into account_identities (tenant_id, account_id, provider_id, issuer, subject, email, created_at, last_used_at)
     values ($1, $2, $3, $4, $5, $6, $7, $7)
     on conflict (tenant_id, issuer, subject) do nothing`,
    [tenantId, link.accountId, link.providerId, link.issuer, link.subject, link.email, at],
  );
}

export async function touchAccountIdentity(
  q: Queryable,
  tenantId: string,
  issuer: string,
  subject: string,
  at: Date,
) {
  await q.query(
    `update account_identities set last_used_at = $4 where tenant_id = $1 and issuer = $2 and subject = $3`,
    [tenantId, issuer, subject, at],
  );
}

export async function unlinkAccountIdentity(
  q: Queryable,
  tenantId: string,
  accountId: string,
  issuer: string,
  subject: string,
): Promise<boolean> {
  const rows = await q.query(
    `delete from account_identities where tenant_id = $1 and account_id = $2 and issuer = $3 and subject = $4 returning 1`,
    [tenantId, accountId, issuer, subject],
  );
  return rows.length > 0;
}

export async function findStaffIdentity(
  q: Queryable,
  tenantId: string,
  issuer: string,
  subject: string,
): Promise<string | undefined> {
  const [row] = await q.query<{ userId: string }>(
    `select staff_user_id as "userId" from staff_identities where tenant_id = $1 and issuer = $2 and subject = $3`,
    [tenantId, issuer, subject],
  );
  return row?.userId;
}

export async function linkStaffIdentity(
  q: Queryable,
  tenantId: string,
  userId: string,
  issuer: string,
  subject: string,
  at: Date,
) {
  await q.query(
    `insert into staff_identities (tenant_id, staff_user_id, issuer, subject, created_at, last_used_at)
     values ($1, $2, $3, $4, $5, $5)
     on conflict (tenant_id, issuer, subject) do update set last_used_at = excluded.last_used_at`,
    [tenantId, userId, issuer, subject, at],
  );
}
