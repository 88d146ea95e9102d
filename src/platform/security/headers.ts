import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import { templateScriptHash } from '../views/engine.ts';

/**
 * A strict Content Security Policy: scripts only from our origin plus the page template's
 * one inline script, allowed by its hash (not a nonce) so that pages stay cacheable; no
 * inline style at all. Map tiles are allowed only from the configured tile server.
 */
export async function registerSecurityHeaders(
  app: FastifyInstance,
  options: { mapTileUrl: string | undefined },
) {
  const tileOrigin = options.mapTileUrl
    ? new URL(options.mapTileUrl.replace(/\{[a-z]\}/g, '0')).origin
    : undefined;
  await app.register(helmet, {
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
  });
}
