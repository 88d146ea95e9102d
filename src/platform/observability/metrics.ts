import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Database } from '../../db/database.ts';
import { jobCounts } from '../outbox/outbox.ts';

/** Metrics for /metrics; each app has its own registry so tests can build several apps. */
export class Metrics {
  readonly registry = new Registry();
  readonly #duration: Histogram<'method' | 'route' | 'status'>;

  constructor(db: Database, options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true)
      collectDefaultMetrics({ register: this.registry, prefix: 'doorstep_' });
    this.#duration = new Histogram({
      name: 'doorstep_http_request_duration_seconds',
      help: 'Time to answer HTTP requests, by route pattern (never the raw URL, which can hold personal data)',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    // Read at scrape time, so every process reports the shared queue the same way.
    new Gauge({
      name: 'doorstep_jobs_waiting',
      help: 'Outbox jobs pending or running',
      registers: [this.registry],
      async collect() {
        this.set((await jobCounts(db)).waiting);
      },
    });
    new Gauge({
      name: 'doorstep_jobs_dead',
      help: 'Outbox jobs that failed every attempt (dead letters)',
      registers: [this.registry],
      async collect() {
        this.set((await jobCounts(db)).dead);
      },
    });
  }

  instrument(app: FastifyInstance): void {
    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      this.#duration.observe(
        { method: request.method, route, status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });
  }
}
