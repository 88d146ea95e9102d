import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { riverford, type TestApp, testApp } from '../../../test/support/app.ts';
import { signInStaff, textOf, type Visitor } from '../../../test/support/staff.ts';
import { listAudit } from '../../platform/audit/audit.ts';
import { fromLondon, londonDate } from './london-time.ts';

let t: TestApp;
let manager: Visitor;
/** Set only while a test looks at public pages at another time; sessions run on the real clock. */
let clock: Date | undefined;

before(async () => {
  t = await testApp({}, { clock: () => clock ?? new Date() });
  manager = await signInStaff(t, riverford, 'manager@riverford.example');
});
after(async () => {
  await t?.close();
});

/** The service's edit form as it stands, with some fields changed. */
async function serviceForm(slug: string, changes: Record<string, string | string[]>) {
  const html = (await manager.get(`/staff/catalogue/services/${slug}`)).body;
  const form: Record<string, string | string[]> = {};
  for (const m of html.matchAll(/<input[^>]*name="([^"]+)"[^>]*>/g)) {
    const tag = m[0];
    const value = /value="([^"]*)"/.exec(tag)?.[1] ?? '';
    if (/type="(radio|checkbox)"/.test(tag)) {
      if (!/\schecked/.test(tag)) continue;
      const prev = form[m[1]!];
      form[m[1]!] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value];
    } else if (m[1] !== '_csrf') form[m[1]!] = value;
  }
  for (const m of html.matchAll(/<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)<\/textarea>/g))
    form[m[1]!] = m[2]!;
  for (const m of html.matchAll(/<select[^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g))
    form[m[1]!] = /<option value="([^"]*)"[^>]*selected/.exec(m[2]!)?.[1] ?? '';
  const decoded = (s: string) =>
    s
      .replace(/&#39;/g, "'")
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  for (const [k, v] of Object.entries(form)) form[k] = Array.isArray(v) ? v.map(decoded) : decoded(v);
  return { ...form, ...changes };
}

const managerId = async () =>
  (
    await t.app.services.db.query<{ id: string }>(
      `select id from staff_users where tenant_id = $1 and email = 'manager@riverford.example'`,
      [t.tenants.riverford.id],
    )
  )[0]!.id;

