import type { Seed } from '../../platform/seeds/seeds.ts';
import { nameKey } from './contact.ts';
import { findDuplicatesOf } from './duplicates.ts';
import { mulberry32 } from './matching/model.ts';

const given = [
  'Aled',
  'Bethan',
  'Carys',
  'Dafydd',
  'Eleri',
  'Ffion',
  'Gareth',
  'Harriet',
  'Idris',
  'Jasmine',
  'Kwame',
  'Lowri',
  'Mohammed',
  'Nia',
  'Owen',
  'Priya',
  'Rhys',
  'Sian',
  'Tomasz',
  'Zara',
];
const family = [
  'Evans',
  'Hughes',
  'Jones',
  'Morgan',
  'Okafor',
  'Patel',
  'Price',
  'Roberts',
  'Nowak',
  'Thomas',
  'Williams',
  'Davies',
  'Khan',
  'Lewis',
  'Walker',
];
const reasons = [
  ['Missed bin', 'information-given', 'chasing-progress'],
  ['Council tax bill', 'resolved', null],
  ['Pothole on the road', 'case-raised', null],
  ['Bulky waste booking', 'resolved', 'unclear-information'],
  ['Missed bin again', 'referred', 'repeat-unresolved'],
  ['Parking permit', 'information-given', null],
] as const;
const channels = ['phone', 'phone', 'face-to-face', 'email', 'letter'] as const;

/**
 * Demo people on demo addresses (households), a few organisations with contacts, earlier
 * contacts on every channel, service-level targets per queue, and some duplicates for the
 * review screen. Ids are derived from the council and a number, so running it again adds nothing.
 */
export const crmSeed: Seed = {
  module: 'crm',
  version: 1,
  async run(tx) {
    const councils = await tx.query<{ id: string; slug: string }>(
      `select id, slug from tenants where slug in ('northshire', 'riverford') order by slug`,
    );
    for (const council of councils) {
      const levels: [string, number][] = [
        ['missed-bin-collection', 2],
        ['replacement-bin', 10],
        ['bulky-waste', 5],
        ['noise-nuisance', 10],
        ['residents-parking-permit', 10],
        ['dropped-kerb', 20],
      ];
      for (const [queue, days] of levels)
        await tx.query(
          'insert into service_levels (tenant_id, queue, working_days) values ($1, $2, $3) on conflict do nothing',
          [council.id, queue, days],
        );
      const addresses = await tx.query<{
        uprn: string;
        line1: string;
        line2: string | null;
        town: string;
        postcode: string;
      }>(
        'select uprn, line1, line2, town, postcode from addresses where tenant_id = $1 order by uprn limit 60',
        [council.id],
      );
      if (!addresses.length) continue;
      const random = mulberry32(council.slug === 'riverford' ? 11 : 29);
      const made: string[] = [];
      let last = { g: '', f: '', a: addresses[0]! };
      for (let n = 0; n < 60; n++) {
        // Every eighth person is the one before, recorded again and spelt differently, as call centres do.
        const twin = n % 8 === 7;
        const g = twin ? last.g : given[Math.floor(random() * given.length)]!;
        const f = twin ? last.f : family[Math.floor(random() * family.length)]!;
        const a = twin ? last.a : addresses[n % addresses.length]!;
        last = { g, f, a };
        const prev = twin ? made.length - 1 : -1;
        const [row] = await tx.query<{ id: string }>(
          `insert into people (tenant_id, id, given_name, family_name, name_key, date_of_birth, uprn, address, postcode,
             preferred_language)
           values ($1, md5($2)::uuid, $3, $4, $5, $6, $7, $8, $9, $10)
           on conflict do nothing returning id`,
          [
            council.id,
            `${council.id}:person:${n}`,
            g,
            twin ? `${f.slice(0, -1)}${f.endsWith('s') ? 'z' : 's'}` : f,
            nameKey(g, f),
            n % 3 === 0 ? `19${50 + (n % 45)}-0${1 + (n % 9)}-1${n % 9}` : null,
            a.uprn,
            JSON.stringify({
              uprn: a.uprn,
              line1: a.line1,
              line2: a.line2 ?? undefined,
              town: a.town,
              postcode: a.postcode,
            }),
            a.postcode,
            n % 5 === 0 ? 'cy' : 'en',
          ],
        );
        if (!row) continue;
        made.push(row.id);
        const phone = `07700${String(900000 + n * 37).padStart(6, '0')}`;
        await tx.query(
          'insert into person_phones (tenant_id, person_id, phone) values ($1, $2, $3) on conflict do nothing',
          [
            council.id,
            row.id,
            twin && prev >= 0 ? `07700${String(900000 + (n - 1) * 37).padStart(6, '0')}` : phone,
          ],
        );
        await tx.query(
          'insert into person_emails (tenant_id, person_id, email) values ($1, $2, $3) on conflict do nothing',
          [council.id, row.id, `${g}.${f}${n}@example.com`.toLowerCase()],
        );
        for (let k = 0; k < 1 + (n % 3); k++) {
          const [reason, outcome, avoidable] = reasons[(n + k) % reasons.length]!;
          await tx.query(
            `insert into interactions (tenant_id, channel, kind, person_id, uprn, summary, reason, outcome, avoidable,
               occurred_at)
             values ($1, $2, 'contact', $3, $4, $5, $5, $6, $7, now() - make_interval(days => $8))`,
            [
              council.id,
              channels[(n + k) % channels.length],
              row.id,
              a.uprn,
              reason,
              outcome,
              avoidable,
              3 + n + k * 9,
            ],
          );
        }
      }
      const organisations = [
        ['Riverford Food Bank', 'charity'],
        ['Millbrook Tenants’ Association', 'partner'],
        ['Bridge Road Garage', 'business'],
      ] as const;
      for (const [i, [name, kind]] of organisations.entries()) {
        const [org] = await tx.query<{ id: string }>(
          `insert into organisations (tenant_id, id, name, kind, email)
           values ($1, md5($2)::uuid, $3, $4, $5) on conflict do nothing returning id`,
          [council.id, `${council.id}:org:${i}`, name, kind, `hello${i}@example.org`],
        );
        if (org && made[i * 3])
          await tx.query(
            `insert into organisation_contacts (tenant_id, organisation_id, person_id, role) values ($1, $2, $3, $4)
             on conflict do nothing`,
            [council.id, org.id, made[i * 3], i === 1 ? 'Chair' : 'Manager'],
          );
      }
      for (const id of made.filter((_, i) => i % 8 === 7)) await findDuplicatesOf(tx, council.id, id);
    }
  },
};
