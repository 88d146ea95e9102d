import assert from 'node:assert/strict';
import { generate } from 'otplib';
import { demoSecretGuardrails, demoTotpSecret } from '../../src/modules/staff/service.ts';
import { cookiesFrom, csrfFrom, type TestApp } from './app.ts';

let addresses = 0;

/** A browser of one person on one council's host: a cookie jar and an address of its own. */
export function visitor(t: TestApp, host: { host: string }) {
  addresses += 1;
  let cookie = '';
  const ip = `203.0.113.${addresses % 250}`;
  const send = async (method: 'GET' | 'POST', url: string, form?: Record<string, string | string[]>) => {
    const payload = form
      ? new URLSearchParams(
          Object.entries(form).flatMap(([k, v]): [string, string][] =>
            Array.isArray(v) ? v.map((x): [string, string] => [k, x]) : [[k, v]],
          ),
        ).toString()
      : undefined;
    const response = await t.app.inject({
      method,
      url,
      headers: {
        ...host,
        cookie,
        'x-forwarded-for': ip,
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(payload === undefined ? {} : { payload }),
    });
    cookie = cookiesFrom(response, cookie);
    return response;
  };
  return {
    get cookie() {
      return cookie;
    },
    get: (url: string) => send('GET', url),
    /** Posts a form from the page it is on: the CSRF token is read from that page first. */
    async post(page: string, url: string, form: Record<string, string | string[]>) {
      const html = (await send('GET', page)).body;
      return send('POST', url, { ...form, _csrf: csrfFrom(html) });
    },
  };
}

export type Visitor = ReturnType<typeof visitor>;

/** A demo member of staff signed in: emailed code (read from the outbox), then TOTP. */
export async function signInStaff(t: TestApp, host: { host: string }, email: string): Promise<Visitor> {
  const who = visitor(t, host);
  const asked = await who.post('/staff/sign-in', '/staff/sign-in', { email });
  assert.equal(asked.headers.location, '/staff/sign-in/code', asked.body);
  const [job] = await t.app.services.db.query<{ payload: { text: string } }>(
    `select payload from jobs where kind = 'mail.send' and payload->>'to' = $1 order by created_at desc, id desc limit 1`,
    [email],
  );
  const code = /\b(\d{6})\b/.exec(job?.payload.text ?? '')?.[1];
  assert.ok(code, `no code mailed to ${email}`);
  const coded = await who.post('/staff/sign-in/code', '/staff/sign-in/code', { code });
  assert.equal(coded.headers.location, '/staff/sign-in/authenticator', coded.body);
  const signed = await who.post('/staff/sign-in/authenticator', '/staff/sign-in/authenticator', {
    code: await generate({ secret: demoTotpSecret, guardrails: demoSecretGuardrails }),
  });
  assert.equal(signed.headers.location, '/staff', signed.body);
  return who;
}

/** Page text without tags, curly quotes as straight ones, spaces collapsed. */
export const textOf = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;|&rsquo;|’/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
