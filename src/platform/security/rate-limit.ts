import type { RateLimitOptions } from '@fastify/rate-limit';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors/errors.ts';

/** Limits that routes opt into through `config: { rateLimit: ... }`. */
export const rateLimits = {
  /** Any public form submission, per address. */
  publicPost: { max: 30, timeWindow: '1 minute' },
  /** Sign-in attempts, per address. */
  signIn: { max: 10, timeWindow: '10 minutes' },
} satisfies Record<string, RateLimitOptions>;

export async function registerRateLimit(app: FastifyInstance): Promise<void> {
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => {
      const error = new AppError('too-many-requests', `Try again in ${context.after}`);
      return error;
    },
  });
}
