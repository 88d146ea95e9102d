import type { FastifyRequest } from 'fastify';
import type { Database } from '../../db/database.ts';
import { type AuditInput, listAudit, recordAudit } from '../../platform/audit/audit.ts';
import type { CodeAttemptResult, OneTimeCodes } from '../../platform/one-time-codes/one-time-codes.ts';
import { endSessionsWhere, findSessionsWhere, type Session } from '../../platform/sessions/sessions.ts';
import { linkContact, recordInteraction } from '../crm/service.ts';
import * as store from './store.ts';

export type { Account, AccountAddress, AccountDetails } from './store.ts';

/** Codes for residents never sign in staff, and the other way round. */
export const residentAudience = 'resident';

/** Emails the council sent are shown for this long, then deleted by housekeeping. */
export const sentMailRetentionMs = 400 * 24 * 60 * 60 * 1000;

/** What the session holds for a signed-in resident. */
export interface ResidentSession {
  accountId: string;
  signedInAt: number;
  /** The browser as the person would recognise it, for the list of their sessions. */
  device: string;
}

/**
 * A code sent to this address, waiting to be entered: for a sign-in, a new email being proved,
 * or (the identity module's) a provider's identity being linked to the account of this address.
 */
export interface PendingCode {
  purpose: 'sign-in' | 'add-email' | 'link-identity';
  email: string;
  challengeId: string;
  returnTo?: string;
}

export interface AccountsDeps {
  db: Database;
  oneTimeCodes: OneTimeCodes;
  now: () => Date;
}

/** Told when a resident signs out (here, or everywhere), e.g. to tell the apps they use. */
export type SignOutListener = (
  request: FastifyRequest,
  accountId: string,
  everywhere: boolean,
) => Promise<void>;

export class AccountsService {
  readonly #db: Database;
  readonly #codes: OneTimeCodes;
  readonly #now: () => Date;
  readonly #signOutListeners: SignOutListener[] = [];

  constructor(deps: AccountsDeps) {
    this.#db = deps.db;
    this.#codes = deps.oneTimeCodes;
    this.#now = deps.now;
  }

  /** The resident signed in on this request, if any (and whose account still exists). */
  async signedIn(request: FastifyRequest): Promise<store.Account | undefined> {
    const session = await request.session();
    const state = session.get<ResidentSession>('resident');
    if (!state) return undefined;
    const account = await store.findAccount(this.#db, request.tenant.id, state.accountId);
    if (!account) session.set('resident', undefined);
    return account;
  }

  /** An account by its id, for other modules that know it (the OpenID Provider's subject). */
  find(tenantId: string, accountId: string): Promise<store.Account | undefined> {
    return store.findAccount(this.#db, tenantId, accountId);
  }

  /** Sends a code to any address: the same answer, and the same work, whether it has an account or not. */
  sendCode(input: {
    tenantId: string;
    email: string;
    ip: string;
    message: (code: string) => { subject: string; text: string };
  }) {
    return this.#codes.request({ ...input, audience: residentAudience, deliver: true });
  }

  /**
   * Checks a sign-in code; on success finds the account of that address or makes one, and
   * signs the session in with a new id.
   */
  async signIn(
    request: FastifyRequest,
    pending: PendingCode,
    code: string,
  ): Promise<
    | { status: 'signed-in'; accountId: string; created: boolean }
    | Exclude<CodeAttemptResult, { status: 'accepted' }>
  > {
    const tenantId = request.tenant.id;
    const result = await this.proveEmail(request, pending, code);
    if (result.status !== 'accepted') return result;
    const at = this.#now();
    const { accountId, created } = await this.#db.transaction(async (tx) => {
      const existing = await store.accountIdByEmail(tx, tenantId, pending.email);
      const made = existing
        ? { accountId: existing, created: false }
        : {
            accountId: await store.createAccount(tx, tenantId, pending.email, at, request.lang),
            created: true,
          };
      // The sign-in joins the person's timeline (crm), found by account or the email just proved.
      const personId = await linkContact(tx, tenantId, {
        email: pending.email,
        accountId: made.accountId,
        verifiedEmail: true,
      });
      await recordInteraction(tx, tenantId, { channel: 'web', kind: 'sign-in', personId, summary: '' });
      return made;
    });
    await this.startSession(request, accountId, 'email-code', created);
    return { status: 'signed-in', accountId, created };
  }

