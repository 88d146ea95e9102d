/**
 * The catalogue as staff edit it: every service, topic, notice and help article, published
 * or not, with its owner (a staff user's id) and its review date. Every query is scoped by
 * the council.
 */
import type { Queryable } from '../../db/database.ts';
import type { LocalText } from '../../platform/i18n/local-text.ts';
import type { Channel } from './store.ts';

export interface Reviewed {
  owner: string;
  /** 'YYYY-MM-DD', or null when no review is planned. */
  reviewOn: string | null;
}

export interface EditableService extends Reviewed {
  slug: string;
  name: LocalText;
  summary: LocalText;
  description: LocalText;
  eligibility: LocalText;
  cost: LocalText;
  duration: LocalText;
  nextSteps: LocalText;
  startTarget: string | null;
  topicSlug: string | null;
  keywords: string;
  channels: Channel[];
  published: boolean;
}

export interface EditableTopic {
  slug: string;
  name: LocalText;
  summary: LocalText;
  position: number;
}

export interface EditableNotice extends Reviewed {
  id: string;
  serviceSlug: string | null;
  title: LocalText;
  body: LocalText;
  startsAt: Date;
  endsAt: Date | null;
}

export interface EditableArticle extends Reviewed {
  slug: string;
  title: LocalText;
  summary: LocalText;
  body: LocalText;
  keywords: string;
  topicSlug: string | null;
  published: boolean;
}

const reviewColumns = `owner, to_char(review_on, 'YYYY-MM-DD') as "reviewOn"`;
const serviceColumns = `slug, name, summary, description, eligibility, cost, duration, next_steps as "nextSteps",
  start_target as "startTarget", topic_slug as "topicSlug", keywords, channels, published, ${reviewColumns}`;
const noticeColumns = `id, service_slug as "serviceSlug", title, body, starts_at as "startsAt", ends_at as "endsAt", ${reviewColumns}`;
const articleColumns = `slug, title, summary, body, keywords, topic_slug as "topicSlug", published, ${reviewColumns}`;

export async function listAllServices(q: Queryable, tenantId: string): Promise<EditableService[]> {
  return q.query<EditableService>(
    `select ${serviceColumns} from services where tenant_id = $1 order by lower(name->>'en')`,
    [tenantId],
  );
}

export async function findAnyService(
  q: Queryable,
  tenantId: string,
  slug: string,
  lock = false,
): Promise<EditableService | undefined> {
  const [row] = await q.query<EditableService>(
    `select ${serviceColumns} from services where tenant_id = $1 and slug = $2${lock ? ' for update' : ''}`,
    [tenantId, slug],
  );
  return row;
}

export async function insertService(q: Queryable, tenantId: string, s: EditableService): Promise<boolean> {
  const rows = await q.query(
    `insert into services (tenant_id, slug, name, summary, description, eligibility, cost, duration, next_steps,
                           start_target, topic_slug, keywords, channels, published, owner, review_on)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
     on conflict (tenant_id, slug) do nothing returning slug`,
    [tenantId, s.slug, ...serviceValues(s)],
  );
  return rows.length === 1;
}

export async function updateService(q: Queryable, tenantId: string, s: EditableService): Promise<void> {
  await q.query(
    `update services set name = $3, summary = $4, description = $5, eligibility = $6, cost = $7, duration = $8,
       next_steps = $9, start_target = $10, topic_slug = $11, keywords = $12, channels = $13, published = $14,
       owner = $15, review_on = $16, updated_at = now()
     where tenant_id = $1 and slug = $2`,
    [tenantId, s.slug, ...serviceValues(s)],
  );
}

function serviceValues(s: EditableService): unknown[] {
  return [
    ...[s.name, s.summary, s.description, s.eligibility, s.cost, s.duration, s.nextSteps].map((v) =>
      JSON.stringify(v),
    ),
    s.startTarget,
    s.topicSlug,
    s.keywords,
    s.channels,
    s.published,
    s.owner,
    s.reviewOn,
  ];
}

/** Cases and satisfaction answers that name the service: while any exist it is retired, not deleted. */
export async function serviceUse(q: Queryable, tenantId: string, slug: string): Promise<number> {
  const [row] = await q.query<{ n: number }>(
    `select (select count(*) from cases where tenant_id = $1 and service_slug = $2)::int
          + (select count(*) from satisfaction where tenant_id = $1 and service_slug = $2)::int as n`,
    [tenantId, slug],
  );
  return row?.n ?? 0;
}

export async function deleteService(q: Queryable, tenantId: string, slug: string): Promise<void> {
  await q.query('delete from services where tenant_id = $1 and slug = $2', [tenantId, slug]);
}

