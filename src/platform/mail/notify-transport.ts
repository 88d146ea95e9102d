import { NotifyClient } from 'notifications-node-client';
import type { Config } from '../../config.ts';
import { PermanentJobError } from '../outbox/worker.ts';
import type { Delivery, MailTransport } from './message.ts';

/** GOV.UK Notify's limit for a file sent by email. */
export const notifyMaxFileBytes = 2 * 1024 * 1024;

/**
 * Delivery through GOV.UK Notify. Notify sends only from templates, so the council sets up
 * one email template (NOTIFY_TEMPLATE_ID) whose subject is `((subject))` and whose message
 * is `((body))`; Doorstep fills both. Notify writes the HTML itself: a message's own html
 * part is not used, and the text is read with Notify's formatting (a line starting `# `
 * becomes a heading).
 *
 * Attachments go as Notify's "send a file by email": each is uploaded with the message as
 * the personalisation field `attachment_1`, `attachment_2`, … (at most 2 MB each, of the
 * file types Notify accepts), and Notify puts a link to it where the template has that
 * placeholder, so a template for messages with files adds `((attachment_1))` and so on.
 * The recipient confirms their email address before the file downloads.
 */
export function notifyTransport(notify: NonNullable<Config['notify']>): MailTransport {
  const client = notify.baseUrl
    ? new NotifyClient(notify.baseUrl, notify.apiKey)
    : new NotifyClient(notify.apiKey);
  return {
    name: 'notify',
    async deliver({ message, reference }: Delivery) {
      const personalisation: Record<string, unknown> = { subject: message.subject, body: message.text };
      for (const [i, a] of (message.attachments ?? []).entries()) {
        const bytes = Buffer.from(a.content, 'base64');
        if (bytes.length > notifyMaxFileBytes) {
          throw new PermanentJobError(`attachment ${i + 1} is larger than GOV.UK Notify's 2 MB limit`);
        }
        personalisation[`attachment_${i + 1}`] = client.prepareUpload(bytes, {
          filename: a.filename,
          confirmEmailBeforeDownload: true,
        });
      }
      try {
        await client.sendEmail(notify.templateId, message.to, { personalisation, reference });
      } catch (error) {
        throw notifyError(error);
      }
    },
    async close() {},
  };
}

interface NotifyErrorBody {
  errors?: { error?: string; message?: string }[];
}

/**
 * A plain error in place of the HTTP client's, which carries the request (with the API
 * token and the personalisation) into anything that logs it.
 */
function notifyError(error: unknown): Error {
  const response = (error as { response?: { status?: number; data?: NotifyErrorBody } }).response;
  if (!response?.status) {
    const code = (error as { code?: string }).code;
    return new Error(`GOV.UK Notify could not be reached${code ? ` (${code})` : ''}`);
  }
  const details = (response.data?.errors ?? [])
    .map((e) => [e.error, e.message].filter(Boolean).join(': '))
    .join('; ');
  const text = `GOV.UK Notify answered ${response.status}${details ? `: ${details}` : ''}`;
  // 400 is a message Notify will never accept (a bad address, a template missing a field);
  // anything else (403 a key being rotated, 429, 5xx) may pass later.
  return response.status === 400 ? new PermanentJobError(text) : new Error(text);
}
