import { randomBytes } from 'node:crypto';
import { createGuardrails, generateSecret, generateURI, verify as verifyTotpCode } from 'otplib';
import type { Database } from '../../db/database.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import type {
  CodeAttemptResult,
  CodeRequestResult,
  OneTimeCodes,
} from '../../platform/one-time-codes/one-time-codes.ts';
import type { Signer } from '../../platform/security/signer.ts';
import { type ThrottleLimit, throttleHit } from '../../platform/security/throttle.ts';
import type { Session } from '../../platform/sessions/sessions.ts';
import type { Role } from './roles.ts';
import {
  claimTotpStep,
  countUnusedRecoveryCodes,
  findUser,
  findUserByEmail,
  insertUser,
  listUsers,
  replaceRecoveryCodes,
  type StaffUser,
  setRole,
  setTotp,
  useRecoveryCode,
} from './store.ts';

/** The one-time-code audience of staff sign-in: a resident's code never signs in staff. */
export const staffAudience = 'staff';
export const idleLimitMs = 30 * 60 * 1000;
export const absoluteLimitMs = 12 * 60 * 60 * 1000;
/** The Contracts table's demo TOTP secret: accepted in demo mode only. */
export const demoTotpSecret = 'JBSWY3DPEHPK3PXP';
/**
 * The demo secret is 10 bytes, as the Contracts table fixed it; otplib asks for 16 by default.
 * Only that secret is checked with the lower floor: every secret we generate has 20 bytes.
 */
export const demoSecretGuardrails = createGuardrails({ MIN_SECRET_BYTES: 10 });
/** Second-factor tries (TOTP or recovery code) per person and place: slows guessing, never disables. */
export const secondFactorThrottle: ThrottleLimit = { max: 10, windowMs: 15 * 60 * 1000 };
/** Wrong second factors in one sign-in before it must start again with a new emailed code. */
export const secondFactorTriesPerSignIn = 5;
const recoveryCodeCount = 10;
const crockford = '0123456789abcdefghjkmnpqrstvwxyz';

/** What the session holds while someone is part way through signing in. */
export interface StaffSignIn {
  step: 'email-code' | 'second-factor' | 'set-up';
  email: string;
  challengeId: string;
  userId?: string;
  /** The secret offered at set-up, saved only once the person proves their app has it. */
  setUpSecret?: string;
  /** Wrong second factors so far in this sign-in. */
  misses?: number;
}

/** What the session holds once someone has signed in (key "staff"). */
export interface StaffSessionState {
  userId: string;
  tenantId: string;
  role: Role;
  platformAdmin: boolean;
  /** Epoch milliseconds: the absolute limit counts from here. */
  signedInAt: number;
  method: 'totp' | 'recovery-code' | 'passkey' | 'sso';
}

/**
 * Both factors passed (or the council's own provider vouched for both): the person is signed
 * in, under a new session id. Every staff sign-in method ends here.
 */
export function startStaffSession(
  session: Session,
  user: StaffUser,
  method: StaffSessionState['method'],
  at: Date,
): void {
  session.set('staffSignIn', undefined);
  session.rotate();
  session.set('staff', {
    userId: user.id,
    tenantId: user.tenantId,
    role: user.role,
    platformAdmin: user.platformAdmin,
    signedInAt: at.getTime(),
    method,
  } satisfies StaffSessionState);
}

export interface StaffServiceDeps {
  db: Database;
  oneTimeCodes: Pick<OneTimeCodes, 'request' | 'verify'>;
  signer: Signer;
  demo: boolean;
  now: () => Date;
}

export type SecondFactorResult = 'accepted' | 'incorrect' | 'throttled';

/** Normalises a recovery code as typed: case-blind, I and L as 1, O as 0, spaces and hyphens ignored. */
export function normaliseRecoveryCode(input: string): string | undefined {
  const s = input.toLowerCase().replace(/[\s-]/g, '').replace(/[il]/g, '1').replace(/o/g, '0');
  return /^[0-9a-hjkmnp-tv-z]{10}$/.test(s) ? s : undefined;
}

function newRecoveryCode(): string {
  const bytes = randomBytes(10);
  return [...bytes].map((b) => crockford[b % 32]).join('');
}

