import type { Queryable } from '../../src/db/database.ts';

/** A small valid form: one radios page and an optional email, for tests of what surrounds the engine. */
export function binForm(slug = 'missed-bin-collection') {
  const purpose = { en: 'To send the crew to the right bin', cy: 'I anfon y criw at y bin cywir' };
  return {
    schemaVersion: 1,
    slug,
    title: { en: 'Report a missed bin collection', cy: 'Rhoi gwybod am gasgliad bin a fethwyd' },
    checkAnswers: true,
    confirmation: {
      title: { en: 'Report sent', cy: 'Adroddiad wedi’i anfon' },
      body: {
        en: 'We will collect it within 2 working days.',
        cy: 'Byddwn yn ei gasglu o fewn 2 ddiwrnod gwaith.',
      },
    },
    pages: [
      {
        id: 'which-bin',
        kind: 'question',
        questions: [
          {
            id: 'binType',
            type: 'radios',
            label: { en: 'Which bin was missed?', cy: 'Pa fin a fethwyd?' },
            required: true,
            purpose,
            retention: { period: 'P1Y' },
            options: [
              { value: 'refuse', label: { en: 'Rubbish', cy: 'Sbwriel' } },
              { value: 'recycling', label: { en: 'Recycling', cy: 'Ailgylchu' } },
            ],
          },
        ],
      },
      {
        id: 'contact',
        kind: 'question',
        questions: [
          {
            id: 'email',
            type: 'email',
            label: { en: 'Email address', cy: 'Cyfeiriad e-bost' },
            required: false,
            purpose: { en: 'To send you the reference', cy: 'I anfon y cyfeirnod atoch' },
            retention: { period: 'P1Y' },
          },
        ],
      },
    ],
  };
}

/** Publishes the definition as the form's next version; returns that version. */
export async function publishForm(
  q: Queryable,
  tenantId: string,
  definition: { slug: string; [key: string]: unknown },
): Promise<number> {
  const [row] = await q.query<{ version: number }>(
    `insert into form_definitions (tenant_id, slug, version, definition, status, published_at)
     select $1, $2, coalesce(max(version), 0) + 1, $3, 'published', now()
       from form_definitions where tenant_id = $1 and slug = $2
     returning version`,
    [tenantId, definition.slug, JSON.stringify(definition)],
  );
  return row!.version;
}
