import { createHash, createHmac, randomInt, randomUUID } from 'node:crypto';
import type { Database, Queryable } from '../../db/database.ts';
import type { Mailer } from '../mail/mailer.ts';
import { isSingleAddress, validateMessage } from '../mail/message.ts';
import { type ThrottleLimit, throttleHit } from '../security/throttle.ts';

/**
 * Emailed sign-in codes, for any audience (staff, residents): six digits, valid ten minutes,
 * five tries, single use. A request returns a challenge id that the caller keeps in the
 * person's session; only that session can try codes against it, so nobody can use up another
 * person's tries by guessing at their address.
 */

export const codeLifetimeMs = 10 * 60 * 1000;
export const maxAttempts = 5;

export const codeThrottles = {
  /** One person asking again and again from one place: the tight limit. */
  requestPerAddressAndIp: { max: 5, windowMs: 15 * 60 * 1000 },
  /** A flood of mail to one address from many places. */
  requestPerAddress: { max: 20, windowMs: 60 * 60 * 1000 },
  /** One place asking for many addresses. */
  requestPerIp: { max: 50, windowMs: 15 * 60 * 1000 },
  /** Guessing across many challenges from one place. */
  verifyPerIp: { max: 100, windowMs: 15 * 60 * 1000 },
} satisfies Record<string, ThrottleLimit>;

export interface CodeRequest {
  tenantId: string;
  /** Who the code is for, e.g. "staff" or "resident": a code for one never signs in the other. */
  audience: string;
  /** The address as typed (already checked as an address by the caller); compared case-blind. */
  email: string;
  ip: string;
  /**
   * Whether to mail the code. False for an address the caller does not know: the same work is
   * done (a code row, a message built, an outbox row written) and the same answer given, but
   * nothing is sent.
   */
  deliver: boolean;
  /** The email for this code, in the person's language. */
  message: (code: string) => { subject: string; text: string };
}

export type CodeRequestResult =
  | { status: 'sent'; challengeId: string; expiresAt: Date }
  | { status: 'throttled'; retryAfterSeconds: number };

export interface CodeAttempt {
  tenantId: string;
  audience: string;
  /** From the CodeRequestResult, kept in the person's session. */
  challengeId: string;
  email: string;
  /** As typed: spaces and hyphens are ignored. */
  code: string;
  ip: string;
}

export type CodeAttemptResult =
  | { status: 'accepted' }
  /** Wrong code; `triesLeft` may be 0, after which only a new code helps. */
  | { status: 'incorrect'; triesLeft: number }
  /** Expired, already used, out of tries, or no such challenge: ask for a new code. */
  | { status: 'expired' }
  /** Not six digits: no try is used. */
  | { status: 'malformed' }
  | { status: 'throttled'; retryAfterSeconds: number };

export interface OneTimeCodesDeps {
  db: Database;
  mailer: Pick<Mailer, 'send'>;
  /** Keys the code hashes: a copy of the table alone does not give the codes away. */
  secret: string;
  now?: () => Date;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Six digits from what was typed ("123 456", "123-456"), or undefined. */
export function normaliseCode(input: string): string | undefined {
  const digits = input.replace(/[\s-]/g, '');
  return /^\d{6}$/.test(digits) ? digits : undefined;
}

export function addressHash(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('base64url');
}

export class OneTimeCodes {
  readonly #db: Database;
  readonly #mailer: Pick<Mailer, 'send'>;
  readonly #secret: string;
  readonly #now: () => Date;

  constructor(deps: OneTimeCodesDeps) {
    this.#db = deps.db;
    this.#mailer = deps.mailer;
    this.#secret = deps.secret;
    this.#now = deps.now ?? (() => new Date());
  }

  #hash(tenantId: string, id: string, code: string): string {
    return createHmac('sha256', this.#secret)
      .update(`one-time-code\0${tenantId}\0${id}\0${code}`)
      .digest('base64url');
  }

