import type { Queryable } from '../../db/database.ts';
import type { LocalText } from '../../platform/i18n/local-text.ts';

export const channels = ['web', 'phone', 'face-to-face', 'email', 'letter'] as const;
export type Channel = (typeof channels)[number];

export interface ServiceSummary {
  slug: string;
  name: LocalText;
  summary: LocalText;
}

export interface Service extends ServiceSummary {
  topicSlug: string | null;
  description: LocalText;
  eligibility: LocalText;
  cost: LocalText;
  duration: LocalText;
  nextSteps: LocalText;
  startTarget: string | null;
  channels: Channel[];
  keywords: string;
  published: boolean;
}

export interface Topic {
  slug: string;
  name: LocalText;
  summary: LocalText;
}

export interface HelpArticle {
  slug: string;
  title: LocalText;
  summary: LocalText;
  body: LocalText;
  topicSlug: string | null;
}

export interface DisruptionNotice {
  id: string;
  serviceSlug: string | null;
  title: LocalText;
  body: LocalText;
  startsAt: Date;
  endsAt: Date | null;
}

export interface SearchHit {
  kind: 'service' | 'help';
  slug: string;
  title: LocalText;
  summary: LocalText;
}

const serviceColumns = `slug, name, summary, topic_slug as "topicSlug", description, eligibility, cost, duration,
  next_steps as "nextSteps", start_target as "startTarget", channels, keywords, published`;

export async function listPublishedServices(q: Queryable, tenantId: string): Promise<ServiceSummary[]> {
  return q.query<ServiceSummary>(
    `select slug, name, summary from services where tenant_id = $1 and published order by lower(name->>'en')`,
    [tenantId],
  );
}

export async function listServicesInTopic(
  q: Queryable,
  tenantId: string,
  topicSlug: string,
): Promise<ServiceSummary[]> {
  return q.query<ServiceSummary>(
    `select slug, name, summary from services where tenant_id = $1 and topic_slug = $2 and published
      order by lower(name->>'en')`,
    [tenantId, topicSlug],
  );
}

export async function findService(
  q: Queryable,
  tenantId: string,
  slug: string,
): Promise<Service | undefined> {
  const [row] = await q.query<Service>(
    `select ${serviceColumns} from services where tenant_id = $1 and slug = $2 and published`,
    [tenantId, slug],
  );
  return row;
}

export async function listTopics(q: Queryable, tenantId: string): Promise<Topic[]> {
  return q.query<Topic>(
    `select slug, name, summary from topics where tenant_id = $1 order by position, slug`,
    [tenantId],
  );
}

export async function findTopic(q: Queryable, tenantId: string, slug: string): Promise<Topic | undefined> {
  const [row] = await q.query<Topic>(
    `select slug, name, summary from topics where tenant_id = $1 and slug = $2`,
    [tenantId, slug],
  );
  return row;
}

export async function findHelpArticle(
  q: Queryable,
  tenantId: string,
  slug: string,
): Promise<HelpArticle | undefined> {
  const [row] = await q.query<HelpArticle>(
    `select slug, title, summary, body, topic_slug as "topicSlug" from help_articles
      where tenant_id = $1 and slug = $2 and published`,
    [tenantId, slug],
  );
  return row;
}

export async function listHelpInTopic(
  q: Queryable,
  tenantId: string,
  topicSlug: string,
): Promise<SearchHit[]> {
  return q.query<SearchHit>(
    `select 'help' as kind, slug, title, summary from help_articles
      where tenant_id = $1 and topic_slug = $2 and published order by lower(title->>'en')`,
    [tenantId, topicSlug],
  );
}

/** Notices in force at `at`: for the whole site (no service) and, when given, for one service. */
export async function currentNotices(
  q: Queryable,
  tenantId: string,
  at: Date,
  serviceSlug?: string,
): Promise<DisruptionNotice[]> {
  return q.query<DisruptionNotice>(
    `select id, service_slug as "serviceSlug", title, body, starts_at as "startsAt", ends_at as "endsAt"
       from disruption_notices
      where tenant_id = $1 and starts_at <= $2 and (ends_at is null or ends_at > $2)
        and ($3::text is null or service_slug is null or service_slug = $3)
      order by starts_at desc`,
    [tenantId, at, serviceSlug ?? null],
  );
}

/**
 * Services and help articles matching what a person typed, best first: words with English
 * stemming (so plurals match) in either language, or near spellings (so "bin colection"
 * still finds "missed bin collection"): each typed word is compared by trigram similarity
 * with the words of the text, and the typed words must match well on average. Comparing
 * word by word, rather than the whole text, keeps short queries from matching at random.
 */
