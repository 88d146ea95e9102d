import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Database, Queryable } from '../../db/database.ts';
import type { SecretBox } from './secrets.ts';
import * as store from './store.ts';

/**
 * The council's signing keys: one RS256 and one ES256 key sign; keys retired by a rotation
 * stay published until no token signed with them can still be valid. The longest-lived
 * signed token is the ID token (see provider.ts), so a retired key is kept that long again.
 */
export const retiredKeyKeptMs = 2 * 60 * 60 * 1000;
const algs = ['RS256', 'ES256'] as const;

export type PrivateJwk = Record<string, unknown> & { kid: string; alg: string };

function generate(alg: (typeof algs)[number]): PrivateJwk {
  const { privateKey } =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    ...privateKey.export({ format: 'jwk' }),
    kid: randomBytes(12).toString('base64url'),
    alg,
    use: 'sig',
  };
}

async function addKeys(tx: Queryable, tenantId: string, box: SecretBox, which: readonly string[], at: Date) {
  for (const alg of algs.filter((a) => which.includes(a))) {
    const jwk = generate(alg);
    await store.insertKey(
      tx,
      tenantId,
      { kid: jwk.kid, alg, privateJwkEncrypted: box.seal(JSON.stringify(jwk)) },
      at,
    );
  }
}

/**
 * The keys for the provider's JWKS, signing keys first (oidc-provider signs with the first
 * key of an algorithm). Made on first use; keys sealed with another session secret are
 * unreadable, so they are retired and new ones made.
 */
export async function signingKeys(db: Database, tenantId: string, box: SecretBox, now: () => Date) {
  const read = async (q: Queryable) => {
    const rows = await store.listKeys(q, tenantId);
    const keys = rows.map((r) => ({ row: r, jwk: box.open(r.privateJwkEncrypted) }));
    const active = keys.filter((k) => !k.row.retiredAt && k.jwk);
    return { keys, missing: algs.filter((a) => !active.some((k) => k.row.alg === a)) };
  };
  let found = await read(db);
  if (found.missing.length) {
    found = await db.transaction(async (tx) => {
      // Two processes starting at once make one set of keys between them.
      await tx.query(`select pg_advisory_xact_lock(hashtext('doorstep:oidc-keys:' || $1))`, [tenantId]);
      const again = await read(tx);
      if (!again.missing.length) return again;
      const unreadable = again.keys.filter((k) => !k.jwk && !k.row.retiredAt).map((k) => k.row.kid);
      if (unreadable.length) await store.retireKeys(tx, tenantId, unreadable, now());
      await addKeys(tx, tenantId, box, again.missing, now());
      return read(tx);
    });
  }
  const jwks = found.keys.flatMap((k) => (k.jwk ? [JSON.parse(k.jwk) as PrivateJwk] : []));
  return {
    jwks,
    fingerprint: found.keys.map((k) => `${k.row.kid}:${k.row.retiredAt ? 'r' : 'a'}`).join(','),
  };
}

/** New signing keys; the old ones stay published until they can sign nothing still valid. */
export async function rotateKeys(db: Database, tenantId: string, box: SecretBox, now: () => Date) {
  await db.transaction(async (tx) => {
    await tx.query(`select pg_advisory_xact_lock(hashtext('doorstep:oidc-keys:' || $1))`, [tenantId]);
    const current = (await store.listKeys(tx, tenantId)).filter((r) => !r.retiredAt).map((r) => r.kid);
    await store.retireKeys(tx, tenantId, current, now());
    await addKeys(tx, tenantId, box, algs, now());
  });
}

/** Housekeeping: retired keys past the time anything they signed could be valid. */
export function deleteOldKeys(db: Database, at: Date) {
  return store.deleteKeysRetiredBefore(db, new Date(at.getTime() - retiredKeyKeptMs));
}
