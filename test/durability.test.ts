// Nothing acknowledged is ever lost: a reference shown means the submission is committed,
// and its side effects (the confirmation email) survive the process being killed.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';

const root = path.resolve(import.meta.dirname, '..');
const dataDir = mkdtempSync(path.join(tmpdir(), 'doorstep-durability-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));
const port = 4400 + Math.floor(Math.random() * 500);
const host = `riverford.localhost:${port}`;

async function start(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['src/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH, PORT: String(port), DOORSTEP_DATA: dataDir, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  const deadline = Date.now() + 60_000;
  while (!out.includes('Doorstep is ready')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`server did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return child;
}

let cookie = '';
function request(method: string, url: string, body?: Record<string, string>) {
  return new Promise<{ status: number; location?: string; body: string }>((resolve, reject) => {
    const payload = body ? new URLSearchParams(body).toString() : undefined;
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: url,
        method,
        headers: {
          host,
          ...(cookie ? { cookie } : {}),
          ...(payload ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
      },
      (res) => {
        for (const c of res.headers['set-cookie'] ?? []) {
          const [pair] = c.split(';');
          const name = pair!.split('=')[0];
          cookie = [...cookie.split('; ').filter((x) => x && !x.startsWith(`${name}=`)), pair].join('; ');
        }
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode!, location: res.headers.location, body: text }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
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
      const killed = new Promise((r) => server.once('exit', r));
      server.kill('SIGKILL');
      await killed;

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
      if (server.exitCode === null) {
        const exited = new Promise((r) => server.once('exit', r));
        server.kill('SIGINT');
        await exited;
      }
    }
  });
});
