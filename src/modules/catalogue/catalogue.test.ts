import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { northshire, riverford, type TestApp, testApp } from '../../../test/support/app.ts';
import { upsertService } from './store.ts';

let t: TestApp;
before(async () => {
  t = await testApp();
  const { db } = t.app.services;
  await upsertService(db, t.tenants.riverford.id, {
    slug: 'missed-bin',
    name: { en: 'Report a missed bin collection', cy: 'Rhoi gwybod am gasgliad bin a fethwyd' },
    summary: { en: 'Tell us if we did not empty your bin on collection day.', cy: '' },
    keywords: 'rubbish waste recycling',
  });
  await upsertService(db, t.tenants.riverford.id, {
    slug: 'draft-service',
    name: { en: 'A service not yet published' },
    summary: { en: 'Hidden' },
    published: false,
  });
});
after(() => t.close());

describe('the home page', () => {
  it('says plainly when a council has no services online yet, with a search box', async () => {
    const page = await t.app.inject({ url: '/', headers: northshire });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<h1 class="govuk-heading-xl">Council services online<\/h1>/);
    assert.match(page.body, /There are no services online yet/);
    assert.match(page.body, /<form action="\/search" method="get" role="search"/);
  });

  it('lists only the council’s own published services', async () => {
    const page = await t.app.inject({ url: '/', headers: riverford });
    assert.match(page.body, /href="\/services\/missed-bin"/);
    assert.doesNotMatch(page.body, /not yet published/);
    const ns = await t.app.inject({ url: '/', headers: northshire });
    assert.doesNotMatch(ns.body, /missed bin/i);
  });

  it('marks English shown in place of missing Welsh', async () => {
    const page = await t.app.inject({ url: '/', headers: { ...riverford, cookie: 'lang=cy' } });
    assert.match(page.body, /Rhoi gwybod am gasgliad bin a fethwyd/);
    assert.match(
      page.body,
      /<p class="govuk-body govuk-!-margin-bottom-0" lang="en">Tell us if we did not empty/,
    );
  });

  it('is cacheable: no cookie, an ETag, and 304 when unchanged', async () => {
    const page = await t.app.inject({ url: '/', headers: riverford });
    assert.equal(page.headers['set-cookie'], undefined);
    const etag = String(page.headers.etag);
    assert.ok(etag);
    const again = await t.app.inject({ url: '/', headers: { ...riverford, 'if-none-match': etag } });
    assert.equal(again.statusCode, 304);
  });
});

describe('search', () => {
  it('forgives typos and plurals', async () => {
    for (const q of ['bin colection', 'missed bins', 'rubbish']) {
      const page = await t.app.inject({ url: `/search?q=${encodeURIComponent(q)}`, headers: riverford });
      assert.match(page.body, /Report a missed bin collection/, q);
      assert.match(page.body, /1 service matches/);
    }
  });

  it('says when nothing matches, and never shows another council’s services', async () => {
    const page = await t.app.inject({ url: '/search?q=missed+bin', headers: northshire });
    assert.match(page.body, /0 services match ‘missed bin’/);
    assert.doesNotMatch(page.body, /href="\/services\/missed-bin"/);
  });

  it('escapes what was typed', async () => {
    const page = await t.app.inject({
      url: '/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E',
      headers: northshire,
    });
    assert.doesNotMatch(page.body, /<script>alert/);
    assert.match(page.body, /&lt;script&gt;/);
  });
});
