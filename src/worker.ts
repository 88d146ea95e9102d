import type { Logger } from 'pino';
import type { Database } from './db/database.ts';
import { webhookHandlers } from './modules/integrations/webhooks.ts';
import { createHttpClient } from './platform/http-client/http-client.ts';
import type { Mailer } from './platform/mail/mailer.ts';
import { Worker } from './platform/outbox/worker.ts';

/**
 * Every job kind any module enqueues, and its handler. `outbound` is the outbound HTTP
 * client's policy (config.demo, config.outboundAllowPrivate); without it, private and
 * loopback addresses are refused.
 */
export function createWorker(deps: {
  db: Database;
  mailer: Mailer;
  now: () => Date;
  logger: Logger;
  outbound?: { demo: boolean; allowPrivate: readonly string[] };
}): Worker {
  const http = createHttpClient(deps.outbound ?? { demo: false, allowPrivate: [] });
  return new Worker({
    db: deps.db,
    now: deps.now,
    logger: deps.logger,
    handlers: { ...deps.mailer.handlers(), ...webhookHandlers(http) },
  });
}
