import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { northshire, riverford, type TestApp, testApp, testSecret } from '../../../test/support/app.ts';
import { Worker } from '../outbox/worker.ts';
import { type DevMailJson, textParagraphs } from './dev-mailbox-routes.ts';

let t: TestApp;
const csv = Buffer.from('reference,status\nNS-7K4P-2Q9M,open\n');

before(async () => {
  t = await testApp();
  const { db, mailer } = t.app.services;
  await db.transaction(async (tx) => {
    await mailer.send(tx, t.tenants.northshire.id, {
      to: 'resident@example.org',
      subject: 'Your report <NS-7K4P-2Q9M>',
      text: 'We have your report.\nTrack it at http://northshire.localhost/track/NS-7K4P-2Q9M.\n\nNorthshire County Council',
      html: '<p>We have your report.</p><script>alert(1)</script>',
      attachments: [
        { filename: 'report summary.csv', contentType: 'text/csv', content: csv.toString('base64') },
      ],
    });
    await mailer.send(tx, t.tenants.riverford.id, {
      to: 'resident@example.org',
      subject: 'Riverford only',
      text: 'Hi',
    });
  });
  await mailer.send(t.app.services.db, t.tenants.northshire.id, {
    to: 'officer@northshire.example',
    subject: 'Your sign-in code',
    text: 'Your code is 123456',
  });
  const worker = new Worker({ db, handlers: mailer.handlers() });
  while ((await worker.runDue()) > 0) {}
});
after(() => t.close());

async function mailJson(headers: Record<string, string>, query = ''): Promise<DevMailJson[]> {
  const response = await t.app.inject({ url: `/dev/mail.json${query}`, headers });
  assert.equal(response.statusCode, 200);
  assert.match(response.headers['content-type'] ?? '', /^application\/json/);
  assert.equal(response.headers['cache-control'], 'no-store');
  return response.json();
}

describe('/dev/mail.json', () => {
  test('lists this council’s messages, newest first, in the contract’s shape', async () => {
    const mail = await mailJson(northshire);
    assert.deepEqual(
      mail.map((m) => m.subject),
      ['Your sign-in code', 'Your report <NS-7K4P-2Q9M>'],
    );
    const report = mail[1]!;
    assert.deepEqual(Object.keys(report).sort(), [
      'attachments',
      'html',
      'id',
      'sent_at',
      'subject',
      'text',
      'to',
    ]);
    assert.equal(report.to, 'resident@example.org');
    assert.match(report.text, /^We have your report\./);
    assert.match(report.html ?? '', /^<p>We have your report/);
    assert.ok(!Number.isNaN(Date.parse(report.sent_at)));
    assert.deepEqual(report.attachments, [
      {
        filename: 'report summary.csv',
        content_type: 'text/csv',
        url: `/dev/mail/${report.id}/attachments/0`,
      },
    ]);

    assert.deepEqual(
      (await mailJson(riverford)).map((m) => m.subject),
      ['Riverford only'],
    );
  });

  test('?to= keeps the messages to one address', async () => {
    const mail = await mailJson(northshire, '?to=Officer%40northshire.example');
    assert.deepEqual(
      mail.map((m) => m.subject),
      ['Your sign-in code'],
    );
  });

  test('an attachment downloads from its url with its content type, only on its council’s host', async () => {
    const [, report] = await mailJson(northshire);
    const url = report!.attachments[0]!.url;
    const response = await t.app.inject({ url, headers: northshire });
    assert.equal(response.statusCode, 200);
    assert.match(response.headers['content-type'] ?? '', /^text\/csv/);
    assert.equal(
      response.headers['content-disposition'],
      `attachment; filename="report summary.csv"; filename*=UTF-8''report%20summary.csv`,
    );
    assert.deepEqual(response.rawPayload, csv);

    assert.equal((await t.app.inject({ url, headers: riverford })).statusCode, 404);
    const missing = url.replace(/\/0$/, '/1');
    assert.equal((await t.app.inject({ url: missing, headers: northshire })).statusCode, 404);
  });
});

