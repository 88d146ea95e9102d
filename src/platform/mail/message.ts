export interface MailAttachment {
  filename: string;
  contentType: string;
  /** The file's bytes in base64: a job payload is JSON. */
  content: string;
}

/** An email to one person, as a module asks for it and as the mail job stores it. */
export interface OutgoingMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
  attachments?: MailAttachment[];
  /**
   * False for a message that is no part of the person's record with the council (a sign-in
   * code): it is not kept among the emails My Account shows.
   */
  keep?: boolean;
}

/** The council a message goes out from, and the job it belongs to. */
export interface Delivery {
  from: { name: string; address: string };
  message: OutgoingMessage;
  /** Stable across retries of one job: a Message-ID for SMTP, the reference for Notify. */
  reference: string;
}

export interface MailTransport {
  readonly name: 'smtp' | 'notify';
  deliver(delivery: Delivery): Promise<void>;
  close(): Promise<void>;
}

export class InvalidMessageError extends Error {
  override name = 'InvalidMessageError';
}

/** The largest total of attachments one message may carry, decoded (they travel in a job's payload). */
export const maxAttachmentBytes = 10 * 1024 * 1024;

// One plain address: no display name, no list, nothing a header could be split on.
const addressPattern = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+$/;
const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;
const contentTypePattern = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/i;
const lineBreak = /[\r\n]/;

function fail(problem: string): never {
  throw new InvalidMessageError(`mail: ${problem}`);
}

export function isSingleAddress(value: string): boolean {
  return value.length <= 254 && addressPattern.test(value);
}

/**
 * Checks a message before it is enqueued, so a mistake fails the request that made it rather
 * than a job hours later. Returns a normalised copy (trimmed address and subject, no empty
 * optional parts).
 */
export function validateMessage(input: OutgoingMessage): OutgoingMessage {
  if (typeof input !== 'object' || input === null) fail('the message must be an object');
  const to = typeof input.to === 'string' ? input.to.trim() : '';
  if (!isSingleAddress(to)) fail('"to" must be a single email address');
  const subject = typeof input.subject === 'string' ? input.subject.trim() : '';
  if (!subject) fail('the subject must not be empty');
  if (lineBreak.test(subject)) fail('the subject must be one line');
  if (subject.length > 500) fail('the subject must be at most 500 characters');
  if (typeof input.text !== 'string' || !input.text.trim()) fail('the text body must not be empty');
  if (input.html !== undefined && typeof input.html !== 'string') fail('the html body must be a string');

  const attachments: MailAttachment[] = [];
  let total = 0;
  for (const [i, a] of (input.attachments ?? []).entries()) {
    const where = `attachment ${i + 1}`;
    if (typeof a?.filename !== 'string' || !a.filename.trim()) fail(`${where}: a filename is required`);
    if (/[\\/\r\n\0]/.test(a.filename))
      fail(`${where}: the filename must not contain a path or a line break`);
    if (typeof a.contentType !== 'string' || !contentTypePattern.test(a.contentType)) {
      fail(`${where}: the content type must be like "application/pdf"`);
    }
    if (typeof a.content !== 'string' || a.content.length % 4 !== 0 || !base64Pattern.test(a.content)) {
      fail(`${where}: the content must be base64`);
    }
    total += Buffer.byteLength(a.content, 'base64');
    attachments.push({
      filename: a.filename.trim(),
      contentType: a.contentType.toLowerCase(),
      content: a.content,
    });
  }
  if (total > maxAttachmentBytes)
    fail(`attachments must total at most ${maxAttachmentBytes / 1024 / 1024} MB`);

  return {
    to,
    subject,
    text: input.text,
    ...(input.html ? { html: input.html } : {}),
    ...(attachments.length ? { attachments } : {}),
    ...(input.keep === false ? { keep: false } : {}),
  };
}