  /** Makes a code and mails it (or, for an unknown address, does the same work and mails nothing). */
  async request(input: CodeRequest): Promise<CodeRequestResult> {
    const email = input.email.trim();
    if (!isSingleAddress(email)) throw new RangeError('one-time code: email must be one address');
    const { tenantId, audience } = input;
    const at = this.#now();
    const address = addressHash(email);
    // Every limit counts every request, so the answer never depends on which one was met first.
    const hits = [
      await throttleHit(
        this.#db,
        tenantId,
        `otc-request|${audience}|${address}|${input.ip}`,
        codeThrottles.requestPerAddressAndIp,
        at,
      ),
      await throttleHit(
        this.#db,
        tenantId,
        `otc-request|${audience}|${address}`,
        codeThrottles.requestPerAddress,
        at,
      ),
      await throttleHit(
        this.#db,
        tenantId,
        `otc-request-ip|${audience}|${input.ip}`,
        codeThrottles.requestPerIp,
        at,
      ),
    ];
    const blocked = hits.filter((h) => !h.allowed);
    if (blocked.length) {
      return { status: 'throttled', retryAfterSeconds: Math.max(...blocked.map((h) => h.retryAfterSeconds)) };
    }
    const id = randomUUID();
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const expiresAt = new Date(at.getTime() + codeLifetimeMs);
    // A code is no part of the person's record: not kept among the emails their account shows.
    const message = validateMessage({ to: email, ...input.message(code), keep: false });
    await this.#db.transaction(async (tx) => {
      await tx.query(
        `insert into one_time_codes (tenant_id, id, audience, address_hash, code_hash, max_attempts, created_at, expires_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [tenantId, id, audience, address, this.#hash(tenantId, id, code), maxAttempts, at, expiresAt],
      );
      if (input.deliver) await this.#mailer.send(tx, tenantId, message);
      else await writeDecoy(tx, tenantId, JSON.stringify(message).length, at);
    });
    return { status: 'sent', challengeId: id, expiresAt };
  }

  /**
   * Tries a code. One statement both counts the try and consumes a right code, so that under
   * any number of concurrent attempts the budget holds and a code is accepted at most once.
   */
  async verify(input: CodeAttempt): Promise<CodeAttemptResult> {
    const code = normaliseCode(input.code);
    if (!code) return { status: 'malformed' };
    const at = this.#now();
    const limit = await throttleHit(
      this.#db,
      input.tenantId,
      `otc-verify-ip|${input.audience}|${input.ip}`,
      codeThrottles.verifyPerIp,
      at,
    );
    if (!limit.allowed) return { status: 'throttled', retryAfterSeconds: limit.retryAfterSeconds };
    if (!uuidPattern.test(input.challengeId)) return { status: 'expired' };
    const [row] = await this.#db.query<{ accepted: boolean; attempts: number; max_attempts: number }>(
      `update one_time_codes
          set attempts = attempts + 1,
              consumed_at = case when code_hash = $5 then $6 else null end
        where tenant_id = $1 and id = $2 and audience = $3 and address_hash = $4
          and consumed_at is null and attempts < max_attempts and expires_at > $6
        returning consumed_at is not null as accepted, attempts, max_attempts`,
      [
        input.tenantId,
        input.challengeId,
        input.audience,
        addressHash(input.email),
        this.#hash(input.tenantId, input.challengeId, code),
        at,
      ],
    );
    if (!row) return { status: 'expired' };
    if (row.accepted) return { status: 'accepted' };
    return { status: 'incorrect', triesLeft: row.max_attempts - row.attempts };
  }
}

/**
 * Stands in for the mail job of a known address: an outbox row of the same size, written
 * already finished, so that no worker runs it and housekeeping prunes it with the rest.
 */
async function writeDecoy(q: Queryable, tenantId: string, size: number, at: Date): Promise<void> {
  await q.query(
    `insert into jobs (tenant_id, kind, payload, run_at, max_attempts, status, finished_at)
     values ($1, 'one-time-code.unsent', $2::jsonb, $3, 1, 'done', $3)`,
    [tenantId, JSON.stringify({ padding: 'x'.repeat(Math.max(0, size - 14)) }), at],
  );
}

/** Deletes codes past their expiry; run by housekeeping. */
export async function deleteExpiredCodes(q: Queryable, at: Date): Promise<number> {
  return (await q.query('delete from one_time_codes where expires_at <= $1 returning 1', [at])).length;
}
