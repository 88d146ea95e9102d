/**
 * The memory and startup reference: a bare process that only opens the PGlite database in
 * BENCH_DATA_DIR, with the extensions Doorstep loads, prints one JSON line
 * {"ready":true,"openMs":...} (import of PGlite and its extensions plus PGlite.create), and
 * idles until SIGTERM closes the database.
 */
const started = performance.now();
const { PGlite } = await import('@electric-sql/pglite');
const { loadPgliteExtensions } = await import('../../src/db/database.ts');
const db = await PGlite.create({
  dataDir: process.env.BENCH_DATA_DIR ?? '',
  extensions: await loadPgliteExtensions(),
});
await db.query('select 1');
const openMs = performance.now() - started;
const { heapTotal, external } = process.memoryUsage();
process.stdout.write(`${JSON.stringify({ ready: true, openMs, heapTotal, external })}\n`);

const idle = setInterval(() => {}, 1 << 30);
process.on('SIGTERM', () => {
  clearInterval(idle);
  void db.close().then(() => process.exit(0));
});