  /** The code mailed to `pending.email` for this session's challenge. */
  #verify(request: FastifyRequest, pending: PendingCode, code: string): Promise<CodeAttemptResult> {
    return this.#codes.verify({
      tenantId: request.tenant.id,
      audience: residentAudience,
      challengeId: pending.challengeId,
      email: pending.email,
      code,
      ip: request.ip,
    });
  }

  /**
   * Checks a code that sendCode mailed to the address, and changes nothing else: proof that the
   * person holds the address, for sign-in and for steps of other modules that need that proof
   * (linking a provider's identity to the account that has the address). The code's own limits
   * apply (single use, ten minutes, five tries, the tries from one place); a wrong code is recorded on
   * the account of that address, so its owner sees it among their account's activity.
   */
  async proveEmail(request: FastifyRequest, pending: PendingCode, code: string): Promise<CodeAttemptResult> {
    const tenantId = request.tenant.id;
    const result = await this.#verify(request, pending, code);
    if (result.status === 'incorrect') {
      const known = await store.accountIdByEmail(this.#db, tenantId, pending.email);
      if (known)
        await this.#audit({
          tenantId,
          accountId: known,
          action: 'resident.sign-in-failed',
          ip: request.ip,
          details: { purpose: pending.purpose },
        });
    }
    return result;
  }

  /**
   * Signs the session in to an account, under a new session id: the one way every method
   * (emailed code, passkey, OpenID provider) ends, so My Account works the same after each.
   */
  async startSession(
    request: FastifyRequest,
    accountId: string,
    method: 'email-code' | 'passkey' | 'openid',
    created = false,
  ): Promise<void> {
    const session = await request.session();
    session.rotate();
    session.set('resident', {
      accountId,
      signedInAt: this.#now().getTime(),
      device: deviceOf(request.headers['user-agent']),
    } satisfies ResidentSession);
    await this.#audit({
      tenantId: request.tenant.id,
      accountId,
      action: created ? 'resident.account-created' : 'resident.signed-in',
      ip: request.ip,
      details: { method },
    });
  }

  /** The account's proved addresses, for notices about its security. */
  async emails(tenantId: string, accountId: string): Promise<string[]> {
    return (await store.findAccount(this.#db, tenantId, accountId))?.emails.map((e) => e.email) ?? [];
  }

  accountIdByEmail(tenantId: string, email: string): Promise<string | undefined> {
    return store.accountIdByEmail(this.#db, tenantId, email);
  }

  /** A new account for someone proved by an OpenID provider, with its verified email if it gave one. */
  async createAccount(
    request: FastifyRequest,
    input: { email?: string | undefined; givenName?: string | undefined; familyName?: string | undefined },
  ): Promise<string> {
    const tenantId = request.tenant.id;
    return this.#db.transaction(async (tx) => {
      const accountId = await store.createAccount(tx, tenantId, input.email, this.#now(), request.lang, {
        givenName: input.givenName ?? null,
        familyName: input.familyName ?? null,
      });
      if (input.email) {
        const personId = await linkContact(tx, tenantId, {
          email: input.email,
          accountId,
          verifiedEmail: true,
        });
        await recordInteraction(tx, tenantId, { channel: 'web', kind: 'sign-in', personId, summary: '' });
      }
      return accountId;
    });
  }

  /** Proves a further email for the signed-in account. */
  async addEmail(request: FastifyRequest, account: store.Account, pending: PendingCode, code: string) {
    const tenantId = request.tenant.id;
    const result = await this.#verify(request, pending, code);
    if (result.status !== 'accepted') return result;
    const added = await store.addEmail(this.#db, tenantId, account.id, pending.email, this.#now());
    if (!added) return { status: 'taken' as const };
    await this.#audit({ tenantId, accountId: account.id, action: 'resident.email-added', ip: request.ip });
    return { status: 'added' as const };
  }

  async removeEmail(request: FastifyRequest, account: store.Account, email: string): Promise<boolean> {
    const removed = await store.removeEmail(this.#db, request.tenant.id, account.id, email);
    if (removed) {
      await this.#audit({
        tenantId: request.tenant.id,
        accountId: account.id,
        action: 'resident.email-removed',
        ip: request.ip,
      });
    }
    return removed;
  }

  onSignOut(listener: SignOutListener): void {
    this.#signOutListeners.push(listener);
  }

  /** Runs the sign-out listeners; one that fails is logged, and the sign-out stands. */
  async signedOut(request: FastifyRequest, accountId: string, everywhere: boolean): Promise<void> {
    for (const listener of this.#signOutListeners) {
      try {
        await listener(request, accountId, everywhere);
      } catch (error) {
        request.log.warn({ err: error }, 'a sign-out listener failed');
      }
    }
  }

  signOut(session: Session): void {
    session.set('resident', undefined);
    session.set('residentCode', undefined);
    session.rotate();
  }

  /** Ends every session of the account, this one included. */
  async signOutEverywhere(request: FastifyRequest, account: store.Account): Promise<number> {
    const session = await request.session();
    await this.signedOut(request, account.id, true);
    this.signOut(session);
    const ended = await endSessionsWhere(this.#db, request.tenant.id, `data->'resident'->>'accountId' = $2`, [
      account.id,
    ]);
    await this.#audit({
      tenantId: request.tenant.id,
      accountId: account.id,
      action: 'resident.signed-out-everywhere',
      ip: request.ip,
      details: { sessions: ended },
    });
    return ended;
  }

  async sessions(request: FastifyRequest, account: store.Account) {
    const current = (await request.session()).idHash;
    const rows = await findSessionsWhere(
      this.#db,
      request.tenant.id,
      `data->'resident'->>'accountId' = $2`,
      [account.id],
      this.#now(),
    );
    return rows.map((r) => {
      const resident = r.data.resident as ResidentSession;
      return {
        current: r.idHash === current,
        device: resident.device,
        signedInAt: new Date(resident.signedInAt),
        lastSeenAt: new Date(r.lastSeenAt),
      };
    });
  }

  /** Sign-ins, failures and changes to the account, for the person to check. */
  async activity(tenantId: string, account: store.Account) {
    return listAudit(this.#db, tenantId, { subjectType: 'account', subjectId: account.id, limit: 30 });
  }

  async overview(tenantId: string, account: store.Account) {
    const at = this.#now();
    const emails = account.emails.map((e) => e.email);
    const [cases, drafts, mail, claimCases, claimDrafts] = await Promise.all([
      store.casesOfAccount(this.#db, tenantId, account.id),
      store.draftsOfAccount(this.#db, tenantId, account.id, at),
      store.mailTo(this.#db, tenantId, emails, 20),
      store.claimableCases(this.#db, tenantId, emails),
      store.claimableDrafts(this.#db, tenantId, emails, at),
    ]);
    return { cases, drafts, mail, claimable: { cases: claimCases, drafts: claimDrafts } };
  }

  /** The account's unfinished forms, to resume one. */
  drafts(tenantId: string, account: store.Account) {
    return store.draftsOfAccount(this.#db, tenantId, account.id, this.#now());
  }

  async claimable(tenantId: string, account: store.Account) {
    const emails = account.emails.map((e) => e.email);
    const [cases, drafts] = await Promise.all([
      store.claimableCases(this.#db, tenantId, emails),
      store.claimableDrafts(this.#db, tenantId, emails, this.#now()),
    ]);
    return { cases, drafts };
  }

  async claim(request: FastifyRequest, account: store.Account, ids: { cases: string[]; drafts: string[] }) {
    const tenantId = request.tenant.id;
    return this.#db.transaction(async (tx) => {
      const claimed = await store.claim(
        tx,
        tenantId,
        account.id,
        account.emails.map((e) => e.email),
        ids,
      );
      if (claimed.cases.length || claimed.drafts.length) {
        await recordAudit(tx, {
          tenantId,
          actor: { type: 'resident', id: account.id },
          action: 'resident.claimed',
          subject: { type: 'account', id: account.id },
          ip: request.ip,
          details: { cases: claimed.cases.length, drafts: claimed.drafts.length },
        });
      }
      return claimed;
    });
  }

  async updateDetails(request: FastifyRequest, account: store.Account, details: store.AccountDetails) {
    await store.updateDetails(this.#db, request.tenant.id, account.id, details, this.#now());
    await this.#audit({
      tenantId: request.tenant.id,
      accountId: account.id,
      action: 'resident.details-changed',
      ip: request.ip,
    });
  }

  async mail(tenantId: string, account: store.Account, id: string) {
    const all = await store.mailTo(
      this.#db,
      tenantId,
      account.emails.map((e) => e.email),
      500,
    );
    return all.find((m) => m.id === id);
  }

  /** Everything the account holds and links to, for "download my data". */
  async export(tenantId: string, account: store.Account) {
    const overview = await this.overview(tenantId, account);
    const activity = await this.activity(tenantId, account);
    return {
      account: {
        id: account.id,
        created_at: account.createdAt,
        given_name: account.givenName,
        family_name: account.familyName,
        phone: account.phone,
        address: account.address,
        preferred_language: account.preferredLanguage,
        preferred_contact_channel: account.preferredChannel,
        emails: account.emails.map((e) => ({ email: e.email, verified_at: e.verifiedAt })),
      },
      requests: overview.cases.map((c) => ({
        reference: c.reference,
        service: c.serviceSlug,
        status: c.status,
        created_at: c.createdAt,
        updated_at: c.updatedAt,
      })),
      drafts: overview.drafts.map((d) => ({
        form: d.formSlug,
        updated_at: d.updatedAt,
        expires_at: d.expiresAt,
      })),
      emails_received: (
        await store.mailTo(
          this.#db,
          tenantId,
          account.emails.map((e) => e.email),
          500,
        )
      ).map((m) => ({ to: m.to, subject: m.subject, text: m.text, sent_at: m.sentAt })),
      activity: activity.map((a) => ({ at: a.at, action: a.action, ip: a.ip })),
    };
  }

  /** Closes the account: its details and emails go; the council's records of requests stay, unlinked. */
  async close(request: FastifyRequest, account: store.Account): Promise<void> {
    const tenantId = request.tenant.id;
    await this.#db.transaction(async (tx) => {
      await recordAudit(tx, {
        tenantId,
        actor: { type: 'resident', id: account.id },
        action: 'resident.account-closed',
        subject: { type: 'account', id: account.id },
        ip: request.ip,
      });
      await store.deleteAccount(tx, tenantId, account.id);
    });
    await this.signOutEverywhere(request, account);
  }

  async #audit(e: {
    tenantId: string;
    accountId: string;
    action: string;
    ip: string;
    details?: AuditInput['details'];
  }) {
    await recordAudit(this.#db, {
      tenantId: e.tenantId,
      actor: { type: 'resident', id: e.accountId },
      action: e.action,
      subject: { type: 'account', id: e.accountId },
      ip: e.ip,
      ...(e.details ? { details: e.details } : {}),
    });
  }
}

/** "Firefox on Android": enough for a person to recognise their own device, and no more. */
export function deviceOf(userAgent: string | undefined): string {
  const ua = userAgent ?? '';
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /Firefox\//.test(ua)
      ? 'Firefox'
      : /Chrome\//.test(ua)
        ? 'Chrome'
        : /Safari\//.test(ua)
          ? 'Safari'
          : '';
  const system = /Android/.test(ua)
    ? 'Android'
    : /iPhone|iPad/.test(ua)
      ? 'iOS'
      : /Windows/.test(ua)
        ? 'Windows'
        : /Mac OS X/.test(ua)
          ? 'macOS'
          : /Linux/.test(ua)
            ? 'Linux'
            : '';
  return [browser, system].filter(Boolean).join(' / ');
}

export async function deleteOldSentMail(db: Database, at: Date): Promise<number> {
  return store.deleteOldMail(db, new Date(at.getTime() - sentMailRetentionMs));
}
