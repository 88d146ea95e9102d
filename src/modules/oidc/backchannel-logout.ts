import type { Queryable } from '../../db/database.ts';
import { enqueue } from '../../platform/outbox/outbox.ts';
import { type JobHandler, PermanentJobError } from '../../platform/outbox/worker.ts';
import type { Providers } from './provider.ts';

/**
 * OpenID Connect Back-Channel Logout 1.0, through the outbox: when a resident's session with
 * an app ends, a job is written (in the transaction that ends it, where there is one), and
 * the worker signs a logout token and POSTs it to the app. An app that is down, or a crash,
 * delays the news; it does not lose it. A logout token lives 120 s, so each attempt signs a
 * new one (with a new jti) rather than replaying the first; telling an app twice is harmless.
 */
export const backchannelLogoutJobKind = 'oidc.backchannel-logout';

export interface BackchannelLogout {
  /** The issuer the app knows the session by (in demo mode it follows the host it was reached on). */
  issuer: string;
  clientId: string;
  /** The account id: the subject of the app's ID tokens. */
  sub: string;
  /** The provider session's id for this app, as its ID tokens carried it. */
  sid?: string;
}

export async function enqueueBackchannelLogout(
  q: Queryable,
  tenantId: string,
  logout: BackchannelLogout,
): Promise<void> {
  await enqueue(q, { tenantId, kind: backchannelLogoutJobKind, payload: logout });
}

/** The provider's own method: it signs the logout token with the council's keys and POSTs it. */
interface LogoutSender {
  backchannelLogoutUri?: string;
  backchannelLogout(sub: string, sid: string | undefined): Promise<void>;
}

/**
 * The worker's side: `providers` must send (see ProvidersDeps.backchannelLogout). Its outbound
 * client is the worker's, so the platform's address rules apply. A non-2xx answer or a network
 * error throws, and the outbox tries again with backoff.
 */
export function backchannelLogoutHandlers(providers: Providers): Record<string, JobHandler> {
  return {
    [backchannelLogoutJobKind]: async (job, ctx) => {
      const logout = job.payload as Partial<BackchannelLogout>;
      if (
        typeof logout.issuer !== 'string' ||
        !URL.canParse(logout.issuer) ||
        typeof logout.clientId !== 'string' ||
        typeof logout.sub !== 'string'
      )
        throw new PermanentJobError('not a back-channel logout');
      const provider = await providers.forIssuer(job.tenantId, logout.issuer);
      const client = (await provider.Client.find(logout.clientId)) as unknown as LogoutSender | undefined;
      if (!client?.backchannelLogoutUri) {
        // Turned off, deleted or no longer listening since the sign-out: nobody to tell.
        ctx.logger.info(
          { client: logout.clientId },
          'back-channel logout dropped: the app no longer takes it',
        );
        return;
      }
      await client.backchannelLogout(logout.sub, logout.sid);
    },
  };
}
