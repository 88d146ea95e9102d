import { lookup as dnsLookup } from 'node:dns/promises';
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { blockedAddressKind } from './address-policy.ts';

/**
 * The one outbound HTTP client (webhooks, Open311 pushes, OpenID discovery). Its rules are
 * in the Contracts table: in demo mode `*.localhost` goes to 127.0.0.1 with the original
 * Host header; outside demo mode private and loopback addresses are refused unless the host
 * is allowed by OUTBOUND_ALLOW_PRIVATE.
 *
 * It is built on node:http rather than fetch because fetch will not send a Host header that
 * differs from the address it connects to, and because the address check has to sit where
 * the connection is made: the host is resolved once, every address is checked, and the
 * socket is given exactly those addresses through `lookup`. A DNS answer that changes
 * between the check and the connection (DNS rebinding) therefore cannot slip past it.
 */

export type OutboundErrorReason =
  | 'invalid-url'
  | 'unsupported-protocol'
  | 'blocked-address'
  | 'dns'
  | 'timeout'
  | 'too-large'
  | 'too-many-redirects'
  | 'redirect'
  | 'aborted'
  | 'network';

export class OutboundRequestError extends Error {
  override readonly name = 'OutboundRequestError';
  /** The host asked for (hostname, with the port when one was given). */
  readonly host: string;
  readonly reason: OutboundErrorReason;

  constructor(host: string, reason: OutboundErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.host = host;
    this.reason = reason;
  }
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export interface HttpClientOptions {
  demo: boolean;
  /** Hostnames (or `*`) that may resolve to private or loopback addresses outside demo mode. */
  allowPrivate: readonly string[];
  /** For the whole request, redirects and body included. Default 10 s. */
  timeoutMs?: number;
  userAgent?: string;
  /** Responses larger than this are abandoned. Default 5 MiB. */
  maxResponseBytes?: number;
  /** Stands in for DNS (tests). Default: the system resolver, every address. */
  resolveHost?: (hostname: string) => Promise<ResolvedAddress[]>;
}

export interface OutboundRequestOptions {
  method?: string;
  headers?: Record<string, string | readonly string[]>;
  body?: string | Uint8Array;
  timeoutMs?: number;
  /** Redirects to follow, each re-checked as a new request. Default 0: a 3xx is returned as is. */
  maxRedirects?: number;
  maxResponseBytes?: number;
  signal?: AbortSignal;
}

export interface OutboundResponse {
  status: number;
  /** Lower-case names, as node:http gives them. */
  headers: IncomingHttpHeaders;
  /** Name, value, name, value… as received, for headers that repeat. */
  rawHeaders: string[];
  /** The URL that answered, after any redirects. */
  url: string;
  body: Buffer;
  text(): string;
  json<T = unknown>(): T;
}

export interface HttpClient {
  request(url: string | URL, options?: OutboundRequestOptions): Promise<OutboundResponse>;
  /**
   * A `fetch` with the same rules, for libraries that accept one (openid-client's
   * customFetch). `redirect: 'follow'` follows at most five hops, each re-checked; errors
   * are OutboundRequestError rather than TypeError.
   */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
}

const defaultTimeoutMs = 10_000;
const defaultMaxResponseBytes = 5 * 1024 * 1024;
const fetchFollowLimit = 5;
const redirectStatuses = new Set([301, 302, 303, 307, 308]);
const nullBodyStatuses = new Set([101, 103, 204, 205, 304]);

/** RFC 6761: `localhost` and every name under it are loopback, whatever DNS says. */
function isLocalhostName(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost');
}

/** Lower case, no trailing dot, no IPv6 brackets: how hosts are compared. */
function canonicalHost(hostname: string): string {
  return hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
}

async function systemResolve(hostname: string): Promise<ResolvedAddress[]> {
  const answers = await dnsLookup(hostname, { all: true, order: 'verbatim' });
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
}

function hostLabel(url: URL): string {
  return url.host;
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const allowAll = options.allowPrivate.includes('*');
  const allowed = new Set(options.allowPrivate.map(canonicalHost));
  const resolveHost = options.resolveHost ?? systemResolve;
  const userAgent = options.userAgent ?? 'Doorstep (+outbound)';

  function parseTarget(url: string | URL, label?: string): URL {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      throw new OutboundRequestError(label ?? 'unknown', 'invalid-url', 'outbound request: not a valid URL');
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      throw new OutboundRequestError(
        hostLabel(target),
        'unsupported-protocol',
        `outbound request to ${hostLabel(target)} refused: only http and https are allowed, not ${target.protocol}`,
      );
    }
    if (target.username || target.password) {
      // Credentials in a URL end up in logs; APIs that need them take a header instead.
      throw new OutboundRequestError(
        hostLabel(target),
        'invalid-url',
        `outbound request to ${hostLabel(target)} refused: the URL contains credentials`,
      );
    }
    return target;
  }

