import type { Queryable } from '../../db/database.ts';

export async function findWebhookSecret(
  q: Queryable,
  tenantId: string,
  name: string,
): Promise<string | undefined> {
  const [row] = await q.query<{ secret: string }>(
    'select secret from webhook_secrets where tenant_id = $1 and name = $2',
    [tenantId, name],
  );
  return row?.secret;
}

export async function upsertWebhookSecret(
  q: Queryable,
  tenantId: string,
  name: string,
  secret: string,
): Promise<void> {
  await q.query(
    `insert into webhook_secrets (tenant_id, name, secret) values ($1, $2, $3)
     on conflict (tenant_id, name) do update set secret = excluded.secret`,
    [tenantId, name, secret],
  );
}