export async function listAllTopics(q: Queryable, tenantId: string): Promise<EditableTopic[]> {
  return q.query<EditableTopic>(
    'select slug, name, summary, position from topics where tenant_id = $1 order by position, slug',
    [tenantId],
  );
}

export async function saveTopic(q: Queryable, tenantId: string, t: EditableTopic): Promise<void> {
  await q.query(
    `insert into topics (tenant_id, slug, name, summary, position) values ($1, $2, $3, $4, $5)
     on conflict (tenant_id, slug) do update set name = excluded.name, summary = excluded.summary,
       position = excluded.position`,
    [tenantId, t.slug, JSON.stringify(t.name), JSON.stringify(t.summary), t.position],
  );
}

/** Services and articles filed under a topic: it cannot go while they point at it. */
export async function topicUse(q: Queryable, tenantId: string, slug: string): Promise<number> {
  const [row] = await q.query<{ n: number }>(
    `select (select count(*) from services where tenant_id = $1 and topic_slug = $2)::int
          + (select count(*) from help_articles where tenant_id = $1 and topic_slug = $2)::int as n`,
    [tenantId, slug],
  );
  return row?.n ?? 0;
}

export async function deleteTopic(q: Queryable, tenantId: string, slug: string): Promise<void> {
  await q.query('delete from topics where tenant_id = $1 and slug = $2', [tenantId, slug]);
}

export async function listAllNotices(q: Queryable, tenantId: string): Promise<EditableNotice[]> {
  return q.query<EditableNotice>(
    `select ${noticeColumns} from disruption_notices where tenant_id = $1 order by starts_at desc`,
    [tenantId],
  );
}

export async function findNotice(
  q: Queryable,
  tenantId: string,
  id: string,
): Promise<EditableNotice | undefined> {
  if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
  const [row] = await q.query<EditableNotice>(
    `select ${noticeColumns} from disruption_notices where tenant_id = $1 and id = $2`,
    [tenantId, id],
  );
  return row;
}

/** Inserts (no id) or updates a notice; returns its id. */
export async function saveNotice(
  q: Queryable,
  tenantId: string,
  n: Omit<EditableNotice, 'id'> & { id?: string },
): Promise<string> {
  const values = [
    n.serviceSlug,
    JSON.stringify(n.title),
    JSON.stringify(n.body),
    n.startsAt,
    n.endsAt,
    n.owner,
    n.reviewOn,
  ];
  if (n.id) {
    await q.query(
      `update disruption_notices set service_slug = $3, title = $4, body = $5, starts_at = $6, ends_at = $7,
         owner = $8, review_on = $9 where tenant_id = $1 and id = $2`,
      [tenantId, n.id, ...values],
    );
    return n.id;
  }
  const [row] = await q.query<{ id: string }>(
    `insert into disruption_notices (tenant_id, service_slug, title, body, starts_at, ends_at, owner, review_on)
     values ($1, $2, $3, $4, $5, $6, $7, $8) returning id`,
    [tenantId, ...values],
  );
  return row!.id;
}

export async function deleteNotice(q: Queryable, tenantId: string, id: string): Promise<void> {
  await q.query('delete from disruption_notices where tenant_id = $1 and id = $2', [tenantId, id]);
}

export async function listAllArticles(q: Queryable, tenantId: string): Promise<EditableArticle[]> {
  return q.query<EditableArticle>(
    `select ${articleColumns} from help_articles where tenant_id = $1 order by lower(title->>'en')`,
    [tenantId],
  );
}

export async function findAnyArticle(
  q: Queryable,
  tenantId: string,
  slug: string,
): Promise<EditableArticle | undefined> {
  const [row] = await q.query<EditableArticle>(
    `select ${articleColumns} from help_articles where tenant_id = $1 and slug = $2`,
    [tenantId, slug],
  );
  return row;
}

export async function saveArticle(q: Queryable, tenantId: string, a: EditableArticle): Promise<void> {
  await q.query(
    `insert into help_articles (tenant_id, slug, title, summary, body, keywords, topic_slug, published, owner, review_on)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     on conflict (tenant_id, slug) do update set title = excluded.title, summary = excluded.summary,
       body = excluded.body, keywords = excluded.keywords, topic_slug = excluded.topic_slug,
       published = excluded.published, owner = excluded.owner, review_on = excluded.review_on, updated_at = now()`,
    [
      tenantId,
      a.slug,
      JSON.stringify(a.title),
      JSON.stringify(a.summary),
      JSON.stringify(a.body),
      a.keywords,
      a.topicSlug,
      a.published,
      a.owner,
      a.reviewOn,
    ],
  );
}

export async function deleteArticle(q: Queryable, tenantId: string, slug: string): Promise<void> {
  await q.query('delete from help_articles where tenant_id = $1 and slug = $2', [tenantId, slug]);
}
