import assert from 'node:assert/strict';
import { createHash, createPublicKey, verify } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import pino from 'pino';
import {
  cookiesFrom,
  csrfFrom,
  deliverMail,
  northshire,
  riverford,
  type TestApp,
  testApp,
  testSecret,
} from '../../../test/support/app.ts';
import { signInStaff, textOf } from '../../../test/support/staff.ts';
import { runHousekeeping } from '../../housekeeping.ts';
import { createWorker } from '../../worker.ts';
import { backchannelLogoutJobKind } from './backchannel-logout.ts';
import { rotateKeysCommand } from './cli.ts';

let t: TestApp;
/** The council app's own server: its callback address and where back-channel logouts arrive. */
let appServer: http.Server;
let appOrigin: string;
/** Logout tokens the app took (answered 200), and those it answered 500 while it was down. */
const logoutTokens: string[] = [];
const refusedLogoutTokens: string[] = [];
let appDownFor = 0;
const logoutContentTypes: (string | undefined)[] = [];

before(async () => {
  t = await testApp();
  appServer = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/backchannel-logout') {
        const token = new URLSearchParams(body).get('logout_token') ?? '';
        logoutContentTypes.push(req.headers['content-type']);
        if (appDownFor > 0) {
          appDownFor -= 1;
          refusedLogoutTokens.push(token);
          res.writeHead(500).end();
          return;
        }
        logoutTokens.push(token);
      }
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => appServer.listen(0, '127.0.0.1', resolve));
  appOrigin = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise((resolve) => appServer.close(resolve));
  await t.close();
});

let visitors = 0;
/** A browser without JavaScript: a cookie jar and an address of its own. */
function browser(host = northshire) {
  visitors += 1;
  const remoteAddress = `10.3.${visitors >> 8}.${visitors & 255}`;
  let cookie = '';
  const send = async (method: 'GET' | 'POST', url: string, fields?: Record<string, string | string[]>) => {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(fields ?? {})) for (const x of [v].flat()) body.append(k, x);
    const res = await t.app.inject({
      method,
      url,
      remoteAddress,
      headers: {
        ...host,
        cookie,
        ...(fields ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(fields ? { payload: body.toString() } : {}),
    });
    cookie = cookiesFrom(res, cookie);
    return res;
  };
  const b = {
    get: (url: string) => send('GET', url),
    post: (url: string, fields: Record<string, string | string[]>) => send('POST', url, fields),
    /** Follows redirects on this council's host; stops at another origin and returns its address. */
    async follow(url: string): Promise<{ url: string; res?: Awaited<ReturnType<typeof send>> }> {
      let at = url;
      for (let i = 0; i < 10; i++) {
        const res = await b.get(at);
        const to = res.headers.location as string | undefined;
        if (res.statusCode < 300 || res.statusCode >= 400 || !to) return { url: at, res };
        const next = new URL(to, `http://${host.host}`);
        if (next.host !== host.host) return { url: next.href };
        at = `${next.pathname}${next.search}`;
      }
      throw new Error('too many redirects');
    },
    /** Signs in with an emailed code, from the sign-in page at `from` (which may carry a returnTo). */
    async signIn(email: string, from = '/sign-in') {
      const page = await b.get(from);
      const returnTo = /name="returnTo" value="([^"]+)"/.exec(page.body)?.[1];
      const asked = await b.post('/sign-in', {
        email,
        _csrf: csrfFrom(page.body),
        ...(returnTo ? { returnTo } : {}),
      });
      assert.equal(asked.headers.location, '/sign-in/code');
      const mail = await deliverMail(t, host);
      const code = /\b(\d{6})\b/.exec(mail.find((m) => m.to === email)?.subject ?? '')?.[1];
      assert.ok(code, 'a sign-in code was mailed');
      const codePage = await b.get('/sign-in/code');
      return b.post('/sign-in/code', { code, _csrf: csrfFrom(codePage.body) });
    },
  };
  return b;
}

/** openid-client's HTTP, sent into the app with the council's Host header. */
function fetchInto(host: { host: string }): client.CustomFetch {
  return async (url, options) => {
    const u = new URL(url);
    const headers = Object.fromEntries(
      new Headers(options.headers as ConstructorParameters<typeof Headers>[0]).entries(),
    );
    const res = await t.app.inject({
      method: options.method as 'GET' | 'POST',
      url: `${u.pathname}${u.search}`,
      headers: { ...headers, host: host.host },
      ...(options.body ? { payload: String(options.body) } : {}),
    });
    return new Response(res.statusCode === 204 ? null : res.rawPayload, {
      status: res.statusCode,
      headers: res.headers as Record<string, string>,
    });
  };
}

