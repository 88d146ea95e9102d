/**
 * The browser test kit: one Chromium and one listening Doorstep per test file, pages with or
 * without JavaScript at a given width, axe (WCAG 2.2 A and AA), the horizontal-scroll check,
 * a Content Security Policy violation collector and screenshots for people to look at.
 *
 * Chromium is Debian's (`/usr/bin/chromium`) or `CHROMIUM_PATH`; a browser is never downloaded.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { generate } from 'otplib';
import pino from 'pino';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { demoSecretGuardrails, demoTotpSecret } from '../../../src/modules/staff/service.ts';
import { createWorker } from '../../../src/worker.ts';
import type { TestApp } from '../../support/app.ts';

export type Council = 'northshire' | 'riverford';
export type Width = 320 | 1280;

/** The demo councils as a reader sees them (src/platform/tenancy/demo-councils.ts, README). */
export const councils = {
  northshire: {
    name: 'Northshire County Council',
    nameCy: 'Cyngor Sir Northshire',
    brandColour: 'rgb(0, 89, 79)',
  },
  riverford: {
    name: 'Riverford District Council',
    nameCy: 'Cyngor Dosbarth Riverford',
    brandColour: 'rgb(92, 36, 131)',
  },
} as const satisfies Record<Council, { name: string; nameCy: string; brandColour: string }>;

export const axeTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const screenshotDir = fileURLToPath(new URL('../../../test-results/browser/', import.meta.url));

export interface OpenOptions {
  javaScript: boolean;
  width: Width;
}

/** A page in a context of its own, with what went wrong on it so far. */
export interface OpenedPage {
  page: Page;
  context: BrowserContext;
  javaScript: boolean;
  width: Width;
  /** Content Security Policy violations: Chromium's console reports and (with JS) the DOM events. */
  cspViolations: string[];
  /** Uncaught exceptions in the page's own scripts (JS only). */
  pageErrors: string[];
  /** Sub-resources (CSS, images, scripts) that failed or answered 4xx/5xx. */
  failedRequests: string[];
  /** Fails on any CSP violation, page error or failed sub-resource so far. */
  assertHealthy(): void;
  close(): Promise<void>;
}

export interface BrowserSuite {
  browser: Browser;
  app: TestApp;
  port: number;
  /** `http://<council>.localhost:<port><path>` */
  url(council: Council, path?: string): string;
  openPage(options: OpenOptions): Promise<OpenedPage>;
  close(): Promise<void>;
}

/** Whether each context runs JavaScript, for checkAxe (Playwright does not expose it). */
const contextJavaScript = new WeakMap<BrowserContext, boolean>();

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: chromiumArgs,
  });
}

/** Starts Chromium and the app (demo councils, in-memory database) listening on a free port. */
export async function startBrowserSuite(env: Record<string, string> = {}): Promise<BrowserSuite> {
  // Imported here so that the kit itself (support.test.ts) does not depend on the app loading.
  const { testApp } = await import('../../support/app.ts');
  const [browser, app] = await Promise.all([launchBrowser(), testApp(env)]);
  try {
    await app.app.listen({ port: 0, host: '127.0.0.1' });
  } catch (error) {
    await Promise.allSettled([browser.close(), app.close()]);
    throw error;
  }
  const { port } = app.app.server.address() as AddressInfo;
  return {
    browser,
    app,
    port,
    url: (council, path = '/') => `http://${council}.localhost:${port}${path}`,
    openPage: (options) => openPage(browser, options),
    async close() {
      await Promise.allSettled([browser.close(), app.close()]);
    },
  };
}

const cspListener = `document.addEventListener('securitypolicyviolation', (event) => {
  console.error('[securitypolicyviolation] Content Security Policy: ' + event.effectiveDirective +
    ' blocked ' + (event.blockedURI || 'inline') + ' at ' + event.sourceFile + ':' + event.lineNumber);
}, true);`;