  /** The addresses this request may connect to, every one checked; throws when refused. */
  async function addressesFor(target: URL): Promise<ResolvedAddress[]> {
    const hostname = canonicalHost(target.hostname);
    const label = hostLabel(target);
    const mayBePrivate = options.demo || allowAll || allowed.has(hostname);
    let addresses: ResolvedAddress[];
    const literal = isIP(hostname);
    if (literal) {
      addresses = [{ address: hostname, family: literal === 6 ? 6 : 4 }];
    } else if (isLocalhostName(hostname)) {
      // Demo councils live at <slug>.localhost, which Node's resolver does not know.
      addresses = [{ address: '127.0.0.1', family: 4 }];
    } else {
      try {
        addresses = await resolveHost(hostname);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        throw new OutboundRequestError(
          label,
          'dns',
          `outbound request to ${label} failed: cannot resolve the host (${code})`,
          {
            cause: error,
          },
        );
      }
      if (addresses.length === 0) {
        throw new OutboundRequestError(
          label,
          'dns',
          `outbound request to ${label} failed: the host has no addresses`,
        );
      }
    }
    if (!mayBePrivate) {
      for (const { address } of addresses) {
        const kind = blockedAddressKind(address);
        if (kind !== undefined) {
          const where = literal ? `${address} is` : `it resolves to ${address},`;
          throw new OutboundRequestError(
            label,
            'blocked-address',
            `outbound request to ${label} refused: ${where} a ${kind} address; ` +
              'only public addresses are reached unless the host is listed in OUTBOUND_ALLOW_PRIVATE',
          );
        }
      }
    }
    return addresses;
  }

  /** Hands the socket the checked addresses and nothing else. */
  function pinnedLookup(addresses: ResolvedAddress[]): LookupFunction {
    return (_hostname, lookupOptions, callback) => {
      const family =
        lookupOptions.family === 4 || lookupOptions.family === 6 ? lookupOptions.family : undefined;
      const usable = family ? addresses.filter((a) => a.family === family) : addresses;
      if (usable.length === 0) {
        const error = Object.assign(new Error('no address of the requested family'), { code: 'ENOTFOUND' });
        callback(error, '', 0);
        return;
      }
      if (lookupOptions.all) callback(null, usable);
      else callback(null, usable[0]!.address, usable[0]!.family);
    };
  }

