import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import {
  type SeededTenants,
  seedTenants,
  type TestDatabase,
  testDatabase,
} from '../../../test/support/database.ts';
import type { Database } from '../../db/database.ts';
import { Worker } from '../outbox/worker.ts';
import { TenantRegistry } from '../tenancy/registry.ts';
import { devMailJson } from './dev-mailbox-routes.ts';
import { findDevMailAttachment, listDevMail } from './dev-mailbox-store.ts';
import { Mailer, type MailerDeps, noTransportMessage } from './mailer.ts';
import { InvalidMessageError, type OutgoingMessage, validateMessage } from './message.ts';

let handle: TestDatabase;
let db: Database;
let councils: SeededTenants;
let registry: TenantRegistry;

before(async () => {
  handle = await testDatabase();
  db = handle.db;
  councils = await seedTenants(db);
  registry = new TenantRegistry(db, undefined);
  await registry.refresh();
});
after(() => handle.close());
beforeEach(async () => {
  await db.query('delete from jobs');
  await db.query('delete from dev_mail');
});

const pdf = Buffer.from('%PDF-1.4\n% a tiny stand-in for a receipt\n%%EOF\n');
const receipt: OutgoingMessage = {
  to: 'resident@example.org',
  subject: 'Your receipt NS-7K4P-2Q9M',
  text: 'Thank you for your payment.\n\nTrack it at http://northshire.localhost:3000/track/NS-7K4P-2Q9M',
  html: '<p>Thank you for your <strong>payment</strong>.</p>',
  attachments: [{ filename: 'receipt.pdf', contentType: 'application/pdf', content: pdf.toString('base64') }],
};

type MailConfig = MailerDeps['config'];

function mailerWith(config: Partial<MailConfig>, now?: () => Date) {
  const mailer = new Mailer({
    db,
    config: { demo: false, smtpUrl: undefined, notify: undefined, ...config },
    tenants: registry,
    ...(now ? { now } : {}),
  });
  const worker = new Worker({
    db,
    handlers: mailer.handlers(),
    backoff: { baseMs: 1000, maxMs: 1000 },
    random: () => 0.5,
    ...(now ? { now } : {}),
  });
  return { mailer, worker };
}

async function jobState(id: string) {
  const [row] = await db.query<{ status: string; attempts: number; last_error: string | null; run_at: Date }>(
    'select status, attempts, last_error, run_at from jobs where id = $1',
    [id],
  );
  assert.ok(row);
  return row;
}

// A small MIME reader: enough to check what nodemailer put on the wire.
interface MimePart {
  headers: Record<string, string>;
  body: Buffer;
  parts: MimePart[];
}

function parseMime(raw: string): MimePart {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const bodyText = raw.slice(split + 4);
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const type = headers['content-type'] ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (type.startsWith('multipart/') && boundary) {
    const parts = bodyText
      .split(`--${boundary}`)
      .slice(1, -1)
      .map((p) => parseMime(p.replace(/^\r\n/, '').replace(/\r\n$/, '')));
    return { headers, body: Buffer.alloc(0), parts };
  }
  const encoding = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  const body =
    encoding === 'base64'
      ? Buffer.from(bodyText.replace(/\s+/g, ''), 'base64')
      : encoding === 'quoted-printable'
        ? Buffer.from(
            bodyText
              .replace(/=\r\n/g, '')
              .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
            'latin1',
          )
        : Buffer.from(bodyText);
  return { headers, body, parts: [] };
}

function leaves(part: MimePart): MimePart[] {
  return part.parts.length ? part.parts.flatMap(leaves) : [part];
}

