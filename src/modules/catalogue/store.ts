import type { Queryable } from '../../db/database.ts';
import type { LocalText } from '../../platform/i18n/local-text.ts';

export interface ServiceSummary {
  slug: string;
  name: LocalText;
  summary: LocalText;
}

export async function listPublishedServices(q: Queryable, tenantId: string): Promise<ServiceSummary[]> {
  return q.query<ServiceSummary>(
    `select slug, name, summary from services
      where tenant_id = $1 and published
      order by lower(name->>'en')`,
    [tenantId],
  );
}

/**
 * Services matching what a person typed, best first: words (English stemming, so plurals
 * match) or near spellings (trigram similarity, so "bin colection" still finds collections).
 */
export async function searchServices(
  q: Queryable,
  tenantId: string,
  text: string,
): Promise<ServiceSummary[]> {
  return q.query<ServiceSummary>(
    `with doc as (
       select slug, name, summary,
              concat_ws(' ', name->>'en', name->>'cy', summary->>'en', summary->>'cy', keywords) as body
         from services where tenant_id = $1 and published
     )
     select slug, name, summary from doc
      where to_tsvector('english', body) @@ plainto_tsquery('english', $2)
         or word_similarity($2, body) > 0.45
      order by ts_rank(to_tsvector('english', body), plainto_tsquery('english', $2)) desc,
               word_similarity($2, body) desc, lower(name->>'en')
      limit 50`,
    [tenantId, text],
  );
}

export interface ServiceInput extends ServiceSummary {
  keywords?: string;
  published?: boolean;
}

export async function upsertService(q: Queryable, tenantId: string, s: ServiceInput): Promise<void> {
  await q.query(
    `insert into services (tenant_id, slug, name, summary, keywords, published) values ($1, $2, $3, $4, $5, $6)
     on conflict (tenant_id, slug) do update set name = excluded.name, summary = excluded.summary,
       keywords = excluded.keywords, published = excluded.published, updated_at = now()`,
    [
      tenantId,
      s.slug,
      JSON.stringify(s.name),
      JSON.stringify(s.summary),
      s.keywords ?? '',
      s.published ?? true,
    ],
  );
}
