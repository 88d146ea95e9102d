// A real OpenID Provider (oidc-provider) on 127.0.0.1, started by a test to play GOV.UK One
// Login or a council's own staff identity provider. Its login and consent are answered at
// once for the person in `user`, so a test drives the whole flow over HTTP.
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import { freePort } from './server.ts';

export interface ProviderUser {
  sub: string;
  email?: string;
  email_verified?: boolean;
  given_name?: string;
  family_name?: string;
  groups?: string[];
}

export interface TestClient {
  client_id: string;
  redirect_uris: string[];
  client_secret?: string;
  token_endpoint_auth_method: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
  jwks?: { keys: Record<string, unknown>[] };
}

interface Interaction {
  prompt: { name: string; details: Record<string, string[] | undefined> };
  params: Record<string, string>;
  session?: { accountId: string };
  grantId?: string;
}

interface Grant {
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  save(): Promise<string>;
}

interface OidcProvider {
  callback(): (req: http.IncomingMessage, res: http.ServerResponse) => void;
  interactionDetails(req: http.IncomingMessage, res: http.ServerResponse): Promise<Interaction>;
  interactionFinished(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    result: Record<string, unknown>,
    options: { mergeWithLastSubmission: boolean },
  ): Promise<void>;
  Grant: {
    new (init: { accountId: string; clientId: string }): Grant;
    find(id: string): Promise<Grant | undefined>;
  };
}

export interface TestProvider {
  issuer: string;
  port: number;
  /** Who signs in next. */
  user: ProviderUser;
  /** Every authorization request as received, newest last. */
  authorizationRequests: URL[];
  close(): Promise<void>;
}

/** The port to give an administrator before the provider runs (its client needs our key first). */
export async function reservePort(): Promise<number> {
  return freePort();
}

export async function startTestProvider(options: {
  port?: number;
  clients: TestClient[];
  user: ProviderUser;
}): Promise<TestProvider> {
  const port = options.port ?? (await freePort());
  const issuer = `http://127.0.0.1:${port}`;
  // Not typed by its package: the few calls used here are typed above.
  const { default: Provider } = (await import('oidc-provider' as string)) as {
    default: new (issuer: string, config: Record<string, unknown>) => OidcProvider;
  };
  const state: TestProvider = {
    issuer,
    port,
    user: options.user,
    authorizationRequests: [],
    close: async () => {},
  };
  const provider = new Provider(issuer, {
    clients: options.clients.map((c) => ({
      ...c,
      grant_types: ['authorization_code'],
      response_types: ['code'],
    })),
    async findAccount(_ctx: unknown, id: string) {
      return { accountId: id, claims: async () => ({ ...state.user, sub: id }) };
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['given_name', 'family_name'],
      groups: ['groups'],
    },
    scopes: ['openid', 'email', 'profile', 'groups'],
    // GOV.UK One Login's vector of trust, accepted as One Login does.
    extraParams: ['vtr'],
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['test-provider-cookie-key-0123456789'] },
    // Its own signing key, as a real provider has (not the library's quick-start keys).
    jwks: {
      keys: [
        {
          ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
          kid: 'test-signing-key',
          alg: 'RS256',
          use: 'sig',
        },
      ],
    },
    pkce: { required: () => true },
    renderError: (ctx: { type: string; body: string }, out: Record<string, unknown>) => {
      ctx.type = 'application/json';
      ctx.body = JSON.stringify(out);
    },
  });
  const handle = provider.callback();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    if (url.pathname === '/auth') state.authorizationRequests.push(url);
    if (url.pathname.startsWith('/interaction/')) {
      void answerInteraction(provider, state, req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
      return;
    }
    handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

/** Logs in the current user and grants what the client asked for. */
async function answerInteraction(
  provider: OidcProvider,
  state: TestProvider,
  req: http.IncomingMessage,
  res: http.ServerResponse,
) {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === 'login') {
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: state.user.sub } },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  const grant =
    (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ??
    new provider.Grant({ accountId: details.session!.accountId, clientId: details.params.client_id! });
  const scope = details.prompt.details.missingOIDCScope;
  if (scope) grant.addOIDCScope(scope.join(' '));
  const claims = details.prompt.details.missingOIDCClaims;
  if (claims) grant.addOIDCClaims(claims);
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

/**
 * Follows the provider's redirects with a cookie jar of its own, from the authorization URL
 * to the address it sends the browser back to (our callback), which it returns.
 */
export async function followProvider(provider: TestProvider, start: string): Promise<URL> {
  const jar = new Map<string, string>();
  let url = new URL(start);
  for (let hop = 0; hop < 12; hop++) {
    const response = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const c of response.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const at = pair!.indexOf('=');
      jar.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    const location = response.headers.get('location');
    if (!location)
      throw new Error(`the provider stopped at ${url.pathname}: ${response.status} ${await response.text()}`);
    url = new URL(location, url);
    if (url.host !== new URL(provider.issuer).host) return url;
  }
  throw new Error('too many redirects at the provider');
}
