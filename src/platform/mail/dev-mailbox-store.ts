import type { Queryable } from '../../db/database.ts';
import type { OutgoingMessage } from './message.ts';

export interface DevMail {
  id: number;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  sentAt: Date;
  attachments: { filename: string; contentType: string }[];
}

interface DevMailRow {
  id: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  sent_at: Date;
  attachments: { filename: string; content_type: string }[];
}

// Attachment bytes stay in the database; lists carry only their names and types.
const columns = `id::text as id, to_address, subject, text_body, html_body, sent_at,
  (select coalesce(jsonb_agg(jsonb_build_object('filename', a->>'filename', 'content_type', a->>'content_type')
                             order by n), '[]'::jsonb)
     from jsonb_array_elements(attachments) with ordinality as x(a, n)) as attachments`;

function fromRow(r: DevMailRow): DevMail {
  return {
    id: Number(r.id),
    to: r.to_address,
    subject: r.subject,
    text: r.text_body,
    html: r.html_body,
    sentAt: r.sent_at,
    attachments: r.attachments.map((a) => ({ filename: a.filename, contentType: a.content_type })),
  };
}

/**
 * Records a message in the dev mailbox once per job: a job retried after its transport
 * failed finds its record there already.
 */
export async function recordDevMail(
  q: Queryable,
  entry: { tenantId: string; jobId: string | undefined; message: OutgoingMessage; sentAt: Date },
): Promise<void> {
  const { message } = entry;
  const attachments = (message.attachments ?? []).map((a) => ({
    filename: a.filename,
    content_type: a.contentType,
    content: a.content,
  }));
  await q.query(
    `insert into dev_mail (tenant_id, job_id, to_address, subject, text_body, html_body, attachments, sent_at)
     values ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)
     on conflict (tenant_id, job_id) where job_id is not null do nothing`,
    [
      entry.tenantId,
      entry.jobId ?? null,
      message.to,
      message.subject,
      message.text,
      message.html ?? null,
      JSON.stringify(attachments),
      entry.sentAt,
    ],
  );
}

/** A council's messages, newest first, optionally only those to one address. */
export async function listDevMail(
  q: Queryable,
  tenantId: string,
  options: { to?: string | undefined; limit?: number } = {},
): Promise<DevMail[]> {
  const rows = await q.query<DevMailRow>(
    `select ${columns} from dev_mail
      where tenant_id = $1 and ($2::text is null or lower(to_address) = lower($2))
      order by sent_at desc, id desc
      limit $3`,
    [tenantId, options.to ?? null, options.limit ?? 200],
  );
  return rows.map(fromRow);
}

export async function findDevMail(q: Queryable, tenantId: string, id: string): Promise<DevMail | undefined> {
  const [row] = await q.query<DevMailRow>(
    `select ${columns} from dev_mail where tenant_id = $1 and id = $2`,
    [tenantId, id],
  );
  return row ? fromRow(row) : undefined;
}

export async function findDevMailAttachment(
  q: Queryable,
  tenantId: string,
  id: string,
  index: number,
): Promise<{ filename: string; contentType: string; content: Buffer } | undefined> {
  const [row] = await q.query<{ a: { filename: string; content_type: string; content: string } | null }>(
    `select attachments -> $3::int as a from dev_mail where tenant_id = $1 and id = $2`,
    [tenantId, id, index],
  );
  const a = row?.a;
  if (!a) return undefined;
  return { filename: a.filename, contentType: a.content_type, content: Buffer.from(a.content, 'base64') };
}
