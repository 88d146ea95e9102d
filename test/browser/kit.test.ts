/**
 * The browser kit's own checks must be able to fail: pages made to break each one, served by
 * Playwright's routing (no app, no network).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  assertNoHorizontalScroll,
  checkAxe,
  launchBrowser,
  type OpenedPage,
  openPage,
} from './support/browser.ts';

let browser: Browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

const origin = 'http://kit.localhost';
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'";

/** Serves `html` at origin + path, and a script at /kit.js that adds an image without alt text. */
async function serve(page: Page, html: string): Promise<void> {
  await page.route(`${origin}/**`, (route) => {
    const { pathname } = new URL(route.request().url());
    if (pathname === '/kit.js') {
      return route.fulfill({
        contentType: 'text/javascript',
        body: `document.body.classList.add('kit-ran'); document.querySelector('main').append(document.createElement('img'));`,
      });
    }
    if (pathname === '/kit.png') return route.fulfill({ status: 404, body: '' });
    return route.fulfill({
      contentType: 'text/html; charset=utf-8',
      headers: { 'content-security-policy': csp },
      body: `<!doctype html><html lang="en"><head><title>Kit</title></head><body><main><h1>Kit</h1>${html}</main></body></html>`,
    });
  });
}

async function withPage(javaScript: boolean, width: 320 | 1280, fn: (opened: OpenedPage) => Promise<void>) {
  const opened = await openPage(browser, { javaScript, width });
  try {
    await fn(opened);
  } finally {
    await opened.close();
  }
}

for (const javaScript of [false, true]) {
  describe(`the kit, ${javaScript ? 'with' : 'without'} JavaScript`, () => {
    test('collects Content Security Policy violations', async () => {
      await withPage(javaScript, 1280, async (opened) => {
        await serve(
          opened.page,
          `<p style="color: red">Inline style</p><script>document.title = 'ran'</script>`,
        );
        await opened.page.goto(`${origin}/csp`);
        await opened.page.waitForTimeout(50);
        assert.ok(
          opened.cspViolations.some((v) => v.includes('style-src')),
          `inline style reported: ${opened.cspViolations}`,
        );
        if (javaScript) {
          assert.ok(opened.cspViolations.some((v) => v.includes('[securitypolicyviolation]')));
          assert.ok(opened.cspViolations.some((v) => v.includes('script-src')));
        }
        assert.throws(() => opened.assertHealthy(), /Content Security Policy/);
      });
    });

    test('collects failed sub-resources', async () => {
      await withPage(javaScript, 1280, async (opened) => {
        await serve(opened.page, `<img src="/kit.png" alt="Missing">`);
        await opened.page.goto(`${origin}/missing`);
        assert.deepEqual(opened.failedRequests, [`GET ${origin}/kit.png: 404`]);
      });
    });

    test('axe finds violations, on the page as the reader has it', async () => {
      await withPage(javaScript, 320, async ({ page }) => {
        // The script adds an image without alt text: a violation only where scripts run.
        await serve(page, `<p>Text</p><script src="/kit.js"></script>`);
        await page.goto(`${origin}/script`);
        assert.equal(await page.locator('body.kit-ran').count(), javaScript ? 1 : 0);
        if (javaScript) await assert.rejects(checkAxe(page), /image-alt/);
        else await checkAxe(page);

        if (javaScript) return; // The report's format once is enough.
        await serve(page, `<p>Text</p><a href="#"></a>`);
        await page.goto(`${origin}/empty-link`);
        await assert.rejects(checkAxe(page), (error: Error) => {
          assert.match(error.message, /link-name \(serious\): Links must have discernible text/);
          assert.match(error.message, /at "a"/);
          return true;
        });
      });
    });

    test('notices sideways scrolling at 320px', async () => {
      await withPage(javaScript, 320, async ({ page }) => {
        await serve(page, `<p>Fits</p>`);
        await page.goto(`${origin}/fits`);
        await assertNoHorizontalScroll(page);
        await serve(page, `<table><tr><td>${'Averyveryverylongunbreakableword'.repeat(3)}</td></tr></table>`);
        await page.goto(`${origin}/wide`);
        await assert.rejects(
          assertNoHorizontalScroll(page),
          /scrolls sideways: scrollWidth \d+ > 320.*table/,
        );
      });
    });
  });
}