async function startSmtp(options: { failFirst?: number } = {}) {
  const received: { from: string; to: string[]; raw: string }[] = [];
  let refusals = options.failFirst ?? 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (refusals > 0) {
          refusals--;
          const error = Object.assign(new Error('mailbox busy, try again later'), { responseCode: 451 });
          return callback(error);
        }
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('latin1'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('validateMessage', () => {
  test('accepts one plain address and a subject, and normalises them', () => {
    assert.deepEqual(validateMessage({ to: ' a.person@example.org ', subject: ' Hello ', text: 'Hi' }), {
      to: 'a.person@example.org',
      subject: 'Hello',
      text: 'Hi',
    });
  });

  const bad: [string, Partial<OutgoingMessage>, RegExp][] = [
    ['two addresses', { to: 'a@example.org, b@example.org' }, /single email address/],
    ['two addresses by semicolon', { to: 'a@example.org;b@example.org' }, /single email address/],
    ['a display name', { to: 'A Person <a@example.org>' }, /single email address/],
    ['no address', { to: '' }, /single email address/],
    ['not an address', { to: 'example.org' }, /single email address/],
    ['an empty subject', { subject: '  ' }, /subject must not be empty/],
    ['a subject that would split the header', { subject: 'Hi\r\nBcc: x@example.org' }, /one line/],
    ['an empty text', { text: '' }, /text body/],
    [
      'an attachment that is not base64',
      { attachments: [{ filename: 'a.txt', contentType: 'text/plain', content: 'not base64!' }] },
      /base64/,
    ],
    [
      'an attachment with a path',
      { attachments: [{ filename: '../a.txt', contentType: 'text/plain', content: 'YQ==' }] },
      /path/,
    ],
    [
      'an attachment without a content type',
      { attachments: [{ filename: 'a.txt', contentType: 'text', content: 'YQ==' }] },
      /content type/,
    ],
  ];
  for (const [name, change, message] of bad) {
    test(`rejects ${name}`, () => {
      assert.throws(
        () => validateMessage({ to: 'a@example.org', subject: 'S', text: 'T', ...change }),
        (error: unknown) => error instanceof InvalidMessageError && message.test(error.message),
      );
    });
  }
});

describe('Mailer.send', () => {
  test('enqueues in the caller’s transaction: a rollback sends nothing', async () => {
    const { mailer, worker } = mailerWith({ demo: true });
    await assert.rejects(
      db.transaction(async (tx) => {
        await mailer.send(tx, councils.northshire.id, receipt);
        throw new Error('the payment was refused');
      }),
      /refused/,
    );
    assert.equal(await worker.runDue(), 0);
    assert.deepEqual(await listDevMail(db, councils.northshire.id), []);
  });

  test('refuses a message that could never be sent, before anything is written', async () => {
    const { mailer } = mailerWith({ demo: true });
    await assert.rejects(
      mailer.send(db, councils.northshire.id, { ...receipt, to: 'a@example.org, b@example.org' }),
      InvalidMessageError,
    );
    assert.equal((await db.query('select 1 from jobs')).length, 0);
  });
});

describe('dev mailbox (demo mode)', () => {
  test('with no transport, the dev mailbox is the delivery, kept per council, in the JSON shape', async () => {
    let clock = new Date('2030-03-04T10:00:00.000Z');
    const { mailer, worker } = mailerWith({ demo: true }, () => clock);
    assert.equal(mailer.delivery, 'dev-mailbox');
    await db.transaction(async (tx) => {
      await mailer.send(tx, councils.northshire.id, receipt);
      await mailer.send(tx, councils.riverford.id, {
        to: 'other@example.org',
        subject: 'Riverford',
        text: 'Hi',
      });
    });
    assert.equal(await worker.runDue(), 2);
    clock = new Date('2030-03-04T10:05:00.000Z');
    await mailer.send(db, councils.northshire.id, {
      to: 'Officer@Northshire.example',
      subject: 'Code',
      text: '123456',
    });
    assert.equal(await worker.runDue(), 1);

    const northshire = (await listDevMail(db, councils.northshire.id)).map(devMailJson);
    assert.deepEqual(
      northshire.map((m) => m.subject),
      ['Code', 'Your receipt NS-7K4P-2Q9M'],
      'newest first, and only this council’s',
    );
    const [, first] = northshire;
    assert.ok(first);
    assert.deepEqual(first, {
      id: first.id,
      to: 'resident@example.org',
      subject: 'Your receipt NS-7K4P-2Q9M',
      text: receipt.text,
      html: receipt.html,
      sent_at: '2030-03-04T10:00:00.000Z',
      attachments: [
        {
          filename: 'receipt.pdf',
          content_type: 'application/pdf',
          url: `/dev/mail/${first.id}/attachments/0`,
        },
      ],
    });
    assert.equal(typeof first.id, 'number');
    assert.equal(northshire[0]?.html, null);

    const file = await findDevMailAttachment(db, councils.northshire.id, String(first.id), 0);
    assert.deepEqual(file, { filename: 'receipt.pdf', contentType: 'application/pdf', content: pdf });
    assert.equal(await findDevMailAttachment(db, councils.riverford.id, String(first.id), 0), undefined);
    assert.equal(await findDevMailAttachment(db, councils.northshire.id, String(first.id), 1), undefined);

    const filtered = await listDevMail(db, councils.northshire.id, { to: 'officer@northshire.example' });
    assert.deepEqual(
      filtered.map((m) => m.subject),
      ['Code'],
    );
    assert.deepEqual(
      (await listDevMail(db, councils.riverford.id)).map((m) => m.to),
      ['other@example.org'],
    );
  });

  test('outside demo mode with no transport, the job fails with a clear error and nothing is recorded', async () => {
    const { mailer, worker } = mailerWith({ demo: false });
    assert.equal(mailer.delivery, 'none');
    const id = await mailer.send(db, councils.northshire.id, receipt);
    await worker.runDue();
    const job = await jobState(id);
    assert.equal(job.status, 'pending', 'kept for a retry once a transport is set');
    assert.equal(job.last_error, noTransportMessage);
    assert.equal(noTransportMessage, 'no mail transport configured: set SMTP_URL or NOTIFY_API_KEY');
    assert.equal((await db.query('select 1 from dev_mail')).length, 0);
  });

  test('a malformed mail job is a dead letter at once', async () => {
    const { worker } = mailerWith({ demo: true });
    const [row] = await db.query<{ id: string }>(
      `insert into jobs (tenant_id, kind, payload, run_at)
       values ($1, 'mail.send', $2::jsonb, now() - interval '1 second') returning id::text as id`,
      [
        councils.northshire.id,
        JSON.stringify({ to: 'a@example.org, b@example.org', subject: 'x', text: 'y' }),
      ],
    );
    await worker.runDue();
    const job = await jobState(row!.id);
    assert.equal(job.status, 'dead');
    assert.match(job.last_error ?? '', /single email address/);
  });
});

describe('SMTP', () => {
  test('delivers through a real SMTP server: from the council, to, subject, text, html and attachment', async () => {
    const smtp = await startSmtp();
    const { mailer, worker } = mailerWith({ demo: false, smtpUrl: smtp.url });
    try {
      assert.equal(mailer.delivery, 'smtp');
      const id = await mailer.send(db, councils.northshire.id, receipt);
      assert.equal(await worker.runDue(), 1);
      assert.equal((await jobState(id)).status, 'done');
      assert.equal(smtp.received.length, 1);
      const [mail] = smtp.received;
      assert.ok(mail);
      assert.equal(mail.from, 'contact@northshire.example');
      assert.deepEqual(mail.to, ['resident@example.org']);

      const message = parseMime(mail.raw);
      assert.equal(message.headers.from, 'Northshire County Council <contact@northshire.example>');
      assert.equal(message.headers.to, 'resident@example.org');
      assert.equal(message.headers.subject, 'Your receipt NS-7K4P-2Q9M');
      assert.equal(message.headers['message-id'], `<doorstep-northshire-${id}@northshire.example>`);
      const parts = leaves(message);
      const text = parts.find((p) => p.headers['content-type']?.startsWith('text/plain'));
      assert.equal(text?.body.toString().replace(/\r\n/g, '\n'), receipt.text);
      const html = parts.find((p) => p.headers['content-type']?.startsWith('text/html'));
      assert.equal(html?.body.toString(), receipt.html);
      const attachment = parts.find((p) => p.headers['content-disposition']?.startsWith('attachment'));
      assert.match(attachment?.headers['content-type'] ?? '', /^application\/pdf/);
      assert.match(attachment?.headers['content-disposition'] ?? '', /filename="?receipt\.pdf"?/);
      assert.deepEqual(attachment?.body, pdf);

      assert.equal((await db.query('select 1 from dev_mail')).length, 0, 'not demo mode: no dev mailbox');
    } finally {
      await mailer.close();
      await smtp.close();
    }
  });

  test('in demo mode with SMTP, a message is delivered and recorded, and a retry after a failure records it once', async () => {
    const smtp = await startSmtp({ failFirst: 1 });
    let clock = new Date('2030-05-06T12:00:00.000Z');
    const { mailer, worker } = mailerWith({ demo: true, smtpUrl: smtp.url }, () => clock);
    try {
      const id = await mailer.send(db, councils.riverford.id, receipt);
      assert.equal(await worker.runDue(), 1);
      const failed = await jobState(id);
      assert.equal(failed.status, 'pending');
      assert.match(failed.last_error ?? '', /451|try again later/);
      assert.equal(smtp.received.length, 0);
      assert.equal((await listDevMail(db, councils.riverford.id)).length, 1, 'recorded on the first attempt');

      clock = new Date(failed.run_at);
      assert.equal(await worker.runDue(), 1);
      assert.equal((await jobState(id)).status, 'done');
      assert.equal(smtp.received.length, 1);
      const mailbox = await listDevMail(db, councils.riverford.id);
      assert.equal(mailbox.length, 1, 'the retry did not record it again');
      assert.equal(mailbox[0]?.sentAt.toISOString(), '2030-05-06T12:00:00.000Z');
      assert.equal(
        parseMime(smtp.received[0]!.raw).headers.from,
        'Riverford District Council <hello@riverford.example>',
      );
    } finally {
      await mailer.close();
      await smtp.close();
    }
  });
});

describe('GOV.UK Notify', () => {
  const serviceId = '26785a09-ab16-4eb0-8407-a37497a57506';
  const secret = '3d844edf-8d35-48ac-975b-e847b4f122b0';
  const apiKey = `doorstep_test-${serviceId}-${secret}`;
  const templateId = 'f33517ff-2a88-4f6e-b855-c550268ce08a';

  async function startNotify(status = 201) {
    const requests: { method: string; url: string; headers: IncomingHttpHeaders; body: unknown }[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        requests.push({
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: JSON.parse(Buffer.concat(chunks).toString() || 'null'),
        });
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify(
            status === 201
              ? {
                  id: 'a1b2c3',
                  reference: null,
                  content: { subject: 's', body: 'b', from_email: 'x@notify' },
                }
              : {
                  status_code: status,
                  errors: [{ error: 'BadRequestError', message: 'Missing personalisation: x' }],
                },
          ),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      baseUrl: `http://127.0.0.1:${port}`,
      requests,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  test('sends the template with subject, body and files, authenticated by a JWT signed with the key', async () => {
    const notify = await startNotify();
    const { mailer, worker } = mailerWith({
      demo: false,
      notify: { apiKey, templateId, baseUrl: notify.baseUrl },
    });
    try {
      assert.equal(mailer.delivery, 'notify');
      const id = await mailer.send(db, councils.northshire.id, receipt);
      assert.equal(await worker.runDue(), 1);
      assert.equal((await jobState(id)).status, 'done');
      assert.equal(notify.requests.length, 1);
      const [request] = notify.requests;
      assert.ok(request);
      assert.equal(request.method, 'POST');
      assert.equal(request.url, '/v2/notifications/email');
      assert.deepEqual(request.body, {
        template_id: templateId,
        email_address: 'resident@example.org',
        personalisation: {
          subject: receipt.subject,
          body: receipt.text,
          attachment_1: {
            file: pdf.toString('base64'),
            filename: 'receipt.pdf',
            confirm_email_before_download: true,
            retention_period: null,
          },
        },
        reference: `doorstep-northshire-${id}`,
      });

      const auth = request.headers.authorization ?? '';
      assert.match(auth, /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
      const [header, claims, signature] = auth.slice('Bearer '.length).split('.') as [string, string, string];
      assert.deepEqual(JSON.parse(Buffer.from(header, 'base64url').toString()), { alg: 'HS256', typ: 'JWT' });
      const payload = JSON.parse(Buffer.from(claims, 'base64url').toString()) as { iss: string; iat: number };
      assert.equal(payload.iss, serviceId);
      assert.ok(Math.abs(payload.iat - Date.now() / 1000) < 60);
      const expected = createHmac('sha256', secret).update(`${header}.${claims}`).digest('base64url');
      assert.equal(signature, expected, 'signed with the secret part of the API key');
    } finally {
      await notify.close();
    }
  });

  test('a message Notify refuses (400) is a dead letter at once, with Notify’s reason', async () => {
    const notify = await startNotify(400);
    const { mailer, worker } = mailerWith({
      demo: true,
      notify: { apiKey, templateId, baseUrl: notify.baseUrl },
    });
    try {
      const id = await mailer.send(db, councils.northshire.id, {
        to: 'a@example.org',
        subject: 'S',
        text: 'T',
      });
      await worker.runDue();
      const job = await jobState(id);
      assert.equal(job.status, 'dead');
      assert.equal(
        job.last_error,
        'PermanentJobError: GOV.UK Notify answered 400: BadRequestError: Missing personalisation: x',
      );
      assert.equal(
        (await listDevMail(db, councils.northshire.id)).length,
        1,
        'demo mode recorded it all the same',
      );
    } finally {
      await notify.close();
    }
  });

  test('a Notify outage is retried', async () => {
    const notify = await startNotify(503);
    const { mailer, worker } = mailerWith({
      demo: false,
      notify: { apiKey, templateId, baseUrl: notify.baseUrl },
    });
    try {
      const id = await mailer.send(db, councils.northshire.id, {
        to: 'a@example.org',
        subject: 'S',
        text: 'T',
      });
      await worker.runDue();
      const job = await jobState(id);
      assert.equal(job.status, 'pending');
      assert.match(job.last_error ?? '', /^GOV\.UK Notify answered 503/);
    } finally {
      await notify.close();
    }
  });
});
