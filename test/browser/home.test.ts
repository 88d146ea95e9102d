import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import cy from '../../locales/cy.json' with { type: 'json' };
import {
  assertNoHorizontalScroll,
  type BrowserSuite,
  type Council,
  checkAxe,
  clickAndWait,
  councils,
  screenshot,
  startBrowserSuite,
  type Width,
} from './support/browser.ts';

let suite: BrowserSuite;

before(async () => {
  suite = await startBrowserSuite();
});

after(async () => {
  await suite?.close();
});

const text = (s: string | null) => (s ?? '').replace(/\s+/g, ' ').trim();

describe('the home page of each council', () => {
  for (const council of ['northshire', 'riverford'] as const satisfies Council[]) {
    for (const javaScript of [true, false]) {
      for (const width of [320, 1280] as const satisfies Width[]) {
        test(`${council}, ${javaScript ? 'with' : 'without'} JavaScript, ${width}px`, async () => {
          const opened = await suite.openPage({ javaScript, width });
          const { page } = opened;
          try {
            const response = await page.goto(suite.url(council, '/'));
            assert.equal(response?.status(), 200);

            // The council's own name and colours, not the other council's.
            const expected = councils[council];
            assert.equal(text(await page.locator('.app-header__name').textContent()), expected.name);
            assert.equal(await page.title(), `Council services – ${expected.name}`);
            assert.equal(
              await page.evaluate<string>(
                `getComputedStyle(document.querySelector('.app-header')).backgroundColor`,
              ),
              expected.brandColour,
            );
            assert.equal(text(await page.locator('h1').textContent()), 'Council services online');

            // The template's inline script is allowed by its hash, app.js by 'self'; without JS neither runs.
            const bodyClasses = (await page.locator('body').getAttribute('class'))?.split(/\s+/) ?? [];
            assert.equal(
              bodyClasses.includes('govuk-frontend-supported'),
              javaScript,
              `body class ${bodyClasses}`,
            );
            if (javaScript) {
              await page
                .locator('.govuk-skip-link[data-govuk-skip-link-init]')
                .waitFor({ state: 'attached', timeout: 5000 });
            }

            await assertNoHorizontalScroll(page);
            await screenshot(page, `home-${council}-${javaScript ? 'js' : 'nojs'}-${width}`);
            await checkAxe(page);
            opened.assertHealthy();
          } finally {
            await opened.close();
          }
        });
      }
    }
  }
});

describe('the other pages, at 320px without JavaScript', () => {
  // Headings in English as written here, in Welsh as the translators wrote them (longer words).
  const pages: { path: string; status: number; en: string | RegExp; cy: string | RegExp }[] = [
    { path: '/cookies', status: 200, en: 'Cookies', cy: cy['cookies.title'] },
    { path: '/privacy', status: 200, en: 'Privacy notice', cy: cy['privacy.title'] },
    { path: '/accessibility', status: 200, en: 'Accessibility statement', cy: cy['accessibility.title'] },
    { path: '/contact', status: 200, en: 'Contact the council', cy: cy['contact.title'] },
    {
      path: '/feedback',
      status: 200,
      en: 'Overall, how did you feel about this website?',
      cy: cy['feedback.question'],
    },
    { path: '/no-such-page', status: 404, en: 'Page not found', cy: cy['error.not-found.title'] },
    {
      path: '/search?q=bins',
      status: 200,
      en: /^Search results/,
      cy: new RegExp(`^${cy['search.heading']}`),
    },
  ];
  // The councils differ only in name and colours, which the home pages above check for both.
  const council: Council = 'northshire';
  for (const lang of ['en', 'cy'] as const) {
    test(`${council}, ${lang === 'en' ? 'English' : 'Welsh'}`, async (t) => {
      const opened = await suite.openPage({ javaScript: false, width: 320 });
      const { page } = opened;
      try {
        if (lang === 'cy') await page.goto(suite.url(council, '/?lang=cy'));
        for (const { path, status, ...headings } of pages) {
          await t.test(path, async () => {
            const response = await page.goto(suite.url(council, path));
            assert.equal(response?.status(), status);
            assert.equal(await page.locator('html').getAttribute('lang'), lang);
            assert.equal(
              text(await page.locator('.app-header__name').textContent()),
              lang === 'cy' ? councils[council].nameCy : councils[council].name,
            );
            const h1 = text(await page.locator('h1').first().textContent());
            const heading = headings[lang];
            if (typeof heading === 'string') assert.equal(h1, heading);
            else assert.match(h1, heading);
            await screenshot(page, `page-${council}${path.replace(/[/?=]+/g, '-')}-${lang}-nojs-320`, {
              extra: true,
            });
            // Both checks run, so that one failing does not hide the other.
            const failures = (
              await Promise.allSettled([checkAxe(page), assertNoHorizontalScroll(page)])
            ).flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
            if (failures.length === 1) throw failures[0];
            if (failures.length > 1) throw new AggregateError(failures, failures.map(String).join('\n\n'));
          });
        }
        opened.assertHealthy();
      } finally {
        await opened.close();
      }
    });
  }
});