export async function openPage(browser: Browser, { javaScript, width }: OpenOptions): Promise<OpenedPage> {
  const context = await browser.newContext({
    javaScriptEnabled: javaScript,
    viewport: { width, height: 800 },
  });
  contextJavaScript.set(context, javaScript);
  // Injected through the DevTools protocol, so the page's strict CSP does not apply to it.
  if (javaScript) await context.addInitScript(cspListener);
  const page = await context.newPage();
  const cspViolations: string[] = [];
  const pageErrors: string[] = [];
  const failedRequests: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) {
      cspViolations.push(`${message.text()} (on ${page.url()})`);
    }
  });
  page.on('pageerror', (error) => pageErrors.push(`${error.message} (on ${page.url()})`));
  page.on('requestfailed', (request) => {
    // Cut short by the next navigation (the icon, say, is not part of the load event): not a fault.
    if (request.failure()?.errorText === 'net::ERR_ABORTED') return;
    failedRequests.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400 && !response.request().isNavigationRequest()) {
      failedRequests.push(`${response.request().method()} ${response.url()}: ${response.status()}`);
    }
  });
  return {
    page,
    context,
    javaScript,
    width,
    cspViolations,
    pageErrors,
    failedRequests,
    assertHealthy() {
      assert.deepEqual(cspViolations, [], 'Content Security Policy violations');
      assert.deepEqual(pageErrors, [], 'uncaught errors in the page');
      assert.deepEqual(failedRequests, [], 'sub-resources that failed');
    },
    close: () => context.close(),
  };
}

/** Follows a link or submits a form and waits for the next page to load (redirects included). */
export async function clickAndWait(page: Page, target: Locator): Promise<void> {
  const navigated = page.waitForEvent('framenavigated', { predicate: (frame) => frame === page.mainFrame() });
  await target.click();
  await navigated;
  await page.waitForLoadState('load');
}

/** The page's width fits the viewport: nothing makes the reader scroll sideways. */
export async function assertNoHorizontalScroll(page: Page): Promise<void> {
  const { scrollWidth, innerWidth, culprits } = await page.evaluate<{
    scrollWidth: number;
    innerWidth: number;
    culprits: string[];
  }>(`(() => {
    const innerWidth = window.innerWidth;
    const culprits = [];
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.right > innerWidth + 0.5 && culprits.length < 5) {
        culprits.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
          (el.classList.length ? '.' + [...el.classList].join('.') : '') + ' right=' + Math.round(r.right));
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth, culprits };
  })()`);
  assert.ok(
    scrollWidth <= innerWidth,
    `${page.url()} scrolls sideways: scrollWidth ${scrollWidth} > ${innerWidth}; wider than the viewport: ${culprits.join(', ')}`,
  );
}

interface AxeViolation {
  id: string;
  impact?: string | null;
  help: string;
  helpUrl: string;
  nodes: { target: unknown[]; html: string; failureSummary?: string }[];
}

export function formatViolations(url: string, violations: AxeViolation[]): string {
  const lines = [`axe found ${violations.length} violation(s) on ${url}:`];
  for (const v of violations) {
    lines.push(`- ${v.id} (${v.impact ?? 'unknown impact'}): ${v.help}  ${v.helpUrl}`);
    for (const node of v.nodes) {
      lines.push(`    at ${node.target.map((t) => JSON.stringify(t)).join(' > ')}`);
      lines.push(`       ${node.html.replace(/\s+/g, ' ').slice(0, 200)}`);
      if (node.failureSummary) lines.push(`       ${node.failureSummary.replace(/\n\s*/g, ' / ')}`);
    }
  }
  return lines.join('\n');
}

/** A page that runs JS but none of the page's own scripts, per browser and width: see checkAxe. */
interface AuditPage {
  page: Page;
  /** The address whose document is served from `html`, and that document. */
  snapshot: { address: string; html: string };
}

const auditPages = new WeakMap<Browser, Map<number, Promise<AuditPage>>>();

function auditPage(browser: Browser, width: number): Promise<AuditPage> {
  let byWidth = auditPages.get(browser);
  if (!byWidth) {
    byWidth = new Map();
    auditPages.set(browser, byWidth);
  }
  let audit = byWidth.get(width);
  if (!audit) {
    audit = (async () => {
      const context = await browser.newContext({ javaScriptEnabled: true, viewport: { width, height: 800 } });
      const page = await context.newPage();
      const result: AuditPage = { page, snapshot: { address: '', html: '' } };
      await page.route(
        (u) => u.href === result.snapshot.address,
        (route) =>
          route.fulfill({
            status: 200,
            contentType: 'text/html; charset=utf-8',
            headers: { 'content-security-policy': "script-src 'none'", 'cache-control': 'no-store' },
            body: result.snapshot.html,
          }),
      );
      return result;
    })();
    byWidth.set(width, audit);
  }
  return audit;
}

