import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Database } from '../../db/database.ts';
import { notFound } from '../errors/errors.ts';
import type { Language } from '../i18n/local-text.ts';
import { type DevMail, findDevMail, findDevMailAttachment, listDevMail } from './dev-mailbox-store.ts';

/** The shape of /dev/mail.json, fixed by the Contracts table: tests and people read it. */
export interface DevMailJson {
  id: number;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  sent_at: string;
  attachments: { filename: string; content_type: string; url: string }[];
}

const listLimit = 200;
const idPattern = /^[1-9]\d{0,17}$/;

export function devMailJson(mail: DevMail): DevMailJson {
  return {
    id: mail.id,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    sent_at: mail.sentAt.toISOString(),
    attachments: mail.attachments.map((a, index) => ({
      filename: a.filename,
      content_type: a.contentType,
      url: attachmentPath(mail.id, index),
    })),
  };
}

const attachmentPath = (id: number, index: number) => `/dev/mail/${id}/attachments/${index}`;

function toFilter(request: FastifyRequest): string | undefined {
  const to = (request.query as { to?: unknown }).to;
  return typeof to === 'string' && to.trim() && to.length <= 254 ? to.trim() : undefined;
}

function mailId(request: FastifyRequest): string {
  const { id } = request.params as { id: string };
  if (!idPattern.test(id)) throw notFound();
  return id;
}

function formatWhen(date: Date, lang: Language): string {
  return new Intl.DateTimeFormat(lang === 'cy' ? 'cy-GB' : 'en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZone: 'Europe/London',
  }).format(date);
}

function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

type Segment = { text: string; href?: string };

/** The text body as paragraphs of lines, with web addresses made into links. */
export function textParagraphs(text: string): Segment[][][] {
  const linkPattern = /https?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]]/g;
  return text
    .replace(/\r\n/g, '\n')
    .split(/\n{2,}/)
    .filter((p) => p.trim())
    .map((paragraph) =>
      paragraph.split('\n').map((line) => {
        const segments: Segment[] = [];
        let last = 0;
        for (const match of line.matchAll(linkPattern)) {
          if (match.index > last) segments.push({ text: line.slice(last, match.index) });
          segments.push({ text: match[0], href: match[0] });
          last = match.index + match[0].length;
        }
        if (last < line.length) segments.push({ text: line.slice(last) });
        return segments;
      }),
    );
}

function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

function noStore(reply: FastifyReply): FastifyReply {
  // Messages hold sign-in codes and personal details: never kept by a browser or proxy.
  return reply.header('cache-control', 'no-store');
}

/**
 * The dev mailbox (demo mode only): every message the council's site sent, as a page for
 * people and as JSON for tests. Each council sees only its own messages.
 */
export function registerDevMailbox(app: FastifyInstance, services: { db: Database }): void {
  const { db } = services;

  app.get('/dev/mail.json', async (request, reply) => {
    const mails = await listDevMail(db, request.tenant.id, { to: toFilter(request), limit: listLimit });
    return noStore(reply).send(mails.map(devMailJson));
  });

  app.get('/dev/mail', async (request, reply) => {
    const to = toFilter(request);
    const mails = await listDevMail(db, request.tenant.id, { to, limit: listLimit });
    return noStore(reply).render('platform/mail/views/dev-mailbox.njk', {
      filter: to ?? '',
      filtered: to !== undefined,
      rows: mails.map((m) => [
        { html: `<a class="govuk-link" href="/dev/mail/${m.id}">${escapeHtml(m.subject)}</a>` },
        { text: m.to },
        { html: `<time datetime="${m.sentAt.toISOString()}">${formatWhen(m.sentAt, request.lang)}</time>` },
        { text: String(m.attachments.length), format: 'numeric' },
      ]),
    });
  });

  app.get('/dev/mail/:id', async (request, reply) => {
    const mail = await findDevMail(db, request.tenant.id, mailId(request));
    if (!mail) throw notFound();
    return noStore(reply).render('platform/mail/views/dev-message.njk', {
      mail: { id: mail.id, to: mail.to, subject: mail.subject, hasHtml: mail.html !== null },
      sentAt: mail.sentAt.toISOString(),
      when: formatWhen(mail.sentAt, request.lang),
      paragraphs: textParagraphs(mail.text),
      attachments: mail.attachments.map((a, index) => ({
        filename: a.filename,
        contentType: a.contentType,
        href: attachmentPath(mail.id, index),
      })),
      backLink: '/dev/mail',
    });
  });

  app.get('/dev/mail/:id/html', async (request, reply) => {
    const mail = await findDevMail(db, request.tenant.id, mailId(request));
    if (!mail?.html) throw notFound();
    // The message's own HTML, shown as the recipient would see it but unable to run
    // anything or reach this site: a sandbox with no script and no same origin.
    return noStore(reply)
      .header(
        'content-security-policy',
        "sandbox; default-src 'none'; img-src data: https:; style-src 'unsafe-inline'",
      )
      .type('text/html; charset=utf-8')
      .send(mail.html);
  });

  app.get('/dev/mail/:id/attachments/:index', async (request, reply) => {
    const id = mailId(request);
    const { index } = request.params as { index: string };
    if (!/^\d{1,3}$/.test(index)) throw notFound();
    const file = await findDevMailAttachment(db, request.tenant.id, id, Number(index));
    if (!file) throw notFound();
    return noStore(reply)
      .header('content-disposition', contentDisposition(file.filename))
      .header('content-security-policy', "sandbox; default-src 'none'")
      .type(file.contentType)
      .send(file.content);
  });
}
