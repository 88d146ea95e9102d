import nodemailer from 'nodemailer';
import type { Delivery, MailTransport } from './message.ts';

/**
 * Delivery through any SMTP relay, from SMTP_URL (`smtp://` with STARTTLS when offered,
 * `smtps://` for TLS from the start; user and password in the URL). One connection per
 * message unless the URL asks for `?pool=true`.
 */
export function smtpTransport(smtpUrl: string): MailTransport {
  // Settings in the URL win; these only bound how long a stuck relay can hold a job.
  const transporter = nodemailer.createTransport({
    url: smtpUrl,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    name: 'smtp',
    async deliver({ from, message, reference }: Delivery) {
      const domain = from.address.split('@')[1] ?? 'doorstep.invalid';
      await transporter.sendMail({
        from: { name: from.name, address: from.address },
        to: message.to,
        subject: message.subject,
        text: message.text,
        ...(message.html ? { html: message.html } : {}),
        attachments: (message.attachments ?? []).map((a) => ({
          filename: a.filename,
          contentType: a.contentType,
          content: a.content,
          encoding: 'base64',
        })),
        // The same Message-ID on every retry of one job lets mail systems drop a duplicate
        // when a relay took the message but the answer was lost.
        messageId: `<${reference}@${domain}>`,
      });
    },
    async close() {
      transporter.close();
    },
  };
}
