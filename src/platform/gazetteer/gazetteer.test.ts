import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type SeededTenants, seedTenants, testDatabase } from '../../../test/support/database.ts';
import type { Database } from '../../db/database.ts';
import { demoGazetteers, gazetteerSeed, generateDemoAddresses } from './demo.ts';
import { parsePostcode } from './postcode.ts';
import { countAddresses, findByPostcode, findByUprn, searchAddresses, upsertAddresses } from './store.ts';

describe('the demo gazetteer', () => {
  const all = generateDemoAddresses();
  const { riverford, northshire } = demoGazetteers(all);

  it('is the same every time', () => {
    const hash = (x: unknown) => createHash('sha256').update(JSON.stringify(x)).digest('hex');
    assert.equal(hash(generateDemoAddresses()), hash(all));
  });

  it('has a few thousand addresses per council, with unique 12-digit UPRNs and real-format postcodes', () => {
    assert.ok(riverford.length >= 2000, `riverford has ${riverford.length}`);
    assert.ok(northshire.length >= 4000, `northshire has ${northshire.length}`);
    assert.equal(new Set(all.map((a) => a.uprn)).size, all.length);
    for (const a of all) {
      assert.match(a.uprn, /^[1-9]\d{11}$/);
      assert.deepEqual(parsePostcode(a.postcode), { postcode: a.postcode });
      assert.ok(a.lat > 52 && a.lat < 52.5 && a.lng > -1.8 && a.lng < -1, `${a.uprn} at ${a.lat},${a.lng}`);
    }
  });

  it('covers the whole area for the county, and only its district for Riverford', () => {
    assert.equal(northshire.length, all.length);
    assert.ok(riverford.every((a) => a.postcode.startsWith('RF')));
    assert.ok(all.filter((a) => a.postcode.startsWith('RF')).length === riverford.length);
    const inBoth = new Set(riverford.map((a) => a.uprn));
    assert.ok(northshire.filter((a) => inBoth.has(a.uprn)).every((a) => a.facts.district === 'riverford'));
    assert.ok(northshire.filter((a) => !inBoth.has(a.uprn)).every((a) => a.facts.district === undefined));
    // The district collects bins: the rounds are its facts, not the county's.
    assert.ok(northshire.every((a) => a.facts.binRound === undefined));
    assert.ok(
      riverford
        .filter((a) => a.line1 !== 'The Civic Centre')
        .every((a) => /^RF-(MON|TUE|WED|THU|FRI)-[AB]$/.test(a.facts.binRound ?? '')),
    );
  });

  it('has the sample postcodes of the README', () => {
    const at = (list: typeof riverford, postcode: string) => list.filter((a) => a.postcode === postcode);
    assert.ok(at(riverford, 'RF1 1AA').length > 5);
    assert.equal(at(riverford, 'RF1 1AA')[0]?.line1, '1 High Street');
    assert.equal(at(riverford, 'RF1 1AA')[0]?.facts.binRound, 'RF-MON-A');
    assert.equal(at(northshire, 'RF1 1AA').length, at(riverford, 'RF1 1AA').length);
    assert.ok(
      at(riverford, 'RF2 3BB').some((a) => a.line1 === 'The Civic Centre' && a.line2 === 'Bridge Road'),
    );
    assert.ok(
      at(northshire, 'NS1 1AA').some((a) => a.line1 === 'County Hall' && a.line2 === 'Market Street'),
    );
    assert.equal(at(riverford, 'NS1 1AA').length, 0);
  });
});

describe('the gazetteer store', () => {
  let db: Database;
  let close: () => Promise<void>;
  let tenants: SeededTenants;
  before(async () => {
    ({ db, close } = await testDatabase());
    tenants = await seedTenants(db);
    // Speed belongs to the benchmarks (start-up), not to a timed test on a shared machine.
    await db.transaction((tx) => gazetteerSeed.run(tx));
  });
  after(() => close());

  it('is seeded once per council, and seeding again changes nothing', async () => {
    const { riverford, northshire } = demoGazetteers();
    assert.equal(await countAddresses(db, tenants.riverford.id), riverford.length);
    assert.equal(await countAddresses(db, tenants.northshire.id), northshire.length);
    const again = await upsertAddresses(db, tenants.riverford.id, riverford);
    assert.deepEqual(again, { inserted: 0, updated: 0, unchanged: riverford.length });
    await db.transaction((tx) => gazetteerSeed.run(tx));
    assert.equal(await countAddresses(db, tenants.riverford.id), riverford.length);
  });

  it('finds a postcode however it is typed, in each council’s own gazetteer', async () => {
    const inRiverford = await findByPostcode(db, tenants.riverford.id, ' rf11aa ');
    const inNorthshire = await findByPostcode(db, tenants.northshire.id, 'RF1 1AA');
    assert.ok(inRiverford.length > 5);
    assert.deepEqual(
      inNorthshire.map((a) => a.uprn),
      inRiverford.map((a) => a.uprn),
    );
    assert.deepEqual(
      inRiverford.slice(0, 3).map((a) => a.line1),
      ['1 High Street', '2 High Street', '3 High Street'],
    );
    assert.equal(inRiverford[0]?.facts.binRound, 'RF-MON-A');
    assert.equal(inNorthshire[0]?.facts.district, 'riverford');
    assert.deepEqual(await findByPostcode(db, tenants.riverford.id, 'NS1 1AA'), []);
    assert.ok((await findByPostcode(db, tenants.northshire.id, 'ns1 1aa')).length > 5);
    assert.deepEqual(await findByPostcode(db, tenants.riverford.id, 'not a postcode'), []);
  });

  it('finds an address by UPRN only in a council that holds it', async () => {
    const [first] = await findByPostcode(db, tenants.northshire.id, 'NS1 1AA');
    assert.equal((await findByUprn(db, tenants.northshire.id, first!.uprn))?.line1, 'County Hall');
    assert.equal(await findByUprn(db, tenants.riverford.id, first!.uprn), undefined);
    assert.equal(await findByUprn(db, tenants.northshire.id, 'x1'), undefined);
  });

  it('searches streets forgiving a typo', async () => {
    const hall = await searchAddresses(db, tenants.northshire.id, 'county hal');
    assert.equal(hall[0]?.line1, 'County Hall');
    const street = await searchAddresses(db, tenants.riverford.id, '12 hihg street riverford');
    assert.ok(
      street.some((a) => a.line1 === '12 High Street'),
      JSON.stringify(street.slice(0, 3)),
    );
    const civic = await searchAddresses(db, tenants.riverford.id, 'civic centre');
    assert.equal(civic[0]?.postcode, 'RF2 3BB');
    assert.equal((await searchAddresses(db, tenants.riverford.id, 'RF23BB'))[0]?.postcode, 'RF2 3BB');
    assert.deepEqual(await searchAddresses(db, tenants.riverford.id, 'county hall'), []);
    assert.deepEqual(await searchAddresses(db, tenants.riverford.id, 'x'), []);
  });
});