describe('the language switch', () => {
  for (const javaScript of [false, true]) {
    test(`Cymraeg and back to English, ${javaScript ? 'with' : 'without'} JavaScript`, async () => {
      const opened = await suite.openPage({ javaScript, width: 1280 });
      const { page } = opened;
      const languages = page.getByRole('navigation', { name: /^(Language|Iaith)$/ });
      try {
        await page.goto(suite.url('riverford', '/'));
        assert.equal(await page.locator('html').getAttribute('lang'), 'en');

        await clickAndWait(page, languages.getByRole('link', { name: 'Cymraeg' }));
        assert.equal(new URL(page.url()).pathname, '/', 'the same page, in Welsh');
        assert.equal(new URL(page.url()).search, '', 'the ?lang= is not left in the address');
        assert.equal(await page.locator('html').getAttribute('lang'), 'cy');
        assert.equal(text(await page.locator('h1').textContent()), 'Gwasanaethau’r cyngor ar-lein');
        assert.equal(text(await page.locator('.app-header__name').textContent()), councils.riverford.nameCy);
        // The current language is shown, not linked.
        assert.equal(await languages.getByRole('link', { name: 'Cymraeg' }).count(), 0);
        await checkAxe(page);

        // The choice persists to the next page, reached by a link.
        await clickAndWait(page, page.locator('footer a[href="/feedback"]'));
        assert.equal(await page.locator('html').getAttribute('lang'), 'cy');
        assert.equal(
          text(await page.locator('h1').textContent()),
          'At ei gilydd, sut oeddech chi’n teimlo am y wefan hon?',
        );

        await clickAndWait(page, languages.getByRole('link', { name: 'English' }));
        assert.equal(new URL(page.url()).pathname, '/feedback');
        assert.equal(await page.locator('html').getAttribute('lang'), 'en');
        assert.equal(
          text(await page.locator('h1').textContent()),
          'Overall, how did you feel about this website?',
        );

        await page.goto(suite.url('riverford', '/'));
        assert.equal(await page.locator('html').getAttribute('lang'), 'en');
        assert.equal(text(await page.locator('h1').textContent()), 'Council services online');
        opened.assertHealthy();
      } finally {
        await opened.close();
      }
    });
  }
});

describe('the feedback journey', () => {
  test('without JavaScript at 320px: an error, then thanks', async () => {
    const opened = await suite.openPage({ javaScript: false, width: 320 });
    const { page } = opened;
    try {
      await page.goto(suite.url('northshire', '/feedback'));
      await clickAndWait(page, page.getByRole('button', { name: 'Send feedback' }));

      // Back on the form, with the problem summarised at the top and next to the question.
      assert.equal(new URL(page.url()).pathname, '/feedback');
      assert.match(await page.title(), /^Error: /);
      const summary = page.locator('.govuk-error-summary');
      assert.equal(
        text(await summary.locator('.govuk-error-summary__title').textContent()),
        'There is a problem',
      );
      const link = summary.getByRole('link', { name: 'Select how you felt about this website' });
      assert.equal(await link.getAttribute('href'), '#satisfaction');
      assert.match(
        text(await page.locator('#satisfaction-error').textContent()),
        /Select how you felt about this website/,
      );
      await assertNoHorizontalScroll(page);
      await screenshot(page, 'feedback-error-northshire-nojs-320');
      await checkAxe(page);

      // The summary's link leads to the first radio of the question.
      await link.click();
      await page.waitForURL(/#satisfaction$/);
      const state = await page.evaluate<{ target: string | null; focused: string | null }>(
        `({ target: document.querySelector(':target')?.id ?? null, focused: document.activeElement?.id ?? null })`,
      );
      assert.deepEqual(state, { target: 'satisfaction', focused: 'satisfaction' });
      assert.equal(await page.locator('#satisfaction').getAttribute('value'), 'very-satisfied');

      await page.getByLabel('Satisfied', { exact: true }).check();
      await clickAndWait(page, page.getByRole('button', { name: 'Send feedback' }));
      assert.equal(new URL(page.url()).pathname, '/feedback/thank-you');
      assert.equal(
        text(await page.locator('.govuk-panel__title').textContent()),
        'Thank you for your feedback',
      );
      await assertNoHorizontalScroll(page);
      await checkAxe(page);
      opened.assertHealthy();
    } finally {
      await opened.close();
    }
  });
});
