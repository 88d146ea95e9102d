import type { Queryable } from '../../db/database.ts';
import { type Language, localise } from '../../platform/i18n/local-text.ts';
import { type Answers, defineForm, type FormDefinition, summarise } from './engine/index.ts';
import { findVersion, latestPublished, publishedSlugs } from './store.ts';

/** Whether a person can start this form now: some version of it is published. */
export async function isFormLive(q: Queryable, tenantId: string, slug: string): Promise<boolean> {
  return (await latestPublished(q, tenantId, slug)) !== undefined;
}

const compiled = new Map<string, FormDefinition>();

/**
 * A stored version of a form, validated once per process: versions never change once
 * stored, so the key (council, slug, version) is enough.
 */
export async function loadDefinition(
  q: Queryable,
  tenantId: string,
  slug: string,
  version?: number,
): Promise<{ definition: FormDefinition; version: number } | undefined> {
  // A draft names its version, and versions never change: no query once it is compiled.
  if (version !== undefined) {
    const known = compiled.get(`${tenantId}|${slug}|${version}`);
    if (known) return { definition: known, version };
  }
  const row =
    version === undefined
      ? await latestPublished(q, tenantId, slug)
      : await findVersion(q, tenantId, slug, version);
  if (!row) return undefined;
  const key = `${tenantId}|${slug}|${row.version}`;
  let definition = compiled.get(key);
  if (!definition) {
    definition = defineForm(row.definition);
    compiled.set(key, definition);
  }
  return { definition, version: row.version };
}

/** The answers of a submission as summary rows, for the person who gave them (after proof). */
export async function describeSubmission(
  q: Queryable,
  tenantId: string,
  slug: string,
  version: number,
  answers: Record<string, unknown>,
  lang: Language,
) {
  const loaded = await loadDefinition(q, tenantId, slug, version);
  if (!loaded) return undefined;
  return summarise(loaded.definition, answers as Answers, lang).map((row) => ({
    key: { text: row.item ? `${row.item.label}: ${row.label}` : row.label },
    value: { text: row.value },
  }));
}

/** A form's title in the person's language, for lists of what they sent (My Account). */
export async function formTitle(
  q: Queryable,
  tenantId: string,
  slug: string | null,
  version: number | null,
  lang: Language,
): Promise<string> {
  if (!slug) return '';
  const loaded = await loadDefinition(q, tenantId, slug, version ?? undefined);
  return loaded ? localise(loaded.definition.title, lang).text : slug;
}

/** Slugs of the forms a person can start now, for staff choosing where a service starts. */
export async function liveFormSlugs(q: Queryable, tenantId: string): Promise<string[]> {
  return [...(await publishedSlugs(q, tenantId))].sort();
}

/** Every form a person can start now, newest version's title: what staff may run for someone. */
export async function listLiveForms(
  q: Queryable,
  tenantId: string,
  lang: Language,
): Promise<{ slug: string; title: string }[]> {
  const rows = await q.query<{ slug: string; version: number }>(
    `select slug, max(version) as version from form_definitions where tenant_id = $1 and status = 'published'
      group by slug order by slug`,
    [tenantId],
  );
  const out: { slug: string; title: string }[] = [];
  for (const r of rows)
    out.push({ slug: r.slug, title: await formTitle(q, tenantId, r.slug, r.version, lang) });
  return out.sort((a, b) => a.title.localeCompare(b.title));
}
