import { performance } from 'node:perf_hooks';
import { type Database, openDatabase } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { nameKey } from '../../src/modules/crm/contact.ts';
import { findDuplicatesOf, runPeopleMatch } from '../../src/modules/crm/duplicates.ts';
import { searchPeopleByName } from '../../src/modules/crm/store.ts';
import { seedDemo } from '../../src/platform/seeds/seeds.ts';
import { councilsSeed } from '../../src/platform/tenancy/demo-councils.ts';
import { fmt, type Harness, type Suite } from '../harness.ts';

/**
 * People at scale (BENCH_CRM_PEOPLE, default 1,000,000 in one council, on DATABASE_URL or
 * PGlite in a temporary folder): candidate duplicates for one new record and a search for a
 * mistyped name, each p99 against a primary-key lookup of a person in the same run; then the
 * batch job over every person. Runs in process: these are database figures, not HTTP ones.
 */
const given = [
  'oliver',
  'amelia',
  'george',
  'isla',
  'harry',
  'ava',
  'jack',
  'mia',
  'noah',
  'ivy',
  'leo',
  'freya',
  'arthur',
  'lily',
  'muhammad',
  'sophia',
  'aled',
  'cerys',
  'dylan',
  'megan',
];
const family = [
  'smith',
  'jones',
  'williams',
  'taylor',
  'brown',
  'davies',
  'evans',
  'wilson',
  'thomas',
  'johnson',
  'roberts',
  'robinson',
  'thompson',
  'wright',
  'walker',
  'white',
  'edwards',
  'hughes',
  'green',
  'hall',
  'okafor',
  'nowak',
  'patel',
  'khan',
  'pritchard',
];

async function seedPeople(db: Database, tenantId: string, n: number, log: (s: string) => void) {
  const batch = 50_000;
  for (let start = 0; start < n; start += batch) {
    const end = Math.min(start + batch, n);
    // Names from a fixed list, varied by a suffix so that name frequencies look like a town's.
    await db.query(
      `with s as (select i, ($3::text[])[1 + i % array_length($3::text[], 1)] as g,
                         ($4::text[])[1 + (i / 7) % array_length($4::text[], 1)] || case when i % 5 = 0 then '' else (i % 997)::text end as f
                    from generate_series($1::int, $2::int - 1) as i)
       insert into people (tenant_id, id, given_name, family_name, name_key, date_of_birth, postcode)
       select $5, md5('bench:' || i)::uuid, g, f, g || ' ' || f, date '1940-01-01' + (i % 25000),
              'RF' || (1 + i % 9) || ' ' || (1 + i % 9) || chr(65 + i % 26) || chr(65 + (i / 26) % 26)
         from s on conflict do nothing`,
      [start, end, given, family, tenantId],
    );
    await db.query(
      `insert into person_phones (tenant_id, person_id, phone)
       select $3, md5('bench:' || i)::uuid, '07' || lpad((i * 7919 % 1000000000)::text, 9, '0')
         from generate_series($1::int, $2::int - 1) as i on conflict do nothing`,
      [start, end, tenantId],
    );
    log(`crm: seeded ${end.toLocaleString('en-GB')} of ${n.toLocaleString('en-GB')} people`);
  }
  await db.query('analyze people');
  await db.query('analyze person_phones');
}

function p99(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]!;
}

async function timeEach(count: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await fn(i);
    times.push(performance.now() - t0);
  }
  return times;
}

export const crm: Suite = {
  name: 'crm',
  async run(h: Harness) {
    const people = Number(process.env.BENCH_CRM_PEOPLE ?? 1_000_000);
    const db = await openDatabase({
      databaseUrl: process.env.DATABASE_URL,
      dataDir: process.env.DATABASE_URL ? undefined : h.tmpPath('crm-pglite'),
    });
    try {
      await migrate(db);
      await seedDemo(db, { log: () => {}, seeds: [councilsSeed] });
      const [tenant] = await db.query<{ id: string }>(`select id from tenants where slug = 'riverford'`);
      const tenantId = tenant!.id;
      await seedPeople(db, tenantId, people, (s) => h.log(s));
      const samples = 300;
      const ids = Array.from({ length: samples }, (_, i) => (i * 104_729) % people);
      const idOf = async (i: number) =>
        (await db.query<{ id: string }>(`select md5('bench:' || $1::int)::uuid as id`, [i]))[0]!.id;
      const uuids = await Promise.all(ids.map(idOf));
      await timeEach(50, (i) =>
        db.query('select * from people where tenant_id = $1 and id = $2', [tenantId, uuids[i]]),
      );
      const pk = p99(
        await timeEach(samples, (i) =>
          db.query('select * from people where tenant_id = $1 and id = $2', [tenantId, uuids[i]]),
        ),
      );
      // A new record that resembles existing people: the candidates and their scores, kept.
      const newIds: string[] = [];
      for (let i = 0; i < samples; i++) {
        const [row] = await db.query<{ id: string }>(
          `insert into people (tenant_id, given_name, family_name, name_key, date_of_birth, postcode)
           values ($1, $2, $3, $4, date '1940-01-01' + $5::int, $6) returning id`,
          [
            tenantId,
            given[i % given.length],
            `${family[i % family.length]}${i}`,
            nameKey(given[i % given.length]!, `${family[i % family.length]}${i}`),
            i * 83,
            `RF${1 + (i % 9)} ${1 + (i % 9)}AA`,
          ],
        );
        newIds.push(row!.id);
      }
      await findDuplicatesOf(db, tenantId, newIds[0]!); // estimates the model once
      const candidates = p99(await timeEach(samples, (i) => findDuplicatesOf(db, tenantId, newIds[i]!)));
      const mistyped = p99(
        await timeEach(samples, (i) => {
          const f = family[i % family.length]!;
          const typo = `${f.slice(0, 2)}${f.slice(3)}`; // a letter dropped
          return searchPeopleByName(db, tenantId, nameKey(given[i % given.length]!, typo));
        }),
      );
      h.record({
        suite: 'crm',
        figure: `primary-key lookup of a person (${people.toLocaleString('en-GB')} people), p99`,
        value: fmt.ms(pk),
      });
      h.record({
        suite: 'crm',
        figure: 'candidate duplicates for one new record, p99',
        value: fmt.ms(candidates),
        ratio: `${fmt.ratio(candidates / pk)} × primary-key lookup`,
      });
      h.record({
        suite: 'crm',
        figure: 'person search, mistyped name, p99',
        value: fmt.ms(mistyped),
        ratio: `${fmt.ratio(mistyped / pk)} × primary-key lookup`,
      });
      const t0 = performance.now();
      const result = await runPeopleMatch(db, tenantId, { log: (s) => h.log(`crm: ${s}`) });
      h.record({
        suite: 'crm',
        figure: `people:match batch job, all ${people.toLocaleString('en-GB')} people`,
        value: fmt.ms(performance.now() - t0),
        ratio: `${result.pairs.toLocaleString('en-GB')} likely duplicates kept`,
      });
    } finally {
      await db.close();
    }
  },
};
