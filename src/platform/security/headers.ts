import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';
import { templateScriptHash } from '../views/engine.ts';

/**
 * The security headers of every response, worked out once by helmet at start: they do not
 * change per request, and building the CSP string each time was a measurable share of a
 * cached page's cost.
 *
 * A strict Content Security Policy: scripts only from our origin plus the page template's
 * one inline script, allowed by its hash (not a nonce) so that pages stay cacheable; no
 * inline style at all. Map tiles are allowed only from the configured tile server.
 */
export function securityHeaders(options: { mapTileUrl: string | undefined }): Record<string, string> {
  const tileOrigin = options.mapTileUrl
    ? new URL(options.mapTileUrl.replace(/\{[a-z]\}/g, '0')).origin
    : undefined;
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", templateScriptHash()],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', ...(tileOrigin ? [tileOrigin] : [])],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
    // Resources are same-origin; this also keeps other sites from embedding our images.
    crossOriginResourcePolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: 'same-origin' },
    strictTransportSecurity: { maxAge: 31536000, includeSubDomains: true },
  })({} as IncomingMessage, response as unknown as ServerResponse, () => {});
  return headers;
}

export function registerSecurityHeaders(
  app: FastifyInstance,
  options: { mapTileUrl: string | undefined },
): void {
  const headers = securityHeaders(options);
  app.addHook('onRequest', async (_request, reply) => {
    reply.headers(headers);
  });
}
