import type { Database, Queryable } from '../../db/database.ts';
import { catalogueSeed } from '../../modules/catalogue/seed.ts';
import { crmSeed } from '../../modules/crm/seed.ts';
import { eventsSeed } from '../../modules/events/seed.ts';
import { formsSeed } from '../../modules/forms/seed.ts';
import { identitySeed } from '../../modules/identity/seed.ts';
import { localInfoSeed } from '../../modules/local-info/demo.ts';
import { oidcSeed } from '../../modules/oidc/seed.ts';
import { reportsSeed } from '../../modules/reports/seed.ts';
import { settingsSeed } from '../../modules/settings/seed.ts';
import { staffSeed } from '../../modules/staff/seed.ts';
import { surveysSeed } from '../../modules/surveys/seed.ts';
import type { FileStore } from '../files/file-store.ts';
import { gazetteerSeed } from '../gazetteer/demo.ts';
import { councilsSeed } from '../tenancy/demo-councils.ts';

/**
 * A module's demo content. Bump `version` when it changes: an existing data folder then
 * gets the new content on its next start. `run` must be idempotent (upserts), because a
 * seed stopped half way is run again whole.
 */
export interface Seed {
  module: string;
  version: number;
  /** `context.files` is absent where no file store exists (a test image): skip the files. */
  run(tx: Queryable, context?: SeedContext): Promise<void>;
}

export interface SeedContext {
  files?: FileStore;
}

/** In dependency order: councils first, since every other row belongs to one. */
export const demoSeeds: Seed[] = [
  councilsSeed,
  gazetteerSeed,
  localInfoSeed,
  catalogueSeed,
  formsSeed,
  staffSeed,
  settingsSeed,
  reportsSeed,
  crmSeed,
  oidcSeed,
  eventsSeed,
  surveysSeed,
  identitySeed,
];

export async function seedDemo(
  db: Database,
  options: { log: (line: string) => void; seeds?: Seed[]; files?: FileStore },
): Promise<string[]> {
  const seeds = options.seeds ?? demoSeeds;
  const applied: string[] = [];
  for (const [index, seed] of seeds.entries()) {
    const ran = await db.transaction(async (tx) => {
      // Several processes may start at once; one applies each seed, the rest see it done.
      await tx.query(`select pg_advisory_xact_lock(hashtext('doorstep:seed'))`);
      const [row] = await tx.query<{ version: number }>('select version from seeds where module = $1', [
        seed.module,
      ]);
      if (row && row.version >= seed.version) return false;
      await seed.run(tx, { files: options.files });
      await tx.query(
        `insert into seeds (module, version) values ($1, $2)
         on conflict (module) do update set version = excluded.version, applied_at = now()`,
        [seed.module, seed.version],
      );
      return true;
    });
    if (ran) {
      applied.push(`${seed.module}@${seed.version}`);
      options.log(`seed ${index + 1}/${seeds.length}: ${seed.module} v${seed.version} applied`);
    }
  }
  return applied;
}
