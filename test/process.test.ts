// The server as an operator runs it: `node src/main.ts` in a child process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  freePort,
  httpRequest,
  type RunningServer,
  repoRoot,
  startServer as start,
  stopServer,
} from './support/server.ts';

const root = repoRoot;
const node = process.execPath;
const dataDir = mkdtempSync(path.join(tmpdir(), 'doorstep-process-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

function baseEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LOG_LEVEL: 'info',
    ...extra,
  };
  return env;
}

function run(args: string[], env: NodeJS.ProcessEnv) {
  return spawnSync(node, args, { cwd: root, env, encoding: 'utf8', timeout: 30_000 });
}

// A first start makes the embedded database and its demo content: generous, since this is
// no timing test and CI runs two test files at once.
const startServer = (port: number) => start(port, dataDir, 180_000);
const request = httpRequest;
const stop = (server: RunningServer) => stopServer(server);

describe('starting and stopping', () => {
  it('stops with one clear line when a setting is bad', () => {
    const result = run(['src/main.ts'], baseEnv({ PORT: 'abc', DOORSTEP_DATA: dataDir }));
    assert.notEqual(result.status, 0);
    assert.equal(result.stderr.trim(), 'doorstep: PORT: must be a whole number, got "abc"');
  });

  it('stops with one clear line when the database cannot be reached', () => {
    const result = run(
      ['src/main.ts'],
      baseEnv({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/doorstep', SESSION_SECRET: 's'.repeat(32) }),
    );
    assert.notEqual(result.status, 0);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(
      lines[0]!,
      /^doorstep: DATABASE_URL: cannot connect to 127\.0\.0\.1:1\/doorstep \(ECONNREFUSED\)$/,
    );
  });

  it('serves both councils, keeps data across a restart, and exits cleanly on Ctrl-C', async () => {
    const port = await freePort();
    let server = await startServer(port);
    try {
      const ns = await request(port, { path: '/', host: `northshire.localhost:${port}` });
      const rf = await request(port, { path: '/', host: `riverford.localhost:${port}` });
      assert.match(ns.body, /Northshire County Council/);
      assert.match(rf.body, /Riverford District Council/);

      // While the server holds the embedded database, a CLI command refuses rather than open it.
      const cli = run(['src/cli/index.ts', 'seed'], baseEnv({ DOORSTEP_DATA: dataDir }));
      assert.equal(cli.status, 1);
      assert.match(cli.stderr, /in use by the Doorstep server \(pid \d+\)/);

      const form = await request(port, { path: '/feedback', host: `riverford.localhost:${port}` });
      const cookie = String(form.headers['set-cookie']).split(';')[0]!;
      const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
      const posted = await request(port, {
        path: '/feedback',
        host: `riverford.localhost:${port}`,
        method: 'POST',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: `_csrf=${encodeURIComponent(csrf)}&satisfaction=very-satisfied&comments=Survives+restarts`,
      });
      assert.equal(posted.status, 303);
      // The in-process worker delivers the council's copy to the dev mailbox.
      let mail: { text: string }[] = [];
      for (let i = 0; i < 100 && !mail.length; i++) {
        mail = JSON.parse(
          (await request(port, { path: '/dev/mail.json', host: `riverford.localhost:${port}` })).body,
        );
        if (!mail.length) await new Promise((r) => setTimeout(r, 100));
      }
      assert.match(mail[0]?.text ?? '', /Survives restarts/);

      const stopped = await stop(server);
      assert.equal(stopped.code, 0, server.output());
      assert.ok(stopped.ms < 5000, `stopped in ${stopped.ms} ms`);

      server = await startServer(port);
      const again = JSON.parse(
        (await request(port, { path: '/dev/mail.json', host: `riverford.localhost:${port}` })).body,
      );
      assert.match(again[0]?.text ?? '', /Survives restarts/);
    } finally {
      if (server.child.exitCode === null) await stop(server);
    }
  });
});
