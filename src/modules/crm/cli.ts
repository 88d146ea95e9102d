import { parseArgs } from 'node:util';
import { matchRecords, readMatchFile } from './matching/match-file.ts';

/**
 * `people:match FILE.csv [--threshold 0.5]`: one line per candidate pair at or above the
 * threshold on standard output, `id_a,id_b,score`; progress on standard error. Needs no
 * server and no data folder: it reads the file only.
 */
export async function peopleMatchCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { threshold: { type: 'string', default: '0.5' } },
  });
  const threshold = Number(values.threshold);
  if (!(threshold >= 0 && threshold <= 1)) throw new Error('--threshold must be a number from 0 to 1');
  const [file] = positionals;
  if (!file || positionals.length > 1) throw new Error('people:match needs one FILE.csv');
  const log = (line: string) => process.stderr.write(`people:match: ${line}\n`);
  const records = await readMatchFile(file, log);
  const pairs = matchRecords(records, threshold, log);
  const lines = pairs.map((p) => `${p.a},${p.b},${p.score.toFixed(4)}`);
  if (lines.length) process.stdout.write(`${lines.join('\n')}\n`);
  log(`${pairs.length} pairs at or above ${threshold}`);
  return 0;
}
