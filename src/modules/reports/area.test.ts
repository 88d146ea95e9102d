import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type TestApp, testApp } from '../../../test/support/app.ts';
import { generateDemoAddresses } from '../../platform/gazetteer/demo.ts';
import { AreaService } from './area.ts';
import { demoBoundaries } from './demo.ts';
import { contains, distanceM } from './geo.ts';

let t: TestApp;
let area: AreaService;
before(async () => {
  t = await testApp();
  area = new AreaService(t.app.services.db, t.app.services.tenants);
});
after(() => t.close());

test('the demo boundaries hold every Riverford property in both councils and no other in Riverford', () => {
  const b = demoBoundaries();
  for (const a of generateDemoAddresses()) {
    assert.equal(contains(b.northshire.geometry, a), true, `${a.postcode} in Northshire`);
    assert.equal(
      contains(b.riverford.geometry, a),
      a.inRiverford,
      `${a.postcode} in Riverford: ${a.inRiverford}`,
    );
  }
});

test('routing: a pothole in Riverford district goes to the county, a litter bin to the district', async () => {
  const highStreet = { lat: 52.1812, lng: -1.1804 };
  assert.deepEqual(
    (await area.councilsAt(highStreet)).map((c) => c.slug),
    ['riverford', 'northshire'],
  );
  assert.equal((await area.responsibleFor(highStreet, 'pothole'))?.council.slug, 'northshire');
  assert.equal((await area.responsibleFor(highStreet, 'bins'))?.council.slug, 'riverford');
  const countyHall = { lat: 52.3307, lng: -1.5196 };
  assert.deepEqual(
    (await area.councilsAt(countyHall)).map((c) => c.slug),
    ['northshire'],
  );
  assert.equal(await area.responsibleFor(countyHall, 'bins'), undefined);
  assert.deepEqual(await area.councilsAt({ lat: 51.5, lng: -0.12 }), []);
});

test('the demo reports: 200, and "near here" reads both councils, nearest first', async () => {
  const [row] = await t.app.services.db.query<{ n: number }>('select count(*)::int as n from reports');
  assert.equal(row?.n, 200);
  const [one] = await t.app.services.db.query<{ lat: number; lng: number }>(
    `select r.lat, r.lng from reports r join tenants t on t.id = r.tenant_id where t.slug = 'riverford' limit 1`,
  );
  const near = await area.reportsNear(one!, 5000, { limit: 100 });
  assert.ok(near.length > 0);
  assert.ok(near.some((r) => r.council.slug === 'riverford'));
  for (let i = 1; i < near.length; i++) assert.ok(near[i - 1]!.distanceM <= near[i]!.distanceM);
  for (const r of near) assert.ok(Math.abs(distanceM(one!, r) - r.distanceM) < 1);
});
