/**
 * The form builder in a real browser: a demo service manager of Northshire, without
 * JavaScript on a 320px phone, builds a three-page form with a condition and a file upload in
 * English and Welsh and publishes it; a resident completes it (with JavaScript); the manager
 * changes a question and publishes version 2, and a draft started on version 1 still
 * completes on version 1. Axe, the horizontal-scroll and CSP checks on the builder's pages.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  assertNoHorizontalScroll,
  type BrowserSuite,
  checkAxe,
  clickAndWait,
  type OpenedPage,
  screenshot,
  signInStaff,
  startBrowserSuite,
} from './support/browser.ts';

let suite: BrowserSuite;

before(async () => {
  suite = await startBrowserSuite();
});

after(async () => {
  await suite?.close();
});

const text = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();
const slug = 'report-fly-tipping';

async function audit(opened: OpenedPage, name: string): Promise<void> {
  await assertNoHorizontalScroll(opened.page);
  await screenshot(opened.page, name);
  await checkAxe(opened.page);
  opened.assertHealthy();
}

async function signIn(opened: OpenedPage, email: string) {
  const { page } = opened;
  await signInStaff(suite, page, 'northshire', email);
  assert.equal(new URL(page.url()).pathname, '/staff');
}

const pathOf = (opened: OpenedPage) => new URL(opened.page.url()).pathname;

describe('the form builder', () => {
  test('a service manager builds, publishes and changes a form; residents finish on the version they started', async () => {
    const manager = await suite.openPage({ javaScript: false, width: 320 });
    const resident = await suite.openPage({ javaScript: true, width: 320 });
    const early = await suite.openPage({ javaScript: false, width: 320 });
    const { page } = manager;
    const save = () => clickAndWait(page, page.getByRole('button', { name: 'Save', exact: true }));
    try {
      await signIn(manager, 'manager@northshire.example');
      await clickAndWait(page, page.getByRole('link', { name: 'Services and forms' }));
      assert.equal(pathOf(manager), '/staff/forms');
      await audit(manager, 'builder-forms');

      // A new form, named in both languages.
      await clickAndWait(page, page.getByRole('button', { name: 'Create a form' }));
      await page.getByLabel('Name of the form (English)').fill('Report fly-tipping');
      await page.getByLabel('Name of the form (Welsh)').fill('Rhoi gwybod am dipio anghyfreithlon');
      await clickAndWait(page, page.getByRole('button', { name: 'Create form' }));
      assert.equal(pathOf(manager), `/staff/forms/${slug}`);

      // Publishing an empty form is refused with the engine's reason in an error summary.
      await clickAndWait(page, page.getByRole('button', { name: 'Publish a new version' }));
      assert.match(
        text(await page.locator('.govuk-error-summary').textContent()),
        /pages: must have at least 1 item/,
      );
      await audit(manager, 'builder-problems');

      const addPage = async (en: string, cy: string) => {
        await page.goto(suite.url('northshire', `/staff/forms/${slug}`));
        await page.getByLabel('Page heading (English)').fill(en);
        await page.getByLabel('Page heading (Welsh)').fill(cy);
        await clickAndWait(page, page.getByRole('button', { name: 'Add a page' }));
      };
      const addQuestion = async (type: string, fill: () => Promise<void>) => {
        await clickAndWait(page, page.getByRole('button', { name: 'Add a question' }));
        await page.getByLabel(type, { exact: true }).check();
        await clickAndWait(page, page.getByRole('button', { name: 'Continue' }));
        await fill();
        await save();
      };

      // Page 1: radios.
      await addPage('What was dumped', 'Beth a adawyd');
      await addQuestion('One of several options', async () => {
        await page.getByLabel('Question (English)').fill('What was dumped?');
        await page.getByLabel('Question (Welsh)').fill('Beth a adawyd?');
        await page
          .getByLabel('Options, one a line')
          .fill('Household rubbish | Sbwriel tŷ\nBuilding waste | Gwastraff adeiladu');
        await page.getByLabel('To deal with your request').check();
        await audit(manager, 'builder-question');
      });

      // Page 2: a photo, asked only for building waste.
      await addPage('Photos', 'Lluniau');
      await addQuestion('File upload', async () => {
        await page.getByLabel('Question (English)').fill('Add a photo');
        await page.getByLabel('Question (Welsh)').fill('Ychwanegu llun');
        await page.getByLabel('As evidence for your request').check();
      });
      await clickAndWait(page, page.getByRole('link', { name: 'Change when this page is shown' }));
      await page.locator('#question-0').selectOption('whatWasDumped');
      await page.locator('#operator-0').selectOption('equals');
      await page.locator('#value-0').fill('Building waste');
      await audit(manager, 'builder-condition');
      await save();

      // Page 3: an email address.
      await addPage('Contact', 'Cyswllt');
      await addQuestion('Email address', async () => {
        await page.getByLabel('Question (English)').fill('Email address');
        await page.getByLabel('Question (Welsh)').fill('Cyfeiriad e-bost');
        await page.getByLabel('To contact you about your request').check();
      });

      await page.goto(suite.url('northshire', `/staff/forms/${slug}`));
      await audit(manager, 'builder-form');
      // Preview as a resident, before publishing.
      await clickAndWait(page, page.getByRole('link', { name: 'Preview as a resident' }));
      assert.match(text(await page.locator('main').textContent()), /Preview .* What was dumped\?/);
      await audit(manager, 'builder-preview');
      await page.goto(suite.url('northshire', `/staff/forms/${slug}`));
      await clickAndWait(page, page.getByRole('button', { name: 'Publish a new version' }));
      assert.match(
        text(await page.locator('.govuk-notification-banner').textContent()),
        /Version 1 is published/,
      );

      // A resident completes it, with a photo, in Welsh on the first page.
      const r = resident.page;
      await r.goto(suite.url('northshire', `/forms/${slug}?lang=cy`));
      assert.match(text(await r.locator('main').textContent()), /Beth a adawyd\?/);
      await r.getByLabel('Gwastraff adeiladu').check();
      await clickAndWait(r, r.getByRole('button', { name: 'Parhau' }));
      await r.goto(suite.url('northshire', `/forms/${slug}/photos?lang=en`));
      const photo = Buffer.from(
        'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
        'base64',
      );
      await r
        .locator('input[type="file"]')
        .setInputFiles({ name: 'dumped.png', mimeType: 'image/png', buffer: photo });
      await clickAndWait(r, r.getByRole('button', { name: 'Continue', exact: true }));
      await r.getByLabel('Email address').fill('resident@example.com');
      await clickAndWait(r, r.getByRole('button', { name: 'Continue', exact: true }));
      assert.equal(new URL(r.url()).pathname, `/forms/${slug}/check`);
      assert.match(text(await r.locator('main').textContent()), /dumped\.png/);
      await clickAndWait(r, r.getByRole('button', { name: /Send|Submit|Accept/ }));
      assert.equal(new URL(r.url()).pathname, `/forms/${slug}/done`);
      assert.match(text(await r.locator('main').textContent()), /NS-[0-9A-Z]{4}-[0-9A-Z]{4}/);
      await audit(resident, 'builder-resident-done');

      // Another resident starts on version 1 and stops after the first page.
      const e = early.page;
      await e.goto(suite.url('northshire', `/forms/${slug}`));
      await e.getByLabel('Household rubbish').check();
      await clickAndWait(e, e.getByRole('button', { name: 'Continue', exact: true }));
      assert.equal(new URL(e.url()).pathname, `/forms/${slug}/contact`);

      // The manager changes the question and publishes version 2.
      await page.goto(suite.url('northshire', `/staff/forms/${slug}/pages/what-was-dumped`));
      await clickAndWait(page, page.getByRole('link', { name: 'What was dumped?' }));
      await page.getByLabel('Question (English)').fill('What kind of waste was dumped?');
      await page.getByLabel('Question (Welsh)').fill('Pa fath o wastraff a adawyd?');
      await save();
      await page.goto(suite.url('northshire', `/staff/forms/${slug}`));
      await clickAndWait(page, page.getByRole('button', { name: 'Publish a new version' }));
      assert.match(
        text(await page.locator('.govuk-notification-banner').textContent()),
        /Version 2 is published/,
      );
      await clickAndWait(page, page.getByRole('link', { name: 'Versions', exact: true }));
      await clickAndWait(page, page.getByRole('link', { name: 'Version 2', exact: true }));
      assert.match(text(await page.locator('table').textContent()), /What kind of waste was dumped\?/);
      await audit(manager, 'builder-version-diff');

      // The early resident finishes on version 1: the old question on check your answers.
      await e.getByLabel('Email address').fill('early@example.com');
      await clickAndWait(e, e.getByRole('button', { name: 'Continue', exact: true }));
      const check = text(await e.locator('main').textContent());
      assert.match(check, /What was dumped\?/);
      assert.doesNotMatch(check, /What kind of waste/);
      await clickAndWait(e, e.getByRole('button', { name: /Send|Submit|Accept/ }));
      assert.equal(new URL(e.url()).pathname, `/forms/${slug}/done`);
      const versions = await suite.app.app.services.db.query<{ form_version: number }>(
        `select form_version from cases where tenant_id = $1 and form_slug = $2 order by created_at`,
        [suite.app.tenants.northshire.id, slug],
      );
      assert.deepEqual(
        versions.map((v) => v.form_version),
        [1, 1],
      );

      // A newcomer now gets version 2.
      await r.goto(suite.url('northshire', `/forms/${slug}/what-was-dumped`));
      assert.match(text(await r.locator('main').textContent()), /What kind of waste was dumped\?/);

      // The change history says who did what.
      await page.goto(suite.url('northshire', '/staff/changes'));
      assert.match(text(await page.locator('main').textContent()), /Form published: form report-fly-tipping/);
      await audit(manager, 'builder-changes');
    } finally {
      await Promise.all([manager.close(), resident.close(), early.close()]);
    }
  });
});
