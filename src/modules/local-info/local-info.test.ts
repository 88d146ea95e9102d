import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { northshire, riverford, testSecret } from '../../../test/support/app.ts';
import { type SeededTenants, testDatabase } from '../../../test/support/database.ts';
import { type App, buildApp } from '../../app.ts';
import { loadConfig } from '../../config.ts';
import { gazetteerSeed } from '../../platform/gazetteer/demo.ts';
import { findByPostcode } from '../../platform/gazetteer/store.ts';
import { demoSeeds, seedDemo } from '../../platform/seeds/seeds.ts';
import { localInfoSeed } from './demo.ts';
import { registerLocalInfo } from './routes.ts';
import { binDayFor } from './service.ts';

/**
 * The app with a fixed clock (Monday 21 December 2026, 9am), so that the next four weeks
 * hold the Christmas and New Year bank holidays.
 */
const monday = new Date('2026-12-21T09:00:00Z');

let app: App;
let tenants: SeededTenants;
let closeDb: () => Promise<void>;
let uprn: string;
let northshireOnly: string;

before(async () => {
  const { db, close } = await testDatabase();
  closeDb = close;
  const ours = [gazetteerSeed, localInfoSeed].filter((s) => !demoSeeds.some((d) => d.module === s.module));
  await seedDemo(db, { log: () => {}, seeds: [...demoSeeds, ...ours] });
  const rows = await db.query<{ id: string; slug: string }>('select id, slug from tenants');
  const id = (slug: string) => rows.find((r) => r.slug === slug)!.id;
  tenants = {
    northshire: { id: id('northshire'), slug: 'northshire' },
    riverford: { id: id('riverford'), slug: 'riverford' },
  };
  const config = loadConfig({ DOORSTEP_DEMO: '1', LOG_LEVEL: 'silent', DOORSTEP_DATA: '/nonexistent' });
  app = await buildApp({ config, db, sessionSecret: testSecret, clock: () => monday });
  // Until app.ts registers the module itself.
  if (!app.hasRoute({ method: 'GET', url: '/bin-day' })) registerLocalInfo(app, app.services);
  await app.ready();
  uprn = (await findByPostcode(db, tenants.riverford.id, 'RF1 1AA'))[0]!.uprn;
  northshireOnly = (await findByPostcode(db, tenants.northshire.id, 'NS1 1AA'))[1]!.uprn;
});
after(async () => {
  await app.close();
  await closeDb();
});

const get = (url: string, host = riverford, headers: Record<string, string> = {}) =>
  app.inject({ url, headers: { ...host, ...headers } });
const errorSummary = (html: string) => /<div class="govuk-error-summary"[\s\S]*?<\/ul>/.exec(html)?.[0] ?? '';

