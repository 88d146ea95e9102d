import rateLimit, { type RateLimitOptions } from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type { Database } from '../../db/database.ts';
import { AppError } from '../errors/errors.ts';
import { databaseRateLimitStore } from './rate-limit-store.ts';

/** Limits that routes opt into through `config: { rateLimit: ... }`. */
export const rateLimits = {
  /** Any public form submission, per address. */
  publicPost: { max: 30, timeWindow: '1 minute' },
  /** Sign-in attempts, per address. */
  signIn: { max: 10, timeWindow: '10 minutes' },
} satisfies Record<string, RateLimitOptions>;

export async function registerRateLimit(
  app: FastifyInstance,
  deps: { db: Database; now: () => Date },
): Promise<void> {
  await app.register(rateLimit, {
    global: false,
    store: databaseRateLimitStore(deps.db, deps.now),
    keyGenerator: (request) => `${request.tenant?.id}|${request.ip}`,
    errorResponseBuilder: (_request, context) =>
      new AppError('too-many-requests', `Try again in ${context.after}`),
  });
}
