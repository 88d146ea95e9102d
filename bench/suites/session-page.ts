import {
  councilHost,
  fmt,
  type Harness,
  type Measurement,
  recordMeasurement,
  type Server,
  type Suite,
} from '../harness.ts';

const cookieName = 'doorstep_session';

function sessionCookie(setCookie: string[] | undefined): string | undefined {
  for (const line of setCookie ?? []) {
    const match = new RegExp(`^${cookieName}=([^;]+)`).exec(line);
    if (match) return match[1];
  }
  return undefined;
}

function csrfToken(html: string): string | undefined {
  return /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
}

/**
 * A visitor whose session has a row in the database: the first GET /feedback issues the
 * cookie and a CSRF token; an incomplete POST stores its errors in the session (the row);
 * the next GET shows and clears them. From then on every GET /feedback with the cookie
 * reads the row and issues the CSRF token, without writing.
 */
export async function establishSession(server: Server): Promise<string> {
  const first = await server.request('/feedback', { host: councilHost });
  const id = sessionCookie(first.headers['set-cookie']);
  const token = csrfToken(first.body);
  if (first.status !== 200 || !id || !token)
    throw new Error(`session-page: first GET /feedback gave ${first.status}, no cookie or token`);
  const cookie = `${cookieName}=${id}`;
  const posted = await server.request('/feedback', {
    host: councilHost,
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: `_csrf=${encodeURIComponent(token)}&comments=`,
  });
  if (posted.status !== 303) throw new Error(`session-page: POST /feedback answered ${posted.status}`);
  const shown = await server.request('/feedback', { host: councilHost, headers: { cookie } });
  if (shown.status !== 200 || !shown.body.includes('govuk-error-summary'))
    throw new Error('session-page: the session did not carry the form errors (no session row?)');
  const again = await server.request('/feedback', { host: councilHost, headers: { cookie } });
  if (again.status !== 200 || again.headers['set-cookie'] || csrfToken(again.body) !== token)
    throw new Error('session-page: a repeat GET /feedback did not reuse the session');
  return cookie;
}

export const sessionPage: Suite = {
  name: 'session-page',
  async run(h: Harness) {
    const plain = await h.plainBaseline();
    const server = await h.startDoorstep(await h.doorstepData());
    let measured: Measurement;
    try {
      const cookie = await establishSession(server);
      measured = await h.measure(server, 'session-page', {
        path: '/feedback',
        host: councilHost,
        headers: { cookie },
      });
      recordMeasurement(h, 'session-page', 'GET /feedback (session + CSRF)', measured, {
        name: '(c)',
        m: plain,
        aim: 0.7,
      });
      // What the session read costs: the same page for a first visit (no cookie, so no
      // query; a new cookie and token are issued), one measured run.
      const first = await h.measure(
        server,
        'session-page, first visit',
        { path: '/feedback', host: councilHost },
        1,
      );
      h.record({
        suite: 'session-page',
        figure: 'same page, no cookie (no DB read), 1 run',
        value: fmt.rps(first.rps),
        ratio: `${fmt.ratio(first.rps / plain.rps)} of (c); p99 ${fmt.ms(first.p99)}`,
      });
    } finally {
      await server.stop();
    }
    // The feedback page has more components than (c): the same components rendered plainly.
    const plainFeedback = await h.plainFeedbackBaseline();
    h.record({
      suite: 'session-page',
      figure: "(c') plain page with /feedback's components, 1 run",
      value: fmt.rps(plainFeedback.rps),
      ratio: `${fmt.ratio(plainFeedback.rps / plain.rps)} of (c); Doorstep /feedback is ${fmt.ratio(measured.rps / plainFeedback.rps)} of (c')`,
    });
  },
};
