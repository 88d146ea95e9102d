import middie from '@fastify/middie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import type { Services } from '../../app.ts';
import { formExpired } from '../../platform/errors/errors.ts';
import { localise } from '../../platform/i18n/local-text.ts';
import { csrfTokenValid, type Session, sessionCookie } from '../../platform/sessions/sessions.ts';
import type { Account, AccountsService, ResidentSession } from '../accounts/service.ts';
import { formatPhone } from '../forms/engine/index.ts';
import { enqueueBackchannelLogout } from './backchannel-logout.ts';
import {
  bindRequest,
  cspAllowingFormsTo,
  mountPath,
  originsOf,
  type Providers,
  replyFor,
  scopeClaims,
} from './provider.ts';
import type { OidcService } from './service.ts';
import { destroyPayload, findClient, providerSessions, type ScopeName, scopeNames } from './store.ts';

/** When the session's resident signed in, in seconds, as OpenID's auth_time. */
const signedInAt = (session: Session) => {
  const at = session.get<ResidentSession>('resident')?.signedInAt;
  return at ? Math.floor(at / 1000) : undefined;
};

/**
 * prompt=login, or a max_age the last sign-in is older than: the person signs in afresh,
 * once for this interaction (the session remembers which one it was).
 */
const needsFreshSignIn = (
  details: { prompt: { name: string; reasons: string[] } },
  uid: string,
  session: Session,
) =>
  details.prompt.name === 'login' &&
  details.prompt.reasons.some((r) => r === 'login_prompt' || r === 'max_age') &&
  session.get<string>('oidcFreshSignIn') !== uid;

const view = (name: string) => `modules/oidc/views/${name}.njk`;
const uidPattern = /^[A-Za-z0-9_-]{10,64}$/;

/**
 * Doorstep as OpenID Provider: oidc-provider answers under /oidc (mounted as middleware so it
 * sees its mount path), except the interaction pages, which are ours: sign-in (our /sign-in),
 * consent, and the provider's logout and error pages rendered with our templates.
 */
