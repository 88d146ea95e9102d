import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { northshire, riverford, type TestApp, testApp } from '../../../test/support/app.ts';
import { upsertNotice, upsertService } from './store.ts';

let t: TestApp;
before(async () => {
  t = await testApp();
  const { db } = t.app.services;
  await upsertService(db, t.tenants.riverford.id, {
    slug: 'half-translated',
    name: { en: 'Apply for a street party licence', cy: 'Gwneud cais am drwydded parti stryd' },
    summary: { en: 'Close your road for a celebration.', cy: '' },
  });
  await upsertService(db, t.tenants.riverford.id, {
    slug: 'draft-service',
    name: { en: 'A service not yet published' },
    summary: { en: 'Hidden' },
    published: false,
  });
  await upsertNotice(db, t.tenants.riverford.id, {
    serviceSlug: null,
    title: { en: 'An old notice that has ended' },
    body: { en: 'Gone' },
    startsAt: new Date('2020-01-01'),
    endsAt: new Date('2020-02-01'),
  });
  t.app.services.pageCache.invalidate(t.tenants.riverford.id);
});
after(() => t.close());

const get = (url: string, host = riverford, cookie?: string) =>
  t.app.inject({ url, headers: { ...host, ...(cookie ? { cookie } : {}) } });

describe('the home page', () => {
  it('shows topics, services, current notices and a search box', async () => {
    const page = await get('/');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<h1 class="govuk-heading-xl">Council services online<\/h1>/);
    assert.match(page.body, /<form action="\/search" method="get" role="search"/);
    assert.match(page.body, /href="\/topics\/bins-and-recycling">/);
    assert.match(page.body, /href="\/services\/missed-bin-collection"/);
    assert.match(page.body, /href="\/a-z"/);
    assert.doesNotMatch(page.body, /not yet published/);
    assert.doesNotMatch(page.body, /An old notice that has ended/);
  });

  it('shows each council only its own services', async () => {
    const ns = await get('/', northshire);
    assert.match(ns.body, /href="\/services\/dropped-kerb"/);
    assert.doesNotMatch(ns.body, /missed-bin-collection/);
    assert.match(ns.body, /Market Street closed for resurfacing/);
  });

  it('marks English shown in place of missing Welsh', async () => {
    const page = await get('/', riverford, 'lang=cy');
    assert.match(page.body, /Gwneud cais am drwydded parti stryd/);
    assert.match(page.body, /<p class="govuk-body govuk-!-margin-bottom-0" lang="en">Close your road/);
  });

  it('is cacheable: no cookie, an ETag, and 304 when unchanged', async () => {
    const page = await get('/');
    assert.equal(page.headers['set-cookie'], undefined);
    const etag = String(page.headers.etag);
    const again = await t.app.inject({ url: '/', headers: { ...riverford, 'if-none-match': etag } });
    assert.equal(again.statusCode, 304);
  });
});

describe('a service page', () => {
  it('says what it does, who can use it, what it costs, how long it takes and what happens next', async () => {
    const page = await get('/services/bulky-waste');
    assert.match(page.body, /<h1 class="govuk-heading-l">Book a bulky waste collection<\/h1>/);
    assert.match(page.body, /Who can use it/);
    assert.match(page.body, /£35 for up to 3 items/);
    assert.match(page.body, /How long it takes/);
    assert.match(page.body, /What happens next/);
    assert.match(page.body, /Phone 01632 960 200/);
    assert.match(page.body, /govuk-breadcrumbs/);
  });

  it('offers "Start now" only once its form is published', async () => {
    const { db } = t.app.services;
    await upsertService(db, t.tenants.riverford.id, {
      slug: 'allotment',
      name: { en: 'Apply for an allotment', cy: 'Gwneud cais am randir' },
      summary: { en: 'Rent a plot to grow your own food.', cy: 'Rhentu llain i dyfu eich bwyd eich hun.' },
      startTarget: 'form:allotment',
    });
    const before = await get('/services/allotment');
    assert.doesNotMatch(before.body, /Start now/);
    assert.match(before.body, /You cannot do this online yet/);
    await db.query(
      `insert into form_definitions (tenant_id, slug, version, definition, status, published_at)
       values ($1, 'allotment', 1, '{}', 'published', now())`,
      [t.tenants.riverford.id],
    );
    const after = await get('/services/allotment');
    assert.match(
      after.body,
      /href="\/forms\/allotment"[^>]*govuk-button--start|govuk-button--start[^>]*href="\/forms\/allotment"/,
    );
  });

  it('shows the disruption notice of that service', async () => {
    const page = await get('/services/missed-bin-collection');
    assert.match(page.body, /Collections running late in north Riverford/);
    const other = await get('/services/noise-nuisance');
    assert.doesNotMatch(other.body, /Collections running late/);
  });

  it('is not found for another council’s service', async () => {
    assert.equal((await get('/services/missed-bin-collection', northshire)).statusCode, 404);
    assert.equal((await get('/services/draft-service')).statusCode, 404);
  });
});

describe('topics, A to Z and help', () => {
  it('list a topic’s services and help articles', async () => {
    const page = await get('/topics/bins-and-recycling');
    assert.match(page.body, /Report a missed bin collection/);
    assert.match(page.body, /What goes in which bin/);
    assert.equal((await get('/topics/nope')).statusCode, 404);
  });

  it('group services by letter in the reader’s language', async () => {
    const en = await get('/a-z');
    assert.match(en.body, /<h2 class="govuk-heading-m" id="letter-\d+">B<\/h2>/);
    const cy = await get('/a-z', riverford, 'lang=cy');
    assert.match(cy.body, /Rhoi gwybod am gasgliad bin a fethwyd/);
    assert.match(cy.body, /<h2 class="govuk-heading-m" id="letter-\d+">R<\/h2>/);
  });

  it('show a help article', async () => {
    const page = await get('/help/what-goes-in-which-bin');
    assert.match(page.body, /<p class="govuk-body">Blue bin: clean paper/);
  });
});

describe('search', () => {
  it('forgives typos and plurals', async () => {
    for (const q of ['bin colection', 'missed bins', 'wheelie']) {
      const page = await get(`/search?q=${encodeURIComponent(q)}`);
      assert.match(page.body, /href="\/services\/missed-bin-collection"/, q);
    }
  });

  it('finds help articles too, and searches in Welsh', async () => {
    const page = await get('/search?q=which+bin');
    assert.match(page.body, /href="\/help\/what-goes-in-which-bin"/);
    const cy = await get(`/search?q=${encodeURIComponent('gostyngiad person sengl')}`, riverford, 'lang=cy');
    assert.match(cy.body, /href="\/services\/single-person-discount"/);
  });

  it('says when nothing matches, and never shows another council’s services', async () => {
    const page = await get('/search?q=missed+bin', northshire);
    assert.match(page.body, /0 results for ‘missed bin’/);
    assert.doesNotMatch(page.body, /href="\/services\/missed-bin-collection"/);
  });

  it('escapes what was typed', async () => {
    const page = await get('/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E', northshire);
    assert.doesNotMatch(page.body, /<script>alert/);
    assert.match(page.body, /&lt;script&gt;/);
  });
});
