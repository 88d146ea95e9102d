import type { FastifyInstance } from 'fastify';
import type { Services } from '../../app.ts';
import type { Queryable } from '../../db/database.ts';
import { notFound } from '../../platform/errors/errors.ts';
import { type Language, localise } from '../../platform/i18n/local-text.ts';
import { isFormLive } from '../forms/service.ts';
import {
  currentNotices,
  findHelpArticle,
  findService,
  findTopic,
  listHelpInTopic,
  listPublishedServices,
  listServicesInTopic,
  listTopics,
  type ServiceSummary,
  search,
} from './store.ts';

const maxQueryLength = 100;

/** Services grouped under the first letter of their name in the reader's language. */
export function alphabetical(services: ServiceSummary[], lang: Language) {
  const groups = new Map<string, ServiceSummary[]>();
  const sorted = [...services].sort((a, b) =>
    localise(a.name, lang).text.localeCompare(localise(b.name, lang).text, lang === 'cy' ? 'cy' : 'en-GB'),
  );
  for (const s of sorted) {
    const letter = localise(s.name, lang).text.charAt(0).toLocaleUpperCase(lang);
    groups.set(letter, [...(groups.get(letter) ?? []), s]);
  }
  return [...groups].map(([letter, items]) => ({ letter, items }));
}

/** Staff write paragraphs separated by blank lines; we render each as a paragraph, escaped. */
export function paragraphs(text: string): string[] {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean);
}

/** Where "Start now" goes; a form of ours only once a version of it is published. */
async function startHref(
  db: Queryable,
  tenantId: string,
  startTarget: string | null,
): Promise<string | undefined> {
  if (!startTarget) return undefined;
  if (!startTarget.startsWith('form:')) return startTarget;
  const slug = startTarget.slice(5);
  return (await isFormLive(db, tenantId, slug)) ? `/forms/${slug}` : undefined;
}

export function registerCatalogue(
  app: FastifyInstance,
  services: Pick<Services, 'db' | 'pageCache' | 'now'>,
): void {
  const { db, pageCache, now } = services;

  // The same for every visitor of a council in one language: rendered once, served from
  // memory until the catalogue changes (pageCache.invalidate) or the TTL passes.
  app.get('/', async (request, reply) => {
    const key = `${request.tenant.id}|/|${request.lang}`;
    let entry = pageCache.get(key);
    if (!entry) {
      const tenantId = request.tenant.id;
      const [list, topics, notices] = await Promise.all([
        listPublishedServices(db, tenantId),
        listTopics(db, tenantId),
        currentNotices(db, tenantId, now()),
      ]);
      const html = reply.renderToString('modules/catalogue/views/home.njk', {
        services: list,
        topics,
        notices,
      });
      entry = pageCache.set(key, html);
    }
    reply.header('etag', entry.etag).header('cache-control', 'public, max-age=30');
    if (request.headers['if-none-match'] === entry.etag) return reply.code(304).send();
    return reply.type('text/html; charset=utf-8').send(entry.body);
  });

  app.get('/search', async (request, reply) => {
    const raw = (request.query as { q?: unknown }).q;
    const query = typeof raw === 'string' ? raw.trim().slice(0, maxQueryLength) : '';
    if (!query) return reply.redirect('/', 303);
    const results = await search(db, request.tenant.id, query);
    return reply.render('modules/catalogue/views/search.njk', { query, results });
  });

  app.get('/services/:slug', async (request, reply) => {
    const { slug } = request.params as { slug: string };
    const service = await findService(db, request.tenant.id, slug);
    if (!service) throw notFound();
    const [topic, notices, start] = await Promise.all([
      service.topicSlug ? findTopic(db, request.tenant.id, service.topicSlug) : undefined,
      currentNotices(db, request.tenant.id, now(), slug),
      startHref(db, request.tenant.id, service.startTarget),
    ]);
    const description = localise(service.description, request.lang);
    return reply.render('modules/catalogue/views/service.njk', {
      service,
      topic,
      notices: notices.filter((n) => n.serviceSlug === slug),
      description: { lang: description.lang, paragraphs: paragraphs(description.text) },
      start,
      otherChannels: service.channels.filter((c) => c !== 'web'),
    });
  });

  app.get('/topics/:slug', async (request, reply) => {
    const { slug } = request.params as { slug: string };
    const topic = await findTopic(db, request.tenant.id, slug);
    if (!topic) throw notFound();
    const [list, help] = await Promise.all([
      listServicesInTopic(db, request.tenant.id, slug),
      listHelpInTopic(db, request.tenant.id, slug),
    ]);
    return reply.render('modules/catalogue/views/topic.njk', { topic, services: list, help });
  });

  app.get('/a-z', async (request, reply) => {
    const list = await listPublishedServices(db, request.tenant.id);
    return reply.render('modules/catalogue/views/a-z.njk', { groups: alphabetical(list, request.lang) });
  });

  app.get('/help/:slug', async (request, reply) => {
    const { slug } = request.params as { slug: string };
    const article = await findHelpArticle(db, request.tenant.id, slug);
    if (!article) throw notFound();
    const body = localise(article.body, request.lang);
    const topic = article.topicSlug ? await findTopic(db, request.tenant.id, article.topicSlug) : undefined;
    return reply.render('modules/catalogue/views/help.njk', {
      article,
      topic,
      body: { lang: body.lang, paragraphs: paragraphs(body.text) },
    });
  });
}
