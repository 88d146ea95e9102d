import { hkdfSync } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Provider, { type Configuration, interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import { type Config, publicOrigin } from '../../config.ts';
import type { Database } from '../../db/database.ts';
import { createHttpClient, type HttpClient } from '../../platform/http-client/http-client.ts';
import { localise } from '../../platform/i18n/local-text.ts';
import { endSessionsWhere } from '../../platform/sessions/sessions.ts';
import type { AccountsService, ResidentSession } from '../accounts/service.ts';
import { adapterFor } from './adapter.ts';
import { enqueueBackchannelLogout } from './backchannel-logout.ts';
import { signingKeys } from './keys.ts';
import type { SecretBox } from './secrets.ts';
import { findClient, type ScopeName, scopeNames } from './store.ts';

export const mountPath = '/oidc';

/** The claims each scope releases: the consent page lists exactly these. */
export const scopeClaims: Record<ScopeName, string[]> = {
  openid: ['sub'],
  email: ['email', 'email_verified'],
  profile: ['name', 'given_name', 'family_name'],
  phone: ['phone_number'],
  address: ['address'],
};

/** The Fastify request and reply behind a raw request the provider is handling. */
const fastifyOf = new WeakMap<IncomingMessage, FastifyReply>();

export function bindRequest(reply: FastifyReply): void {
  fastifyOf.set(reply.request.raw, reply);
}

export function replyFor(raw: IncomingMessage): FastifyReply | undefined {
  return fastifyOf.get(raw);
}

function replyOf(ctx: KoaContextWithOIDC): FastifyReply {
  const reply = fastifyOf.get(ctx.req);
  if (!reply) throw new Error('oidc-provider called outside a Doorstep request');
  return reply;
}

/** Renders one of our templates as the provider's response, under our CSP and i18n. */
function renderInto(ctx: KoaContextWithOIDC, template: string, context: Record<string, unknown>) {
  const html = replyOf(ctx).renderToString(`modules/oidc/views/${template}.njk`, context);
  ctx.type = 'html';
  ctx.body = html;
}

/** The page's CSP with form-action widened to the given origins (see routes.ts). */
export function cspAllowingFormsTo(csp: string, origins: string[]): string {
  const extra = [...new Set(origins)].filter((o) => /^https?:\/\/[^\s;,'"]+$/.test(o));
  if (!extra.length) return csp;
  return csp.replace(/form-action 'self'/, `form-action 'self' ${extra.join(' ')}`);
}

export function originsOf(uris: readonly string[]): string[] {
  return uris.flatMap((u) => {
    try {
      return [new URL(u).origin];
    } catch {
      return [];
    }
  });
}

/** The resident the request's Doorstep session is signed in as, if any. */
async function residentOf(request: FastifyRequest): Promise<ResidentSession | undefined> {
  return (await request.session()).get<ResidentSession>('resident');
}

export interface ProvidersDeps {
  db: Database;
  config: Config;
  box: SecretBox;
  sessionSecret: string;
  /** Residents for tokens and userinfo; a worker's providers only sign logout tokens and go without. */
  accounts?: AccountsService;
  now: () => Date;
  /** Unset: the platform's outbound client under the council's settings. */
  outbound?: HttpClient;
  /**
   * What the provider does when it would tell an app of a logout by back channel: 'queue' (the
   * web) writes an outbox job instead, 'send' (the worker running that job) sends it now.
   */
  backchannelLogout: 'queue' | 'send';
}

/** Key fingerprints are re-read this often, so a rotation in another process is seen. */
const recheckKeysMs = 60 * 1000;
const maxProviders = 200;

/**
 * One Provider per council (its own issuer, keys and storage), made on first use and kept;
 * dropped when its apps or keys change (a key rotated by another process is seen within a
 * minute).
 */
export class Providers {
  readonly #deps: ProvidersDeps;
  readonly #outbound: HttpClient;
  readonly #cache = new Map<
    string,
    { provider: Promise<Provider>; fingerprint: string; checkedAt: number }
  >();

  constructor(deps: ProvidersDeps) {
    this.#deps = deps;
    this.#outbound =
      deps.outbound ??
      createHttpClient({
        demo: deps.config.demo,
        allowPrivate: deps.config.outboundAllowPrivate,
        userAgent: 'Doorstep (+OpenID Provider)',
      });
  }

  /** The council's issuer: its public origin, or in demo mode the origin it was reached on. */
  issuer(request: FastifyRequest): string {
    const origin = this.#deps.config.demo
      ? `${request.protocol}://${request.host}`
      : publicOrigin(this.#deps.config, request.tenant.slug);
    return `${origin}${mountPath}`;
  }

  for(request: FastifyRequest): Promise<Provider> {
    return this.forIssuer(request.tenant.id, this.issuer(request));
  }

  /** The council's provider as `issuer` (the worker's, for a job that names the issuer). */
  async forIssuer(tenantId: string, issuer: string): Promise<Provider> {
    const key = `${tenantId}|${issuer}`;
    const at = Date.now();
    const cached = this.#cache.get(key);
    if (cached && at - cached.checkedAt < recheckKeysMs) return cached.provider;
    const keys = await signingKeys(this.#deps.db, tenantId, this.#deps.box, this.#deps.now);
    if (cached && cached.fingerprint === keys.fingerprint) {
      cached.checkedAt = at;
      return cached.provider;
    }
    const provider = Promise.resolve(this.#create(tenantId, issuer, keys.jwks));
    // In demo mode the issuer follows the Host header: keep a bounded number of them.
    if (!cached && this.#cache.size >= maxProviders) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(key, { provider, fingerprint: keys.fingerprint, checkedAt: at });
    return provider;
  }

  /** Forgets a council's providers (its keys changed); the next request makes new ones. */
  invalidate(tenantId: string): void {
    for (const key of this.#cache.keys()) if (key.startsWith(`${tenantId}|`)) this.#cache.delete(key);
  }

  #create(tenantId: string, issuer: string, jwks: Record<string, unknown>[]): Provider {
    const { db, box, accounts, now, sessionSecret } = this.#deps;
    const appName = async (ctx: KoaContextWithOIDC, clientId: string) => {
      const client = await findClient(db, tenantId, clientId);
      return client ? localise(client.name, replyOf(ctx).request.lang).text : clientId;
    };
    const policy = interactionPolicy.base();
    // The provider's login lasts only while the person's Doorstep session does: signing out
    // of Doorstep signs them out for every app's next request too.
    policy.get('login')!.checks.push(
      new interactionPolicy.Check(
        'doorstep_session',
        'End-User is not signed in to Doorstep',
        async (ctx) => {
          const accountId = ctx.oidc.session?.accountId;
          if (!accountId) return interactionPolicy.Check.REQUEST_PROMPT;
          const resident = await residentOf(replyOf(ctx).request);
          return resident?.accountId === accountId
            ? interactionPolicy.Check.NO_NEED_TO_PROMPT
            : interactionPolicy.Check.REQUEST_PROMPT;
        },
      ),
    );

    const configuration: Configuration = {
      adapter: adapterFor({ db, tenantId, box, now }),
      clients: [],
      jwks: { keys: jwks as unknown as NonNullable<Configuration['jwks']>['keys'] },
      cookies: {
        keys: [
          Buffer.from(hkdfSync('sha256', sessionSecret, tenantId, 'oidc-cookies', 32)).toString('base64url'),
        ],
      },
      scopes: [...scopeNames],
      claims: scopeClaims,
      responseTypes: ['code'],
      pkce: { required: () => true },
      features: {
        devInteractions: { enabled: false },
        userinfo: { enabled: true },
        backchannelLogout: { enabled: true },
        rpInitiatedLogout: {
          enabled: true,
          logoutSource: async (ctx, form) => {
            const client = ctx.oidc.client;
            renderInto(ctx, 'logout', {
              form,
              appName: client ? await appName(ctx, client.clientId) : undefined,
            });
          },
          postLogoutSuccessSource: async (ctx) => {
            const client = ctx.oidc.client;
            renderInto(ctx, 'logged-out', {
              appName: client ? await appName(ctx, client.clientId) : undefined,
            });
          },
        },
      },
      interactions: {
        policy,
        url: (_ctx, interaction) => `${mountPath}/interaction/${interaction.uid}`,
      },
      findAccount: async (_ctx, sub) => {
        // Subjects are account ids (uuids); anything else is nobody, not a database error.
        if (!accounts || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(sub))
          return undefined;
        const account = await accounts.find(tenantId, sub);
        if (!account) return undefined;
        return {
          accountId: sub,
          claims: async () => {
            const name = [account.givenName, account.familyName].filter(Boolean).join(' ');
            const a = account.address;
            return {
              sub,
              ...(account.emails[0] ? { email: account.emails[0].email, email_verified: true } : {}),
              ...(name ? { name } : {}),
              ...(account.givenName ? { given_name: account.givenName } : {}),
              ...(account.familyName ? { family_name: account.familyName } : {}),
              ...(account.phone ? { phone_number: account.phone } : {}),
              ...(a
                ? {
                    address: {
                      formatted: [a.line1, a.line2, a.town, a.postcode].filter(Boolean).join('\n'),
                      street_address: [a.line1, a.line2].filter(Boolean).join('\n'),
                      locality: a.town,
                      postal_code: a.postcode,
                      country: 'GB',
                    },
                  }
                : {}),
            };
          },
        };
      },
      // Browser apps may call the token and userinfo endpoints from their own origins only.
      // What the provider sends (back-channel logouts, from the worker) goes through the
      // platform's one outbound client and its address rules.
      fetch: this.#outbound.fetch,
      clientBasedCORS: (_ctx, origin, client) => originsOf(client.redirectUris ?? []).includes(origin),
      renderError: async (ctx, out) => {
        renderInto(ctx, 'error', { code: out.error, description: out.error_description });
      },
      ttl: {
        AccessToken: 60 * 60,
        AuthorizationCode: 60,
        // The longest-lived signed token: retired keys are kept at least this long (keys.ts).
        IdToken: 60 * 60,
        Interaction: 60 * 60,
        Session: 24 * 60 * 60,
        // A person's consent to an app is remembered for a year, or until they revoke it.
        Grant: 365 * 24 * 60 * 60,
        RefreshToken: 14 * 24 * 60 * 60,
        ClientCredentials: 10 * 60,
        DeviceCode: 10 * 60,
        BackchannelAuthenticationRequest: 10 * 60,
        PreAuthorizedCode: 10 * 60,
      },
    };
    const provider = new Provider(issuer, configuration);
    provider.proxy = this.#deps.config.trustProxy;
    if (this.#deps.backchannelLogout === 'queue') {
      // The provider tells apps of a logout it handles (RP-initiated logout) through this
      // method, at once and only once. Here it becomes an outbox job, which the worker's own
      // provider sends, retrying an app that is down (backchannel-logout.ts).
      const clients = provider.Client as unknown as {
        prototype: { clientId: string; backchannelLogout(sub: string, sid?: string): Promise<void> };
      };
      clients.prototype.backchannelLogout = async function (sub, sid) {
        await enqueueBackchannelLogout(db, tenantId, { issuer, clientId: this.clientId, sub, sid });
      };
    }

    // Signing out at the provider (RP-initiated logout) ends the Doorstep session too, before
    // the browser is sent back to the app; the apps hear by back-channel logout from the worker.
    provider.on('end_session.success', (ctx: KoaContextWithOIDC) => {
      ctx.state.doorstepSignOut = true;
    });
    provider.on(
      'backchannel.error',
      (ctx: KoaContextWithOIDC, error: Error, client: { clientId: string }) => {
        replyOf(ctx).request.log.warn(
          { err: error, client: client.clientId },
          'back-channel logout not queued',
        );
      },
    );
    provider.on('server_error', (ctx: KoaContextWithOIDC, error: Error) => {
      replyOf(ctx).request.log.error({ err: error }, 'OpenID Provider error');
    });
    provider.use(async (ctx, next) => {
      await next();
      // A form on the provider's pages (our logout page, its form_post pages) is answered by a
      // redirect to the app, or posts to it: the app's own addresses join form-action there.
      const client = (ctx as KoaContextWithOIDC).oidc?.client;
      const csp = ctx.response.get('content-security-policy');
      if (client && csp && ctx.response.is('html'))
        ctx.set(
          'content-security-policy',
          cspAllowingFormsTo(
            csp,
            originsOf([...(client.redirectUris ?? []), ...(client.postLogoutRedirectUris ?? [])]),
          ),
        );
      if (ctx.state.doorstepSignOut) {
        const request = replyOf(ctx as KoaContextWithOIDC).request;
        const session = await request.session();
        if (session.persisted) await endSessionsWhere(db, tenantId, 'id_hash = $2', [session.idHash]);
      }
    });
    return provider;
  }
}
