import type { Queryable } from '../../db/database.ts';
import type { Seed } from '../../platform/seeds/seeds.ts';
import { fixtures } from './engine/fixtures/index.ts';
import { defineForm } from './engine/index.ts';

/** Which council offers which demo form, by its tier: bins are the district's. */
const demoForms: { council: string; slug: string }[] = [
  { council: 'riverford', slug: 'missed-bin-collection' },
];

async function publishOnce(tx: Queryable, tenantId: string, definition: unknown, slug: string) {
  await tx.query(
    `insert into form_definitions (tenant_id, slug, version, definition, status, published_at)
     values ($1, $2, 1, $3, 'published', now())
     on conflict (tenant_id, slug, version) do nothing`,
    [tenantId, slug, JSON.stringify(definition)],
  );
}

export const formsSeed: Seed = {
  module: 'forms',
  version: 1,
  async run(tx) {
    for (const { council, slug } of demoForms) {
      const [tenant] = await tx.query<{ id: string }>('select id from tenants where slug = $1', [council]);
      if (!tenant) continue;
      // Refuse to seed a definition the engine would refuse to run.
      const definition = defineForm(fixtures[slug]);
      await publishOnce(tx, tenant.id, definition, slug);
    }
  },
};
