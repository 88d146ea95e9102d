import type { Queryable } from '../../db/database.ts';
import type { BinRound, CollectionChange } from './schedule.ts';

export async function findRound(q: Queryable, tenantId: string, code: string): Promise<BinRound | undefined> {
  const [row] = await q.query<BinRound>(
    'select code, name, weekday, services from bin_rounds where tenant_id = $1 and code = $2',
    [tenantId, code],
  );
  return row;
}

/** Whether the council collects bins at all (it is the waste collection authority). */
export async function collectsBins(q: Queryable, tenantId: string): Promise<boolean> {
  const [row] = await q.query<{ yes: boolean }>(
    'select exists (select 1 from bin_rounds where tenant_id = $1) as yes',
    [tenantId],
  );
  return row?.yes ?? false;
}

/** Changes that move a collection from or into the dates given (inclusive). */
export async function listChanges(
  q: Queryable,
  tenantId: string,
  first: string,
  last: string,
): Promise<CollectionChange[]> {
  return q.query<CollectionChange>(
    `select to_char(original_date, 'YYYY-MM-DD') as "originalDate", to_char(new_date, 'YYYY-MM-DD') as "newDate",
            reason
       from collection_changes
      where tenant_id = $1
        and (original_date between $2::date and $3::date or new_date between $2::date and $3::date)
      order by original_date`,
    [tenantId, first, last],
  );
}

export async function upsertRounds(
  q: Queryable,
  tenantId: string,
  rounds: readonly BinRound[],
): Promise<void> {
  if (!rounds.length) return;
  await q.query(
    `insert into bin_rounds (tenant_id, code, name, weekday, services)
     select $1, r.code, r.name, r.weekday, r.services
       from jsonb_to_recordset($2::jsonb) as r(code text, name jsonb, weekday smallint, services jsonb)
     on conflict (tenant_id, code) do update set
       name = excluded.name, weekday = excluded.weekday, services = excluded.services, updated_at = now()`,
    [tenantId, JSON.stringify(rounds)],
  );
}

export async function upsertChanges(
  q: Queryable,
  tenantId: string,
  changes: readonly CollectionChange[],
): Promise<void> {
  if (!changes.length) return;
  await q.query(
    `insert into collection_changes (tenant_id, original_date, new_date, reason)
     select $1, r."originalDate", r."newDate", r.reason
       from jsonb_to_recordset($2::jsonb) as r("originalDate" date, "newDate" date, reason jsonb)
     on conflict (tenant_id, original_date) do update set new_date = excluded.new_date, reason = excluded.reason`,
    [tenantId, JSON.stringify(changes)],
  );
}

export async function listRounds(q: Queryable, tenantId: string): Promise<BinRound[]> {
  return q.query<BinRound>(
    'select code, name, weekday, services from bin_rounds where tenant_id = $1 order by code',
    [tenantId],
  );
}

export async function findChange(
  q: Queryable,
  tenantId: string,
  originalDate: string,
): Promise<CollectionChange | undefined> {
  const [row] = await q.query<CollectionChange>(
    `select to_char(original_date, 'YYYY-MM-DD') as "originalDate", to_char(new_date, 'YYYY-MM-DD') as "newDate",
            reason from collection_changes where tenant_id = $1 and original_date = $2::date`,
    [tenantId, originalDate],
  );
  return row;
}

export interface TouchedAddress {
  uprn: string;
  line1: string;
  town: string;
  postcode: string;
  facts: Record<string, string>;
}

/** The addresses with these UPRNs (their facts as they are now), in UPRN order. */
export async function addressesByUprn(
  q: Queryable,
  tenantId: string,
  uprns: readonly string[],
): Promise<TouchedAddress[]> {
  if (!uprns.length) return [];
  return q.query<TouchedAddress>(
    `select uprn, line1, town, postcode, facts from addresses where tenant_id = $1 and uprn = any($2::text[])
      order by length(uprn), uprn`,
    [tenantId, uprns],
  );
}

/** Addresses on the given rounds: how many, and the first few as a sample. */
export async function addressesOnRounds(
  q: Queryable,
  tenantId: string,
  rounds: readonly string[],
  sample: number,
): Promise<{ count: number; sample: TouchedAddress[] }> {
  if (!rounds.length) return { count: 0, sample: [] };
  const [row] = await q.query<{ n: number }>(
    `select count(*)::int as n from addresses where tenant_id = $1 and facts->>'binRound' = any($2::text[])`,
    [tenantId, rounds],
  );
  const list = await q.query<TouchedAddress>(
    `select uprn, line1, town, postcode, facts from addresses
      where tenant_id = $1 and facts->>'binRound' = any($2::text[]) order by postcode, line1 limit $3`,
    [tenantId, rounds, sample],
  );
  return { count: row?.n ?? 0, sample: list };
}

/** Sets each address's facts to those given (a fact absent from the object is removed). */
export async function replaceFacts(
  q: Queryable,
  tenantId: string,
  rows: readonly { uprn: string; facts: Record<string, string> }[],
): Promise<void> {
  if (!rows.length) return;
  await q.query(
    `update addresses a set facts = r.facts, updated_at = now()
       from jsonb_to_recordset($2::jsonb) as r(uprn text, facts jsonb)
      where a.tenant_id = $1 and a.uprn = r.uprn`,
    [tenantId, JSON.stringify(rows)],
  );
}
