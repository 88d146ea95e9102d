import { createRequire } from 'node:module';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../app.ts';
import { notFound } from '../../platform/errors/errors.ts';
import { localise } from '../../platform/i18n/local-text.ts';
import { rateLimits } from '../../platform/security/rate-limit.ts';
import { codeErrors, type SignInExtras } from '../accounts/routes.ts';
import { type AccountsService, deviceOf } from '../accounts/service.ts';
import { parseCredential } from './passkeys.ts';
import {
  type IdentityService,
  type LinkOutcome,
  type PendingAuthorization,
  type PendingLink,
  ProviderRefused,
  ProviderUnavailable,
} from './service.ts';
import type { Provider } from './store.ts';

const view = (name: string) => `modules/identity/views/${name}.njk`;
const require = createRequire(import.meta.url);
/** @simplewebauthn/browser's one-file build, served as is beside our own script. */
const webauthnBundleDir = path.resolve(
  path.dirname(require.resolve('@simplewebauthn/browser')),
  '../dist/bundle',
);
const offerCookie = 'passkey_offer';
const maxNameLength = 60;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Only our own pages: a returnTo that leaves the site is dropped. */
export function safeReturn(value: unknown): string | undefined {
  const s = typeof value === 'string' ? value : '';
  return /^\/(?![/\\])[^\s]*$/.test(s) && s.length < 500 ? s : undefined;
}

export const bodyOf = (request: FastifyRequest) => (request.body ?? {}) as Record<string, unknown>;
export const fieldOf = (request: FastifyRequest, name: string, max = 200) =>
  String(bodyOf(request)[name] ?? '')
    .trim()
    .slice(0, max);

/** The address the provider sends the person back to: this council's host, as the browser used it. */
export const callbackUri = (request: FastifyRequest, pathname: string) =>
  `${request.protocol}://${request.host}${pathname}`;

/** A button per provider, in the visitor's language. */
export const providerButtons = (
  providers: Provider[],
  request: FastifyRequest,
  base: string,
  returnTo?: string,
) =>
  providers.map((p) => ({
    label: localise(p.label, request.lang),
    href: `${base}/${p.slug}${returnTo ? `?returnTo=${encodeURIComponent(returnTo)}` : ''}`,
  }));

/** The scripts of a passkey page: the library, then ours (CSP 'self'; nothing inline). */
export async function registerIdentityAssets(app: FastifyInstance) {
  await app.register(fastifyStatic, {
    root: [path.join(import.meta.dirname, 'assets'), webauthnBundleDir],
    prefix: '/assets/identity/',
    decorateReply: false,
    maxAge: '1d',
    index: false,
    allowedPath: (pathname) => pathname === '/passkeys.js' || pathname === '/index.umd.min.js',
  });
}

export function residentSignInExtras(identity: IdentityService): SignInExtras {
  return {
    async options(request, returnTo) {
      const providers = await identity.enabledProviders(request.tenant.id, 'residents');
      return {
        identityProviders: providerButtons(providers, request, '/sign-in/oidc', returnTo),
        passkeyHref: `/sign-in/passkey${returnTo ? `?returnTo=${encodeURIComponent(returnTo)}` : ''}`,
      };
    },
    async next(request, accountId, returnTo) {
      // Offered on My Account after a sign-in, until the person has one or says "not now" on this device.
      if (request.cookies[offerCookie] !== 'no') {
        const keys = await identity.passkeys.list(request.tenant.id, { accountId });
        if (!keys.length) (await request.session()).set('passkeyOffer', true);
      }
      return returnTo;
    },
    async exportData(request, accountId) {
      const [keys, linked] = await Promise.all([
        identity.passkeys.list(request.tenant.id, { accountId }),
        identity.identities(request.tenant.id, accountId),
      ]);
      return {
        passkeys: keys.map((k) => ({ name: k.name, created_at: k.createdAt, last_used_at: k.lastUsedAt })),
        linked_sign_in_accounts: linked.map((l) => ({
          issuer: l.issuer,
          email: l.email,
          created_at: l.createdAt,
          last_used_at: l.lastUsedAt,
        })),
      };
    },
    async accountPage(request) {
      const session = await request.session();
      if (!session.get('passkeyOffer')) return {};
      session.set('passkeyOffer', undefined);
      return { passkeyOffer: true };
    },
  };
}

