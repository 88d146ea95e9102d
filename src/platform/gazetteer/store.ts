import type { Queryable } from '../../db/database.ts';
import { normalisePostcode } from './postcode.ts';

/** Facts about a property, e.g. { binRound: 'RF-MON-A', ward: 'Riverside' }. */
export type AddressFacts = Record<string, string>;

export interface Address {
  uprn: string;
  line1: string;
  line2: string | null;
  town: string;
  /** Normalised, "RF1 1AA". */
  postcode: string;
  lat: number;
  lng: number;
  facts: AddressFacts;
}

const columns = 'uprn, line1, line2, town, postcode, lat, lng, facts';

// Street, then house or flat number as a number (2 before 10), named buildings first.
const addressOrder = `case when line1 ~ '^[0-9]' then regexp_replace(line1, '^[0-9]+[A-Z]?,?\\s*', '')
    else coalesce(line2, line1) end,
  nullif(substring(line1 from '[0-9]+'), '')::int nulls first, line1`;

/** Every address in a postcode, in street and number order; the postcode may be typed any way. */
export async function findByPostcode(q: Queryable, tenantId: string, postcode: string): Promise<Address[]> {
  const normalised = normalisePostcode(postcode);
  if (!normalised) return [];
  return q.query<Address>(
    `select ${columns} from addresses where tenant_id = $1 and postcode = $2 order by ${addressOrder}`,
    [tenantId, normalised],
  );
}

export async function findByUprn(q: Queryable, tenantId: string, uprn: string): Promise<Address | undefined> {
  if (!/^\d{1,12}$/.test(uprn)) return undefined;
  const [row] = await q.query<Address>(
    `select ${columns} from addresses where tenant_id = $1 and uprn = $2`,
    [tenantId, uprn.replace(/^0+(?=\d)/, '')],
  );
  return row;
}

/**
 * Addresses matching what a person typed, best first: a postcode finds its addresses; other
 * text matches the address's words, forgiving small misspellings (trigram word similarity).
 */
export async function searchAddresses(
  q: Queryable,
  tenantId: string,
  text: string,
  limit = 20,
): Promise<Address[]> {
  const query = text.trim().toLowerCase().replace(/\s+/g, ' ').slice(0, 200);
  if (query.length < 2) return [];
  const postcode = normalisePostcode(query);
  if (postcode) return (await findByPostcode(q, tenantId, postcode)).slice(0, limit);
  const like = `%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return q.query<Address>(
    `select ${columns} from addresses
      where tenant_id = $1 and (search_text like $3 or $2 <% search_text)
      order by (search_text like $3) desc, word_similarity($2, search_text) desc, ${addressOrder}
      limit $4`,
    [tenantId, query, like, Math.max(1, Math.min(limit, 100))],
  );
}

export interface UpsertResult {
  inserted: number;
  updated: number;
  unchanged: number;
}

/**
 * Inserts or updates addresses in one statement (call it with batches of a few thousand).
 * `facts: 'merge'` keeps facts the rows do not mention (an import without a bin round column
 * keeps the bin rounds); `replace` makes the facts exactly those given. A UPRN given twice
 * keeps its last row. Rows that would not change are not written.
 */
export async function upsertAddresses(
  q: Queryable,
  tenantId: string,
  rows: readonly Address[],
  options: { facts?: 'merge' | 'replace' } = {},
): Promise<UpsertResult> {
  const byUprn = new Map<string, Address>();
  for (const row of rows) byUprn.set(row.uprn, row);
  if (byUprn.size === 0) return { inserted: 0, updated: 0, unchanged: 0 };
  const facts = options.facts === 'merge' ? 'addresses.facts || excluded.facts' : 'excluded.facts';
  const written = await q.query<{ inserted: boolean }>(
    `insert into addresses as addresses (tenant_id, ${columns})
     select $1, r.uprn, r.line1, r.line2, r.town, r.postcode, r.lat, r.lng, coalesce(r.facts, '{}')
       from jsonb_to_recordset($2::jsonb) as r(uprn text, line1 text, line2 text, town text,
            postcode text, lat double precision, lng double precision, facts jsonb)
     on conflict (tenant_id, uprn) do update set
       line1 = excluded.line1, line2 = excluded.line2, town = excluded.town, postcode = excluded.postcode,
       lat = excluded.lat, lng = excluded.lng, facts = ${facts}, updated_at = now()
     where (addresses.line1, addresses.line2, addresses.town, addresses.postcode, addresses.lat,
            addresses.lng, addresses.facts)
        is distinct from (excluded.line1, excluded.line2, excluded.town, excluded.postcode, excluded.lat,
            excluded.lng, ${facts})
     returning (xmax = 0) as inserted`,
    [tenantId, JSON.stringify([...byUprn.values()])],
  );
  const inserted = written.filter((r) => r.inserted).length;
  return { inserted, updated: written.length - inserted, unchanged: byUprn.size - written.length };
}

export async function countAddresses(q: Queryable, tenantId: string): Promise<number> {
  const [row] = await q.query<{ n: number }>(
    'select count(*)::int as n from addresses where tenant_id = $1',
    [tenantId],
  );
  return row?.n ?? 0;
}
