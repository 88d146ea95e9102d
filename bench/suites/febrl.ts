import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { type Harness, repoRoot, type Suite } from '../harness.ts';

/**
 * Duplicates found by `people:match` on the public FEBRL benchmark (datasets 1 to 3), run as
 * a person would run it: precision, recall and F1 of the pairs it prints at 0.5, against the
 * truth the record ids carry (rec-12-org and rec-12-dup-0 are one person).
 */
const dataDir = process.env.BENCH_FEBRL_DIR ?? path.resolve(repoRoot, '../shared/data/febrl');

function peopleMatch(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(repoRoot, 'src/cli/index.ts'), 'people:match', file, '--threshold', '0.5'],
      { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, DATABASE_URL: '' } },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`people:match exited ${code}`)),
    );
  });
}

const personOf = (id: string) => /^rec-(\d+)-/.exec(id)?.[1];

export const febrl: Suite = {
  name: 'febrl',
  async run(h: Harness) {
    for (const name of ['dataset1', 'dataset2', 'dataset3']) {
      const file = path.join(dataDir, `${name}.csv`);
      if (!existsSync(file)) {
        h.log(`febrl: ${file} not found, skipped`);
        continue;
      }
      const ids: string[] = [];
      const { readMatchFile } = await import('../../src/modules/crm/matching/match-file.ts');
      for (const r of await readMatchFile(file, () => {})) ids.push(r.id);
      const sizes = new Map<string, number>();
      for (const id of ids) {
        const p = personOf(id);
        if (p) sizes.set(p, (sizes.get(p) ?? 0) + 1);
      }
      let truePairs = 0;
      for (const n of sizes.values()) truePairs += (n * (n - 1)) / 2;
      const lines = (await peopleMatch(file)).split('\n').filter(Boolean);
      let found = 0;
      for (const line of lines) {
        const [a, b] = line.split(',');
        if (a && b && personOf(a) === personOf(b)) found++;
      }
      const precision = lines.length ? found / lines.length : 0;
      const recall = truePairs ? found / truePairs : 0;
      const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
      h.record({
        suite: 'febrl',
        figure: `${name}: F1 of people:match at 0.5 (${lines.length} pairs printed, ${truePairs} true)`,
        value: f1.toFixed(3),
        ratio: `precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}`,
        aim: '≥ 0.95',
        verdict: f1 >= 0.95 ? 'met' : 'not met',
      });
    }
  },
};