async function discover(clientId: string, secret: string | undefined, host = northshire) {
  const config = await client.discovery(
    new URL(`http://${host.host}/oidc`),
    clientId,
    secret ? { client_secret: secret } : {},
    secret ? client.ClientSecretBasic(secret) : client.None(),
    { execute: [client.allowInsecureRequests], [client.customFetch]: fetchInto(host) },
  );
  config[client.customFetch] = fetchInto(host);
  return config;
}

const admins = new Map<string, Promise<Awaited<ReturnType<typeof signInStaff>>>>();
/** Each council's administrator, signed in once (an authenticator code is accepted once). */
function adminOf(host: { host: string }) {
  const slug = host.host.split('.')[0]!;
  if (!admins.has(slug)) admins.set(slug, signInStaff(t, host, `admin@${slug}.example`));
  return admins.get(slug)!;
}

/** An administrator registers an app over the staff pages; returns its secret, shown once. */
async function registerApp(clientId: string, fields: Record<string, string | string[]>) {
  const admin = await adminOf(northshire);
  const made = await admin.post('/staff/apps/new', '/staff/apps/new', { clientId, ...fields });
  assert.equal(made.statusCode, 303, textOf(made.body).slice(0, 800));
  const page = await admin.get(`/staff/apps/${clientId}`);
  const secret = /<code[^>]*>([^<]+)<\/code>/.exec(page.body)?.[1];
  const again = await admin.get(`/staff/apps/${clientId}`);
  assert.doesNotMatch(again.body, /<code/, 'the secret is shown once');
  return { admin, secret };
}

const appFields = () => ({
  nameEn: 'Library app',
  nameCy: 'Ap y llyfrgell',
  kind: 'confidential',
  redirectUris: `${appOrigin}/callback`,
  postLogoutRedirectUris: `${appOrigin}/signed-out`,
  backchannelLogoutUri: `${appOrigin}/backchannel-logout`,
  scopes: ['openid', 'email', 'profile'],
});

function decodeJwt(token: string) {
  const [header, payload] = token
    .split('.')
    .slice(0, 2)
    .map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()));
  return { header, payload };
}

/** Whether the token's signature verifies with a key the council publishes at /oidc/jwks. */
async function signedByCouncil(token: string, host = northshire) {
  const { header } = decodeJwt(token);
  const jwks = (await t.app.inject({ url: '/oidc/jwks', headers: host })).json().keys as {
    kid: string;
  }[];
  const jwk = jwks.find((k) => k.kid === header.kid);
  if (!jwk || !['RS256', 'ES256'].includes(header.alg)) return false;
  const [h, p, s] = token.split('.');
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  return verify(
    'sha256',
    Buffer.from(`${h}.${p}`),
    header.alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key,
    Buffer.from(s!, 'base64url'),
  );
}

/**
 * One poll of the outbox, as a running server's worker makes it, with its clock at `at`; its
 * outbound client may reach the app's server on 127.0.0.1, as OUTBOUND_ALLOW_PRIVATE allows.
 */
async function runWorker(at = new Date()) {
  const worker = createWorker({
    db: t.app.services.db,
    mailer: t.app.services.mailer,
    now: () => at,
    logger: pino({ level: 'silent' }),
    outbound: { demo: false, allowPrivate: ['127.0.0.1'] },
    services: t.app.services,
    sessionSecret: testSecret,
  });
  await worker.runDue();
}

/** The back-channel logout jobs queued for a provider session (by its sid). */
function logoutJobs(sid: string) {
  return t.app.services.db.query<{
    status: string;
    attempts: number;
    last_error: string | null;
    payload: { clientId: string; sub: string; sid: string; issuer: string };
  }>(
    `select status, attempts, last_error, payload from jobs
      where tenant_id = $1 and kind = $2 and payload->>'sid' = $3`,
    [t.tenants.northshire.id, backchannelLogoutJobKind, sid],
  );
}

