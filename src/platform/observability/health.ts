import type { FastifyInstance } from 'fastify';
import type { Database } from '../../db/database.ts';
import type { Metrics } from './metrics.ts';

export function registerHealth(app: FastifyInstance, deps: { db: Database; metrics: Metrics }): void {
  // Liveness: the process answers. It must not depend on the database, or a database blip restarts every process.
  app.get('/healthz', async (_request, reply) =>
    reply.header('cache-control', 'no-store').send({ status: 'ok' }),
  );

  // Readiness: this process can serve, which needs its database.
  app.get('/readyz', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    try {
      await deps.db.query('select 1');
      return reply.send({ status: 'ok', database: 'ok' });
    } catch (error) {
      request.log.warn({ err: error }, 'readiness check failed');
      return reply.code(503).send({ status: 'unavailable', database: 'unreachable' });
    }
  });

  app.get('/metrics', async (_request, reply) => {
    const body = await deps.metrics.registry.metrics();
    return reply.header('cache-control', 'no-store').type(deps.metrics.registry.contentType).send(body);
  });
}
