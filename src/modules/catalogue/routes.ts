import type { FastifyInstance } from 'fastify';
import type { Services } from '../../app.ts';
import { listPublishedServices, searchServices } from './store.ts';

const maxQueryLength = 100;

export function registerCatalogue(app: FastifyInstance, services: Pick<Services, 'db' | 'pageCache'>): void {
  const { db, pageCache } = services;

  // The home page is the same for every visitor of a council in one language, so it is
  // rendered once and served from memory until the catalogue changes or the TTL passes.
  app.get('/', async (request, reply) => {
    const key = `${request.tenant.id}|/|${request.lang}`;
    let entry = pageCache.get(key);
    if (!entry) {
      const list = await listPublishedServices(db, request.tenant.id);
      const html = reply.renderToString('modules/catalogue/views/home.njk', { services: list });
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
    const results = await searchServices(db, request.tenant.id, query);
    return reply.render('modules/catalogue/views/search.njk', { query, results });
  });
}
