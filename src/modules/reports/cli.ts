import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Database } from '../../db/database.ts';
import type { CliOutput } from '../../platform/gazetteer/cli.ts';
import { benchSeed } from './bench-seed.ts';
import { bboxOf, readGeometry } from './geo.ts';
import { upsertBoundary } from './store.ts';

export const boundariesUsage = 'npm run doorstep -- import:boundaries FILE.geojson';

/**
 * `import:boundaries`: a GeoJSON FeatureCollection (or one Feature) of Polygons and
 * MultiPolygons, each with `properties.council` (a council's slug), `properties.code` and
 * `properties.name`. Each boundary is upserted by (council, code), so running the same
 * file again changes nothing; a bad feature is reported by its position and skipped.
 */
export async function importBoundariesCommand(
  args: string[],
  open: (fn: (db: Database) => Promise<number>) => Promise<number>,
  io: CliOutput = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const [file, ...extra] = args;
  if (!file || extra.length || file.startsWith('-')) {
    io.stderr.write(`Usage: ${boundariesUsage}\n`);
    return 1;
  }
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    io.stderr.write(`import:boundaries: cannot read ${file} as JSON: ${(error as Error).message}\n`);
    return 1;
  }
  const root = json as { type?: string; features?: unknown[] };
  const features =
    root.type === 'FeatureCollection' && Array.isArray(root.features)
      ? root.features
      : root.type === 'Feature'
        ? [root]
        : undefined;
  if (!features) {
    io.stderr.write('import:boundaries: the file must be a GeoJSON FeatureCollection or Feature\n');
    return 1;
  }
  return open(async (db) => {
    const tenants = new Map(
      (await db.query<{ id: string; slug: string }>('select id, slug from tenants')).map((r) => [
        r.slug,
        r.id,
      ]),
    );
    const counts = { inserted: 0, updated: 0, skipped: 0 };
    for (const [i, raw] of features.entries()) {
      const f = raw as { properties?: Record<string, unknown>; geometry?: unknown };
      const where = `feature ${i + 1} of ${features.length}`;
      const council = String(f.properties?.council ?? '');
      const code = String(f.properties?.code ?? '');
      const name = String(f.properties?.name ?? code);
      const tenantId = tenants.get(council);
      const geometry = readGeometry(f.geometry);
      const problem = !tenantId
        ? `properties.council "${council}" is not a council here (${[...tenants.keys()].join(', ')})`
        : !/^[a-z0-9][a-z0-9-]{0,79}$/.test(code)
          ? `properties.code "${code}" must be lower-case letters, digits and hyphens`
          : 'error' in geometry
            ? geometry.error
            : undefined;
      if (problem || !tenantId || 'error' in geometry) {
        counts.skipped++;
        io.stderr.write(`${where}: skipped: ${problem}\n`);
        continue;
      }
      const outcome = await db.transaction((tx) =>
        upsertBoundary(tx, tenantId, {
          code,
          name,
          geometry: geometry.geometry,
          bbox: bboxOf(geometry.geometry),
        }),
      );
      counts[outcome]++;
      io.stderr.write(`${where}: ${council}/${code} ${outcome}\n`);
    }
    io.stdout.write(
      `boundaries: ${counts.inserted} added, ${counts.updated} updated, ${counts.skipped} skipped\n`,
    );
    return counts.skipped && !counts.inserted && !counts.updated ? 1 : 0;
  });
}

export const benchSeedUsage = 'npm run doorstep -- bench:seed [--council northshire] [--reports 1000000]';

/**
 * `bench:seed`: many reports for the benchmarks, with progress; Ctrl-C stops between batches
 * and a second run carries on from there.
 */
export async function benchSeedCommand(
  args: string[],
  open: (fn: (db: Database) => Promise<number>) => Promise<number>,
  io: CliOutput = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  let values: { council?: string; reports?: string };
  try {
    ({ values } = parseArgs({
      args,
      options: { council: { type: 'string' }, reports: { type: 'string' } },
      strict: true,
    }));
  } catch (error) {
    io.stderr.write(`bench:seed: ${(error as Error).message}\nUsage: ${benchSeedUsage}\n`);
    return 1;
  }
  const reports = Number(values.reports ?? 1_000_000);
  if (!Number.isInteger(reports) || reports < 1 || reports > 30_000_000) {
    io.stderr.write(
      `bench:seed: --reports must be a whole number from 1 to 30000000\nUsage: ${benchSeedUsage}\n`,
    );
    return 1;
  }
  let stop = false;
  const onSignal = () => {
    stop = true;
    io.stderr.write('bench:seed: stopping after this batch (run again to carry on)\n');
  };
  process.once('SIGINT', onSignal);
  try {
    return await open(async (db) => {
      let last = 0;
      const result = await benchSeed(db, {
        council: values.council ?? 'northshire',
        reports,
        stopped: () => stop,
        progress: (done, total) => {
          if (done === total || done - last >= 100_000 || last === 0) {
            io.stderr.write(
              `bench:seed: ${done.toLocaleString('en-GB')} of ${total.toLocaleString('en-GB')} reports\n`,
            );
            last = done;
          }
        },
      });
      await db.exec('analyze cases; analyze reports');
      io.stdout.write(`bench:seed: ${result.made} reports made, ${result.total} in all\n`);
      return stop && result.total < reports ? 130 : 0;
    });
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
  }
}