export async function registerOidc(
  app: FastifyInstance,
  services: Services & {
    accounts: AccountsService;
    oidc: OidcService;
    providers: Providers;
    sessionSecret: string;
  },
) {
  const { i18n, accounts, providers, oidc } = services;

  // The provider handles the raw request; it reaches our templates and session through this.
  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith(`${mountPath}/`)) bindRequest(reply);
  });
  await app.register(middie);
  const handlers = new WeakMap<object, ReturnType<Provider['callback']>>();
  app.use(mountPath, (req, res, next) => {
    const path = req.url ?? '/';
    if (path.startsWith('/interaction/')) return next();
    const reply = replyFor(req);
    if (!reply) return next();
    providers
      .for(reply.request)
      .then((provider) => {
        reply.hijack();
        // Our security headers (CSP and the rest) on everything the provider answers.
        for (const [name, value] of Object.entries(reply.getHeaders()))
          if (value !== undefined) res.setHeader(name, value as string);
        let handle = handlers.get(provider);
        if (!handle) {
          // Koa composes its middleware in callback(): once per provider, not per request.
          handle = provider.callback();
          handlers.set(provider, handle);
        }
        return handle(req, res);
      })
      .catch((error: unknown) => next(error as Error));
  });

  // Signing out of Doorstep ends the provider's session of that browser (or all of them) and
  // tells each app of it by back-channel logout, as signing out through an app does: one
  // outbox job per app that takes it, written in the transaction that ends the provider's
  // sessions, so a crash or an app that is down cannot lose the news (backchannel-logout.ts).
  accounts.onSignOut(async (request, accountId, everywhere) => {
    const cookie = request.cookies._session;
    if (!everywhere && !cookie) return;
    const tenantId = request.tenant.id;
    const issuer = providers.issuer(request);
    await services.db.transaction(async (tx) => {
      const sessions = await providerSessions(tx, tenantId, accountId, everywhere ? undefined : cookie);
      for (const session of sessions) {
        await destroyPayload(tx, tenantId, 'Session', session.id);
        for (const [clientId, { sid }] of Object.entries(session.payload.authorizations ?? {})) {
          const client = await findClient(tx, tenantId, clientId);
          if (!client?.enabled || !client.backchannelLogoutUri) continue;
          await enqueueBackchannelLogout(tx, tenantId, { issuer, clientId, sub: accountId, sid });
        }
      }
    });
  });

  // Our interaction pages carry our CSRF token: the platform exempts /oidc/ by name for the
  // provider's own endpoints, which authenticate clients otherwise.
  const checkCsrf = (request: FastifyRequest) => {
    const token = (request.body as Record<string, unknown> | undefined)?._csrf;
    if (!csrfTokenValid(services.sessionSecret, request.cookies[sessionCookie], token)) throw formExpired();
  };

  const problem = (request: FastifyRequest, reply: FastifyReply, code: string, status = 400) =>
    reply
      .code(status)
      .header('cache-control', 'no-store')
      .render(view('error'), { code, description: i18n.t(request.lang)('oidc.error.interaction-expired') });

  const interaction = async (request: FastifyRequest, reply: FastifyReply) => {
    const { uid } = request.params as { uid: string };
    if (!uidPattern.test(uid)) return undefined;
    const provider = await providers.for(request);
    try {
      const details = await provider.interactionDetails(request.raw, reply.raw);
      return details.uid === uid ? { provider, details, uid } : undefined;
    } catch {
      return undefined;
    }
  };

  /** Scopes the app asked for and may have: exactly what the consent page lists and grants. */
  const scopesAsked = (asked: unknown, allowed: readonly string[]): ScopeName[] => {
    const words = new Set(String(asked ?? '').split(' '));
    return scopeNames.filter((s) => words.has(s) && allowed.includes(s));
  };

  const claimRows = (request: FastifyRequest, account: Account, scopes: ScopeName[]) => {
    const t = i18n.t(request.lang);
    const name = [account.givenName, account.familyName].filter(Boolean).join(' ');
    const a = account.address;
    const values: Record<string, string | undefined> = {
      sub: account.id,
      email: account.emails[0]?.email,
      email_verified: account.emails[0] ? t('oidc.consent.yes') : undefined,
      name: name || undefined,
      given_name: account.givenName ?? undefined,
      family_name: account.familyName ?? undefined,
      phone_number: account.phone ? formatPhone(account.phone) : undefined,
      address: a ? [a.line1, a.line2, a.town, a.postcode].filter(Boolean).join(', ') : undefined,
    };
    return scopes.flatMap((scope) =>
      scopeClaims[scope].map((claim) => ({
        key: { text: t(`oidc.claim.${claim}`) },
        value: { text: values[claim] ?? t('oidc.consent.not-given') },
      })),
    );
  };

  app.get('/oidc/interaction/:uid', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    const found = await interaction(request, reply);
    if (!found) return problem(request, reply, 'interaction_expired');
    const session = await request.session();
    if (needsFreshSignIn(found.details, found.uid, session)) {
      accounts.signOut(session);
      session.set('oidcFreshSignIn', found.uid);
    }
    const account = await accounts.signedIn(request);
    if (!account)
      return reply.redirect(
        `/sign-in?returnTo=${encodeURIComponent(`${mountPath}/interaction/${found.uid}`)}`,
        303,
      );
    const clientId = String(found.details.params.client_id);
    const client = await oidc.client(request.tenant.id, clientId);
    if (!client) return problem(request, reply, 'invalid_client');
    const scopes = scopesAsked(found.details.params.scope, client.allowedScopes);
    // The Allow form is answered by a redirect to the app: its origins join form-action here only.
    reply.header(
      'content-security-policy',
      cspAllowingFormsTo(
        String(reply.getHeader('content-security-policy') ?? ''),
        originsOf(client.redirectUris),
      ),
    );
    return reply.render(view('consent'), {
      uid: found.uid,
      appName: localise(client.name, request.lang).text,
      email: account.emails[0]?.email,
      rows: claimRows(request, account, scopes),
    });
  });

  app.post('/oidc/interaction/:uid/allow', async (request, reply) => {
    checkCsrf(request);
    reply.header('cache-control', 'no-store');
    const found = await interaction(request, reply);
    if (!found) return problem(request, reply, 'interaction_expired');
    const account = await accounts.signedIn(request);
    if (!account)
      return reply.redirect(
        `/sign-in?returnTo=${encodeURIComponent(`${mountPath}/interaction/${found.uid}`)}`,
        303,
      );
    const { provider, details } = found;
    if (needsFreshSignIn(details, found.uid, await request.session()))
      return reply.redirect(`${mountPath}/interaction/${found.uid}`, 303);
    const clientId = String(details.params.client_id);
    const client = await oidc.client(request.tenant.id, clientId);
    if (!client) return problem(request, reply, 'invalid_client');
    const scopes = scopesAsked(details.params.scope, client.allowedScopes);
    // An earlier grant of this person to this app is extended, never one of someone else's.
    const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
    const grant =
      existing && existing.accountId === account.id && existing.clientId === clientId
        ? existing
        : new provider.Grant({ accountId: account.id, clientId });
    grant.addOIDCScope(scopes.join(' '));
    const grantId = await grant.save();
    await oidc.recordConsent(request, account.id, clientId, scopes);
    const to = await provider.interactionResult(
      request.raw,
      reply.raw,
      // auth_time is when the person signed in to Doorstep, not when they pressed Allow.
      { login: { accountId: account.id, ts: signedInAt(await request.session()) }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
    return reply.redirect(to, 303);
  });

  app.post('/oidc/interaction/:uid/cancel', async (request, reply) => {
    checkCsrf(request);
    reply.header('cache-control', 'no-store');
    const found = await interaction(request, reply);
    if (!found) return problem(request, reply, 'interaction_expired');
    const to = await found.provider.interactionResult(
      request.raw,
      reply.raw,
      { error: 'access_denied', error_description: 'The person chose not to share their details' },
      { mergeWithLastSubmission: false },
    );
    // The app's redirect URI is on another origin: allowed for this form by the consent page's CSP.
    return reply.redirect(to, 303);
  });

  // My Account: the apps a person allowed, and taking that back.

  const requireAccount = async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('cache-control', 'no-store');
    const account = await accounts.signedIn(request);
    if (!account) void reply.redirect(`/sign-in?returnTo=${encodeURIComponent(request.url)}`, 303);
    return account;
  };

  app.get('/account/apps', async (request, reply) => {
    const account = await requireAccount(request, reply);
    if (!account) return reply;
    const t = i18n.t(request.lang);
    const session = await request.session();
    const revoked = session.get<string>('oidcRevoked');
    if (revoked) session.set('oidcRevoked', undefined);
    const apps = await oidc.appsOf(request.tenant.id, account.id);
    return reply.render(view('account-apps'), {
      revoked,
      apps: apps.map((a) => ({
        clientId: a.clientId,
        name: localise(a.name, request.lang).text,
        shares: a.scopes.map((s) => t(`oidc.scope.${s}`)).join(', '),
      })),
    });
  });

  app.post('/account/apps/:clientId/revoke', async (request, reply) => {
    const account = await requireAccount(request, reply);
    if (!account) return reply;
    const { clientId } = request.params as { clientId: string };
    const name = await oidc.revoke(request, account.id, clientId);
    if (name) (await request.session()).set('oidcRevoked', localise(name, request.lang).text);
    return reply.redirect('/account/apps', 303);
  });
}
