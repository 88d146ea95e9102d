import type { Queryable } from '../../db/database.ts';

export interface StoredDefinition {
  slug: string;
  version: number;
  definition: unknown;
}

/** The newest published version of a form, or undefined. */
export async function latestPublished(
  q: Queryable,
  tenantId: string,
  slug: string,
): Promise<StoredDefinition | undefined> {
  const [row] = await q.query<StoredDefinition>(
    `select slug, version, definition from form_definitions
      where tenant_id = $1 and slug = $2 and status = 'published' order by version desc limit 1`,
    [tenantId, slug],
  );
  return row;
}

export async function publishedSlugs(q: Queryable, tenantId: string): Promise<Set<string>> {
  const rows = await q.query<{ slug: string }>(
    `select distinct slug from form_definitions where tenant_id = $1 and status = 'published'`,
    [tenantId],
  );
  return new Set(rows.map((r) => r.slug));
}

export async function findVersion(
  q: Queryable,
  tenantId: string,
  slug: string,
  version: number,
): Promise<StoredDefinition | undefined> {
  const [row] = await q.query<StoredDefinition>(
    `select slug, version, definition from form_definitions where tenant_id = $1 and slug = $2 and version = $3`,
    [tenantId, slug, version],
  );
  return row;
}
