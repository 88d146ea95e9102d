import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { cookiesFrom, csrfFrom, riverford, type TestApp, testApp } from '../../../test/support/app.ts';
import { binForm, publishForm } from '../../../test/support/forms.ts';
import { createWorker } from '../../worker.ts';
import { upsertWebhookSecret } from './store.ts';
import { signWebhook } from './webhooks.ts';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

let t: TestApp;
let receiver: http.Server;
const received: Received[] = [];
let failNext = 0;

before(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      if (failNext > 0) {
        failNext--;
        res.writeHead(503).end();
      } else res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const port = (receiver.address() as AddressInfo).port;
  t = await testApp();
  await upsertWebhookSecret(
    t.app.services.db,
    t.tenants.riverford.id,
    'waste-system',
    'a-long-shared-secret-for-tests',
  );
  await publishForm(t.app.services.db, t.tenants.riverford.id, {
    ...binForm(),
    outputs: [
      { type: 'email', to: 'waste-team@riverford.example' },
      { type: 'webhook', url: `http://127.0.0.1:${port}/doorstep`, secret: 'waste-system' },
    ],
  });
});
after(async () => {
  await t.close();
  receiver.close();
});

async function submit(): Promise<string> {
  let cookie = '';
  let csrf = '';
  const go = async (method: 'GET' | 'POST', url: string, fields: Record<string, string> = {}) => {
    const res = await t.app.inject({
      method,
      url,
      headers: {
        ...riverford,
        cookie,
        ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(method === 'POST' ? { payload: new URLSearchParams({ _csrf: csrf, ...fields }).toString() } : {}),
    });
    cookie = cookiesFrom(res, cookie);
    if (res.statusCode === 200 && /name="_csrf"/.test(res.body)) csrf = csrfFrom(res.body);
    return res;
  };
  const f = '/forms/missed-bin-collection';
  await go('GET', `${f}/which-bin`);
  await go('POST', `${f}/which-bin`, { binType: 'recycling' });
  await go('GET', `${f}/contact`);
  await go('POST', `${f}/contact`, {});
  await go('GET', `${f}/check`);
  await go('POST', `${f}/submit`);
  const done = await go('GET', `${f}/done`);
  return /class="app-reference">([A-Z0-9-]+)</.exec(done.body)![1]!;
}

describe('form outputs', () => {
  it('sign a webhook as the Contracts table says, retry it with the same delivery id, and email the team inbox', async () => {
    failNext = 1;
    const reference = await submit();
    let clock = Date.now();
    const worker = createWorker({
      db: t.app.services.db,
      mailer: t.app.services.mailer,
      now: () => new Date(clock),
      logger: pino({ level: 'silent' }),
      outbound: { demo: false, allowPrivate: ['127.0.0.1'] },
    });
    await worker.runDue();
    assert.equal(received.length, 1, 'first attempt answered 503');
    clock += 2 * 60 * 60 * 1000;
    await worker.runDue();
    assert.equal(received.length, 2, 'retried after the backoff');

    const [first, second] = received as [Received, Received];
    assert.equal(first.headers['doorstep-event'], 'form.submitted');
    assert.equal(first.headers['doorstep-delivery'], second.headers['doorstep-delivery']);
    assert.match(String(first.headers['doorstep-delivery']), /^[0-9a-f-]{36}$/);
    const signature = String(second.headers['doorstep-signature']);
    const [, unix, mac] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature) ?? [];
    assert.ok(unix && mac, signature);
    const expected = createHmac('sha256', 'a-long-shared-secret-for-tests')
      .update(`${unix}.${second.body}`)
      .digest('hex');
    assert.equal(mac, expected);
    assert.equal(signWebhook('a-long-shared-secret-for-tests', second.body, Number(unix)), signature);
    const payload = JSON.parse(second.body);
    assert.equal(payload.reference, reference);
    assert.equal(payload.council, 'riverford');
    assert.equal(payload.answers.binType, 'recycling');

    const mail = (await t.app.inject({ url: '/dev/mail.json', headers: riverford })).json() as {
      to: string;
      subject: string;
    }[];
    assert.ok(mail.some((m) => m.to === 'waste-team@riverford.example' && m.subject.includes(reference)));
  });

  it('are refused at private addresses outside demo mode unless allowed', async () => {
    const before = received.length;
    await submit();
    const worker = createWorker({
      db: t.app.services.db,
      mailer: t.app.services.mailer,
      now: () => new Date(),
      logger: pino({ level: 'silent' }),
    });
    await worker.runDue();
    assert.equal(received.length, before, 'nothing reached the loopback receiver');
  });
});