/**
 * Runs axe (WCAG 2.0, 2.1, 2.2 A and AA) on the page as it is now and fails on any violation,
 * listing each (rule, help, element, why).
 *
 * axe cannot run in a context without JavaScript (Chromium then fires no timers, even for
 * DevTools-evaluated code), so a JS-free page's DOM is copied into a page of a JS-enabled
 * context of the same width, served at the same address (so that its CSS, images and host
 * are the real ones) under `script-src 'none'`: none of the page's own scripts run, exactly as
 * without JavaScript, while axe, injected through DevTools, does.
 */
export async function checkAxe(page: Page): Promise<void> {
  const url = page.url();
  let target = page;
  if (contextJavaScript.get(page.context()) === false) {
    const browser = page.context().browser();
    assert.ok(browser, 'the page has no browser');
    const audit = await auditPage(browser, page.viewportSize()?.width ?? 1280);
    // <noscript> content is shown without JS; keep it visible when scripting is on.
    const html = (await page.content()).replace(/<(\/?)noscript\b/gi, '<$1div');
    audit.snapshot = { address: url.replace(/#.*$/, ''), html };
    await audit.page.goto(audit.snapshot.address, { waitUntil: 'load' });
    target = audit.page;
  }
  // Legacy mode: axe.run in the page itself (no blank page for finishRun); Doorstep has no iframes.
  const results = await new AxeBuilder({ page: target }).setLegacyMode().withTags(axeTags).analyze();
  assert.ok(results.violations.length === 0, formatViolations(url, results.violations));
}

/**
 * A full-page PNG in test-results/browser/<name>.png (gitignored), for people to look at.
 * `DOORSTEP_SCREENSHOTS=0` takes none; `extra` ones only with `DOORSTEP_SCREENSHOTS=all`.
 */
export async function screenshot(page: Page, name: string, options: { extra?: boolean } = {}): Promise<void> {
  const wanted = process.env.DOORSTEP_SCREENSHOTS ?? '1';
  if (wanted === '0' || (options.extra && wanted !== 'all')) return;
  await mkdir(screenshotDir, { recursive: true });
  await page.screenshot({ path: `${screenshotDir}${name}.png`, fullPage: true });
}

/** The checks every page of a journey gets: no sideways scroll, axe, no CSP violation; a screenshot. */
export async function audit(opened: OpenedPage, name: string): Promise<void> {
  await assertNoHorizontalScroll(opened.page);
  await screenshot(opened.page, name);
  await checkAxe(opened.page);
  opened.assertHealthy();
}

/** Delivers what the outbox holds, as a running server's worker would (with every job's handler). */
export async function deliverOutbox(suite: BrowserSuite): Promise<void> {
  const services = suite.app.app.services;
  const { testSecret } = await import('../../support/app.ts');
  const worker = createWorker({
    db: services.db,
    mailer: services.mailer,
    now: () => new Date(),
    logger: pino({ level: 'silent' }),
    services,
    sessionSecret: testSecret,
  });
  for (let i = 0; i < 100 && (await worker.runDue()) > 0; i++);
}

/**
 * Delivers what the outbox holds, as a running server's worker would, then reads the newest
 * sign-in code mailed to an address from the council's /dev/mail.json (asked in-process:
 * *.localhost resolves only inside the browser).
 */
export async function signInCodeFromDevMailbox(
  suite: BrowserSuite,
  council: Council,
  address: string,
): Promise<string> {
  await deliverOutbox(suite);
  const response = await suite.app.app.inject({
    url: '/dev/mail.json',
    headers: { host: `${council}.localhost` },
  });
  const mail = response.json() as { to: string; subject: string; text: string }[];
  const message = mail.find((m) => m.to === address && /sign-in code/.test(m.subject));
  const code = /\b(\d{6})\b/.exec(message?.text ?? '')?.[1];
  assert.ok(code, `no sign-in code for ${address} in the dev mailbox`);
  return code;
}

/** Signs a demo staff member in as a person would: the emailed code, then the demo authenticator. */
export async function signInStaff(
  suite: BrowserSuite,
  page: Page,
  council: Council,
  email: string,
): Promise<void> {
  await page.goto(suite.url(council, '/staff/sign-in'));
  await page.getByLabel('Work email address').fill(email);
  await clickAndWait(page, page.getByRole('button', { name: 'Send me a code' }));
  await page.getByLabel('Code from the email').fill(await signInCodeFromDevMailbox(suite, council, email));
  await clickAndWait(page, page.getByRole('button', { name: 'Continue' }));
  await page
    .getByLabel('Code from your authenticator app')
    .fill(await generate({ secret: demoTotpSecret, guardrails: demoSecretGuardrails }));
  await clickAndWait(page, page.getByRole('button', { name: 'Sign in' }));
}
