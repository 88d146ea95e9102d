/**
 * Baseline (b): bare Fastify answering GET / with fixed bytes from memory — the real home
 * page's HTML, read once from BENCH_BODY_FILE into a Buffer (BENCH_BARE_STRING=1 sends it
 * as a string instead, to compare). It answers 421 to any other Host than BENCH_HOST, so a
 * load generator that dropped the custom Host header would show as non-2xx.
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const file = process.env.BENCH_BODY_FILE ?? '';
const body: Buffer | string =
  process.env.BENCH_BARE_STRING === '1' ? readFileSync(file, 'utf8') : readFileSync(file);
const host = process.env.BENCH_HOST;
const app = Fastify({ logger: false });

app.get('/', async (request, reply) => {
  if (host && request.headers.host !== host) return reply.code(421).send('wrong host');
  return reply.type('text/html; charset=utf-8').send(body);
});

await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
