import type { FastifyRequest } from 'fastify';
import type { Database, Queryable } from '../../db/database.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import type { HttpClient } from '../../platform/http-client/http-client.ts';
import type { I18n } from '../../platform/i18n/catalogue.ts';
import { localise } from '../../platform/i18n/local-text.ts';
import type { Mailer } from '../../platform/mail/mailer.ts';
import type { CodeAttemptResult } from '../../platform/one-time-codes/one-time-codes.ts';
import type { AccountsService } from '../accounts/service.ts';
import { isRole, type Role, roles } from '../staff/roles.ts';
import type { StaffService } from '../staff/service.ts';
import type { StaffUser } from '../staff/store.ts';
import { OpenIdClients, type ProvedIdentity } from './openid.ts';
import { Passkeys } from './passkeys.ts';
import { newClientKeyPair, SecretBox } from './secrets.ts';
import * as store from './store.ts';

export type { PendingAuthorization, ProvedIdentity } from './openid.ts';
export { ProviderRefused, ProviderUnavailable } from './openid.ts';

/**
 * A provider's first sign-in whose verified email matches an account: linked only once the
 * person says so and proves, with a code mailed to that address, that the account is theirs.
 */
export interface PendingLink {
  providerId: string;
  issuer: string;
  subject: string;
  email: string;
  existingAccountId: string;
  givenName?: string;
  familyName?: string;
  returnTo?: string;
  /** The code mailed to `email` once the person chose to link: its challenge, for this session only. */
  challengeId?: string;
}

/** What came of the person's answer to "link to your existing account?". */
export type LinkOutcome =
  | { status: 'done'; accountId: string; created: boolean }
  /** The provider or the account's hold on the address went meanwhile: start again. */
  | { status: 'gone' }
  | Exclude<CodeAttemptResult, { status: 'accepted' }>;

export type ResidentOutcome =
  | { status: 'signed-in'; accountId: string; created: boolean }
  | { status: 'linked'; accountId: string }
  | { status: 'taken' }
  | { status: 'confirm-link'; pending: PendingLink };

export type StaffOutcome = { status: 'ok'; user: StaffUser } | { status: 'unknown' } | { status: 'inactive' };

/** The input an administrator gives for a provider; secrets only when typed anew. */
export interface ProviderForm {
  slug: string;
  audience: store.Audience;
  issuer: string;
  clientId: string;
  authMethod: store.AuthMethod;
  clientSecret: string;
  scopes: string;
  label: { en: string; cy: string };
  extraParams: Record<string, string>;
  enabled: boolean;
  roleClaim: string;
  roleMap: Record<string, string>;
  trustSecondFactor: boolean;
}

export class IdentityService {
  readonly #db: Database;
  readonly #now: () => Date;
  readonly #accounts: AccountsService;
  readonly #staff: StaffService;
  readonly #mailer: Mailer;
  readonly #i18n: I18n;
  readonly #box: SecretBox;
  readonly passkeys: Passkeys;
  readonly openid: OpenIdClients;

