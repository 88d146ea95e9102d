import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Database } from '../../db/database.ts';
import { GazetteerImportError, type ImportProgress, importGazetteer } from './import.ts';

export const importUsage =
  'npm run doorstep -- import:gazetteer FILE.csv --council <slug> [--batch-size 2000] [--replace-facts]';

export interface CliOutput {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
}

/** Counts lines quickly (one pass over bytes), for progress: a close estimate of the rows. */
export async function countLines(file: string): Promise<number> {
  let lines = 0;
  let last = 10;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
    if (chunk.length) last = chunk[chunk.length - 1]!;
  }
  return last === 10 ? lines : lines + 1;
}

const n = (value: number) => value.toLocaleString('en-GB');

/**
 * `import:gazetteer`: reads the file, shows progress on stderr, and upserts the council's
 * addresses in batches. Ctrl-C stops after the batch being written (a second Ctrl-C ends at
 * once); running the same command again carries on safely, since every row is an upsert.
 * `open` gives the database (refusing while a server holds the embedded one).
 */
export async function importGazetteerCommand(
  args: string[],
  open: (fn: (db: Database) => Promise<number>) => Promise<number>,
  io: CliOutput = { stdout: process.stdout, stderr: process.stderr },
  now: () => number = () => performance.now(),
): Promise<number> {
  let values: { council?: string; 'batch-size'?: string; 'replace-facts'?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        council: { type: 'string' },
        'batch-size': { type: 'string' },
        'replace-facts': { type: 'boolean' },
      },
    }));
  } catch (error) {
    io.stderr.write(`import:gazetteer: ${(error as Error).message}\nUsage: ${importUsage}\n`);
    return 1;
  }
  const [file, ...extra] = positionals;
  const batchSize = values['batch-size'] === undefined ? 2000 : Number(values['batch-size']);
  if (!file || extra.length || !values.council || !Number.isInteger(batchSize) || batchSize < 1) {
    io.stderr.write(`Usage: ${importUsage}\n`);
    return 1;
  }
  try {
    if (!(await stat(file)).isFile()) throw new Error('not a file');
  } catch {
    io.stderr.write(`import:gazetteer: cannot read ${file}\n`);
    return 1;
  }
  const slug = values.council;
  const total = Math.max(0, (await countLines(file)) - 1);

  return open(async (db) => {
    const [tenant] = await db.query<{ id: string }>('select id from tenants where slug = $1', [slug]);
    if (!tenant) {
      const slugs = (await db.query<{ slug: string }>('select slug from tenants order by slug')).map(
        (r) => r.slug,
      );
      io.stderr.write(
        `import:gazetteer: no council "${slug}"; councils: ${slugs.join(', ') || 'none (run seed or tenant:create)'}\n`,
      );
      return 1;
    }

    const started = now();
    let lastShown = 0;
    const show = (p: ImportProgress, final = false) => {
      const t = now();
      if (!final && !io.stderr.isTTY && t - lastShown < 2000) return;
      lastShown = t;
      const seconds = Math.max((t - started) / 1000, 0.001);
      const share = total ? ` (${Math.min(100, Math.floor((p.rows / total) * 100))}%)` : '';
      const line = `${n(p.rows)} / ${n(total)} rows${share}, ${n(Math.round(p.rows / seconds))} rows/s, ${n(p.skipped)} skipped`;
      io.stderr.write(io.stderr.isTTY ? `\r${line}\u001b[K${final ? '\n' : ''}` : `${line}\n`);
    };

    const controller = new AbortController();
    const stop = () => {
      io.stderr.write('\nStopping after the batch being written (Ctrl-C again to end at once)…\n');
      controller.abort();
    };
    process.once('SIGINT', stop);
    try {
      const report = await importGazetteer(db, tenant.id, createReadStream(file), {
        batchSize,
        signal: controller.signal,
        facts: values['replace-facts'] ? 'replace' : 'merge',
        onProgress: (p) => show(p),
      });
      show(report, true);
      for (const e of report.errors) io.stderr.write(`line ${e.line}: ${e.errors.join('; ')}\n`);
      if (report.skipped > report.errors.length) {
        io.stderr.write(`… and ${n(report.skipped - report.errors.length)} more bad rows\n`);
      }
      const counts = `${n(report.inserted)} new, ${n(report.updated)} changed, ${n(report.unchanged)} unchanged`;
      if (report.stopped) {
        io.stdout.write(
          `Stopped: ${n(report.imported)} rows of ${file} imported into ${slug} (${counts}). Run the same command again to finish; it is safe to repeat.\n`,
        );
        return 130;
      }
      io.stdout.write(
        `Imported ${n(report.imported)} rows of ${file} into ${slug} (${counts}); ${n(report.skipped)} bad ${report.skipped === 1 ? 'row' : 'rows'} skipped.\n`,
      );
      return 0;
    } catch (error) {
      if (error instanceof GazetteerImportError) {
        io.stderr.write(`import:gazetteer: ${file}: ${error.message}\n`);
        return 1;
      }
      throw error;
    } finally {
      process.removeListener('SIGINT', stop);
    }
  });
}
