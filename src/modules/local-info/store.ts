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
