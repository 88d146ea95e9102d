import type { Queryable } from '../../db/database.ts';
import { checkCharacter, formatReference, referenceAlphabet } from '../../platform/references/reference.ts';

/**
 * Many street reports for the benchmarks (`doorstep bench:seed`): a council's categories,
 * spread over its gazetteer's area and over three years, most of them long fixed. Each report
 * is a case like any other. References are drawn from the report's number, so a second run
 * continues where a stopped one ended and makes no report twice.
 */

export interface BenchSeedOptions {
  council: string;
  reports: number;
  batch?: number;
  /** Stop between batches when this says so (Ctrl-C); what is written stays written. */
  stopped?: () => boolean;
  progress?: (done: number, total: number) => void;
  now?: Date;
}

/** A reference whose body counts up from the report's number, with its check character. */
export function benchReference(prefix: string, n: number): string {
  let data = '';
  let rest = n;
  for (let i = 0; i < 7; i++) {
    data = referenceAlphabet[rest % 32]! + data;
    rest = Math.floor(rest / 32);
  }
  // "B" first marks bench reports (numbers below 32^6 leave the first character free).
  data = `B${data.slice(1)}`;
  return formatReference(prefix, data + checkCharacter(data));
}

/** A small deterministic generator (mulberry32), so every run makes the same reports. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function benchSeed(
  db: Queryable,
  o: BenchSeedOptions,
): Promise<{ made: number; total: number }> {
  const [tenant] = await db.query<{ id: string; prefix: string }>(
    'select id, prefix from tenants where slug = $1',
    [o.council],
  );
  if (!tenant) throw new Error(`bench:seed: no council "${o.council}"`);
  const categories = (
    await db.query<{ code: string }>(
      'select code from report_categories where tenant_id = $1 and active order by code',
      [tenant.id],
    )
  ).map((c) => c.code);
  if (!categories.length) throw new Error(`bench:seed: ${o.council} has no report categories`);
  const [box] = await db.query<{ minLat: number; maxLat: number; minLng: number; maxLng: number }>(
    `select min(lat) as "minLat", max(lat) as "maxLat", min(lng) as "minLng", max(lng) as "maxLng"
       from addresses where tenant_id = $1`,
    [tenant.id],
  );
  if (box?.minLat == null) throw new Error(`bench:seed: ${o.council} has no gazetteer addresses`);
  const [{ n: already }] = (await db.query<{ n: number }>(
    `select count(*)::int as n from reports where tenant_id = $1 and made_on = 'bench'`,
    [tenant.id],
  )) as [{ n: number }];
  const batch = o.batch ?? 20_000;
  const now = (o.now ?? new Date()).getTime();
  const threeYears = 3 * 365 * 24 * 60 * 60 * 1000;
  const statuses = ['completed', 'completed', 'completed', 'closed', 'closed', 'received', 'in-progress'];
  let done = already;
  o.progress?.(done, o.reports);
  while (done < o.reports && !o.stopped?.()) {
    const size = Math.min(batch, o.reports - done);
    const refs: string[] = [];
    const cats: string[] = [];
    const states: string[] = [];
    const times: string[] = [];
    const lats: number[] = [];
    const lngs: number[] = [];
    for (let i = 0; i < size; i++) {
      const n = done + i;
      const r = random(n + 1);
      refs.push(benchReference(tenant.prefix, n));
      cats.push(categories[Math.floor(r() * categories.length)]!);
      states.push(statuses[Math.floor(r() * statuses.length)]!);
      times.push(new Date(now - Math.floor(r() * threeYears)).toISOString());
      lats.push(box.minLat + r() * (box.maxLat - box.minLat));
      lngs.push(box.minLng + r() * (box.maxLng - box.minLng));
    }
    // One statement per batch: the cases, then their reports, joined on the reference.
    await db.query(
      `with made as (
         insert into cases (tenant_id, reference, service_slug, queue, status, created_at, updated_at, submission_key)
         select $1, u.ref, 'report-' || u.cat, 'report-' || u.cat, u.state, u.at, u.at, 'bench:' || u.ref
           from unnest($2::text[], $3::text[], $4::text[], $5::timestamptz[]) as u(ref, cat, state, at)
         on conflict do nothing
         returning id, reference, created_at
       )
       insert into reports (tenant_id, case_id, reference, category, title, original_title, description, lat, lng,
         made_on, channel, created_at, updated_at)
       select $1, made.id, made.reference, u.cat, 'Reported problem', 'Reported problem', '', u.lat, u.lng,
         'bench', 'web', made.created_at, made.created_at
         from made join unnest($2::text[], $3::text[], $6::float8[], $7::float8[]) as u(ref, cat, lat, lng)
           on u.ref = made.reference`,
      [tenant.id, refs, cats, states, times, lats, lngs],
    );
    done += size;
    o.progress?.(done, o.reports);
  }
  return { made: done - already, total: done };
}