  constructor(deps: {
    db: Database;
    now: () => Date;
    accounts: AccountsService;
    staff: StaffService;
    mailer: Mailer;
    i18n: I18n;
    http: HttpClient;
    sessionSecret: string;
    demo: boolean;
  }) {
    this.#db = deps.db;
    this.#now = deps.now;
    this.#accounts = deps.accounts;
    this.#staff = deps.staff;
    this.#mailer = deps.mailer;
    this.#i18n = deps.i18n;
    this.#box = new SecretBox(deps.sessionSecret);
    this.passkeys = new Passkeys({ db: deps.db, now: deps.now });
    this.openid = new OpenIdClients({ http: deps.http, box: this.#box, demo: deps.demo, now: deps.now });
  }

  // Providers, as administrators configure them.

  providers(tenantId: string, audience?: store.Audience) {
    return store.listProviders(this.#db, tenantId, audience);
  }

  /** The enabled providers people may use, for the sign-in buttons. */
  async enabledProviders(tenantId: string, audience: store.Audience) {
    return (await this.providers(tenantId, audience)).filter((p) => p.enabled);
  }

  provider(tenantId: string, id: string) {
    return store.findProvider(this.#db, tenantId, id);
  }

  async providerBySlug(tenantId: string, audience: store.Audience, slug: string) {
    const p = await store.findProviderBySlug(this.#db, tenantId, audience, slug);
    return p?.enabled ? p : undefined;
  }

  /** Saves a provider; a key pair is made the first time private_key_jwt is chosen. Undefined: the slug is taken. */
  async saveProvider(
    request: FastifyRequest,
    admin: StaffUser,
    id: string | undefined,
    form: ProviderForm,
  ): Promise<string | undefined> {
    const tenantId = request.tenant.id;
    const before = id ? await this.provider(tenantId, id) : undefined;
    let privateKeyEnc = before?.privateKeyEnc ?? null;
    let publicJwk = before?.publicJwk ?? null;
    if (form.authMethod === 'private_key_jwt' && !privateKeyEnc) {
      const pair = newClientKeyPair();
      privateKeyEnc = this.#box.seal(pair.privatePem);
      publicJwk = pair.publicJwk;
    }
    const clientSecretEnc = form.clientSecret
      ? this.#box.seal(form.clientSecret)
      : (before?.clientSecretEnc ?? null);
    return this.#db.transaction(async (tx) => {
      const saved = await store.saveProvider(
        tx,
        tenantId,
        id,
        {
          slug: form.slug,
          audience: form.audience,
          issuer: form.issuer,
          clientId: form.clientId,
          authMethod: form.authMethod,
          clientSecretEnc,
          privateKeyEnc,
          publicJwk,
          scopes: form.scopes,
          label: form.label,
          extraParams: form.extraParams,
          enabled: form.enabled,
          roleClaim: form.audience === 'staff' && form.roleClaim ? form.roleClaim : null,
          roleMap: form.audience === 'staff' ? form.roleMap : {},
          trustSecondFactor: form.audience === 'staff' && form.trustSecondFactor,
        },
        this.#now(),
      );
      if (saved) {
        await recordAudit(tx, {
          tenantId,
          actor: { type: 'staff', id: admin.id },
          action: id ? 'identity.provider-changed' : 'identity.provider-added',
          subject: { type: 'identity-provider', id: saved },
          ip: request.ip,
          details: {
            slug: form.slug,
            audience: form.audience,
            issuer: form.issuer,
            secretChanged: Boolean(form.clientSecret),
            trustSecondFactor: form.trustSecondFactor,
          },
        });
      }
      return saved;
    });
  }

  async deleteProvider(request: FastifyRequest, admin: StaffUser, id: string): Promise<boolean> {
    const tenantId = request.tenant.id;
    return this.#db.transaction(async (tx) => {
      const removed = await store.deleteProvider(tx, tenantId, id);
      if (removed)
        await recordAudit(tx, {
          tenantId,
          actor: { type: 'staff', id: admin.id },
          action: 'identity.provider-removed',
          subject: { type: 'identity-provider', id },
          ip: request.ip,
        });
      return removed;
    });
  }

  // Residents.

  identities(tenantId: string, accountId: string) {
    return store.listAccountIdentities(this.#db, tenantId, accountId);
  }

  /**
   * Whether the account keeps another way in once one method goes: an email (the code always
   * works), a passkey, or another linked account. An account is never left unreachable.
   */
  async keepsAWayIn(tenantId: string, accountId: string, losing: 'passkey' | 'identity'): Promise<boolean> {
    const [emails, passkeys, identities] = await Promise.all([
      this.#accounts.emails(tenantId, accountId),
      this.passkeys.list(tenantId, { accountId }),
      this.identities(tenantId, accountId),
    ]);
    const left =
      emails.length +
      passkeys.length -
      (losing === 'passkey' ? 1 : 0) +
      identities.length -
      (losing === 'identity' ? 1 : 0);
    return left > 0;
  }

  async unlink(request: FastifyRequest, accountId: string, issuer: string, subject: string) {
    if (!(await this.keepsAWayIn(request.tenant.id, accountId, 'identity'))) return false;
    const removed = await store.unlinkAccountIdentity(
      this.#db,
      request.tenant.id,
      accountId,
      issuer,
      subject,
    );
    if (removed) await this.#residentAudit(request, accountId, 'identity.provider-unlinked', { issuer });
    return removed;
  }

  /**
   * A resident came back from a provider. A known identity signs in; a signed-in person links
   * it to their account; a new one whose verified email has an account waits for the person's
   * word (and, to link, a code mailed to that address); otherwise a new account is made.
   */
  async residentArrived(
    request: FastifyRequest,
    provider: store.Provider,
    who: ProvedIdentity,
    signedInAccountId: string | undefined,
    returnTo: string | undefined,
  ): Promise<ResidentOutcome> {
    const tenantId = request.tenant.id;
    const at = this.#now();
    const known = await store.findAccountIdentity(this.#db, tenantId, who.issuer, who.subject);
    if (signedInAccountId) {
      if (known)
        return known.accountId === signedInAccountId
          ? { status: 'linked', accountId: known.accountId }
          : { status: 'taken' };
      await this.#link(request, signedInAccountId, provider, who);
      return { status: 'linked', accountId: signedInAccountId };
    }
    if (known) {
      await store.touchAccountIdentity(this.#db, tenantId, who.issuer, who.subject, at);
      await this.#accounts.startSession(request, known.accountId, 'openid');
      return { status: 'signed-in', accountId: known.accountId, created: false };
    }
    const existing =
      who.email && who.emailVerified ? await this.#accounts.accountIdByEmail(tenantId, who.email) : undefined;
    if (existing && who.email) {
      return {
        status: 'confirm-link',
        pending: {
          providerId: provider.id,
          issuer: who.issuer,
          subject: who.subject,
          email: who.email,
          existingAccountId: existing,
          ...(who.givenName ? { givenName: who.givenName } : {}),
          ...(who.familyName ? { familyName: who.familyName } : {}),
          ...(returnTo ? { returnTo } : {}),
        },
      };
    }
    const accountId = await this.#accounts.createAccount(request, {
      // An unverified address is never attached: the person can add and prove it later.
      email: who.emailVerified ? who.email : undefined,
      givenName: who.givenName,
      familyName: who.familyName,
    });
    await this.#link(request, accountId, provider, who, false);
    await this.#accounts.startSession(request, accountId, 'openid', true);
    return { status: 'signed-in', accountId, created: true };
  }

  /**
   * "Yes, link it": a code to the account's address, through the outbox, as for a sign-in (the
   * same codes and the same limits). The provider's email_verified is its word about its own
   * account, not proof that the person holds this one: linking waits for the code.
   */
  async sendLinkCode(
    request: FastifyRequest,
    pending: PendingLink,
  ): Promise<{ status: 'sent'; pending: PendingLink } | { status: 'throttled' } | { status: 'gone' }> {
    const provider = await this.provider(request.tenant.id, pending.providerId);
    if (!provider) return { status: 'gone' };
    const t = this.#i18n.t(request.lang);
    const council = localise(request.tenant.name, request.lang).text;
    const name = localise(provider.label, request.lang).text;
    const sent = await this.#accounts.sendCode({
      tenantId: request.tenant.id,
      email: pending.email,
      ip: request.ip,
      message: (code) => ({
        subject: t('identity.link-code.email-subject', { code, council, provider: name }),
        text: t('identity.link-code.email-body', { code, council, provider: name }),
      }),
    });
    if (sent.status !== 'sent') return { status: 'throttled' };
    return { status: 'sent', pending: { ...pending, challengeId: sent.challengeId } };
  }

