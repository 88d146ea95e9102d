import pino from 'pino';
import type { Config } from './config.ts';

/**
 * JSON logs without personal data: request lines carry method, route pattern, status and
 * timing, never query strings (postcodes, emails), cookies, headers or client addresses.
 */
export function createLoggerOptions(config: Pick<Config, 'logLevel'>) {
  return {
    level: config.logLevel,
    serializers: {
      req: (req: { method: string; url: string; routeOptions?: { url?: string }; id: string }) => ({
        id: req.id,
        method: req.method,
        route: req.routeOptions?.url,
        path: req.url.split('?')[0],
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
