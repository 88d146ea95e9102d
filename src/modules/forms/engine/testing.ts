/** Helpers for the engine's tests: small definitions written briefly. */
import { defineForm } from './definition.ts';
import { fixtures } from './fixtures/index.ts';
import type { FormDefinition } from './types.ts';

type Json = Record<string, unknown>;

export const t = (en: string, cy?: string) => (cy === undefined ? { en } : { en, cy });
export const keep = { purpose: t('To test'), retention: { period: 'P1Y' } };

/** A question with a label, purpose and retention; `extra` adds or overrides. */
export function q(id: string, type: string, extra: Json = {}): Json {
  return { id, type, label: t(`Label of ${id}`, `Label ${id} (cy)`), ...keep, ...extra };
}

export const options = (...values: string[]) =>
  values.map((value) => ({ value, label: t(value.toUpperCase(), `${value} (cy)`) }));

/** A question page. */
export function page(id: string, questions: Json[], extra: Json = {}): Json {
  return { id, kind: 'question', questions, ...extra };
}

/** A definition around these pages, not yet validated. */
export function raw(pages: Json[], extra: Json = {}): Json {
  return {
    schemaVersion: 1,
    slug: 'test-form',
    title: t('Test form'),
    confirmation: { title: t('Done'), body: t('We will be in touch.') },
    pages,
    ...extra,
  };
}

/** A validated definition around these pages (throws with the errors). */
export function form(pages: Json[], extra: Json = {}): FormDefinition {
  return defineForm(raw(pages, extra));
}

export const missedBin = () => defineForm(fixtures['missed-bin-collection']);
export const singlePersonDiscount = () => defineForm(fixtures['single-person-discount']);
