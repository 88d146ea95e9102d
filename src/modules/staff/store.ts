import type { Queryable } from '../../db/database.ts';
import type { Role } from './roles.ts';

export interface StaffUser {
  id: string;
  tenantId: string;
  email: string;
  name: string;
  role: Role;
  platformAdmin: boolean;
  totpSecret: string | undefined;
  totpEnrolledAt: Date | undefined;
  totpLastStep: number | undefined;
  active: boolean;
  createdAt: Date;
}

interface Row {
  id: string;
  tenant_id: string;
  email: string;
  name: string;
  role: Role;
  platform_admin: boolean;
  totp_secret: string | null;
  totp_enrolled_at: Date | string | null;
  totp_last_step: string | number | null;
  active: boolean;
  created_at: Date | string;
}

const columns =
  'id, tenant_id, email, name, role, platform_admin, totp_secret, totp_enrolled_at, totp_last_step, active, created_at';

function toUser(row: Row): StaffUser {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    email: row.email,
    name: row.name,
    role: row.role,
    platformAdmin: row.platform_admin,
    totpSecret: row.totp_secret ?? undefined,
    totpEnrolledAt: row.totp_enrolled_at ? new Date(row.totp_enrolled_at) : undefined,
    totpLastStep: row.totp_last_step === null ? undefined : Number(row.totp_last_step),
    active: row.active,
    createdAt: new Date(row.created_at),
  };
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function findUserByEmail(
  q: Queryable,
  tenantId: string,
  email: string,
): Promise<StaffUser | undefined> {
  const [row] = await q.query<Row>(`select ${columns} from staff_users where tenant_id = $1 and email = $2`, [
    tenantId,
    email.trim().toLowerCase(),
  ]);
  return row ? toUser(row) : undefined;
}

export async function findUser(q: Queryable, tenantId: string, id: string): Promise<StaffUser | undefined> {
  if (!uuidPattern.test(id)) return undefined;
  const [row] = await q.query<Row>(`select ${columns} from staff_users where tenant_id = $1 and id = $2`, [
    tenantId,
    id,
  ]);
  return row ? toUser(row) : undefined;
}

/** Any council's staff user: for platform administrators only (the caller checks). */
export async function findUserInAnyCouncil(q: Queryable, id: string): Promise<StaffUser | undefined> {
  if (!uuidPattern.test(id)) return undefined;
  const [row] = await q.query<Row>(`select ${columns} from staff_users where id = $1`, [id]);
  return row ? toUser(row) : undefined;
}

export async function listUsers(q: Queryable, tenantId: string): Promise<StaffUser[]> {
  const rows = await q.query<Row>(
    `select ${columns} from staff_users where tenant_id = $1 order by name, email`,
    [tenantId],
  );
  return rows.map(toUser);
}

/** Every council's staff counts: the platform administrators' listing, the one read across councils. */
export async function countUsersByCouncil(q: Queryable): Promise<Map<string, number>> {
  const rows = await q.query<{ tenant_id: string; n: number }>(
    'select tenant_id, count(*)::int as n from staff_users group by tenant_id',
  );
  return new Map(rows.map((r) => [r.tenant_id, r.n]));
}

export interface NewUser {
  email: string;
  name: string;
  role: Role;
  platformAdmin?: boolean;
  totpSecret?: string;
}

/** Creates the user, or updates name, role and platform flag of the one with that email. */
export async function upsertUser(q: Queryable, tenantId: string, user: NewUser): Promise<StaffUser> {
  const [row] = await q.query<Row>(
    `insert into staff_users (tenant_id, email, name, role, platform_admin, totp_secret, totp_enrolled_at)
     values ($1, $2, $3, $4, $5, $6, case when $6::text is null then null else now() end)
     on conflict (tenant_id, email) do update set name = excluded.name, role = excluded.role,
       platform_admin = excluded.platform_admin,
       totp_secret = coalesce(excluded.totp_secret, staff_users.totp_secret),
       totp_enrolled_at = coalesce(staff_users.totp_enrolled_at, excluded.totp_enrolled_at),
       updated_at = now()
     returning ${columns}`,
    [
      tenantId,
      user.email.trim().toLowerCase(),
      user.name,
      user.role,
      user.platformAdmin ?? false,
      user.totpSecret ?? null,
    ],
  );
  return toUser(row!);
}

/** Creates a user; undefined when the email is taken in this council. */
export async function insertUser(
  q: Queryable,
  tenantId: string,
  user: NewUser,
): Promise<StaffUser | undefined> {
  const [row] = await q.query<Row>(
    `insert into staff_users (tenant_id, email, name, role, platform_admin) values ($1, $2, $3, $4, $5)
     on conflict (tenant_id, email) do nothing
     returning ${columns}`,
    [tenantId, user.email.trim().toLowerCase(), user.name, user.role, user.platformAdmin ?? false],
  );
  return row ? toUser(row) : undefined;
}

export async function setRole(q: Queryable, tenantId: string, id: string, role: Role): Promise<void> {
  await q.query('update staff_users set role = $3, updated_at = now() where tenant_id = $1 and id = $2', [
    tenantId,
    id,
    role,
  ]);
}

/** Saves a proved secret and the step it was proved with. */
export async function setTotp(
  q: Queryable,
  tenantId: string,
  id: string,
  secret: string | null,
  step: number | null,
  at: Date,
): Promise<void> {
  await q.query(
    `update staff_users set totp_secret = $3, totp_last_step = $4,
       totp_enrolled_at = case when $3::text is null then null else $5::timestamptz end, updated_at = $5
     where tenant_id = $1 and id = $2`,
    [tenantId, id, secret, step, at],
  );
}

/**
 * Records an accepted TOTP step, only if it is later than the last one: false when another
 * request already used this (or a later) code.
 */
export async function claimTotpStep(
  q: Queryable,
  tenantId: string,
  id: string,
  step: number,
): Promise<boolean> {
  const rows = await q.query(
    `update staff_users set totp_last_step = $3
      where tenant_id = $1 and id = $2 and (totp_last_step is null or totp_last_step < $3)
      returning 1`,
    [tenantId, id, step],
  );
  return rows.length > 0;
}

export async function replaceRecoveryCodes(
  q: Queryable,
  tenantId: string,
  userId: string,
  hashes: string[],
): Promise<void> {
  await q.query('delete from staff_recovery_codes where tenant_id = $1 and user_id = $2', [tenantId, userId]);
  for (const hash of hashes) {
    await q.query('insert into staff_recovery_codes (tenant_id, user_id, code_hash) values ($1, $2, $3)', [
      tenantId,
      userId,
      hash,
    ]);
  }
}

/** Uses a recovery code once: false when it is unknown or already used. */
export async function useRecoveryCode(
  q: Queryable,
  tenantId: string,
  userId: string,
  hash: string,
  at: Date,
): Promise<boolean> {
  const rows = await q.query(
    `update staff_recovery_codes set used_at = $4
      where tenant_id = $1 and user_id = $2 and code_hash = $3 and used_at is null returning 1`,
    [tenantId, userId, hash, at],
  );
  return rows.length > 0;
}

export async function countUnusedRecoveryCodes(
  q: Queryable,
  tenantId: string,
  userId: string,
): Promise<number> {
  const [row] = await q.query<{ n: number }>(
    'select count(*)::int as n from staff_recovery_codes where tenant_id = $1 and user_id = $2 and used_at is null',
    [tenantId, userId],
  );
  return row?.n ?? 0;
}
