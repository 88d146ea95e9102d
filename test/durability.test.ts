// Nothing acknowledged is ever lost: a reference shown means the submission is committed,
// and its side effects (the confirmation email) survive the process being killed.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { freePort, httpRequest, startServer, stopServer } from './support/server.ts';

const dataDir = mkdtempSync(path.join(tmpdir(), 'doorstep-durability-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));
const port = await freePort();
const host = `riverford.localhost:${port}`;

const start = () => startServer(port, dataDir);

let cookie = '';
/** A guest's browser: one cookie jar across requests. */
async function request(method: string, url: string, body?: Record<string, string>) {
  const payload = body ? new URLSearchParams(body).toString() : undefined;
  const reply = await httpRequest(port, {
    path: url,
    host,
    method,
    headers: {
      ...(cookie ? { cookie } : {}),
      ...(payload ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    ...(payload ? { body: payload } : {}),
  });
  for (const c of reply.headers['set-cookie'] ?? []) {
    const [pair] = c.split(';');
    const name = pair!.split('=')[0];
    cookie = [...cookie.split('; ').filter((x) => x && !x.startsWith(`${name}=`)), pair].join('; ');
  }
  return { status: reply.status, location: reply.headers.location, body: reply.body };
}

async function answer(page: string, fields: Record<string, string>) {
  const form = await request('GET', page);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1];
  assert.ok(csrf, `a form on ${page}: ${form.status}`);
  return request('POST', page, { _csrf: csrf, ...fields });
}

describe('a process killed with SIGKILL', () => {
  it('loses nothing that a confirmation page acknowledged', async () => {
    let server = await start();
    try {
      const f = '/forms/missed-bin-collection';
      const today = new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/London',
        day: 'numeric',
        month: 'numeric',
        year: 'numeric',
      })
        .format(new Date())
        .split('/');
      await answer(`${f}/address`, {
        'address-line1': '1 High Street',
        'address-town': 'Riverford',
        'address-postcode': 'RF1 1AA',
      });
      await answer(`${f}/bin-type`, { binType: 'recycling' });
      await answer(`${f}/collection-date`, {
        'collectionDate-day': today[0]!,
        'collectionDate-month': today[1]!,
        'collectionDate-year': today[2]!,
      });
      await answer(`${f}/details`, { moreDetails: '' });
      await answer(`${f}/contact`, { email: 'kill-test@example.com' });
      const sent = await answer(`${f}/declaration`, { declaration: 'yes' });
      assert.equal(sent.location, `${f}/check`);
      const check = await request('GET', `${f}/check`);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(check.body)![1]!;
      const submitted = await request('POST', `${f}/submit`, { _csrf: csrf });
      assert.equal(submitted.location, `${f}/done`);
      const done = await request('GET', `${f}/done`);
      const reference = /class="app-reference">(RF-[0-9A-Z-]+)</.exec(done.body)?.[1];
      assert.ok(reference, 'the confirmation page shows a reference');

      // No graceful shutdown: the worker may not even have picked up the email yet.
      await stopServer(server, 'SIGKILL');

      server = await start();
      const track = await request('GET', `/track/${reference}`);
      assert.equal(track.status, 200);
      assert.match(track.body, /Received/);
      let mail: { to: string; subject: string }[] = [];
      for (let i = 0; i < 100; i++) {
        mail = JSON.parse((await request('GET', '/dev/mail.json')).body);
        if (mail.some((m) => m.to === 'kill-test@example.com')) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const confirmation = mail.filter((m) => m.to === 'kill-test@example.com');
      assert.equal(confirmation.length, 1, 'the confirmation email is sent once after the restart');
      assert.match(confirmation[0]!.subject, new RegExp(reference));
    } finally {
      if (server.child.exitCode === null) await stopServer(server);
    }
  });
});