describe('the service catalogue edited by staff', () => {
  test('London times convert across the clock change', () => {
    assert.equal(fromLondon(2026, 1, 10, '09:00')?.toISOString(), '2026-01-10T09:00:00.000Z');
    assert.equal(fromLondon(2026, 7, 10, '09:00')?.toISOString(), '2026-07-10T08:00:00.000Z');
    assert.equal(fromLondon(2026, 2, 30, '09:00'), undefined);
    assert.equal(londonDate(new Date('2026-07-10T23:30:00Z')), '2026-07-11');
  });

  test('editing a service changes its public page and what search finds', async () => {
    const owner = await managerId();
    const saved = await manager.post(
      '/staff/catalogue/services/bulky-waste',
      '/staff/catalogue/services/bulky-waste',
      await serviceForm('bulky-waste', {
        nameEn: 'Book a sofa and fridge collection',
        costEn: '£25 for up to 3 items',
        keywords: 'furniture zanzibarwardrobe',
        owner,
        'reviewOn-day': '1',
        'reviewOn-month': '12',
        'reviewOn-year': '2030',
      }),
    );
    assert.equal(saved.headers.location, '/staff/catalogue?saved=1', textOf(saved.body).slice(0, 3000));
    const page = await t.app.inject({ url: '/services/bulky-waste', headers: riverford });
    assert.match(textOf(page.body), /Book a sofa and fridge collection/);
    assert.match(textOf(page.body), /£25 for up to 3 items/);
    const found = await t.app.inject({ url: '/search?q=zanzibarwardrobe', headers: riverford });
    assert.match(textOf(found.body), /Book a sofa and fridge collection/);
    const near = await t.app.inject({ url: '/search?q=sofa+fridge+colection', headers: riverford });
    assert.match(textOf(near.body), /Book a sofa and fridge collection/);
    const [entry] = await listAudit(t.app.services.db, t.tenants.riverford.id, {
      subjectType: 'service',
      limit: 1,
    });
    const changes = entry?.details.changes as { path: string; before: unknown; after: unknown }[];
    assert.ok(changes.some((c) => c.path === 'name.en' && c.after === 'Book a sofa and fridge collection'));
    assert.equal(entry?.actor.id, owner);

    // Unpublished: gone from the public page and from search.
    await manager.post(
      '/staff/catalogue/services/bulky-waste',
      '/staff/catalogue/services/bulky-waste',
      await serviceForm('bulky-waste', { published: 'no' }),
    );
    assert.equal((await t.app.inject({ url: '/services/bulky-waste', headers: riverford })).statusCode, 404);
    const gone = await t.app.inject({ url: '/search?q=zanzibarwardrobe', headers: riverford });
    assert.doesNotMatch(textOf(gone.body), /Book a sofa/);
  });

  test('bad input gets an error summary and changes nothing', async () => {
    const before = await t.app.inject({ url: '/services/missed-bin-collection', headers: riverford });
    const refused = await manager.post(
      '/staff/catalogue/services/missed-bin-collection',
      '/staff/catalogue/services/missed-bin-collection',
      await serviceForm('missed-bin-collection', {
        nameEn: '',
        startKind: 'link',
        startLink: 'javascript:alert(1)',
        'reviewOn-day': '31',
        'reviewOn-month': '2',
        'reviewOn-year': '2026',
      }),
    );
    assert.equal(refused.statusCode, 400);
    const text = textOf(refused.body);
    assert.match(text, /There is a problem/);
    assert.match(text, /Enter the name in English/);
    assert.match(text, /Enter an address starting https:\/\/ or \//);
    assert.match(text, /Enter a real review date/);
    assert.match(text, /Select who owns it/);
    const after = await t.app.inject({ url: '/services/missed-bin-collection', headers: riverford });
    assert.equal(textOf(after.body), textOf(before.body));
    const notice = await manager.post('/staff/catalogue/notices/new', '/staff/catalogue/notices/new', {
      titleEn: 'Closed',
      bodyEn: 'x',
      'startsAt-day': '2',
      'startsAt-month': '6',
      'startsAt-year': '2026',
      startsAtTime: '09:00',
      'endsAt-day': '1',
      'endsAt-month': '6',
      'endsAt-year': '2026',
      endsAtTime: '09:00',
    });
    assert.equal(notice.statusCode, 400);
    assert.match(textOf(notice.body), /The end must be after the start/);
  });

  test('a disruption notice shows on the home and service pages only between its start and end', async () => {
    const owner = await managerId();
    const saved = await manager.post('/staff/catalogue/notices/new', '/staff/catalogue/notices/new', {
      service: 'missed-bin-collection',
      titleEn: 'Crews delayed by snow',
      titleCy: 'Criwiau wedi’u hoedi gan eira',
      bodyEn: 'Leave your bin out until we come.',
      'startsAt-day': '2',
      'startsAt-month': '6',
      'startsAt-year': '2026',
      startsAtTime: '09:00',
      'endsAt-day': '3',
      'endsAt-month': '6',
      'endsAt-year': '2026',
      endsAtTime: '17:30',
      owner,
      'reviewOn-day': '3',
      'reviewOn-month': '6',
      'reviewOn-year': '2026',
    });
    assert.equal(saved.headers.location, '/staff/catalogue?saved=1', textOf(saved.body).slice(0, 3000));
    const shows = async () =>
      /Crews delayed by snow/.test(
        (await t.app.inject({ url: '/services/missed-bin-collection', headers: riverford })).body,
      );
    clock = new Date('2026-06-02T07:59:00Z'); // 08:59 BST
    assert.equal(await shows(), false);
    clock = new Date('2026-06-02T08:00:00Z'); // 09:00 BST
    assert.equal(await shows(), true);
    clock = new Date('2026-06-03T16:29:00Z');
    assert.equal(await shows(), true);
    clock = new Date('2026-06-03T16:30:00Z'); // 17:30 BST: ended
    assert.equal(await shows(), false);

    // A notice for the whole site shows on the home page.
    clock = undefined;
    await manager.post('/staff/catalogue/notices/new', '/staff/catalogue/notices/new', {
      titleEn: 'Phone lines closed on Friday',
      bodyEn: 'Use the website.',
      'startsAt-day': '10',
      'startsAt-month': '6',
      'startsAt-year': '2026',
      startsAtTime: '09:00',
      owner,
      'reviewOn-day': '1',
      'reviewOn-month': '7',
      'reviewOn-year': '2026',
    });
    const home = await t.app.inject({ url: '/', headers: riverford });
    assert.match(home.body, /Phone lines closed on Friday/);
  });

  test('an overdue review is flagged on the catalogue page', async () => {
    const page = textOf((await manager.get('/staff/catalogue')).body);
    const overdue = page.slice(page.indexOf('Reviews overdue'), page.indexOf('Add a service'));
    // The snow notice's review was due on 3 June 2026; the bulky waste review is not due until 2030.
    assert.match(overdue, /Crews delayed by snow Review overdue/);
    assert.doesNotMatch(overdue, /Book a sofa/);
  });

  test('a service that cases name is retired, not removed', async () => {
    const [used] = await t.app.services.db.query<{ slug: string }>(
      `select service_slug as slug from cases where tenant_id = $1 and service_slug is not null limit 1`,
      [t.tenants.riverford.id],
    );
    const slug = used?.slug ?? 'missed-bin-collection';
    if (!used)
      await t.app.services.db.query(
        `insert into satisfaction (tenant_id, service_slug, rating) values ($1, $2, 'satisfied')`,
        [t.tenants.riverford.id, slug],
      );
    const refused = await manager.post(
      `/staff/catalogue/services/${slug}`,
      `/staff/catalogue/services/${slug}/delete`,
      {},
    );
    assert.equal(refused.statusCode, 400);
    assert.match(textOf(refused.body), /cannot be removed: choose No under Published/);
    assert.equal((await t.app.inject({ url: `/services/${slug}`, headers: riverford })).statusCode, 200);
  });

  test('a case officer cannot reach the catalogue pages', async () => {
    const officer = await signInStaff(t, riverford, 'officer@riverford.example');
    for (const url of [
      '/staff/catalogue',
      '/staff/catalogue/services/bulky-waste',
      '/staff/catalogue/notices/new',
    ])
      assert.equal((await officer.get(url)).statusCode, 403, url);
    const posted = await officer.post('/staff', '/staff/catalogue/topics/new', {
      nameEn: 'X',
      summaryEn: 'Y',
    });
    assert.equal(posted.statusCode, 403);
  });
});
