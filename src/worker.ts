import type { Logger } from 'pino';
import type { Database } from './db/database.ts';
import type { Mailer } from './platform/mail/mailer.ts';
import { Worker } from './platform/outbox/worker.ts';

/** Every job kind any module enqueues, and its handler. */
export function createWorker(deps: {
  db: Database;
  mailer: Mailer;
  now: () => Date;
  logger: Logger;
}): Worker {
  return new Worker({
    db: deps.db,
    now: deps.now,
    logger: deps.logger,
    handlers: { ...deps.mailer.handlers() },
  });
}