describe('when is my bin day', () => {
  it('asks for a postcode, with a form that works without JavaScript', async () => {
    const res = await get('/bin-day');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<h1 class="govuk-heading-l">Find your bin collection day<\/h1>/);
    assert.match(res.body, /<form method="get" action="\/bin-day" novalidate>/);
    assert.match(res.body, /name="postcode"[^>]*autocomplete="postal-code"/);
    assert.doesNotMatch(res.body, /govuk-error-summary/);
  });

  it('explains an empty, malformed or unknown postcode in an error summary linked to the field', async () => {
    for (const [typed, message] of [
      ['', 'Enter a postcode'],
      ['R1', 'Enter a real postcode, like RF1 1AA'],
      ['rf9 9zz', 'We could not find any addresses for RF9 9ZZ'],
      // Northshire-only postcodes are not in Riverford’s gazetteer.
      ['NS1 1AA', 'We could not find any addresses for NS1 1AA'],
    ]) {
      const res = await get(`/bin-day?postcode=${encodeURIComponent(typed!)}`);
      assert.equal(res.statusCode, 200);
      const summary = errorSummary(res.body);
      assert.match(summary, new RegExp(`<a href="#postcode">${message}</a>`), typed);
      assert.match(
        res.body,
        new RegExp(
          `<p id="postcode-error" class="govuk-error-message">\\s*<span class="govuk-visually-hidden">Error:</span> ${message}`,
        ),
      );
      assert.match(res.body, /<title>Error: Find your bin collection day/);
      assert.match(res.body, new RegExp(`name="postcode" type="text" spellcheck="false" value="${typed}"`));
    }
  });

  it('lists the addresses at a postcode as radios, and insists on a choice', async () => {
    const res = await get('/bin-day?postcode=rf11aa');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<h1 class="govuk-fieldset__heading">\s*Select your address/);
    assert.match(res.body, /addresses found for RF1 1AA/);
    assert.match(
      res.body,
      new RegExp(`<input class="govuk-radios__input" id="uprn" name="uprn" type="radio" value="${uprn}">`),
    );
    assert.match(
      res.body,
      /<label class="govuk-label govuk-radios__label" for="uprn">\s*1 High Street\s*<\/label>/,
    );
    assert.match(res.body, /<input type="hidden" name="postcode" value="RF1 1AA">/);

    const none = await get('/bin-day?postcode=RF1+1AA&step=address');
    assert.match(errorSummary(none.body), /<a href="#uprn">Select your address<\/a>/);

    const chosen = await get(`/bin-day?postcode=RF1+1AA&step=address&uprn=${uprn}`);
    assert.equal(chosen.statusCode, 303);
    assert.equal(chosen.headers.location, `/bin-day/${uprn}`);
    // A UPRN from elsewhere is no choice at all.
    const foreign = await get(`/bin-day?postcode=RF1+1AA&step=address&uprn=${northshireOnly}`);
    assert.equal(foreign.statusCode, 200);
    assert.match(errorSummary(foreign.body), /Select your address/);
  });

  it('answers for RF1 1AA: the next four weeks, with the bank holiday change highlighted', async () => {
    const res = await get(`/bin-day/${uprn}`);
    assert.equal(res.statusCode, 200);
    const html = res.body;
    assert.match(html, /1 High Street, Riverford, RF1 1AA/);
    assert.match(html, /<strong>Today, Monday 21 December 2026<\/strong>/);
    const list = /<ul class="govuk-list app-bin-day__list">([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? '';
    const items = [...list.matchAll(/<time datetime="([\d-]+)">([^<]+)<\/time>/g)].map((m) => [m[1], m[2]]);
    assert.deepEqual(items, [
      ['2026-12-21', 'Monday 21 December 2026'],
      ['2026-12-29', 'Tuesday 29 December 2026'],
      ['2027-01-04', 'Monday 4 January 2027'],
      ['2027-01-11', 'Monday 11 January 2027'],
    ]);
    assert.match(
      list,
      /Tuesday 29 December 2026<\/time> <strong class="govuk-tag govuk-tag--yellow">\s*Changed\s*<\/strong>/,
    );
    assert.match(list, /Recycling, Food waste/);
    assert.match(list, /Moved from Monday 28 December 2026: Boxing Day bank holiday/);
    assert.equal((list.match(/Changed/g) ?? []).length, 1);
    assert.match(html, /<dd class="govuk-summary-list__value">\s*Monday, week A\s*<\/dd>/);
    assert.match(html, new RegExp(`href="/bin-day/${uprn}.ics" download`));
  });

  it('speaks Welsh when asked', async () => {
    const res = await get(`/bin-day/${uprn}`, riverford, { cookie: 'lang=cy' });
    assert.match(res.body, /<html lang="cy"/);
    assert.match(res.body, /Dydd Mawrth 29 Rhagfyr 2026/);
    assert.match(res.body, /Dyddiad arferol: Dydd Llun 28 Rhagfyr 2026\. Rheswm: Gŵyl banc Gŵyl San Steffan/);
    assert.match(res.body, /Ailgylchu, Gwastraff bwyd/);
    assert.match(res.body, /Dydd Llun, wythnos A/);
  });

  it('gives a calendar file of the next year, changes included', async () => {
    const res = await get(`/bin-day/${uprn}.ics`);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/calendar; charset=utf-8');
    assert.equal(res.headers['content-disposition'], `attachment; filename="bin-collections-${uprn}.ics"`);
    assert.match(res.body, /^BEGIN:VCALENDAR\r\nVERSION:2\.0\r\n/);
    const starts = [...res.body.matchAll(/DTSTART;VALUE=DATE:(\d{8})/g)].map((m) => m[1]);
    assert.equal(starts.length, 53);
    assert.equal(starts[0], '20261221');
    assert.ok(starts.includes('20261229') && !starts.includes('20261228'));
    assert.ok(starts.includes('20270330') && !starts.includes('20270329'), 'Easter Monday moves to Tuesday');
    assert.match(res.body, /DESCRIPTION:Moved from Monday 28 December 2026: Boxing Day bank holiday/);
  });

  it('gives JSON for other apps', async () => {
    const res = await get(`/bin-day/${uprn}.json`);
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.uprn, uprn);
    assert.equal(body.address.postcode, 'RF1 1AA');
    assert.equal(body.today, '2026-12-21');
    assert.equal(body.round.code, 'RF-MON-A');
    assert.deepEqual(body.collections[1], {
      date: '2026-12-29',
      bins: ['recycling', 'food'],
      changed: {
        from: '2026-12-28',
        reason: { en: 'Boxing Day bank holiday', cy: 'Gŵyl banc Gŵyl San Steffan' },
      },
    });
    const missing = await get('/bin-day/999999999999.json');
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.headers['content-type'], 'application/problem+json; charset=utf-8');
  });

  it('sends Northshire’s residents in Riverford district to Riverford, and shows the facts it has', async () => {
    const list = await get('/bin-day?postcode=RF1+1AA', northshire);
    assert.match(list.body, /1 High Street/);
    const res = await get(`/bin-day/${uprn}`, northshire);
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<h1 class="govuk-heading-l">Who collects your bins<\/h1>/);
    assert.match(res.body, /Northshire County Council does not collect household bins\./);
    assert.match(res.body, /Bins at this address are collected by Riverford District Council\./);
    assert.match(res.body, new RegExp(`href="http://riverford.localhost:3000/bin-day/${uprn}"`));
    assert.match(res.body, /01632 960 200/);
    assert.match(res.body, /County electoral division/);
    assert.match(res.body, /Riverford North/);
    assert.doesNotMatch(res.body, /\.ics/);

    const outside = await get(`/bin-day/${northshireOnly}`, northshire);
    assert.match(outside.body, /Bins are collected by your district or borough council\./);
    assert.match(outside.body, /Northbridge Central/);
    assert.doesNotMatch(outside.body, /Riverford District Council/);
    assert.equal((await get(`/bin-day/${northshireOnly}`)).statusCode, 404);
    assert.equal((await get(`/bin-day/${uprn}.ics`, northshire)).statusCode, 404);
    const json = (await get(`/bin-day/${uprn}.json`, northshire)).json();
    assert.equal(json.collectsBins, false);
    assert.equal(json.collectedBy.council, 'riverford');
  });

  it('answers the same from the service with any clock: Easter 2027', async () => {
    const tenant = app.services.tenants.bySlug('riverford')!;
    const answer = await binDayFor(
      app.services.db,
      app.services.tenants,
      tenant,
      uprn,
      new Date('2027-03-22T10:00:00Z'),
      14,
    );
    assert.equal(answer?.kind, 'collections');
    assert.deepEqual(
      answer?.kind === 'collections' ? answer.collections.map((c) => [c.date, c.changed?.reason.en]) : [],
      [
        ['2027-03-22', undefined],
        ['2027-03-30', 'Easter Monday bank holiday'],
      ],
    );
  });

  it('refuses addresses that are not UPRNs', async () => {
    assert.equal((await get('/bin-day/abc')).statusCode, 404);
    assert.equal((await get('/bin-day/1234567890123')).statusCode, 404);
    assert.equal((await get(`/bin-day/${uprn}.xml`)).statusCode, 404);
  });
});
