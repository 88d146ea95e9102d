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

/** Made-up surnames in their thousands, as a town has, from parts. */
const surnameParts = [
  [
    'ash',
    'brad',
    'carl',
    'dun',
    'ell',
    'fair',
    'grant',
    'hart',
    'ing',
    'jen',
    'kirk',
    'lang',
    'mor',
    'new',
    'old',
    'pen',
    'rad',
    'sand',
    'thorn',
    'up',
    'vaugh',
    'wood',
    'yar',
    'bell',
    'cross',
    'dal',
    'east',
    'frank',
    'gold',
    'hol',
    'lind',
    'mill',
    'north',
    'oak',
    'pres',
    'row',
    'stan',
    'tal',
    'wes',
    'whit',
  ],
  [
    'ley',
    'ton',
    'son',
    'field',
    'wood',
    'ford',
    'ham',
    'well',
    'wick',
    'by',
    'more',
    'er',
    'ington',
    'stone',
    'worth',
    'hurst',
    'den',
    'combe',
    'brook',
    'gate',
    'land',
    'man',
    'ridge',
    'shaw',
    'thwaite',
    'low',
    'mere',
    'sley',
    'cott',
    'bury',
  ],
];
const givenExtra = [
  'rhys',
  'sian',
  'owen',
  'nia',
  'tomos',
  'elin',
  'gareth',
  'ffion',
  'aisha',
  'omar',
  'zara',
  'yusuf',
  'chloe',
  'ethan',
  'grace',
  'jacob',
  'emily',
  'daniel',
  'ruby',
  'samuel',
];
const givenParts = [
  [
    'al',
    'be',
    'ca',
    'da',
    'el',
    'fa',
    'ga',
    'ha',
    'is',
    'ja',
    'ka',
    'la',
    'ma',
    'na',
    'ol',
    'pa',
    'ra',
    'sa',
    'ta',
    'wi',
  ],
  ['ice', 'ron', 'nia', 'vid', 'son', 'lyn', 'bel', 'rin', 'dra', 'tha', 'ley', 'mon', 'nor', 'ris', 'van'],
];
const surnameEndings = ['', '', '', 'e', 's', 'er', 'ell', 'ing'];

/**
 * A council's people, as they are spread: a few very common names and thousands of rarer
 * ones, about 40 people to a postcode, birthdays over ninety years, a mobile number each.
 * Choices come from a hash of the row number, so no two fields move in step.
 */
