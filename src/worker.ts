import type { Logger } from 'pino';
import type { Services } from './app.ts';
import type { Database } from './db/database.ts';
import { EventsService } from './modules/events/service.ts';
import { webhookHandlers } from './modules/integrations/webhooks.ts';
import { backchannelLogoutHandlers } from './modules/oidc/backchannel-logout.ts';
import { Providers } from './modules/oidc/provider.ts';
import { SecretBox } from './modules/oidc/secrets.ts';
import { open311Handlers } from './modules/reports/open311/client.ts';
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
  /** The app's services, for the jobs that need a council's texts and links (Open311 push and pull). */
  services?: Pick<Services, 'tenants' | 'signer' | 'config' | 'i18n' | 'mailer'>;
  /** With services: back-channel logouts, signed with the council's OpenID keys (sealed with it). */
  sessionSecret?: string;
}): Worker {
  const http = createHttpClient(deps.outbound ?? { demo: false, allowPrivate: [] });
  return new Worker({
    db: deps.db,
    now: deps.now,
    logger: deps.logger,
    handlers: {
      ...deps.mailer.handlers(),
      ...webhookHandlers(http),
      ...(deps.services ? open311Handlers({ ...deps.services, now: deps.now }, http) : {}),
      ...(deps.services ? new EventsService({ ...deps.services, mailer: deps.mailer }).handlers() : {}),
      ...(deps.services && deps.sessionSecret
        ? backchannelLogoutHandlers(
            new Providers({
              db: deps.db,
              config: deps.services.config,
              box: new SecretBox(deps.sessionSecret, { demo: deps.services.config.demo }),
              sessionSecret: deps.sessionSecret,
              now: deps.now,
              outbound: http,
              backchannelLogout: 'send',
            }),
          )
        : {}),
    },
  });
}
