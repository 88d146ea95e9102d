import { createHmac, randomUUID } from 'node:crypto';
import type { Queryable } from '../../db/database.ts';
import type { HttpClient } from '../../platform/http-client/http-client.ts';
import { enqueue } from '../../platform/outbox/outbox.ts';
import { type JobHandler, PermanentJobError } from '../../platform/outbox/worker.ts';
import { findWebhookSecret } from './store.ts';

export const webhookJobKind = 'webhook.deliver';

interface WebhookJob {
  url: string;
  secretName: string;
  event: string;
  deliveryId: string;
  body: string;
}

/** `t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, as the Contracts table fixes it. */
export function signWebhook(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/**
 * Queues a webhook in the caller's transaction. The delivery id is fixed now, so every
 * retry carries the same one and receivers can drop the duplicates of at-least-once delivery.
 */
export async function enqueueWebhook(
  tx: Queryable,
  tenantId: string,
  w: { url: string; secretName: string; event: string; payload: unknown },
): Promise<string> {
  const deliveryId = randomUUID();
  await enqueue(tx, {
    tenantId,
    kind: webhookJobKind,
    payload: {
      url: w.url,
      secretName: w.secretName,
      event: w.event,
      deliveryId,
      body: JSON.stringify(w.payload),
    } satisfies WebhookJob,
  });
  return deliveryId;
}

/** Delivers through the one outbound client; a refusal that retrying cannot change ends it. */
export function webhookHandlers(http: HttpClient): Record<string, JobHandler> {
  return {
    [webhookJobKind]: async (job, ctx) => {
      const w = job.payload as WebhookJob;
      const secret = await findWebhookSecret(ctx.db, job.tenantId, w.secretName);
      if (!secret) throw new PermanentJobError(`no webhook secret named "${w.secretName}"`);
      const signature = signWebhook(secret, w.body, Math.floor(ctx.now().getTime() / 1000));
      const response = await http.request(w.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'doorstep-event': w.event,
          'doorstep-delivery': w.deliveryId,
          'doorstep-signature': signature,
        },
        body: w.body,
      });
      if (response.status >= 200 && response.status < 300) return;
      const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
      const message = `webhook answered ${response.status}`;
      if (!retryable) throw new PermanentJobError(message);
      throw new Error(message);
    },
  };
}