async function seedPeople(db: Database, tenantId: string, n: number, log: (s: string) => void) {
  const batch = 50_000;
  // A database kept from an earlier run (DATABASE_URL) already holds them: seeding is skipped.
  const [last] = await db.query(
    `select 1 from people where tenant_id = $1 and id = md5('bench:' || $2::int)::uuid`,
    [tenantId, n - 1],
  );
  if (last) {
    log(`crm: ${n.toLocaleString('en-GB')} people already seeded`);
    return;
  }
  const pick = (salt: string, list: number) =>
    `($${list}::text[])[1 + abs(hashtext('${salt}' || i)) % array_length($${list}::text[], 1)]`;
  for (let start = 0; start < n; start += batch) {
    const end = Math.min(start + batch, n);
    await db.query(
      `with s as (select i,
                         case when abs(hashtext('gc' || i)) % 2 = 0 then ${pick('g', 3)}
                              else ${pick('ga', 8)} || ${pick('gb', 9)} end as g,
                         case when abs(hashtext('fc' || i)) % 10 = 0 then ${pick('f', 4)}
                              else ${pick('fa', 6)} || ${pick('fb', 7)} || ${pick('fe', 10)} end as f,
                         i / 40 as pc
                    from generate_series($1::int, $2::int - 1) as i)
       insert into people (tenant_id, id, given_name, family_name, name_key, date_of_birth, postcode)
       select $5, md5('bench:' || i)::uuid, g, f, g || ' ' || f,
              date '1935-01-01' + abs(hashtext('d' || i)) % 33000,
              'RF' || (1 + pc % 20) || ' ' || (pc / 20) % 10 || chr(65 + (pc / 200) % 26) || chr(65 + (pc / 5200) % 26)
         from s on conflict do nothing`,
      [
        start,
        end,
        [...given, ...givenExtra],
        family,
        tenantId,
        surnameParts[0],
        surnameParts[1],
        givenParts[0],
        givenParts[1],
        surnameEndings,
      ],
    );
    await db.query(
      `insert into person_phones (tenant_id, person_id, phone)
       select $3, md5('bench:' || i)::uuid, '07' || lpad((i::bigint * 7919 % 1000000000)::text, 9, '0')
         from generate_series($1::int, $2::int - 1) as i on conflict do nothing`,
      [start, end, tenantId],
    );
    // One in fifty is on file twice, as councils find: a slip in the family name, the rest alike.
    await db.query(
      `insert into people (tenant_id, id, given_name, family_name, name_key, date_of_birth, postcode)
       select tenant_id, md5('bench-dup:' || i)::uuid, given_name,
              left(family_name, 2) || substr(family_name, 4), given_name || ' ' || left(family_name, 2) || substr(family_name, 4),
              date_of_birth, postcode
         from people, generate_series($1::int, $2::int - 1) as i
        where i % 50 = 0 and tenant_id = $3 and id = md5('bench:' || i)::uuid
       on conflict do nothing`,
      [start, end, tenantId],
    );
    await db.query(
      `insert into person_phones (tenant_id, person_id, phone)
       select $3, md5('bench-dup:' || i)::uuid, '07' || lpad((i::bigint * 7919 % 1000000000)::text, 9, '0')
         from generate_series($1::int, $2::int - 1) as i where i % 50 = 0 on conflict do nothing`,
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
      // Existing people seen again with a letter dropped from the family name (the commonest
      // slip): as a new record, its candidates and scores kept; as a search, its results.
      const originals = await db.query<{ g: string; f: string; dob: string; postcode: string }>(
        `select given_name as g, family_name as f, to_char(date_of_birth, 'YYYY-MM-DD') as dob, postcode
           from people where tenant_id = $1 and id = any($2::uuid[])`,
        [tenantId, uuids],
      );
      const typo = (f: string) => `${f.slice(0, 2)}${f.slice(3)}`;
      const newIds: string[] = [];
      for (const o of originals) {
        const [row] = await db.query<{ id: string }>(
          `insert into people (tenant_id, given_name, family_name, name_key, date_of_birth, postcode)
           values ($1, $2, $3, $4, $5::date, $6) returning id`,
          [tenantId, o.g, typo(o.f), nameKey(o.g, typo(o.f)), o.dob, o.postcode],
        );
        newIds.push(row!.id);
      }
      await findDuplicatesOf(db, tenantId, newIds[0]!); // estimates the model once
      let found = 0;
      const candidates = p99(
        await timeEach(newIds.length, async (i) => {
          const result = await findDuplicatesOf(db, tenantId, newIds[i]!);
          if (result > 0) found++;
        }),
      );
      const mistyped = p99(
        await timeEach(originals.length, (i) =>
          searchPeopleByName(db, tenantId, nameKey(originals[i]!.g, typo(originals[i]!.f))),
        ),
      );
      h.record({
        suite: 'crm',
        figure: `primary-key lookup of a person (${people.toLocaleString('en-GB')} people), p99`,
        value: fmt.ms(pk),
      });
      h.record({
        suite: 'crm',
        figure: `candidate duplicates for one new record, p99 (the original found for ${found} of ${newIds.length})`,
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
      // The records seen again go, so a kept database gives the next run the same people.
      await db.query(
        `delete from person_match_candidates where tenant_id = $1 and (person_a = any($2::uuid[]) or person_b = any($2::uuid[]))`,
        [tenantId, newIds],
      );
      await db.query('delete from people where tenant_id = $1 and id = any($2::uuid[])', [tenantId, newIds]);
    } finally {
      await db.close();
    }
  },
};
