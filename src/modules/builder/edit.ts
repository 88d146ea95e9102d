/**
 * The builder's pure part: a working copy of a form definition (JSON that may be incomplete
 * while staff edit it), the changes staff make to it, differences between two versions, and
 * the engine's own checks turned into links to the page that fixes each problem.
 */
import { validateDefinition } from '../forms/engine/index.ts';
import type { LocalText } from '../forms/engine/types.ts';

/** A definition being edited: the engine's shape, loosely typed, since it may not be valid yet. */
export interface WorkingCopy {
  $schema?: string;
  schemaVersion: 1;
  slug: string;
  title: LocalText;
  description?: LocalText;
  pages: WorkingPage[];
  checkAnswers?: boolean;
  confirmation: { title: LocalText; body: LocalText };
  assessments?: unknown[];
  privacy?: unknown;
  outputs?: { type: string; to?: string; url?: string; secret?: string }[];
}

export interface WorkingPage {
  id: string;
  kind: 'question' | 'content';
  title?: LocalText;
  content?: LocalText;
  questions?: WorkingQuestion[];
  condition?: unknown;
  repeat?: { min: number; max: number; itemLabel: LocalText; addAnotherLabel: LocalText };
}

export type WorkingQuestion = Record<string, unknown> & { id: string; type: string; label: LocalText };

/** Text from two inputs: undefined when English is empty; Welsh left out when empty (it falls back). */
export function localText(en: string, cy: string): LocalText | undefined {
  const english = en.trim();
  const welsh = cy.trim();
  if (!english) return undefined;
  return welsh ? { en: english, cy: welsh } : { en: english };
}

export function newForm(slug: string, title: LocalText): WorkingCopy {
  return {
    schemaVersion: 1,
    slug,
    title,
    checkAnswers: true,
    confirmation: {
      title: { en: 'Form sent', cy: 'Ffurflen wedi’i hanfon' },
      body: { en: 'We have received your form.', cy: 'Rydym wedi cael eich ffurflen.' },
    },
    pages: [],
  };
}

/** Lower-case words joined by hyphens, from what staff typed as a name. */
export function slugify(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
}

/** A question id from its label: "Which bin was missed?" -> "whichBinWasMissed", unique in the form. */
export function questionIdFor(copy: WorkingCopy, label: string): string {
  const words = slugify(label).split('-').filter(Boolean).slice(0, 4);
  let base = words.map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1))).join('');
  if (!/^[a-z]/.test(base)) base = `q${base}`;
  const taken = new Set([
    ...copy.pages.flatMap((p) => (p.questions ?? []).map((q) => q.id)),
    ...copy.pages.map((p) => p.id),
  ]);
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}${n}`;
  return id;
}

/** A page id unique in the form. */
export function pageIdFor(copy: WorkingCopy, wanted: string): string {
  let base = slugify(wanted) || 'page';
  if (!/^[a-z]/.test(base)) base = `page-${base}`;
  const taken = new Set(copy.pages.map((p) => p.id));
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  return id;
}

/** Moves item `index` of a list one place up (-1) or down (+1); out of range changes nothing. */
export function move<T>(list: T[], index: number, by: -1 | 1): T[] {
  const to = index + by;
  if (index < 0 || index >= list.length || to < 0 || to >= list.length) return list;
  const next = [...list];
  [next[index], next[to]] = [next[to]!, next[index]!];
  return next;
}

export interface Problem {
  text: string;
  /** The builder page that fixes it. */
  href: string;
}

/**
 * The engine's verdict on a working copy, each problem linked to where staff fix it. The
 * engine's own validators decide (schema, ids, conditions that look back, reachability,
 * purpose and retention), so the builder can never publish what the runner would refuse.
 */
export function problemsOf(copy: WorkingCopy): Problem[] {
  const result = validateDefinition(copy);
  if (result.ok) return [];
  const base = `/staff/forms/${copy.slug}`;
  return result.errors.map((text) => {
    const page = /pages\[(\d+)\]/.exec(text);
    const question = /pages\[\d+\][^.]*\.questions\[(\d+)\]/.exec(text);
    const p = page ? copy.pages[Number(page[1])] : undefined;
    const q = p && question ? p.questions?.[Number(question[1])] : undefined;
    if (p && q) {
      const on = /\.condition/.test(text.slice(text.indexOf('questions[')));
      return { text, href: `${base}/pages/${p.id}/questions/${q.id}${on ? '/condition' : ''}` };
    }
    if (p) return { text, href: `${base}/pages/${p.id}${/\.condition/.test(text) ? '/condition' : ''}` };
    if (/^assessments/.test(text)) return { text, href: `${base}/assessments` };
    return { text, href: `${base}/details` };
  });
}

export interface Difference {
  /** 'pages[1] ("contact").questions[0] ("email").label.en' */
  path: string;
  before: unknown;
  after: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Where two JSON values differ, leaf by leaf. Items of lists that have ids are named by them,
 * so "pages[2] ("photos")" reads as the page staff know.
 */
export function differences(before: unknown, after: unknown, path = ''): Difference[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  if (Array.isArray(before) && Array.isArray(after)) {
    const out: Difference[] = [];
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      const item = after[i] ?? before[i];
      const id = isObject(item) && typeof item.id === 'string' ? ` (${JSON.stringify(item.id)})` : '';
      out.push(...differences(before[i], after[i], `${path}[${i}]${id}`));
    }
    return out;
  }
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((k) => differences(before[k], after[k], path ? `${path}.${k}` : k));
  }
  return [{ path: path || '(whole)', before, after }];
}

/** A value as one line for a differences table. */
export function shown(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  const json = JSON.stringify(value);
  return json.length > 400 ? `${json.slice(0, 400)}…` : json;
}
