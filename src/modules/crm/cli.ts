import { parseArgs } from 'node:util';
import { UsageError } from '../../cli/usage-error.ts';
import type { Database } from '../../db/database.ts';
import { runPeopleMatch } from './duplicates.ts';
import { matchRecords, readMatchFile } from './matching/match-file.ts';

/**
 * `people:match FILE.csv [--threshold 0.5]`: one line per candidate pair at or above the
 * threshold on standard output, `id_a,id_b,score`; progress on standard error. Needs no
 * server and no data folder: it reads the file only.
 *
 * `people:match --council <slug>`: the batch job over a council's people, keeping likely
 * duplicates for staff to review. Ctrl-C stops it between batches; run it again to carry on.
 */
export async function peopleMatchCommand(
  args: string[],
  withDatabase: <T>(fn: (db: Database) => Promise<T>) => Promise<T>,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { threshold: { type: 'string', default: '0.5' }, council: { type: 'string' } },
  });
  const log = (line: string) => process.stderr.write(`people:match: ${line}\n`);
  if (values.council) {
    if (positionals.length) throw new UsageError('people:match takes a FILE.csv or --council, not both');
    const controller = new AbortController();
    const stop = () => {
      log('stopping after this batch');
      controller.abort();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return withDatabase(async (db) => {
      const [tenant] = await db.query<{ id: string }>('select id from tenants where slug = $1', [
        values.council,
      ]);
      if (!tenant) throw new UsageError(`no council "${values.council}"`);
      const result = await runPeopleMatch(db, tenant.id, { log, signal: controller.signal });
      log(`${result.pairs} likely duplicates kept${result.finished ? '' : ' so far'}`);
      return result.finished ? 0 : 130;
    });
  }
  const threshold = Number(values.threshold);
  if (!(threshold >= 0 && threshold <= 1)) throw new UsageError('--threshold must be a number from 0 to 1');
  const [file] = positionals;
  if (!file || positionals.length > 1)
    throw new UsageError('people:match needs one FILE.csv, or --council <slug>');
  const records = await readMatchFile(file, log).catch((error: Error) => {
    // A file that is not there, or not a CSV of people, is the caller's to mend.
    throw new UsageError(error.message);
  });
  const pairs = matchRecords(records, threshold, log);
  const lines = pairs.map((p) => `${p.a},${p.b},${p.score.toFixed(4)}`);
  if (lines.length) process.stdout.write(`${lines.join('\n')}\n`);
  log(`${pairs.length} pairs at or above ${threshold}`);
  return 0;
}