export function registerIdentity(
  app: FastifyInstance,
  services: Services & { accounts: AccountsService; identity: IdentityService; signInExtras: SignInExtras },
) {
  const { i18n, accounts, identity } = services;

  const summaryOf = (request: FastifyRequest, errors: Record<string, string>) => {
    const t = i18n.t(request.lang);
    return {
      errorSummary: Object.entries(errors).map(([id, key]) => ({ text: t(key), href: `#${id}` })),
      errors: Object.fromEntries(Object.entries(errors).map(([id, key]) => [id, { text: t(key) }])),
    };
  };

  const requireAccount = async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('cache-control', 'no-store');
    const account = await accounts.signedIn(request);
    if (!account) {
      void reply.redirect(`/sign-in?returnTo=${encodeURIComponent(request.url)}`, 303);
      return undefined;
    }
    return account;
  };

  const flash = async (request: FastifyRequest, key: string) =>
    (await request.session()).set('identityFlash', key);
  const takeFlash = async (request: FastifyRequest) => {
    const session = await request.session();
    const notice = session.get<string>('identityFlash');
    if (notice) session.set('identityFlash', undefined);
    return notice;
  };

  // Signing in with a passkey: a page whose script runs the ceremony and posts the answer.

  const passkeySignInPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    returnTo?: string,
    error?: string,
  ) => {
    const options = await identity.passkeys.authenticationOptions(request, 'sign-in');
    return reply
      .code(error ? 400 : 200)
      .header('cache-control', 'no-store')
      .render(view('passkey-sign-in'), {
        options,
        returnTo,
        ...summaryOf(request, error ? { 'passkey-button': error } : {}),
      });
  };

  app.get('/sign-in/passkey', async (request, reply) => {
    const returnTo = safeReturn((request.query as { returnTo?: string }).returnTo);
    if (await accounts.signedIn(request)) return reply.redirect(returnTo ?? '/account', 303);
    return passkeySignInPage(request, reply, returnTo);
  });

  app.post('/sign-in/passkey', { config: { rateLimit: rateLimits.signIn } }, async (request, reply) => {
    const returnTo = safeReturn(bodyOf(request).returnTo);
    const key = await identity.passkeys.authenticate(
      request,
      'sign-in',
      parseCredential(bodyOf(request).credential),
    );
    if (!key?.accountId) return passkeySignInPage(request, reply, returnTo, 'identity.passkey-sign-in.error');
    await accounts.startSession(request, key.accountId, 'passkey');
    return reply.redirect(returnTo ?? '/account', 303);
  });

  // After a sign-in: "sign in faster next time".

  app.get('/sign-in/passkey/offer', async (request, reply) => {
    const account = await requireAccount(request, reply);
    if (!account) return reply;
    const returnTo = safeReturn((request.query as { returnTo?: string }).returnTo) ?? '/account';
    const options = await identity.passkeys.registrationOptions(
      request,
      { accountId: account.id },
      residentUser(account),
    );
    return reply.render(view('passkey-offer'), { options, returnTo });
  });

  app.post('/sign-in/passkey/offer', async (request, reply) => {
    const account = await requireAccount(request, reply);
    if (!account) return reply;
    const returnTo = safeReturn(bodyOf(request).returnTo) ?? '/account';
    if (fieldOf(request, 'choice') === 'not-now') {
      reply.setCookie(offerCookie, 'no', {
        path: '/',
        sameSite: 'lax',
        httpOnly: true,
        secure: request.protocol === 'https',
        maxAge: 31536000,
      });
      return reply.redirect(returnTo, 303);
    }
    const added = await identity.addResidentPasskey(
      request,
      account.id,
      parseCredential(bodyOf(request).credential),
      defaultPasskeyName(request),
    );
    if (!added) {
      await flash(request, 'identity.passkeys.error-not-added');
      return reply.redirect('/account/sign-in-methods', 303);
    }
    // Shown by My Account's own one-off message, wherever the person was going.
    (await request.session()).set('accountFlash', 'identity.passkeys.added');
    return reply.redirect(returnTo, 303);
  });

  // My Account: ways to sign in.

  const methodsPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    account: Awaited<ReturnType<AccountsService['signedIn']>> & object,
    errors: Record<string, string> = {},
    values: Record<string, string> = {},
  ) => {
    const [keys, linked, providers] = await Promise.all([
      identity.passkeys.list(request.tenant.id, { accountId: account.id }),
      identity.identities(request.tenant.id, account.id),
      identity.providers(request.tenant.id, 'residents'),
    ]);
    const byId = new Map(providers.map((p) => [p.id, p]));
    const options = await identity.passkeys.registrationOptions(
      request,
      { accountId: account.id },
      residentUser(account),
    );
    const linkedProviderIds = new Set(linked.map((l) => l.providerId));
    return reply.code(Object.keys(errors).length ? 400 : 200).render(view('methods'), {
      passkeys: keys,
      identities: linked.map((l) => ({
        ...l,
        label:
          l.providerId && byId.get(l.providerId)
            ? localise(byId.get(l.providerId)!.label, request.lang)
            : { text: l.issuer },
      })),
      linkable: providers
        .filter((p) => p.enabled && !linkedProviderIds.has(p.id))
        .map((p) => ({ slug: p.slug, label: localise(p.label, request.lang) })),
      emails: account.emails,
      options,
      values,
      notice: await takeFlash(request),
      ...summaryOf(request, errors),
    });
  };

  app.get('/account/sign-in-methods', async (request, reply) => {
    const account = await requireAccount(request, reply);
    if (!account) return reply;
    return methodsPage(request, reply, account);
  });

  app.post('/account/passkeys', async (request, reply) => {
    const account = await requireAccount(request, reply);
    if (!account) return reply;
    const name = fieldOf(request, 'name', maxNameLength + 1) || defaultPasskeyName(request);
    if (name.length > maxNameLength)
      return methodsPage(request, reply, account, { name: 'identity.passkeys.error-name-long' }, { name });
    const added = await identity.addResidentPasskey(
      request,
      account.id,
      parseCredential(bodyOf(request).credential),
      name,
    );
    if (!added)
      return methodsPage(request, reply, account, { name: 'identity.passkeys.error-not-added' }, { name });
    await flash(request, 'identity.passkeys.added');
    return reply.redirect('/account/sign-in-methods', 303);
  });

  const ownPasskey = async (request: FastifyRequest, accountId: string) => {
    const { id } = request.params as { id: string };
    const key = uuid.test(id)
      ? (await identity.passkeys.list(request.tenant.id, { accountId })).find((k) => k.id === id)
      : undefined;
    if (!key) throw notFound();
    return key;
  };

  app.get('/account/passkeys/:id/name', async (request, reply) => {
    const account = await requireAccount(request, reply);
    if (!account) return reply;
    const key = await ownPasskey(request, account.id);
    return reply.render(view('passkey-name'), {
      key,
      value: key.name,
      action: `/account/passkeys/${key.id}/name`,
      back: '/account/sign-in-methods',
    });
  });

  app.post('/account/passkeys/:id/name', async (request, reply) => {
    const account = await requireAccount(request, reply);
    if (!account) return reply;
    const key = await ownPasskey(request, account.id);
    const name = fieldOf(request, 'name', maxNameLength + 1);
    const error = !name
      ? 'identity.passkeys.error-name-empty'
      : name.length > maxNameLength
        ? 'identity.passkeys.error-name-long'
        : undefined;
    if (error)
      return reply.code(400).render(view('passkey-name'), {
        key,
        value: name,
        action: `/account/passkeys/${key.id}/name`,
        back: '/account/sign-in-methods',
        ...summaryOf(request, { name: error }),
      });
    await identity.passkeys.rename(request.tenant.id, { accountId: account.id }, key.id, name);
    await flash(request, 'identity.passkeys.renamed');
    return reply.redirect('/account/sign-in-methods', 303);
  });

  app.post('/account/passkeys/:id/remove', async (request, reply) => {
    const account = await requireAccount(request, reply);
    if (!account) return reply;
    const key = await ownPasskey(request, account.id);
    if (!(await identity.keepsAWayIn(request.tenant.id, account.id, 'passkey'))) {
      await flash(request, 'identity.methods.error-last');
      return reply.redirect('/account/sign-in-methods', 303);
    }
    await identity.passkeys.remove(request.tenant.id, { accountId: account.id }, key.id);
    await identity.residentPasskeyAudit(request, account.id, 'identity.passkey-removed');
    await flash(request, 'identity.passkeys.removed');
    return reply.redirect('/account/sign-in-methods', 303);
  });

  app.post('/account/identities/remove', async (request, reply) => {
    const account = await requireAccount(request, reply);
    if (!account) return reply;
    if (!(await identity.keepsAWayIn(request.tenant.id, account.id, 'identity'))) {
      await flash(request, 'identity.methods.error-last');
      return reply.redirect('/account/sign-in-methods', 303);
    }
    const removed = await identity.unlink(
      request,
      account.id,
      fieldOf(request, 'issuer', 500),
      fieldOf(request, 'subject', 500),
    );
    await flash(request, removed ? 'identity.providers.unlinked' : 'identity.providers.error-not-linked');
    return reply.redirect('/account/sign-in-methods', 303);
  });

  // External OpenID providers.

  /** The provider cannot be reached: say so plainly and offer every other way in. */
  const providerDown = async (
    request: FastifyRequest,
    reply: FastifyReply,
    provider: Provider,
    returnTo?: string,
  ) => {
    const others = (await identity.enabledProviders(request.tenant.id, 'residents')).filter(
      (p) => p.id !== provider.id,
    );
    request.log.warn({ provider: provider.slug }, 'identity provider unavailable');
    return reply
      .code(503)
      .header('cache-control', 'no-store')
      .render(view('provider-down'), {
        provider: localise(provider.label, request.lang),
        others: providerButtons(others, request, '/sign-in/oidc', returnTo),
        emailHref: `/sign-in${returnTo ? `?returnTo=${encodeURIComponent(returnTo)}` : ''}`,
        passkeyHref: `/sign-in/passkey${returnTo ? `?returnTo=${encodeURIComponent(returnTo)}` : ''}`,
      });
  };

  const residentProvider = async (request: FastifyRequest) => {
    const { slug } = request.params as { slug: string };
    const provider = await identity.providerBySlug(request.tenant.id, 'residents', slug);
    if (!provider) throw notFound();
    return provider;
  };

  /** Sends the person to the provider; linkTo only from the signed-in person's own form (CSRF-checked). */
  const startAt = async (
    request: FastifyRequest,
    reply: FastifyReply,
    provider: Provider,
    returnTo: string | undefined,
    linkTo?: string,
  ) => {
    try {
      const started = await identity.openid.start(provider, {
        redirectUri: callbackUri(request, `/sign-in/oidc/${provider.slug}/callback`),
        lang: request.lang,
        ...(returnTo ? { returnTo } : {}),
      });
      (await request.session()).set('oidcPending', { ...started.pending, ...(linkTo ? { linkTo } : {}) });
      return reply.header('cache-control', 'no-store').redirect(started.url, 303);
    } catch (error) {
      if (error instanceof ProviderUnavailable) return providerDown(request, reply, provider, returnTo);
      throw error;
    }
  };

  app.get('/sign-in/oidc/:slug', async (request, reply) => {
    const provider = await residentProvider(request);
    const returnTo = safeReturn((request.query as { returnTo?: string }).returnTo);
    // Already signed in: a link from another site must not quietly attach an identity.
    if (await accounts.signedIn(request)) return reply.redirect(returnTo ?? '/account', 303);
    return startAt(request, reply, provider, returnTo);
  });

  app.post('/account/identities/link', async (request, reply) => {
    const account = await requireAccount(request, reply);
    if (!account) return reply;
    const provider = await identity.providerBySlug(
      request.tenant.id,
      'residents',
      fieldOf(request, 'provider', 41),
    );
    if (!provider) throw notFound();
    return startAt(request, reply, provider, '/account/sign-in-methods', account.id);
  });

  app.get('/sign-in/oidc/:slug/callback', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    const provider = await residentProvider(request);
    const session = await request.session();
    const pending = session.get<PendingAuthorization>('oidcPending');
    session.set('oidcPending', undefined);
    if (!pending || pending.providerId !== provider.id) return reply.redirect('/sign-in', 303);
    const signedIn = await accounts.signedIn(request);
    let who: Awaited<ReturnType<IdentityService['openid']['finish']>>;
    try {
      who = await identity.openid.finish(provider, pending, request.query as Record<string, string>);
    } catch (error) {
      if (error instanceof ProviderUnavailable)
        return providerDown(request, reply, provider, pending.returnTo);
      if (error instanceof ProviderRefused) {
        request.log.info(
          { provider: provider.slug, err: error },
          'identity provider sign-in did not complete',
        );
        return reply.code(error.cancelled ? 200 : 400).render(view('provider-refused'), {
          provider: localise(provider.label, request.lang),
          cancelled: error.cancelled,
          again: `/sign-in/oidc/${provider.slug}`,
          emailHref: '/sign-in',
        });
      }
      throw error;
    }
    // Linked to the signed-in account only when that account asked for it, from its own page.
    const linkTo = pending.linkTo && signedIn?.id === pending.linkTo ? pending.linkTo : undefined;
    const outcome = await identity.residentArrived(request, provider, who, linkTo, pending.returnTo);
    switch (outcome.status) {
      case 'linked':
        await flash(request, 'identity.providers.linked');
        return reply.redirect(pending.returnTo ?? '/account/sign-in-methods', 303);
      case 'taken':
        await flash(request, 'identity.providers.error-taken');
        return reply.redirect('/account/sign-in-methods', 303);
      case 'confirm-link':
        session.set('oidcLink', outcome.pending);
        return reply.redirect('/sign-in/oidc-link', 303);
      case 'signed-in':
        return reply.redirect(
          await services.signInExtras.next(request, outcome.accountId, pending.returnTo ?? '/account'),
          303,
        );
    }
  });

  /** The two steps of linking: "link to your existing account?", then the code mailed to it. */
  const linkStep =
    (name: 'link' | 'link-code', field: 'choice' | 'code') =>
    async (
      request: FastifyRequest,
      reply: FastifyReply,
      pending: PendingLink,
      error?: { key: string; status: number },
    ) => {
      const provider = await identity.provider(request.tenant.id, pending.providerId);
      return reply
        .code(error?.status ?? 200)
        .header('cache-control', 'no-store')
        .render(view(name), {
          email: pending.email,
          provider: provider ? localise(provider.label, request.lang) : { text: pending.issuer },
          ...summaryOf(request, error ? { [field]: error.key } : {}),
        });
    };
  const linkPage = linkStep('link', 'choice');
  const linkCodePage = linkStep('link-code', 'code');

  const pendingLink = async (request: FastifyRequest) =>
    (await request.session()).get<PendingLink>('oidcLink');

  /**
   * The question answered: signed in, on to where the person was going by way of what follows
   * any sign-in; or, the provider or the account's address gone meanwhile, back to sign in.
   */
  const linkDone = async (
    request: FastifyRequest,
    reply: FastifyReply,
    pending: PendingLink,
    outcome: Extract<LinkOutcome, { status: 'done' | 'gone' }>,
  ) => {
    (await request.session()).set('oidcLink', undefined);
    if (outcome.status === 'gone') return reply.redirect('/sign-in', 303);
    return reply.redirect(
      await services.signInExtras.next(request, outcome.accountId, pending.returnTo ?? '/account'),
      303,
    );
  };

  app.get('/sign-in/oidc-link', async (request, reply) => {
    const pending = await pendingLink(request);
    if (!pending) return reply.redirect('/sign-in', 303);
    return linkPage(request, reply, pending);
  });

  // Choosing "link" mails a code (and choosing it again, a new one): limited as sign-in is.
  app.post('/sign-in/oidc-link', { config: { rateLimit: rateLimits.signIn } }, async (request, reply) => {
    const session = await request.session();
    const pending = await pendingLink(request);
    if (!pending) return reply.redirect('/sign-in', 303);
    const choice = fieldOf(request, 'choice');
    if (choice === 'cancel') {
      session.set('oidcLink', undefined);
      return reply.redirect('/sign-in', 303);
    }
    if (choice === 'new')
      return linkDone(request, reply, pending, await identity.separateAccount(request, pending));
    if (choice !== 'link')
      return linkPage(request, reply, pending, { key: 'identity.link.error-choice', status: 400 });
    const sent = await identity.sendLinkCode(request, pending);
    if (sent.status === 'gone') return linkDone(request, reply, pending, sent);
    if (sent.status === 'throttled')
      return linkPage(request, reply, pending, { key: 'accounts.sign-in.error-too-many', status: 429 });
    session.set('oidcLink', sent.pending);
    return reply.redirect('/sign-in/oidc-link/code', 303);
  });

  app.get('/sign-in/oidc-link/code', async (request, reply) => {
    const pending = await pendingLink(request);
    if (!pending) return reply.redirect('/sign-in', 303);
    if (!pending.challengeId) return reply.redirect('/sign-in/oidc-link', 303);
    return linkCodePage(request, reply, pending);
  });

  app.post(
    '/sign-in/oidc-link/code',
    { config: { rateLimit: rateLimits.signIn } },
    async (request, reply) => {
      const pending = await pendingLink(request);
      if (!pending) return reply.redirect('/sign-in', 303);
      if (!pending.challengeId) return reply.redirect('/sign-in/oidc-link', 303);
      const outcome = await identity.confirmLink(request, pending, fieldOf(request, 'code', 20));
      if (outcome.status === 'done' || outcome.status === 'gone')
        return linkDone(request, reply, pending, outcome);
      // A wrong, expired or used-up code: said on the page; nothing is linked, nobody signed in.
      return linkCodePage(request, reply, pending, codeErrors(outcome));
    },
  );
}

function residentUser(account: {
  id: string;
  emails: { email: string }[];
  givenName: string | null;
  familyName: string | null;
}) {
  const email = account.emails[0]?.email;
  const name = [account.givenName, account.familyName].filter(Boolean).join(' ');
  return { name: email ?? (name || account.id), displayName: name || email || account.id };
}

/** The device, to tell two passkeys apart until the person names them. */
export function defaultPasskeyName(request: FastifyRequest): string {
  return deviceOf(request.headers['user-agent']) || 'Passkey';
}