/** Shown in two groups of five, as people copy them. */
export function formatRecoveryCode(code: string): string {
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

export class StaffService {
  readonly #db: Database;
  readonly #codes: StaffServiceDeps['oneTimeCodes'];
  readonly #signer: Signer;
  readonly #demo: boolean;
  readonly #now: () => Date;

  constructor(deps: StaffServiceDeps) {
    this.#db = deps.db;
    this.#codes = deps.oneTimeCodes;
    this.#signer = deps.signer;
    this.#demo = deps.demo;
    this.#now = deps.now;
  }

  /**
   * Emails a sign-in code if the address is an active member of staff of this council; does
   * the same work and gives the same answer if it is not.
   */
  async requestCode(input: {
    tenantId: string;
    email: string;
    ip: string;
    message: (code: string) => { subject: string; text: string };
  }): Promise<CodeRequestResult> {
    const user = await findUserByEmail(this.#db, input.tenantId, input.email);
    return this.#codes.request({
      tenantId: input.tenantId,
      audience: staffAudience,
      email: input.email,
      ip: input.ip,
      deliver: Boolean(user?.active),
      message: input.message,
    });
  }

  /** Checks the emailed code; the person only when it was right and they may sign in. */
  async verifyCode(input: {
    tenantId: string;
    challengeId: string;
    email: string;
    code: string;
    ip: string;
  }): Promise<{ result: CodeAttemptResult; user?: StaffUser }> {
    const result = await this.#codes.verify({ ...input, audience: staffAudience });
    if (result.status === 'malformed') return { result };
    const user = await findUserByEmail(this.#db, input.tenantId, input.email);
    if (result.status === 'accepted' && user?.active) return { result, user };
    // Recorded for unknown addresses too (without the address), so both do the same work.
    await this.audit(input.tenantId, user, 'staff.sign-in-failed', input.ip, {
      step: 'email-code',
      reason: result.status === 'accepted' ? 'inactive' : result.status,
    });
    return { result: result.status === 'accepted' ? { status: 'expired' } : result };
  }

  /** Whether the person has an authenticator that counts here (the demo secret only in demo mode). */
  hasAuthenticator(user: StaffUser): boolean {
    return Boolean(user.totpSecret && (this.#demo || user.totpSecret !== demoTotpSecret));
  }

  newTotpSecret(): string {
    return generateSecret();
  }

  totpUri(secret: string, email: string, council: string): string {
    return generateURI({ issuer: `Doorstep ${council}`, label: email, secret });
  }

  async #throttle(user: StaffUser, ip: string): Promise<boolean> {
    const hit = await throttleHit(
      this.#db,
      user.tenantId,
      `staff-second-factor|${user.id}|${ip}`,
      secondFactorThrottle,
      this.#now(),
    );
    return hit.allowed;
  }

  /** The TOTP time step a code belongs to, if it is right for the secret now (±30 s), else undefined. */
  async #totpStep(secret: string, code: string, afterStep: number | undefined): Promise<number | undefined> {
    const token = code.replace(/\s/g, '');
    if (!/^\d{6}$/.test(token)) return undefined;
    const result = await verifyTotpCode({
      secret,
      token,
      epoch: Math.floor(this.#now().getTime() / 1000),
      epochTolerance: 30,
      ...(secret === demoTotpSecret ? { guardrails: demoSecretGuardrails } : {}),
      ...(afterStep === undefined ? {} : { afterTimeStep: afterStep }),
    });
    return result.valid && 'timeStep' in result ? result.timeStep : undefined;
  }

  /** Checks a TOTP code; each code is accepted once. */
  async verifyTotp(user: StaffUser, code: string, ip: string): Promise<SecondFactorResult> {
    if (!(await this.#throttle(user, ip))) {
      await this.audit(user.tenantId, user, 'staff.sign-in-failed', ip, {
        step: 'totp',
        reason: 'throttled',
      });
      return 'throttled';
    }
    const step =
      user.totpSecret && this.hasAuthenticator(user)
        ? await this.#totpStep(user.totpSecret, code, user.totpLastStep)
        : undefined;
    if (step !== undefined && (await claimTotpStep(this.#db, user.tenantId, user.id, step)))
      return 'accepted';
    await this.audit(user.tenantId, user, 'staff.sign-in-failed', ip, { step: 'totp', reason: 'incorrect' });
    return 'incorrect';
  }

  /**
   * Saves the authenticator once the person proves it with a code, and gives them new
   * recovery codes (shown once); undefined when the code was wrong.
   */
  async setUpAuthenticator(
    user: StaffUser,
    secret: string,
    code: string,
    ip: string,
  ): Promise<{ result: SecondFactorResult; recoveryCodes?: string[] }> {
    if (!(await this.#throttle(user, ip))) return { result: 'throttled' };
    const step = await this.#totpStep(secret, code, undefined);
    if (step === undefined) {
      await this.audit(user.tenantId, user, 'staff.sign-in-failed', ip, {
        step: 'set-up',
        reason: 'incorrect',
      });
      return { result: 'incorrect' };
    }
    const codes = Array.from({ length: recoveryCodeCount }, newRecoveryCode);
    await this.#db.transaction(async (tx) => {
      await setTotp(tx, user.tenantId, user.id, secret, step, this.#now());
      await replaceRecoveryCodes(
        tx,
        user.tenantId,
        user.id,
        codes.map((c) => this.#recoveryHash(user, c)),
      );
      await this.audit(user.tenantId, user, 'staff.authenticator-set-up', ip, {}, tx);
    });
    return { result: 'accepted', recoveryCodes: codes.map(formatRecoveryCode) };
  }

  #recoveryHash(user: StaffUser, code: string): string {
    return this.#signer.sign('staff-recovery-code', `${user.tenantId}:${user.id}:${code}`);
  }

  /** Uses a recovery code in place of the authenticator: each works once. */
  async useRecoveryCode(user: StaffUser, typed: string, ip: string): Promise<SecondFactorResult> {
    if (!(await this.#throttle(user, ip))) return 'throttled';
    const code = normaliseRecoveryCode(typed);
    const used =
      code !== undefined &&
      (await useRecoveryCode(this.#db, user.tenantId, user.id, this.#recoveryHash(user, code), this.#now()));
    if (used) {
      await this.audit(user.tenantId, user, 'staff.recovery-code-used', ip, {
        left: await countUnusedRecoveryCodes(this.#db, user.tenantId, user.id),
      });
      return 'accepted';
    }
    await this.audit(user.tenantId, user, 'staff.sign-in-failed', ip, {
      step: 'recovery-code',
      reason: 'incorrect',
    });
    return 'incorrect';
  }

  /** New recovery codes, the old ones void; returns them to show once. */
  async newRecoveryCodes(user: StaffUser, ip: string): Promise<string[]> {
    const codes = Array.from({ length: recoveryCodeCount }, newRecoveryCode);
    await this.#db.transaction(async (tx) => {
      await replaceRecoveryCodes(
        tx,
        user.tenantId,
        user.id,
        codes.map((c) => this.#recoveryHash(user, c)),
      );
      await this.audit(user.tenantId, user, 'staff.recovery-codes-replaced', ip, {}, tx);
    });
    return codes.map(formatRecoveryCode);
  }

  recoveryCodesLeft(user: StaffUser): Promise<number> {
    return countUnusedRecoveryCodes(this.#db, user.tenantId, user.id);
  }

  /** An administrator removes someone's authenticator: they set up a new one at their next sign-in. */
  async resetAuthenticator(admin: StaffUser, user: StaffUser, ip: string): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await setTotp(tx, user.tenantId, user.id, null, null, this.#now());
      await replaceRecoveryCodes(tx, user.tenantId, user.id, []);
      await this.audit(user.tenantId, user, 'staff.authenticator-reset', ip, {}, tx, admin);
    });
  }

  async changeRole(admin: StaffUser, user: StaffUser, role: Role, ip: string): Promise<void> {
    if (user.role === role) return;
    await this.#db.transaction(async (tx) => {
      await setRole(tx, user.tenantId, user.id, role);
      await this.audit(
        user.tenantId,
        user,
        'staff.role-changed',
        ip,
        { from: user.role, to: role },
        tx,
        admin,
      );
    });
  }

  async createUser(
    admin: StaffUser | undefined,
    tenantId: string,
    input: { email: string; name: string; role: Role; platformAdmin?: boolean },
    ip?: string,
  ): Promise<StaffUser | undefined> {
    return this.#db.transaction(async (tx) => {
      const user = await insertUser(tx, tenantId, input);
      if (user) await this.audit(tenantId, user, 'staff.user-created', ip, { role: input.role }, tx, admin);
      return user;
    });
  }

  /** Staff names by id, for histories that say who did what. */
  async names(tenantId: string): Promise<Map<string, string>> {
    return new Map((await listUsers(this.#db, tenantId)).map((u) => [u.id, `${u.name} (${u.email})`]));
  }

  findUser(tenantId: string, id: string): Promise<StaffUser | undefined> {
    return findUser(this.#db, tenantId, id);
  }

  findUserByEmail(tenantId: string, email: string): Promise<StaffUser | undefined> {
    return findUserByEmail(this.#db, tenantId, email);
  }

  /** A role set from the council's own identity provider (single sign-on), not by a person here. */
  async mapRole(user: StaffUser, role: Role, ip: string, via: string): Promise<StaffUser> {
    if (user.role === role) return user;
    await this.#db.transaction(async (tx) => {
      await setRole(tx, user.tenantId, user.id, role);
      await recordAudit(tx, {
        tenantId: user.tenantId,
        actor: { type: 'system' },
        action: 'staff.role-changed',
        subject: { type: 'staff-user', id: user.id },
        ip,
        details: { from: user.role, to: role, via },
      });
    });
    return { ...user, role };
  }

  /** An audit entry about a member of staff (subject), by them or by an administrator (actor). */
  async audit(
    tenantId: string,
    subject: StaffUser | undefined,
    action: string,
    ip: string | undefined,
    details: Record<string, unknown> = {},
    q: Database | Parameters<typeof recordAudit>[0] = this.#db,
    actor: StaffUser | undefined = subject,
  ): Promise<void> {
    await recordAudit(q, {
      tenantId,
      actor: actor ? { type: 'staff', id: actor.id } : { type: 'system' },
      action,
      subject: subject ? { type: 'staff-user', id: subject.id } : { type: 'staff-user' },
      ...(ip ? { ip } : {}),
      details,
    });
  }
}
