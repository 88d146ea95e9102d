import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDatabase } from '../../test/support/database.ts';
import type { Database } from './database.ts';
import { processCache } from './process-cache.ts';

let db: Database;
let close: () => Promise<void>;
before(async () => {
  ({ db, close } = await testDatabase());
});
after(() => close());

describe('rows kept in memory between requests', () => {
  it('are kept on the embedded database only: on PostgreSQL other processes write too', () => {
    const cache = processCache<{ n: number }>(db, 'test-driver');
    cache.set('k', { n: 1 });
    assert.deepEqual(cache.get('k'), db.driver === 'pglite' ? { n: 1 } : undefined);
  });

  it('are shared by everything built on the same database, and found from its transactions', async () => {
    const cache = processCache<{ n: number }>(db, 'test-shared');
    cache.set('k', { n: 2 });
    await db.transaction(async (tx) => {
      assert.equal(processCache(tx, 'test-shared'), cache);
    });
  });

  it('never let a read that began before a write fill in its older row', () => {
    if (db.driver !== 'pglite') return;
    const cache = processCache<{ n: number }>(db, 'test-race');
    const ticket = cache.ticket('k');
    cache.set('k', { n: 2 }); // a write lands while the read is in flight
    cache.fill(ticket, { n: 1 }); // the read comes back with the row as it was
    assert.deepEqual(cache.get('k'), { n: 2 });
    cache.forget('k');
    const again = cache.ticket('k');
    cache.fill(again, { n: 3 });
    assert.deepEqual(cache.get('k'), { n: 3 });
  });

  it('hand out copies, so a caller changing what it got changes nothing kept', () => {
    if (db.driver !== 'pglite') return;
    const cache = processCache<{ list: number[] }>(db, 'test-copies');
    cache.set('k', { list: [1] });
    cache.get('k')!.list.push(2);
    assert.deepEqual(cache.get('k'), { list: [1] });
  });

  it('stay within their bound, dropping the least recently used', () => {
    if (db.driver !== 'pglite') return;
    const cache = processCache<number>(db, 'test-bound', { max: 3 });
    for (const k of ['a', 'b', 'c']) cache.set(k, 1);
    cache.get('a');
    cache.set('d', 1);
    assert.equal(cache.size, 3);
    assert.equal(cache.get('b'), undefined);
    assert.equal(cache.get('a'), 1);
  });
});