export async function search(q: Queryable, tenantId: string, text: string): Promise<SearchHit[]> {
  return q.query<SearchHit>(
    `with typed as (
       select array_agg(w) as words
         from regexp_split_to_table(lower(unaccent($2)), '[^[:alnum:]]+') as w where length(w) > 1
     ), doc as (
       select 'service' as kind, slug, name as title, summary,
              concat_ws(' ', name->>'en', name->>'cy', summary->>'en', summary->>'cy', keywords) as body, 1.0 as weight
         from services where tenant_id = $1 and published
       union all
       select 'help', slug, title, summary,
              concat_ws(' ', title->>'en', title->>'cy', summary->>'en', summary->>'cy', keywords), 0.8
         from help_articles where tenant_id = $1 and published
     ), scored as (
       select kind, slug, title, summary, weight,
              to_tsvector('english', body) @@ plainto_tsquery('english', $2) as matches,
              ts_rank(to_tsvector('english', body), plainto_tsquery('english', $2)) as rank,
              (select avg(coalesce((select max(similarity(w, t))
                                      from unnest(regexp_split_to_array(lower(unaccent(body)), '[^[:alnum:]]+')) as w), 0))
                 from typed, unnest(typed.words) as t) as near
         from doc
     )
     select kind, slug, title, summary from scored
      where matches or near >= 0.5
      order by (rank + coalesce(near, 0)) * weight desc, lower(title->>'en')
      limit 50`,
    [tenantId, text],
  );
}

export interface ServiceInput extends ServiceSummary {
  keywords?: string;
  published?: boolean;
  topicSlug?: string | null;
  description?: LocalText;
  eligibility?: LocalText;
  cost?: LocalText;
  duration?: LocalText;
  nextSteps?: LocalText;
  startTarget?: string | null;
  channels?: Channel[];
}

const empty = { en: '' };

export async function upsertService(q: Queryable, tenantId: string, s: ServiceInput): Promise<void> {
  await q.query(
    `insert into services (tenant_id, slug, name, summary, keywords, published, topic_slug, description, eligibility,
                           cost, duration, next_steps, start_target, channels)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
     on conflict (tenant_id, slug) do update set name = excluded.name, summary = excluded.summary,
       keywords = excluded.keywords, published = excluded.published, topic_slug = excluded.topic_slug,
       description = excluded.description, eligibility = excluded.eligibility, cost = excluded.cost,
       duration = excluded.duration, next_steps = excluded.next_steps, start_target = excluded.start_target,
       channels = excluded.channels, updated_at = now()`,
    [
      tenantId,
      s.slug,
      JSON.stringify(s.name),
      JSON.stringify(s.summary),
      s.keywords ?? '',
      s.published ?? true,
      s.topicSlug ?? null,
      JSON.stringify(s.description ?? empty),
      JSON.stringify(s.eligibility ?? empty),
      JSON.stringify(s.cost ?? empty),
      JSON.stringify(s.duration ?? empty),
      JSON.stringify(s.nextSteps ?? empty),
      s.startTarget ?? null,
      s.channels ?? ['web'],
    ],
  );
}

export async function upsertTopic(
  q: Queryable,
  tenantId: string,
  t: Topic & { position: number },
): Promise<void> {
  await q.query(
    `insert into topics (tenant_id, slug, name, summary, position) values ($1, $2, $3, $4, $5)
     on conflict (tenant_id, slug) do update set name = excluded.name, summary = excluded.summary,
       position = excluded.position`,
    [tenantId, t.slug, JSON.stringify(t.name), JSON.stringify(t.summary), t.position],
  );
}

export async function upsertHelpArticle(
  q: Queryable,
  tenantId: string,
  a: HelpArticle & { keywords?: string },
): Promise<void> {
  await q.query(
    `insert into help_articles (tenant_id, slug, title, summary, body, keywords, topic_slug) values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (tenant_id, slug) do update set title = excluded.title, summary = excluded.summary, body = excluded.body,
       keywords = excluded.keywords, topic_slug = excluded.topic_slug, updated_at = now()`,
    [
      tenantId,
      a.slug,
      JSON.stringify(a.title),
      JSON.stringify(a.summary),
      JSON.stringify(a.body),
      a.keywords ?? '',
      a.topicSlug,
    ],
  );
}

/** A notice is identified by its service and title, so seeding it again updates it. */
export async function upsertNotice(
  q: Queryable,
  tenantId: string,
  n: Omit<DisruptionNotice, 'id'>,
): Promise<void> {
  const [existing] = await q.query<{ id: string }>(
    `select id from disruption_notices where tenant_id = $1 and service_slug is not distinct from $2 and title->>'en' = $3`,
    [tenantId, n.serviceSlug, n.title.en],
  );
  if (existing) {
    await q.query(
      `update disruption_notices set body = $3, starts_at = $4, ends_at = $5 where tenant_id = $1 and id = $2`,
      [tenantId, existing.id, JSON.stringify(n.body), n.startsAt, n.endsAt],
    );
    return;
  }
  await q.query(
    `insert into disruption_notices (tenant_id, service_slug, title, body, starts_at, ends_at) values ($1, $2, $3, $4, $5, $6)`,
    [tenantId, n.serviceSlug, JSON.stringify(n.title), JSON.stringify(n.body), n.startsAt, n.endsAt],
  );
}