describe('Doorstep as OpenID Provider', () => {
  let secret: string;
  before(async () => {
    const registered = await registerApp('library-app', appFields());
    assert.ok(registered.secret);
    secret = registered.secret;
  });

  it('publishes discovery and JWKS for each council as its own issuer', async () => {
    for (const host of [northshire, riverford]) {
      const res = await t.app.inject({ url: '/oidc/.well-known/openid-configuration', headers: host });
      const meta = res.json();
      assert.equal(meta.issuer, `http://${host.host}/oidc`);
      assert.equal(meta.authorization_endpoint, `http://${host.host}/oidc/auth`);
      assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
      assert.equal(meta.backchannel_logout_supported, true);
    }
    const keys = async (host: { host: string }) =>
      (await t.app.inject({ url: '/oidc/jwks', headers: host })).json().keys as {
        kid: string;
        alg: string;
        d?: string;
      }[];
    const [n, r] = [await keys(northshire), await keys(riverford)];
    assert.deepEqual(n.map((k) => k.alg).sort(), ['ES256', 'RS256']);
    assert.ok(
      n.every((k) => k.d === undefined),
      'only public keys are published',
    );
    assert.ok(!n.some((k) => r.some((x) => x.kid === k.kid)), 'each council has keys of its own');
  });

  it('signs a resident in with code + PKCE and releases only the consented claims; logout ends both sessions', async () => {
    const config = await discover('library-app', secret);
    const resident = browser();
    // The resident's details include a phone number the app may not have (no phone scope).
    const signedIn = await resident.signIn('ffion@example.com');
    assert.equal(signedIn.statusCode, 303);
    const details = await resident.get('/account/details');
    await resident.post('/account/details', {
      givenName: 'Ffion',
      familyName: 'Hughes',
      phone: '07700 900123',
      _csrf: csrfFrom(details.body),
    });
    // A new browser session for the app's sign-in: the resident is not yet signed in there.
    const b = browser();
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const authUrl = client.buildAuthorizationUrl(config, {
      redirect_uri: `${appOrigin}/callback`,
      scope: 'openid email profile',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    const toSignIn = await b.follow(`${authUrl.pathname}${authUrl.search}`);
    assert.match(toSignIn.url, /^\/sign-in\?returnTo=%2Foidc%2Finteraction%2F/);
    const back = await b.signIn('ffion@example.com', toSignIn.url);
    assert.match(back.headers.location as string, /^\/oidc\/interaction\/[\w-]+$/);
    const consent = await b.get(back.headers.location as string);
    assert.equal(consent.statusCode, 200);
    const text = textOf(consent.body);
    assert.match(text, /Library app wants to use your council account/);
    for (const shown of [
      'Email address ffion@example.com',
      'Full name Ffion Hughes',
      'First name Ffion',
      'Last name Hughes',
    ])
      assert.ok(text.includes(shown), `the consent page lists ${shown}`);
    assert.ok(!text.includes('Phone number'), 'nothing outside the scopes is listed');
    // The consent form is answered by a redirect to the app: its origin is allowed for forms here.
    assert.match(
      String(consent.headers['content-security-policy']),
      new RegExp(`form-action 'self' ${appOrigin};`),
    );
    const allowed = await b.post(`${back.headers.location}/allow`, { _csrf: csrfFrom(consent.body) });
    assert.equal(allowed.statusCode, 303);
    const callback = await b.follow(allowed.headers.location as string);
    assert.ok(callback.url.startsWith(`${appOrigin}/callback?code=`), callback.url);

    const tokens = await client.authorizationCodeGrant(config, new URL(callback.url), {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
    const idClaims = tokens.claims()!;
    const account = await t.app.services.db.query<{ account_id: string }>(
      `select account_id from account_emails where email = 'ffion@example.com'`,
    );
    assert.equal(idClaims.sub, account[0]!.account_id);
    // Another council's provider knows nothing of this council's tokens.
    const elsewhere = await t.app.inject({
      url: '/oidc/me',
      headers: { ...riverford, authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(elsewhere.statusCode, 401);
    const info = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
    assert.deepEqual(
      { ...info },
      {
        sub: idClaims.sub,
        email: 'ffion@example.com',
        email_verified: true,
        name: 'Ffion Hughes',
        given_name: 'Ffion',
        family_name: 'Hughes',
      },
    );

    // RP-initiated logout: our page, then the provider ends its session, tells the app by
    // back-channel logout, ends the Doorstep session and sends the browser back to the app.
    const endUrl = client.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: `${appOrigin}/signed-out`,
    });
    const logoutPage = await b.get(`${endUrl.pathname}${endUrl.search}`);
    assert.equal(logoutPage.statusCode, 200);
    assert.match(textOf(logoutPage.body), /Sign out .*Library app asked to sign you out/);
    assert.match(
      String(logoutPage.headers['content-security-policy']),
      new RegExp(`form-action 'self' ${appOrigin};`),
    );
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(logoutPage.body)?.[1];
    const action = /id="op.logoutForm" method="post" action="([^"]+)"/.exec(logoutPage.body)?.[1];
    assert.ok(xsrf && action);
    const ended = await b.post(new URL(action).pathname, { xsrf, logout: 'yes' });
    assert.equal(ended.statusCode, 303);
    assert.equal(ended.headers.location, `${appOrigin}/signed-out`);
    // The app is told through the outbox: queued with the logout, sent by the worker.
    assert.equal(logoutTokens.length, 0, 'nothing is sent before the worker runs');
    assert.equal((await logoutJobs(idClaims.sid as string)).length, 1);
    await runWorker();
    assert.equal(logoutTokens.length, 1, 'the app was told by back-channel logout');
    const logout = decodeJwt(logoutTokens[0]!);
    assert.equal(logout.payload.sub, idClaims.sub);
    assert.equal(logout.payload.iss, 'http://northshire.localhost/oidc');
    assert.equal(logout.payload.aud, 'library-app');
    assert.equal(logout.payload.sid, idClaims.sid);
    assert.ok(logout.payload.events['http://schemas.openid.net/event/backchannel-logout']);
    assert.ok(await signedByCouncil(logoutTokens[0]!), 'signed with a key the council publishes');
    const account2 = await b.get('/account');
    assert.equal(account2.statusCode, 303, 'the Doorstep session has ended');
    assert.match(account2.headers.location as string, /^\/sign-in/);
    // The resident's other browser is not signed out.
    assert.equal((await resident.get('/account')).statusCode, 200);
  });

  it('answers Cancel on the consent page with access_denied to the app', async () => {
    const config = await discover('library-app', secret);
    const b = browser();
    await b.signIn('gareth@example.com');
    const authUrl = client.buildAuthorizationUrl(config, {
      redirect_uri: `${appOrigin}/callback`,
      scope: 'openid email',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state: 'abc',
    });
    const consent = await b.follow(`${authUrl.pathname}${authUrl.search}`);
    assert.equal(consent.res?.statusCode, 200);
    const cancelled = await b.post(`${consent.url}/cancel`, { _csrf: csrfFrom(consent.res!.body) });
    const back = await b.follow(cancelled.headers.location as string);
    const url = new URL(back.url);
    assert.equal(url.searchParams.get('error'), 'access_denied');
    assert.equal(url.searchParams.get('state'), 'abc');
  });

  it('asks a signed-in resident to sign in afresh when the app says prompt=login', async () => {
    const config = await discover('library-app', secret);
    const b = browser();
    await b.signIn('eleri@example.com');
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: `${appOrigin}/callback`,
      scope: 'openid',
      prompt: 'login',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const toSignIn = await b.follow(`${url.pathname}${url.search}`);
    assert.match(toSignIn.url, /^\/sign-in\?returnTo=%2Foidc%2Finteraction%2F/);
    const back = await b.signIn('eleri@example.com', toSignIn.url);
    const consent = await b.get(back.headers.location as string);
    assert.match(textOf(consent.body), /Library app wants to use your council account/);
  });

  it('refuses scopes the app may not have, and consent forms without our CSRF token', async () => {
    const config = await discover('library-app', secret);
    const b = browser();
    await b.signIn('nia@example.com');
    const challenge = await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier());
    const asked = client.buildAuthorizationUrl(config, {
      redirect_uri: `${appOrigin}/callback`,
      scope: 'openid phone',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const refused = await b.follow(`${asked.pathname}${asked.search}`);
    assert.equal(new URL(refused.url).searchParams.get('error'), 'invalid_scope');
    // Without PKCE: refused too.
    const noPkce = client.buildAuthorizationUrl(config, {
      redirect_uri: `${appOrigin}/callback`,
      scope: 'openid',
    });
    const refusedPkce = await b.follow(`${noPkce.pathname}${noPkce.search}`);
    assert.equal(new URL(refusedPkce.url).searchParams.get('error'), 'invalid_request');
    const ok = client.buildAuthorizationUrl(config, {
      redirect_uri: `${appOrigin}/callback`,
      scope: 'openid',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const consent = await b.follow(`${ok.pathname}${ok.search}`);
    const forged = await b.post(`${consent.url}/allow`, {});
    assert.equal(forged.statusCode, 403, forged.body.slice(0, 200));
  });

  it('lets a resident see and revoke the apps they allowed; the app must ask again', async () => {
    const config = await discover('library-app', secret);
    const b = browser();
    await b.signIn('owen@example.com');
    const verifier = client.randomPKCECodeVerifier();
    const params = {
      redirect_uri: `${appOrigin}/callback`,
      scope: 'openid email',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    };
    const first = client.buildAuthorizationUrl(config, params);
    const consent = await b.follow(`${first.pathname}${first.search}`);
    const allowed = await b.post(`${consent.url}/allow`, { _csrf: csrfFrom(consent.res!.body) });
    assert.ok(
      (await b.follow(allowed.headers.location as string)).url.startsWith(`${appOrigin}/callback?code=`),
    );
    // Asked again: straight back to the app, consent remembered.
    const second = client.buildAuthorizationUrl(config, params);
    assert.ok(
      (await b.follow(`${second.pathname}${second.search}`)).url.startsWith(`${appOrigin}/callback?code=`),
    );

    const apps = await b.get('/account/apps');
    assert.match(textOf(apps.body), /Library app Receives: Account identifier, Email address/);
    const revoked = await b.post('/account/apps/library-app/revoke', { _csrf: csrfFrom(apps.body) });
    assert.equal(revoked.headers.location, '/account/apps');
    const after = textOf((await b.get('/account/apps')).body);
    assert.match(after, /Library app can no longer receive your details/);
    assert.match(after, /You have not allowed any apps/);
    const third = client.buildAuthorizationUrl(config, params);
    const askedAgain = await b.follow(`${third.pathname}${third.search}`);
    assert.equal(askedAgain.res?.statusCode, 200);
    assert.match(textOf(askedAgain.res!.body), /Library app wants to use your council account/);
  });

  it('keeps each council’s apps to itself', async () => {
    const res = await t.app.inject({
      url: `/oidc/auth?client_id=library-app&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(`${appOrigin}/callback`)}`,
      headers: riverford,
    });
    assert.equal(res.statusCode, 400);
    assert.match(textOf(res.body), /Sorry, there is a problem signing you in to the app/);
    assert.match(res.body, /invalid_client/);
    const admin = await adminOf(riverford);
    const list = textOf((await admin.get('/staff/apps')).body);
    assert.ok(!list.includes('library-app'));
    assert.ok(list.includes('demo-app'));
    assert.equal((await admin.get('/staff/apps/library-app')).statusCode, 404);
  });

  it('signs out without an app to return to, ending on our own page', async () => {
    const b = browser();
    await b.signIn('rhys@example.com');
    // No provider session here: the provider asks nothing and posts its confirmation itself.
    const page = await b.get('/oidc/session/end');
    assert.equal(page.statusCode, 200);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.body)?.[1];
    // Its self-posting script is allowed by its hash, added to our CSP.
    const script = /<script>([\s\S]*?)<\/script>/.exec(page.body)?.[1] ?? '';
    const digest = createHash('sha256').update(script).digest('base64');
    assert.ok(String(page.headers['content-security-policy']).includes(`'sha256-${digest}'`));
    const ended = await b.post('/oidc/session/end/confirm', { xsrf: xsrf!, logout: 'yes' });
    assert.equal(ended.statusCode, 303);
    const done = await b.follow(new URL(ended.headers.location as string).pathname);
    assert.match(textOf(done.res!.body), /You have signed out/);
    assert.equal((await b.get('/account')).statusCode, 303, 'the Doorstep session has ended');
    // Without the provider's own token the confirmation does nothing.
    const forged = await browser().post('/oidc/session/end/confirm', { logout: 'yes' });
    assert.equal(forged.statusCode, 400);
  });

  it('tells the apps by back-channel logout when the resident signs out of Doorstep itself', async () => {
    const config = await discover('library-app', secret);
    /** Signs in to the app through /oidc in browser b; returns the ID token's claims. */
    const appSignIn = async (b: ReturnType<typeof browser>) => {
      const verifier = client.randomPKCECodeVerifier();
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: `${appOrigin}/callback`,
        scope: 'openid',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state: 's',
      });
      let at = await b.follow(`${url.pathname}${url.search}`);
      if (at.res?.statusCode === 200) {
        const allowed = await b.post(`${at.url}/allow`, { _csrf: csrfFrom(at.res.body) });
        at = await b.follow(allowed.headers.location as string);
      }
      const tokens = await client.authorizationCodeGrant(config, new URL(at.url), {
        pkceCodeVerifier: verifier,
        expectedState: 's',
      });
      return tokens.claims()!;
    };
    const phone = browser();
    const laptop = browser();
    await phone.signIn('idris@example.com');
    await laptop.signIn('idris@example.com');
    const onPhone = await appSignIn(phone);
    const onLaptop = await appSignIn(laptop);
    assert.notEqual(onPhone.sid, onLaptop.sid);

    // Signing out on the phone: the app will hear about the phone's session only, from the
    // worker; it is down at first.
    const before = logoutTokens.length;
    const posted = logoutContentTypes.length;
    appDownFor = 1;
    const account = await phone.get('/account');
    const out = await phone.post('/sign-out', { _csrf: csrfFrom(account.body) });
    assert.equal(out.statusCode, 303);
    assert.equal(logoutContentTypes.length, posted, 'nothing is posted before the worker runs');
    const [queued] = await logoutJobs(onPhone.sid as string);
    assert.equal(queued?.status, 'pending');
    assert.deepEqual(
      { ...queued!.payload },
      {
        issuer: 'http://northshire.localhost/oidc',
        clientId: 'library-app',
        sub: onPhone.sub,
        sid: onPhone.sid,
      },
    );
    assert.equal((await logoutJobs(onLaptop.sid as string)).length, 0, 'the laptop stays signed in');

    await runWorker();
    assert.equal(refusedLogoutTokens.length, 1, 'the worker tried once; the app answered 500');
    assert.equal(logoutTokens.length, before);
    const [failed] = await logoutJobs(onPhone.sid as string);
    assert.equal(failed?.status, 'pending', 'to be tried again');
    assert.equal(failed?.attempts, 1);
    assert.match(failed?.last_error ?? '', /500/);

    // The next run after the backoff delivers it.
    await runWorker(new Date(Date.now() + 2 * 60 * 60 * 1000));
    assert.equal(logoutTokens.length, before + 1);
    assert.equal((await logoutJobs(onPhone.sid as string))[0]?.status, 'done');
    const token = logoutTokens[before]!;
    assert.equal(logoutContentTypes.at(-1), 'application/x-www-form-urlencoded');
    assert.ok(await signedByCouncil(token), 'signed with a key the council publishes');
    const { header, payload } = decodeJwt(token);
    assert.equal(header.typ, 'logout+jwt');
    assert.equal(payload.iss, 'http://northshire.localhost/oidc');
    assert.equal(payload.aud, 'library-app');
    assert.equal(payload.sub, onPhone.sub);
    assert.equal(payload.sid, onPhone.sid);
    assert.deepEqual(payload.events, { 'http://schemas.openid.net/event/backchannel-logout': {} });
    assert.equal(payload.nonce, undefined, 'a logout token carries no nonce');
    assert.equal(typeof payload.iat, 'number');
    assert.ok(payload.exp > payload.iat);
    assert.equal(typeof payload.jti, 'string');
    // Each attempt signs afresh: the refused token is not replayed.
    assert.notEqual(decodeJwt(refusedLogoutTokens[0]!).payload.jti, payload.jti);
    // The app must send the phone through sign-in again; the laptop goes straight back.
    const again = client.buildAuthorizationUrl(config, {
      redirect_uri: `${appOrigin}/callback`,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    assert.match((await phone.follow(`${again.pathname}${again.search}`)).url, /^\/sign-in\?returnTo=/);
    assert.ok(
      (await laptop.follow(`${again.pathname}${again.search}`)).url.startsWith(`${appOrigin}/callback?code=`),
    );

    // Signing out everywhere from the laptop: the laptop's app session ends too.
    const security = await laptop.get('/account/security');
    await laptop.post('/account/sign-out-everywhere', { _csrf: csrfFrom(security.body) });
    assert.equal(logoutTokens.length, before + 1, 'nothing is posted before the worker runs');
    await runWorker();
    assert.deepEqual(
      logoutTokens.slice(before + 1).map((x) => decodeJwt(x).payload.sid),
      [onLaptop.sid],
    );
  });

  it('shows the provider’s error page in Welsh under our CSP', async () => {
    const res = await t.app.inject({
      url: '/oidc/auth?client_id=nobody',
      headers: { ...northshire, cookie: 'lang=cy' },
    });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /<html lang="cy"/);
    assert.match(textOf(res.body), /Mae’n ddrwg gennym|Mae'n ddrwg gennym/);
    assert.match(String(res.headers['content-security-policy']), /form-action 'self';/);
  });
});

describe('council apps at /staff/apps', () => {
  it('validates what is typed, changes nothing on error, and audits every change', async () => {
    const admin = await adminOf(northshire);
    const bad = await admin.post('/staff/apps/new', '/staff/apps/new', {
      clientId: 'X',
      nameEn: '',
      kind: 'public',
      redirectUris: 'http://evil.example/callback\nhttps://ok.example/cb#frag',
      scopes: ['email'],
    });
    assert.equal(bad.statusCode, 400);
    const text = textOf(bad.body);
    assert.match(text, /There is a problem/);
    for (const message of [
      'Enter a client ID',
      'Enter the app’s name in English'.replace('’', "'"),
      'Enter full addresses starting https://',
      'Select Account identifier',
    ])
      assert.ok(text.includes(message), message);
    assert.equal((await admin.get('/staff/apps/x')).statusCode, 404);

    // A public app: no secret, PKCE only.
    const made = await admin.post('/staff/apps/new', '/staff/apps/new', {
      clientId: 'bins-mobile',
      nameEn: 'Bins on your phone',
      nameCy: 'Biniau ar eich ffôn',
      kind: 'public',
      redirectUris: 'http://127.0.0.1:9999/cb',
      scopes: ['openid'],
    });
    assert.equal(made.headers.location, '/staff/apps/bins-mobile');
    assert.doesNotMatch((await admin.get('/staff/apps/bins-mobile')).body, /<code/);
    // It signs a resident in with PKCE and no secret.
    const config = await discover('bins-mobile', undefined);
    const b = browser();
    await b.signIn('tomasz@example.com');
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: 'http://127.0.0.1:9999/cb',
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const consent = await b.follow(`${url.pathname}${url.search}`);
    const allowed = await b.post(`${consent.url}/allow`, { _csrf: csrfFrom(consent.res!.body) });
    const back = await b.follow(allowed.headers.location as string);
    const tokens = await client.authorizationCodeGrant(config, new URL(back.url), {
      pkceCodeVerifier: verifier,
      idTokenExpected: true,
    });
    assert.ok(tokens.claims()?.sub);

    // Turned off: the provider no longer knows it.
    await admin.post('/staff/apps/bins-mobile', '/staff/apps/bins-mobile/enabled', {});
    const off = await t.app.inject({
      url: '/oidc/auth?client_id=bins-mobile&response_type=code&scope=openid&redirect_uri=http%3A%2F%2F127.0.0.1%3A9999%2Fcb',
      headers: northshire,
    });
    assert.match(off.body, /invalid_client/);

    // A new secret for a confidential app: the old one stops working.
    const { admin: a2, secret } = await registerApp('permits', { ...appFields(), nameEn: 'Permits' });
    await a2.post('/staff/apps/permits', '/staff/apps/permits/secret', {});
    const fresh = /<code[^>]*>([^<]+)<\/code>/.exec((await a2.get('/staff/apps/permits')).body)?.[1];
    assert.ok(fresh && fresh !== secret);

    await admin.post('/staff/apps/bins-mobile', '/staff/apps/bins-mobile/delete', {});
    assert.equal((await admin.get('/staff/apps/bins-mobile')).statusCode, 404);
    const history = textOf((await admin.get('/staff/apps')).body);
    for (const line of [
      'App registered · bins-mobile',
      'App turned off · bins-mobile',
      'App deleted · bins-mobile',
      'New client secret made · permits',
    ])
      assert.ok(history.includes(line), line);
    const [row] = await t.app.services.db.query<{ secret_encrypted: string }>(
      `select secret_encrypted from oidc_clients where client_id = 'permits'`,
    );
    assert.ok(!row!.secret_encrypted.includes(fresh), 'the secret is stored encrypted');
  });

  it('lists every change to an app on /staff/changes, with what it was before and after, never a secret', async () => {
    const { admin, secret: first } = await registerApp('parking', { ...appFields(), nameEn: 'Parking' });
    assert.ok(first);
    const changed = await admin.post('/staff/apps/parking', '/staff/apps/parking', {
      ...appFields(),
      nameEn: 'Parking permits',
      redirectUris: `${appOrigin}/callback\n${appOrigin}/callback-2`,
    });
    assert.equal(changed.headers.location, '/staff/apps/parking');
    await admin.post('/staff/apps/parking', '/staff/apps/parking/enabled', {});
    await admin.post('/staff/apps/parking', '/staff/apps/parking/enabled', {});
    await admin.post('/staff/apps/parking', '/staff/apps/parking/secret', {});
    const second = /<code[^>]*>([^<]+)<\/code>/.exec((await admin.get('/staff/apps/parking')).body)?.[1];
    assert.ok(second && second !== first);

    const history = await admin.get('/staff/changes');
    assert.equal(history.statusCode, 200);
    const text = textOf(history.body);
    for (const line of [
      'App registered: oidc-client parking',
      'App changed: oidc-client parking',
      'App turned off: oidc-client parking',
      'App turned on: oidc-client parking',
      'New client secret made: oidc-client parking',
    ])
      assert.ok(text.includes(line), line);
    // What the edit changed, before and after.
    assert.match(text, /name\.en Parking Parking permits/);
    assert.ok(text.includes(`redirectUris[1] ${appOrigin}/callback-2`));
    // Never a secret, plain or sealed, on the page or in what the page is made from.
    const [row] = await t.app.services.db.query<{ sealed: string }>(
      `select secret_encrypted as sealed from oidc_clients where tenant_id = $1 and client_id = 'parking'`,
      [t.tenants.northshire.id],
    );
    const audit = JSON.stringify(
      await t.app.services.db.query(`select details from audit_log where subject_type = 'oidc-client'`),
    );
    for (const secret of [first, second, row!.sealed, 'secretEncrypted']) {
      assert.ok(!history.body.includes(secret), 'no secret on the page');
      assert.ok(!audit.includes(secret), 'no secret in the audit');
    }
  });

  it('rotates the signing keys, keeping the old ones published until housekeeping drops them', async () => {
    const admin = await adminOf(northshire);
    const before = (await t.app.inject({ url: '/oidc/jwks', headers: northshire })).json().keys as {
      kid: string;
    }[];
    const rotated = await admin.post('/staff/apps', '/staff/apps/keys/rotate', {});
    assert.equal(rotated.headers.location, '/staff/apps?rotated=1');
    assert.match(textOf((await admin.get('/staff/changes')).body), /New signing keys made: oidc-keys/);
    const afterKeys = (await t.app.inject({ url: '/oidc/jwks', headers: northshire })).json().keys as {
      kid: string;
    }[];
    assert.equal(afterKeys.length, 4);
    assert.ok(
      before.every((k) => afterKeys.some((x) => x.kid === k.kid)),
      'old keys still published',
    );
    // The command does the same as the button.
    const out: string[] = [];
    const io = {
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => out.push(s) },
    };
    const code = await rotateKeysCommand(
      ['--council', 'northshire'],
      { sessionSecret: testSecret, demo: true },
      (fn) => fn(t.app.services.db),
      io,
    );
    assert.equal(code, 0, out.join(''));
    const keyCount = async () =>
      (
        await t.app.services.db.query<{ n: number }>(
          `select count(*)::int as n from oidc_keys where tenant_id = $1`,
          [t.tenants.northshire.id],
        )
      )[0]!.n;
    assert.equal(await keyCount(), 6);
    const interactions = async () =>
      (
        await t.app.services.db.query<{ n: number }>(
          `select count(*)::int as n from oidc_payloads where model = 'Interaction'`,
        )
      )[0]!.n;
    assert.ok((await interactions()) > 0);
    await runHousekeeping(t.app.services.db, new Date(Date.now() + 3 * 60 * 60 * 1000));
    assert.equal(await interactions(), 0, 'expired provider rows are deleted');
    assert.equal(await keyCount(), 2, 'retired keys are dropped once nothing they signed can be valid');
  });
});
