import type { Queryable } from '../../db/database.ts';
import type { Seed } from '../../platform/seeds/seeds.ts';
import { demoDefinitions } from './demo/index.ts';
import { fixtures } from './engine/fixtures/index.ts';
import { defineForm } from './engine/index.ts';

/** Which council offers which demo form, by its tier: bins, noise and council tax are the district's. */
export const demoForms: readonly { council: string; slug: string }[] = [
  { council: 'riverford', slug: 'missed-bin-collection' },
  { council: 'riverford', slug: 'replacement-bin' },
  { council: 'riverford', slug: 'single-person-discount' },
  { council: 'riverford', slug: 'bulky-waste' },
  { council: 'riverford', slug: 'noise-nuisance' },
  { council: 'riverford', slug: 'tell-us-you-have-moved' },
  { council: 'northshire', slug: 'residents-parking-permit' },
  { council: 'northshire', slug: 'dropped-kerb' },
  { council: 'northshire', slug: 'tell-us-you-have-moved' },
];

/** A demo form's JSON: the council's own (demo/), else the engine's fixture of that slug. */
export function demoDefinition(council: string, slug: string): unknown {
  const json = demoDefinitions[`${council}/${slug}`] ?? fixtures[slug];
  if (json === undefined) throw new Error(`no demo definition for ${council}/${slug}`);
  return json;
}

/**
 * Publishes the definition as version 1 of a form that has no version yet. A form that has
 * one (seeded before, or published by staff since) is left alone, so a newer seed version
 * adds the new forms without touching the others, and running it again changes nothing.
 */
async function publishFirst(tx: Queryable, tenantId: string, definition: unknown, slug: string) {
  await tx.query(
    `insert into form_definitions (tenant_id, slug, version, definition, status, published_at)
     select $1, $2, 1, $3, 'published', now()
      where not exists (select 1 from form_definitions where tenant_id = $1 and slug = $2)
     on conflict (tenant_id, slug, version) do nothing`,
    [tenantId, slug, JSON.stringify(definition)],
  );
}

export const formsSeed: Seed = {
  module: 'forms',
  version: 3,
  async run(tx) {
    for (const { council, slug } of demoForms) {
      const [tenant] = await tx.query<{ id: string }>('select id from tenants where slug = $1', [council]);
      if (!tenant) continue;
      // Refuse to seed a definition the engine would refuse to run.
      const definition = defineForm(demoDefinition(council, slug));
      if (definition.slug !== slug)
        throw new Error(`the demo form ${council}/${slug} says its slug is ${definition.slug}`);
      await publishFirst(tx, tenant.id, definition, slug);
    }
  },
};
