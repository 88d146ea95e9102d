import type { FastifyInstance } from 'fastify';
import { formExpired } from '../errors/errors.ts';
import { csrfTokenValid, sessionCookie } from '../sessions/sessions.ts';

/** These authenticate by key, client credentials or signature, never by a browser cookie. */
export const csrfExemptPrefixes = ['/api/', '/open311/', '/oidc/'] as const;

const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Every browser form carries `_csrf`, bound to the visitor's session cookie. */
export function registerCsrf(app: FastifyInstance, secret: string): void {
  app.addHook('preHandler', async (request) => {
    if (!unsafeMethods.has(request.method)) return;
    if (csrfExemptPrefixes.some((p) => request.url.startsWith(p))) return;
    const body = request.body as Record<string, unknown> | undefined;
    // A multipart body gives each field as { value }.
    const field = body?._csrf as unknown;
    const token =
      (field && typeof field === 'object' && 'value' in field
        ? (field as { value: unknown }).value
        : field) ?? request.headers['x-csrf-token'];
    if (!csrfTokenValid(secret, request.cookies[sessionCookie], token)) throw formExpired();
  });
}