describe('/dev/mail pages', () => {
  test('the list shows each message with a link, and speaks Welsh', async () => {
    const response = await t.app.inject({ url: '/dev/mail', headers: northshire });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['cache-control'], 'no-store');
    const html = response.body;
    assert.match(html, /<h1 class="govuk-heading-l">Dev mailbox<\/h1>/);
    const [, report] = await mailJson(northshire);
    assert.match(html, new RegExp(`href="/dev/mail/${report!.id}">Your report &lt;NS-7K4P-2Q9M&gt;</a>`));
    assert.match(html, /officer@northshire\.example/);
    assert.doesNotMatch(html, /Riverford only/);

    const welsh = await t.app.inject({
      url: '/dev/mail',
      headers: { ...northshire, 'accept-language': 'cy' },
    });
    assert.match(welsh.body, /<html lang="cy"/);
    assert.match(welsh.body, /Blwch post datblygu/);
    assert.match(welsh.body, /Pwnc/);
  });

  test('the list can be filtered by address, and says when nothing matches', async () => {
    const filtered = await t.app.inject({ url: '/dev/mail?to=nobody%40example.org', headers: northshire });
    assert.match(filtered.body, /No emails have been sent to nobody@example\.org\./);
    assert.match(filtered.body, /href="\/dev\/mail">Show all emails</);
  });

  test('a message shows its text with links, its attachments and a sandboxed HTML version', async () => {
    const [, report] = await mailJson(northshire);
    const response = await t.app.inject({ url: `/dev/mail/${report!.id}`, headers: northshire });
    assert.equal(response.statusCode, 200);
    const html = response.body;
    assert.match(html, /<title>Email: Your report &lt;NS-7K4P-2Q9M&gt; – Northshire County Council<\/title>/);
    assert.match(
      html,
      /Track it at <a class="govuk-link" href="http:\/\/northshire.localhost\/track\/NS-7K4P-2Q9M">http:\/\/northshire.localhost\/track\/NS-7K4P-2Q9M<\/a>\./,
    );
    assert.match(
      html,
      new RegExp(`href="/dev/mail/${report!.id}/attachments/0" download>report summary.csv</a>`),
    );
    assert.match(html, new RegExp(`href="/dev/mail/${report!.id}/html"`));

    const raw = await t.app.inject({ url: `/dev/mail/${report!.id}/html`, headers: northshire });
    assert.equal(raw.statusCode, 200);
    assert.match(raw.headers['content-security-policy'] as string, /^sandbox; default-src 'none'/);
    assert.equal(raw.body, report!.html);
  });

  test('another council’s message, or a malformed id, is not found', async () => {
    const [, report] = await mailJson(northshire);
    assert.equal(
      (await t.app.inject({ url: `/dev/mail/${report!.id}`, headers: riverford })).statusCode,
      404,
    );
    assert.equal((await t.app.inject({ url: '/dev/mail/abc', headers: northshire })).statusCode, 404);
    assert.equal((await t.app.inject({ url: '/dev/mail/0', headers: northshire })).statusCode, 404);
  });
});

describe('textParagraphs', () => {
  test('splits paragraphs and lines, and links web addresses without trailing punctuation', () => {
    assert.deepEqual(textParagraphs('Hello,\nsee https://a.example/x?y=1.\n\n\nBye'), [
      [
        [{ text: 'Hello,' }],
        [
          { text: 'see ' },
          { text: 'https://a.example/x?y=1', href: 'https://a.example/x?y=1' },
          { text: '.' },
        ],
      ],
      [[{ text: 'Bye' }]],
    ]);
  });
});

test('outside demo mode there is no dev mailbox', async () => {
  const live = await testApp({ DOORSTEP_DEMO: '0', SESSION_SECRET: testSecret });
  try {
    assert.equal((await live.app.inject({ url: '/dev/mail.json', headers: northshire })).statusCode, 404);
    assert.equal((await live.app.inject({ url: '/dev/mail', headers: northshire })).statusCode, 404);
  } finally {
    await live.close();
  }
});
