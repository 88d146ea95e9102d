import pino from 'pino';
import type { Config } from './config.ts';

/**
 * JSON logs without personal data: request lines carry method, route pattern, status and
 * timing, never paths or query strings (tokens, postcodes, emails), cookies, headers or
 * client addresses.
 */
export function createLoggerOptions(config: Pick<Config, 'logLevel'>) {
  return {
    level: config.logLevel,
    serializers: {
      req: (req: { method: string; url: string; routeOptions?: { url?: string }; id: string }) => ({
        id: req.id,
        method: req.method,
        // The pattern, never the path: a path may carry a credential (an event registration's link).
        route: req.routeOptions?.url,
      }),
      res: (res: { statusCode: number }) => ({ status: res.statusCode }),
      err: pino.stdSerializers.err,
    },
    redact: {
      paths: ['*.password', '*.secret', '*.token', '*.email', '*.to', 'payload'],
      censor: '[redacted]',
    },
  };
}

export function createLogger(config: Pick<Config, 'logLevel'>) {
  return pino(createLoggerOptions(config));
}