  /**
   * "Yes, link it", with the code that was mailed to the account's address: linked and signed
   * in when the code is right; otherwise nothing is linked and nobody is signed in.
   */
  async confirmLink(request: FastifyRequest, pending: PendingLink, code: string): Promise<LinkOutcome> {
    const tenantId = request.tenant.id;
    const provider = await this.provider(tenantId, pending.providerId);
    if (!provider) return { status: 'gone' };
    if (!pending.challengeId) return { status: 'expired' };
    const proved = await this.#accounts.proveEmail(
      request,
      { purpose: 'link-identity', email: pending.email, challengeId: pending.challengeId },
      code,
    );
    if (proved.status !== 'accepted') return proved;
    // The address proved must still be this account's: it may have been removed meanwhile.
    if ((await this.#accounts.accountIdByEmail(tenantId, pending.email)) !== pending.existingAccountId)
      return { status: 'gone' };
    await this.#link(request, pending.existingAccountId, provider, pending);
    await this.#accounts.startSession(request, pending.existingAccountId, 'openid');
    return { status: 'done', accountId: pending.existingAccountId, created: false };
  }

  /** "No, make a separate account": the address stays with the account that proved it first. */
  async separateAccount(
    request: FastifyRequest,
    pending: PendingLink,
  ): Promise<Extract<LinkOutcome, { status: 'done' | 'gone' }>> {
    const provider = await this.provider(request.tenant.id, pending.providerId);
    if (!provider) return { status: 'gone' };
    const accountId = await this.#accounts.createAccount(request, {
      givenName: pending.givenName,
      familyName: pending.familyName,
    });
    await this.#link(
      request,
      accountId,
      provider,
      { issuer: pending.issuer, subject: pending.subject, email: undefined },
      false,
    );
    await this.#accounts.startSession(request, accountId, 'openid', true);
    return { status: 'done', accountId, created: true };
  }

  /** Links the identity; an account that existed before hears of it by email, in the same transaction. */
  async #link(
    request: FastifyRequest,
    accountId: string,
    provider: store.Provider,
    who: Pick<ProvedIdentity, 'issuer' | 'subject' | 'email'>,
    notify = true,
  ) {
    const emails = notify ? await this.#accounts.emails(request.tenant.id, accountId) : [];
    await this.#db.transaction(async (tx) => {
      await store.linkAccountIdentity(
        tx,
        request.tenant.id,
        {
          accountId,
          providerId: provider.id,
          issuer: who.issuer,
          subject: who.subject,
          email: who.email ?? null,
        },
        this.#now(),
      );
      await this.#notice(tx, request, emails, localise(provider.label, request.lang).text);
    });
    await this.#residentAudit(request, accountId, 'identity.provider-linked', { provider: provider.slug });
  }

  /** A new passkey for a resident: checked, kept, recorded, and told to them by email. */
  async addResidentPasskey(request: FastifyRequest, accountId: string, response: unknown, name: string) {
    const emails = await this.#accounts.emails(request.tenant.id, accountId);
    const t = this.#i18n.t(request.lang);
    const added = await this.passkeys.register(request, { accountId }, response, name, (tx) =>
      this.#notice(tx, request, emails, t('identity.notice.passkey', { name })),
    );
    if (added) await this.#residentAudit(request, accountId, 'identity.passkey-added', {});
    return added;
  }

  async residentPasskeyAudit(request: FastifyRequest, accountId: string, action: string) {
    await this.#residentAudit(request, accountId, action, {});
  }

  /**
   * "A new way to sign in was added": sent to every address of the account, so that someone
   * who did not do it finds out (through the outbox, with the change).
   */
  async #notice(tx: Queryable, request: FastifyRequest, emails: string[], what: string) {
    const t = this.#i18n.t(request.lang);
    const council = localise(request.tenant.name, request.lang).text;
    for (const to of emails) {
      await this.#mailer.send(tx, request.tenant.id, {
        to,
        subject: t('identity.notice.subject', { council }),
        text: t('identity.notice.body', { council, what }),
      });
    }
  }

  async #residentAudit(
    request: FastifyRequest,
    accountId: string,
    action: string,
    details: Record<string, unknown>,
  ) {
    await recordAudit(this.#db, {
      tenantId: request.tenant.id,
      actor: { type: 'resident', id: accountId },
      action,
      subject: { type: 'account', id: accountId },
      ip: request.ip,
      details,
    });
  }

  // Staff single sign-on.

  /**
   * The member of staff a provider vouched for: linked before, or found by verified email;
   * made when the council maps a role from the provider's claims. Their role follows the
   * mapping at every sign-in where one applies.
   */
  async staffArrived(
    request: FastifyRequest,
    provider: store.Provider,
    who: ProvedIdentity,
  ): Promise<StaffOutcome> {
    const tenantId = request.tenant.id;
    const mapped = mappedRole(provider, who.claims);
    // The council's own directory issues the address: trusted unless it says otherwise (Entra ID,
    // for one, sends no email_verified at all).
    const emailTrusted =
      Boolean(who.email) && who.claims.email_verified !== false && who.claims.email_verified !== 'false';
    const linkedId = await store.findStaffIdentity(this.#db, tenantId, who.issuer, who.subject);
    let user: StaffUser | undefined;
    if (linkedId) user = await this.#staff.findUser(tenantId, linkedId);
    else if (who.email && emailTrusted) {
      user = await this.#staff.findUserByEmail(tenantId, who.email);
      // A council's directory cannot claim a platform administrator by address alone.
      if (user?.platformAdmin) return { status: 'unknown' };
    }
    if (!user && mapped && who.email && emailTrusted) {
      const name = [who.givenName, who.familyName].filter(Boolean).join(' ') || who.email;
      user = await this.#staff.createUser(
        undefined,
        tenantId,
        { email: who.email, name, role: mapped },
        request.ip,
      );
    }
    if (!user) return { status: 'unknown' };
    if (!user.active) return { status: 'inactive' };
    if (mapped) user = await this.#staff.mapRole(user, mapped, request.ip, provider.slug);
    await store.linkStaffIdentity(this.#db, tenantId, user.id, who.issuer, who.subject, this.#now());
    return { status: 'ok', user };
  }
}

/**
 * The role the provider's claim maps to, if the council maps one: the claim may be a value or
 * a list; where several values map, the role with the most rights wins (roles are listed so).
 */
export function mappedRole(
  provider: Pick<store.Provider, 'roleClaim' | 'roleMap'>,
  claims: Record<string, unknown>,
): Role | undefined {
  if (!provider.roleClaim) return undefined;
  const raw = claims[provider.roleClaim];
  const values = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map(String);
  const found = values.map((v) => provider.roleMap[v]).filter(isRole);
  return roles.find((r) => found.includes(r));
}
