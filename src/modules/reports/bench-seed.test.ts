import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDatabase } from '../../../test/support/database.ts';
import type { Database } from '../../db/database.ts';
import { isValidReference } from '../../platform/references/reference.ts';
import { benchReference, benchSeed } from './bench-seed.ts';

let db: Database;
let close: () => Promise<void>;
before(async () => {
  ({ db, close } = await testDatabase({ seeded: true }));
});
after(() => close());

const count = async () =>
  (
    await db.query<{ n: number }>(
      `select count(*)::int as n from reports r join tenants t on t.id = r.tenant_id
        where t.slug = 'northshire' and r.made_on = 'bench'`,
    )
  )[0]!.n;

describe('bench:seed', () => {
  it('draws valid references from the report number', () => {
    for (const n of [0, 1, 31, 32, 999_999, 5_000_000]) assert.ok(isValidReference(benchReference('NS', n)));
    assert.notEqual(benchReference('NS', 1), benchReference('NS', 2));
  });

  it('makes cases with reports, stops between batches when asked, and carries on without doubles', async () => {
    let batches = 0;
    const first = await benchSeed(db, {
      council: 'northshire',
      reports: 900,
      batch: 300,
      stopped: () => batches >= 2,
      progress: () => {
        batches += 1;
      },
    });
    // The progress call before the first batch counts too: one batch written, then stopped.
    assert.equal(first.total, 300);
    assert.equal(await count(), 300);
    const second = await benchSeed(db, { council: 'northshire', reports: 900, batch: 300 });
    assert.deepEqual(second, { made: 600, total: 900 });
    assert.equal(await count(), 900);
    const again = await benchSeed(db, { council: 'northshire', reports: 900 });
    assert.deepEqual(again, { made: 0, total: 900 });
    const [orphans] = await db.query<{ n: number }>(
      `select count(*)::int as n from cases c where c.submission_key like 'bench:%'
          and not exists (select 1 from reports r where r.tenant_id = c.tenant_id and r.case_id = c.id)`,
    );
    assert.equal(orphans!.n, 0, 'every bench case has its report');
  });
});
