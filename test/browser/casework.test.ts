/**
 * The case officer's and service manager's pages at 320px without JavaScript: the work list,
 * a case, each service's statuses (with an error), and an organisation's contacts. Axe, the
 * horizontal-scroll and CSP checks on every page.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { recordSubmission } from '../../src/modules/cases/service.ts';
import { audit, type BrowserSuite, clickAndWait, signInStaff, startBrowserSuite } from './support/browser.ts';

let suite: BrowserSuite;
before(async () => {
  suite = await startBrowserSuite({ TRUST_PROXY: '1' });
});
after(async () => {
  await suite?.close();
});

test('a service manager works a case and sets a queue’s statuses, at 320px without JavaScript', async () => {
  const services = suite.app.app.services;
  const tenant = services.tenants.bySlug('riverford')!;
  const made = await services.db.transaction((tx) =>
    recordSubmission(tx, {
      tenant,
      serviceSlug: null,
      formSlug: 'noise-nuisance',
      formVersion: 1,
      queue: 'customer-services',
      dueAt: null,
      submissionKey: 'casework-browser-1',
      answers: {},
      assessments: [],
      email: 'gwen@example.com',
      uprn: null,
      channel: 'web',
      submittedByStaff: null,
      summary: 'Noise from a neighbour',
    }),
  );
  const opened = await suite.openPage({ javaScript: false, width: 320 });
  const { page } = opened;
  try {
    await page.setExtraHTTPHeaders({ 'x-forwarded-for': '203.0.113.93' });
    await signInStaff(suite, page, 'riverford', 'admin@riverford.example');

    await page.goto(suite.url('riverford', '/staff/cases'));
    await audit(opened, 'casework-list');
    await page.goto(suite.url('riverford', `/staff/cases/${made.case.reference}`));
    await audit(opened, 'casework-case');

    await page.goto(suite.url('riverford', '/staff/cases/workflows'));
    await audit(opened, 'casework-workflows');
    await clickAndWait(page, page.getByRole('link', { name: 'customer-services' }));
    await audit(opened, 'casework-workflow');
    // Take away the only closing status: refused, with the error summary.
    for (const box of await page.getByLabel('This status closes the case').all()) await box.uncheck();
    await clickAndWait(page, page.getByRole('button', { name: 'Save statuses' }));
    assert.match(
      (await page.locator('.govuk-error-summary').textContent()) ?? '',
      /at least one status that closes the case/,
    );
    await audit(opened, 'casework-workflow-error');
  } finally {
    await opened.close();
  }
});