  /** One request, one response, body read within the cap. */
  function send(
    target: URL,
    addresses: ResolvedAddress[],
    method: string,
    headers: Record<string, string | readonly string[]>,
    body: Buffer | undefined,
    maxBytes: number,
    signal: AbortSignal,
  ): Promise<OutboundResponse> {
    const label = hostLabel(target);
    return new Promise((resolve, reject) => {
      let settled = false;
      const transport = target.protocol === 'https:' ? https : http;
      const req = transport.request(target, {
        method,
        headers: headers as http.OutgoingHttpHeaders,
        // A fresh agent per request: a pooled socket must never have been made by anyone else.
        agent: false,
        lookup: pinnedLookup(addresses),
      });
      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        reject(error);
        req.destroy();
      };
      const onAbort = () => fail(abortError(signal, label));
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      req.on('error', (error) =>
        fail(
          error instanceof OutboundRequestError
            ? error
            : new OutboundRequestError(
                label,
                'network',
                `outbound request to ${label} failed: ${describe(error)}`,
                {
                  cause: error,
                },
              ),
        ),
      );
      req.on('response', (res) => {
        const tooLarge = () =>
          fail(
            new OutboundRequestError(
              label,
              'too-large',
              `outbound request to ${label} failed: the response is larger than ${maxBytes} bytes`,
            ),
          );
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > maxBytes) {
          tooLarge();
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) tooLarge();
          else chunks.push(chunk);
        });
        res.on('error', (error) =>
          fail(
            new OutboundRequestError(
              label,
              'network',
              `outbound request to ${label} failed: ${describe(error)}`,
              {
                cause: error,
              },
            ),
          ),
        );
        res.on('end', () => {
          if (settled) return;
          settled = true;
          signal.removeEventListener('abort', onAbort);
          const bytes = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            rawHeaders: res.rawHeaders,
            url: target.href,
            body: bytes,
            text: () => bytes.toString('utf8'),
            json: <T>() => JSON.parse(bytes.toString('utf8')) as T,
          });
        });
      });
      req.end(body);
    });
  }

  async function request(
    url: string | URL,
    requestOptions: OutboundRequestOptions = {},
  ): Promise<OutboundResponse> {
    let target = parseTarget(url);
    const timeoutMs = requestOptions.timeoutMs ?? options.timeoutMs ?? defaultTimeoutMs;
    const maxBytes = requestOptions.maxResponseBytes ?? options.maxResponseBytes ?? defaultMaxResponseBytes;
    const maxRedirects = requestOptions.maxRedirects ?? 0;

    // One deadline for the whole exchange: resolution, every hop and every body.
    const controller = new AbortController();
    const timer = setTimeout(() => {
      controller.abort(
        new OutboundRequestError(
          hostLabel(target),
          'timeout',
          `outbound request to ${hostLabel(target)} failed: no complete response within ${timeoutMs} ms`,
        ),
      );
    }, timeoutMs);
    const outer = requestOptions.signal;
    const forward = () =>
      controller.abort(
        new OutboundRequestError(
          hostLabel(target),
          'aborted',
          `outbound request to ${hostLabel(target)} was aborted`,
          {
            cause: outer?.reason,
          },
        ),
      );
    if (outer?.aborted) forward();
    else outer?.addEventListener('abort', forward, { once: true });

    let method = (requestOptions.method ?? 'GET').toUpperCase();
    let body = requestOptions.body === undefined ? undefined : Buffer.from(requestOptions.body);
    let headers = outgoingHeaders(requestOptions.headers ?? {}, userAgent);

    try {
      for (let hop = 0; ; hop++) {
        const addresses = await untilAborted(addressesFor(target), controller.signal, hostLabel(target));
        const sent = { ...headers };
        if (body !== undefined && !hasHeader(sent, 'content-length'))
          sent['content-length'] = String(body.length);
        const response = await send(target, addresses, method, sent, body, maxBytes, controller.signal);
        const location = response.headers.location;
        if (!redirectStatuses.has(response.status) || !location || maxRedirects === 0) return response;
        if (hop >= maxRedirects) {
          throw new OutboundRequestError(
            hostLabel(target),
            'too-many-redirects',
            `outbound request to ${hostLabel(target)} failed: more than ${maxRedirects} redirects`,
          );
        }
        let next: URL;
        try {
          next = new URL(location, target);
        } catch {
          throw new OutboundRequestError(
            hostLabel(target),
            'redirect',
            `outbound request to ${hostLabel(target)} failed: the redirect location is not a valid URL`,
          );
        }
        next = parseTarget(next, hostLabel(target));
        // As browsers do: 303, and 301/302 after a POST, become a GET without a body.
        if (
          response.status === 303 ||
          ((response.status === 301 || response.status === 302) && method === 'POST')
        ) {
          if (method !== 'HEAD') method = 'GET';
          body = undefined;
          headers = withoutHeaders(headers, [
            'content-length',
            'content-type',
            'content-encoding',
            'transfer-encoding',
          ]);
        }
        // Credentials were meant for the origin that was asked, not wherever it points.
        if (next.origin !== target.origin) headers = withoutHeaders(headers, ['authorization', 'cookie']);
        target = next;
      }
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener('abort', forward);
    }
  }

  async function fetchCompatible(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    // Request does the work of turning any BodyInit (string, URLSearchParams, Blob, stream…)
    // into bytes and a content type, exactly as fetch would.
    const incoming = new Request(input, init);
    const headers: Record<string, string> = {};
    incoming.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const body = incoming.body ? Buffer.from(await incoming.arrayBuffer()) : undefined;
    const redirect = incoming.redirect;
    const response = await request(incoming.url, {
      method: incoming.method,
      headers,
      ...(body ? { body } : {}),
      maxRedirects: redirect === 'follow' ? fetchFollowLimit : 0,
      signal: incoming.signal,
    });
    if (redirect === 'error' && redirectStatuses.has(response.status) && response.headers.location) {
      throw new OutboundRequestError(
        new URL(response.url).host,
        'redirect',
        `outbound request to ${new URL(response.url).host} failed: redirected, and redirects were refused`,
      );
    }
    const responseHeaders = new Headers();
    for (let i = 0; i + 1 < response.rawHeaders.length; i += 2) {
      responseHeaders.append(response.rawHeaders[i]!, response.rawHeaders[i + 1]!);
    }
    const hasBody = !nullBodyStatuses.has(response.status) && incoming.method !== 'HEAD';
    const result = new Response(hasBody ? new Uint8Array(response.body) : null, {
      status: response.status,
      headers: responseHeaders,
    });
    // Response's url cannot be given to its constructor; libraries read it (e.g. after redirects).
    Object.defineProperty(result, 'url', { value: response.url });
    return result;
  }

  return { request, fetch: fetchCompatible };
}

function hasHeader(headers: Record<string, unknown>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

function withoutHeaders(
  headers: Record<string, string | readonly string[]>,
  names: string[],
): Record<string, string | readonly string[]> {
  return Object.fromEntries(Object.entries(headers).filter(([key]) => !names.includes(key.toLowerCase())));
}

function outgoingHeaders(
  given: Record<string, string | readonly string[]>,
  userAgent: string,
): Record<string, string | readonly string[]> {
  // The URL decides the Host header; a caller-supplied one could point the request elsewhere.
  const headers = withoutHeaders(given, ['host', 'connection']);
  if (!hasHeader(headers, 'user-agent')) headers['user-agent'] = userAgent;
  return headers;
}

function abortError(signal: AbortSignal, label: string): unknown {
  return signal.reason instanceof OutboundRequestError
    ? signal.reason
    : new OutboundRequestError(label, 'aborted', `outbound request to ${label} was aborted`, {
        cause: signal.reason,
      });
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal, label: string): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError(signal, label));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal, label));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const message = (error as Error).message ?? String(error);
  return code && !message.includes(code) ? `${message} (${code})` : message;
}
