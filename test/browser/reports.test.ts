/**
 * Street problem reporting in a real browser: a guest on a 320px phone without JavaScript
 * reports a pothole found by postcode on Riverford's site, in at most 8 page loads; the
 * report is routed to Northshire (the highway authority), not Riverford, and a pothole
 * already reported 30 m away is offered first. Axe, sideways scroll and CSP on every page.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { boxAround } from '../../src/modules/reports/geo.ts';
import { createReportDeps } from '../../src/modules/reports/routes.ts';
import { createReport } from '../../src/modules/reports/service.ts';
import {
  assertNoHorizontalScroll,
  type BrowserSuite,
  checkAxe,
  clickAndWait,
  type OpenedPage,
  screenshot,
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

async function audit(opened: OpenedPage, name: string): Promise<void> {
  await assertNoHorizontalScroll(opened.page);
  await screenshot(opened.page, name);
  await checkAxe(opened.page);
  opened.assertHealthy();
}

test('a guest reports a pothole without JavaScript at 320px: found by postcode, routed to Northshire, the one 30 m away offered first, in at most 8 page loads', async () => {
  const services = suite.app.app.services;
  const [first] = await services.db.query<{ uprn: string; lat: number; lng: number; line1: string }>(
    `select uprn, lat, lng, line1 from addresses a join tenants t on t.id = a.tenant_id
      where t.slug = 'riverford' and postcode = 'RF1 1AA'
      order by nullif(substring(line1 from '[0-9]+'), '')::int nulls first, line1 limit 1`,
  );
  const existing = await createReport(createReportDeps(services), {
    madeOn: services.tenants.bySlug('northshire')!,
    place: { lat: boxAround(first!, 30).maxLat, lng: first!.lng, addressText: 'High Street, Riverford' },
    category: 'pothole',
    title: 'Pothole thirty metres up the road',
    description: 'Already reported',
    name: 'Neighbour',
    email: null,
    phone: null,
    hideName: true,
    extra: { depth: 'deep' },
    photos: [],
    channel: 'web',
    lang: 'en',
  });
  assert.equal(existing.kind, 'created');
  const existingRef = existing.kind === 'created' ? existing.report.reference : '';

  const opened = await suite.openPage({ javaScript: false, width: 320 });
  const { page } = opened;
  let loads = 0;
  page.on('load', () => {
    loads += 1;
  });
  const tiles: string[] = [];
  page.on('request', (r) => {
    if (!r.url().includes('.localhost:')) tiles.push(r.url());
  });

  await page.goto(suite.url('riverford', '/report'));
  assert.equal(text(await page.locator('h1').textContent()), 'Report a problem in the street');
  assert.equal(await page.getByRole('button', { name: 'Use my location' }).isVisible(), false);
  await audit(opened, 'reports-nojs-320-01-where');

  await page.getByLabel('Where is the problem?').fill('RF1 1AA');
  await clickAndWait(page, page.getByRole('button', { name: 'Find the place' }));
  await audit(opened, 'reports-nojs-320-02-pick');
  await page.getByLabel(first!.line1, { exact: false }).first().check();
  await clickAndWait(page, page.getByRole('button', { name: 'Continue' }));

  assert.equal(text(await page.locator('h1, legend h1').first().textContent()), 'What is the problem?');
  await audit(opened, 'reports-nojs-320-03-category');
  await page.getByLabel('Pothole').check();
  await clickAndWait(page, page.getByRole('button', { name: 'Continue' }));

  // The report already made 30 m away comes first, before the form.
  await audit(opened, 'reports-nojs-320-04-details');
  const firstNearby = page.locator('.app-nearby__item').first();
  assert.match(text(await firstNearby.textContent()), new RegExp(existingRef));
  assert.match(text(await firstNearby.textContent()), /30 metres away/);
  assert.match(text(await page.locator('.govuk-inset-text').textContent()), /Northshire County Council/);

  // An empty send: the error summary, still accessible.
  await clickAndWait(page, page.getByRole('button', { name: 'Send report' }));
  assert.match(
    text(await page.locator('.govuk-error-summary').textContent()),
    /Enter a summary of the problem/,
  );
  await audit(opened, 'reports-nojs-320-05-errors');

  await page.getByLabel('Summary').fill('Deep pothole outside the shop');
  await page.getByLabel('Describe the problem').fill('About 10 cm deep, by the kerb.');
  await page.getByLabel('4 cm or deeper').check();
  await page.getByLabel('Your name').fill('Guest Resident');
  await page.getByLabel('Email address').fill('guest.pothole@example.com');
  await page.getByLabel('Hide my name from the public').check();
  await clickAndWait(page, page.getByRole('button', { name: 'Send report' }));

  await audit(opened, 'reports-nojs-320-06-sent');
  const panel = text(await page.locator('.govuk-panel').textContent());
  const reference = /NS-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(panel)?.[0];
  assert.ok(reference, `a Northshire reference on the confirmation: ${panel}`);
  assert.match(text(await page.locator('main').textContent()), /Northshire County Council/);
  assert.ok(loads <= 8, `${loads} page loads`);

  const owners = await services.db.query<{ slug: string }>(
    'select t.slug from reports r join tenants t on t.id = r.tenant_id where r.reference = $1',
    [reference],
  );
  assert.deepEqual(
    owners.map((o) => o.slug),
    ['northshire'],
  );
  assert.deepEqual(tiles, [], 'no map tile (or anything off-site) was requested');

  // The report's own page on Northshire's site.
  await page.goto(suite.url('northshire', `/reports/${reference}`));
  assert.equal(text(await page.locator('h1').textContent()), 'Deep pothole outside the shop');
  assert.doesNotMatch(text(await page.locator('main').textContent()), /Guest Resident/);
  await audit(opened, 'reports-nojs-320-07-report');
  await opened.close();
});
