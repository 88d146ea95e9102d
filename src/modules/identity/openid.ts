import { createPrivateKey } from 'node:crypto';
import * as client from 'openid-client';
import type { HttpClient } from '../../platform/http-client/http-client.ts';
import type { SecretBox } from './secrets.ts';
import type { Provider } from './store.ts';

/** The provider could not be reached or answered nonsense: the person is offered the other ways in. */
export class ProviderUnavailable extends Error {
  override readonly name = 'ProviderUnavailable';
}

/** The provider answered, but the sign-in did not complete (refused, cancelled, a failed check). */
export class ProviderRefused extends Error {
  override readonly name = 'ProviderRefused';
  readonly cancelled: boolean;
  constructor(message: string, cancelled = false, options?: { cause?: unknown }) {
    super(message, options);
    this.cancelled = cancelled;
  }
}

/** What the session keeps between the redirect to the provider and its callback. */
export interface PendingAuthorization {
  providerId: string;
  state: string;
  nonce: string;
  codeVerifier: string;
  redirectUri: string;
  returnTo?: string;
  /** The signed-in account that asked to link this provider (My Account), if any. */
  linkTo?: string;
}

export interface ProvedIdentity {
  issuer: string;
  subject: string;
  email: string | undefined;
  emailVerified: boolean;
  givenName: string | undefined;
  familyName: string | undefined;
  claims: Record<string, unknown>;
}

const metadataTtlMs = 5 * 60 * 1000;

/**
 * Sign-in through external OpenID providers with openid-client: authorization code with
 * PKCE, state and nonce. Every request goes through the outbound HTTP client, so its address
 * rules hold for discovery, tokens and userinfo alike.
 */
export class OpenIdClients {
  readonly #http: HttpClient;
  readonly #box: SecretBox;
  readonly #demo: boolean;
  readonly #now: () => Date;
  readonly #metadata = new Map<string, { at: number; server: client.ServerMetadata }>();

  constructor(deps: { http: HttpClient; box: SecretBox; demo: boolean; now: () => Date }) {
    this.#http = deps.http;
    this.#box = deps.box;
    this.#demo = deps.demo;
    this.#now = deps.now;
  }

  /** Plain http issuers are for demo mode (a provider on this machine); elsewhere, https only. */
  issuerAllowed(issuer: string): boolean {
    try {
      const url = new URL(issuer);
      return url.protocol === 'https:' || (this.#demo && url.protocol === 'http:');
    } catch {
      return false;
    }
  }

  async #configuration(p: Provider): Promise<client.Configuration> {
    if (!this.issuerAllowed(p.issuer)) throw new ProviderUnavailable(`issuer ${p.issuer} is not allowed`);
    const insecure = new URL(p.issuer).protocol === 'http:';
    const cached = this.#metadata.get(p.issuer);
    const at = this.#now().getTime();
    let server = cached && at - cached.at < metadataTtlMs ? cached.server : undefined;
    if (!server) {
      try {
        const discovered = await client.discovery(new URL(p.issuer), p.clientId, undefined, client.None(), {
          [client.customFetch]: this.#http.fetch,
          ...(insecure ? { execute: [client.allowInsecureRequests] } : {}),
        });
        server = { ...discovered.serverMetadata() };
      } catch (error) {
        throw new ProviderUnavailable(`discovery of ${p.issuer} failed`, { cause: error });
      }
      this.#metadata.set(p.issuer, { at, server });
    }
    const config = new client.Configuration(server, p.clientId, undefined, await this.#clientAuth(p));
    config[client.customFetch] = this.#http.fetch;
    if (insecure) client.allowInsecureRequests(config);
    return config;
  }

  async #clientAuth(p: Provider): Promise<client.ClientAuth> {
    if (p.authMethod === 'private_key_jwt') {
      if (!p.privateKeyEnc || !p.publicJwk) throw new ProviderUnavailable('no key pair');
      const key = createPrivateKey(this.#box.open(p.privateKeyEnc)).toCryptoKey(
        { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
        false,
        ['sign'],
      );
      return client.PrivateKeyJwt({ key, kid: String(p.publicJwk.kid) });
    }
    const secret = p.clientSecretEnc ? this.#box.open(p.clientSecretEnc) : '';
    return p.authMethod === 'client_secret_post'
      ? client.ClientSecretPost(secret)
      : client.ClientSecretBasic(secret);
  }

  /** Where to send the person, and what to keep in their session until they come back. */
  async start(
    p: Provider,
    input: { redirectUri: string; lang: string; returnTo?: string },
  ): Promise<{ url: string; pending: PendingAuthorization }> {
    const config = await this.#configuration(p);
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      ...p.extraParams,
      redirect_uri: input.redirectUri,
      scope: p.scopes,
      response_type: 'code',
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      // GOV.UK One Login (and most providers) show their pages in Welsh when asked.
      ui_locales: input.lang,
    });
    return {
      url: url.href,
      pending: {
        providerId: p.id,
        state,
        nonce,
        codeVerifier,
        redirectUri: input.redirectUri,
        ...(input.returnTo ? { returnTo: input.returnTo } : {}),
      },
    };
  }

  /** Checks the callback (state, nonce, PKCE, the ID token) and reads who the person is. */
  async finish(
    p: Provider,
    pending: PendingAuthorization,
    query: Record<string, string>,
  ): Promise<ProvedIdentity> {
    if (query.error) {
      throw new ProviderRefused(`provider answered ${query.error}`, query.error === 'access_denied');
    }
    const config = await this.#configuration(p);
    const current = new URL(pending.redirectUri);
    for (const [k, v] of Object.entries(query)) current.searchParams.set(k, v);
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      if (isUnreachable(error)) throw new ProviderUnavailable('token request failed', { cause: error });
      throw new ProviderRefused('the authorization response failed a check', false, { cause: error });
    }
    const idClaims = tokens.claims();
    if (!idClaims) throw new ProviderRefused('no ID token');
    let claims: Record<string, unknown> = { ...idClaims };
    if (config.serverMetadata().userinfo_endpoint && tokens.access_token) {
      try {
        const info = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
        claims = { ...info, ...claims };
      } catch (error) {
        if (isUnreachable(error)) throw new ProviderUnavailable('userinfo request failed', { cause: error });
        throw new ProviderRefused('userinfo failed a check', false, { cause: error });
      }
    }
    const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : undefined;
    return {
      issuer: String(idClaims.iss),
      subject: idClaims.sub,
      email,
      emailVerified: Boolean(email) && (claims.email_verified === true || claims.email_verified === 'true'),
      givenName: typeof claims.given_name === 'string' ? claims.given_name : undefined,
      familyName: typeof claims.family_name === 'string' ? claims.family_name : undefined,
      claims,
    };
  }
}

function isUnreachable(error: unknown): boolean {
  for (let e = error; e; e = (e as { cause?: unknown }).cause) {
    if ((e as Error).name === 'OutboundRequestError') return true;
  }
  return false;
}
