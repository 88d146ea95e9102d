import type { Queryable } from '../../db/database.ts';

/** One answer per case: answering again replaces the earlier one. */
export async function saveCaseSatisfaction(
  q: Queryable,
  tenantId: string,
  a: { caseId: string; serviceSlug: string | null; rating: string; comment: string },
): Promise<void> {
  await q.query(
    `insert into satisfaction (tenant_id, case_id, service_slug, rating, comment) values ($1, $2, $3, $4, $5)
     on conflict (tenant_id, case_id) where case_id is not null
     do update set rating = excluded.rating, comment = excluded.comment, created_at = now()`,
    [tenantId, a.caseId, a.serviceSlug, a.rating, a.comment],
  );
}

export async function satisfactionForCase(
  q: Queryable,
  tenantId: string,
  caseId: string,
): Promise<{ rating: string; comment: string } | undefined> {
  const [row] = await q.query<{ rating: string; comment: string }>(
    'select rating, comment from satisfaction where tenant_id = $1 and case_id = $2',
    [tenantId, caseId],
  );
  return row;
}
