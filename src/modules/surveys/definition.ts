/**
 * A survey's questions: the form engine's own question types (parsed, validated and shown by
 * the engine) plus three that surveys need: a rating scale, a Likert grid and a ranking. All
 * three are plain radios and selects, so they work without JavaScript.
 */
import type { Translate } from '../../platform/i18n/catalogue.ts';
import { type Language, type LocalText, localise } from '../../platform/i18n/local-text.ts';
import {
  type AnswerValue,
  displayAnswer,
  type FieldError,
  type FormDefinition,
  messageText,
  parsePage,
  type Question,
  type RawBody,
  type RawValues,
  validateDefinition,
} from '../forms/engine/index.ts';
import { type QuestionView, questionView } from '../forms/question-view.ts';

export interface Choice {
  value: string;
  label: LocalText;
}

interface SurveyQuestionBase {
  id: string;
  label: LocalText;
  hint?: LocalText;
  required?: boolean;
}
export interface RatingQuestion extends SurveyQuestionBase {
  type: 'rating';
  min: number;
  max: number;
  minLabel?: LocalText;
  maxLabel?: LocalText;
}
export interface LikertQuestion extends SurveyQuestionBase {
  type: 'likert';
  /** The statements, one row each. */
  rows: Choice[];
  /** The scale every row is answered on ("Strongly agree" … "Strongly disagree"). */
  columns: Choice[];
}
export interface RankingQuestion extends SurveyQuestionBase {
  type: 'ranking';
  items: Choice[];
}
export type OwnQuestion = RatingQuestion | LikertQuestion | RankingQuestion;

/** Engine questions as staff write them: purpose and retention are the survey's, filled in here. */
type Loose<Q> = Q extends Question
  ? Omit<Q, 'purpose' | 'retention' | 'required'> & { required?: boolean }
  : never;
export type EngineQuestion = Loose<Question>;
export type SurveyQuestion = OwnQuestion | EngineQuestion;

export interface SurveyPage {
  id: string;
  title?: LocalText;
  questions: SurveyQuestion[];
}
export interface SurveyDefinition {
  pages: SurveyPage[];
}

/** rating: number; likert: { row: column }; ranking: item values, first place first. */
export type SurveyAnswer = AnswerValue | Record<string, string>;
export type SurveyAnswers = Record<string, SurveyAnswer>;

const ownTypes = ['rating', 'likert', 'ranking'] as const;
/** Engine types a survey may use: not files or addresses, which a survey has no use for. */
export const engineTypes = [
  'text',
  'textarea',
  'number',
  'email',
  'date',
  'radios',
  'checkboxes',
  'select',
  'yesno',
] as const;
export const surveyQuestionTypes = [...engineTypes, ...ownTypes] as const;

export function isOwn(q: SurveyQuestion): q is OwnQuestion {
  return (ownTypes as readonly string[]).includes(q.type);
}

const idPattern = /^[a-z][a-zA-Z0-9]{0,39}$/;
const pageIdPattern = /^[a-z][a-z0-9-]{0,39}$/;
const valuePattern = /^[a-z0-9][a-z0-9-]{0,39}$/;

const isLocalText = (v: unknown): v is LocalText =>
  !!v &&
  typeof v === 'object' &&
  typeof (v as LocalText).en === 'string' &&
  (v as LocalText).en.trim().length > 0 &&
  ((v as LocalText).cy === undefined || typeof (v as LocalText).cy === 'string');

/** The engine's definition for the engine questions of a survey (pages with none are left out). */
function engineForm(pages: SurveyPage[]): unknown {
  const purpose = { en: 'To hear your views', cy: 'I glywed eich barn' };
  const retention = { period: 'P2Y' };
  return {
    schemaVersion: 1,
    slug: 'survey',
    title: { en: 'Survey' },
    checkAnswers: false,
    confirmation: { title: { en: 'Sent' }, body: { en: 'Sent' } },
    pages: pages
      .map((p) => ({
        id: p.id,
        kind: 'question',
        questions: p.questions
          .filter((q) => !isOwn(q))
          .map((q) => ({ ...q, required: q.required ?? true, purpose, retention })),
      }))
      .filter((p) => p.questions.length > 0),
  };
}

function choicesErrors(where: string, list: unknown, min: number): string[] {
  if (!Array.isArray(list) || list.length < min) return [`${where}: give at least ${min}`];
  const errors: string[] = [];
  const seen = new Set<string>();
  for (const [i, c] of list.entries()) {
    const v = (c as Choice | undefined)?.value;
    if (typeof v !== 'string' || !valuePattern.test(v))
      errors.push(`${where}[${i}]: value must be lower-case letters, digits and hyphens`);
    else if (seen.has(v)) errors.push(`${where}[${i}]: value "${v}" is used twice`);
    else seen.add(v);
    if (!isLocalText((c as Choice | undefined)?.label)) errors.push(`${where}[${i}]: label.en is required`);
  }
  return errors;
}

export type DefinitionCheck =
  | { ok: true; definition: SurveyDefinition; engine: FormDefinition | undefined }
  | { ok: false; errors: string[] };

/** Checks a survey definition as staff wrote it; every problem names where it is. */
export function checkDefinition(json: unknown): DefinitionCheck {
  const errors: string[] = [];
  const d = json as SurveyDefinition;
  if (!d || typeof d !== 'object' || !Array.isArray(d.pages) || d.pages.length === 0)
    return { ok: false, errors: ['the survey needs "pages": a list with at least one page'] };
  const pageIds = new Set<string>();
  const questionIds = new Set<string>();
  for (const [pi, page] of d.pages.entries()) {
    const where = `pages[${pi}]`;
    if (typeof page?.id !== 'string' || !pageIdPattern.test(page.id))
      errors.push(`${where}: id must be lower-case words joined by hyphens`);
    else if (pageIds.has(page.id)) errors.push(`${where}: id "${page.id}" is used twice`);
    else pageIds.add(page.id);
    if (page?.title !== undefined && !isLocalText(page.title)) errors.push(`${where}: title.en is required`);
    if (!Array.isArray(page?.questions) || page.questions.length === 0) {
      errors.push(`${where}: needs at least one question`);
      continue;
    }
    for (const [qi, q] of page.questions.entries()) {
      const at = `${where}.questions[${qi}]`;
      if (typeof q?.id !== 'string' || !idPattern.test(q.id))
        errors.push(`${at}: id must start with a lower-case letter, then letters and digits`);
      else if (questionIds.has(q.id)) errors.push(`${at}: id "${q.id}" is used twice`);
      else questionIds.add(q.id);
      if (!(surveyQuestionTypes as readonly string[]).includes(q?.type))
        errors.push(`${at}: type must be one of ${surveyQuestionTypes.join(', ')}`);
      if (!isLocalText(q?.label)) errors.push(`${at}: label.en is required`);
      if (q.type === 'rating') {
        const { min, max } = q as RatingQuestion;
        if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max > 10 || max - min < 1)
          errors.push(`${at}: min and max must be whole numbers from 0 to 10, max above min`);
      } else if (q.type === 'likert') {
        errors.push(...choicesErrors(`${at}.rows`, (q as LikertQuestion).rows, 1));
        errors.push(...choicesErrors(`${at}.columns`, (q as LikertQuestion).columns, 2));
      } else if (q.type === 'ranking') {
        errors.push(...choicesErrors(`${at}.items`, (q as RankingQuestion).items, 2));
        if (((q as RankingQuestion).items?.length ?? 0) > 12) errors.push(`${at}.items: at most 12`);
      }
    }
  }
  if (errors.length) return { ok: false, errors };
  const engineJson = engineForm(d.pages) as { pages: unknown[] };
  let engine: FormDefinition | undefined;
  if (engineJson.pages.length) {
    const checked = validateDefinition(engineJson);
    if (!checked.ok) return { ok: false, errors: checked.errors };
    engine = checked.definition;
  }
  return { ok: true, definition: structuredClone(d), engine };
}

/** The five-point agreement scale a Likert grid built on the staff page uses. */
export const agreeScale: Choice[] = [
  { value: 'strongly-agree', label: { en: 'Strongly agree', cy: 'Cytuno’n gryf' } },
  { value: 'agree', label: { en: 'Agree', cy: 'Cytuno' } },
  { value: 'neutral', label: { en: 'Neither agree nor disagree', cy: 'Ddim yn cytuno nac yn anghytuno' } },
  { value: 'disagree', label: { en: 'Disagree', cy: 'Anghytuno' } },
  { value: 'strongly-disagree', label: { en: 'Strongly disagree', cy: 'Anghytuno’n gryf' } },
];

/** Lower-case words joined by hyphens, for option values and page ids. */
export function slugOf(text: string, max = 40): string {
  return (
    text
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .replace(/^([^a-z0-9])/, 'x$1')
      .slice(0, max)
      .replace(/-+$/, '') || 'option'
  );
}

/** A question id from its label: camelCase, starting with a letter, not yet used in the survey. */
export function questionIdFor(label: string, taken: Set<string>): string {
  const words = slugOf(label, 60).split('-').filter(Boolean).slice(0, 4);
  let base = words.map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1))).join('') || 'question';
  if (!/^[a-z]/.test(base)) base = `q${base}`;
  base = base.slice(0, 36);
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}${n}`;
  return id;
}

export function allQuestions(d: SurveyDefinition): SurveyQuestion[] {
  return d.pages.flatMap((p) => p.questions);
}

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? (v[0] ?? '') : (v ?? '')).trim();

export interface OwnError {
  questionId: string;
  href: string;
  key: string;
  params?: Record<string, string | number>;
}

/** One own-type question's answer from the form fields; errors name catalogue keys. */
function parseOwn(
  q: OwnQuestion,
  body: RawBody,
): { value?: SurveyAnswer; error?: OwnError; values: RawValues } {
  const required = q.required ?? true;
  const values: RawValues = {};
  if (q.type === 'rating') {
    const raw = first(body[q.id]);
    values[q.id] = raw;
    if (!raw) return required ? { error: err(q, q.id, 'surveys.error.choose-rating'), values } : { values };
    const n = Number(raw);
    if (!Number.isInteger(n) || n < q.min || n > q.max)
      return { error: err(q, q.id, 'surveys.error.choose-rating'), values };
    return { value: n, values };
  }
  if (q.type === 'likert') {
    const out: Record<string, string> = {};
    let missing: string | undefined;
    for (const row of q.rows) {
      const name = `${q.id}-${row.value}`;
      const raw = first(body[name]);
      values[name] = raw;
      if (!raw) {
        missing ??= name;
        continue;
      }
      if (!q.columns.some((c) => c.value === raw))
        return { error: err(q, name, 'surveys.error.likert'), values };
      out[row.value] = raw;
    }
    const given = Object.keys(out).length;
    if (missing && (required || given > 0)) return { error: err(q, missing, 'surveys.error.likert'), values };
    return given ? { value: out, values } : { values };
  }
  // Ranking: one select of positions per item; the positions must be 1..n, each used once.
  const n = q.items.length;
  const positions = new Map<number, string>();
  let blank = 0;
  let bad: string | undefined;
  for (const item of q.items) {
    const name = `${q.id}-${item.value}`;
    const raw = first(body[name]);
    values[name] = raw;
    if (!raw) {
      blank += 1;
      bad ??= name;
      continue;
    }
    const p = Number(raw);
    if (!Number.isInteger(p) || p < 1 || p > n || positions.has(p)) {
      bad ??= name;
      continue;
    }
    positions.set(p, item.value);
  }
  if (blank === n && !required) return { values };
  if (positions.size !== n)
    return {
      error: err(q, bad ?? `${q.id}-${q.items[0]!.value}`, 'surveys.error.ranking', { count: n }),
      values,
    };
  return { value: [...positions.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v), values };
}

function err(q: OwnQuestion, field: string, key: string, params?: Record<string, string | number>): OwnError {
  return { questionId: q.id, href: `#${field}`, key, ...(params ? { params } : {}) };
}

export type PageParse =
  | {
      kind: 'answers';
      answers: SurveyAnswers;
      errors: { href: string; text: string; questionId: string }[];
      values: RawValues;
    }
  | { kind: 'crafted'; reason: string };

/** Reads one page's answers: engine questions through the engine, the rest here. */
export function parseSurveyPage(
  d: SurveyDefinition,
  engine: FormDefinition | undefined,
  page: SurveyPage,
  body: RawBody,
  lang: Language,
  t: Translate,
): PageParse {
  const answers: SurveyAnswers = {};
  const errors: { href: string; text: string; questionId: string }[] = [];
  const values: RawValues = {};
  const engineQuestions = page.questions.filter((q) => !isOwn(q));
  if (engineQuestions.length && engine) {
    const ownFields = new Set(
      page.questions.filter(isOwn).flatMap((q) => (q.type === 'rating' ? [q.id] : ownFieldNames(q))),
    );
    const engineBody: RawBody = {};
    for (const [k, v] of Object.entries(body)) if (!ownFields.has(k)) engineBody[k] = v;
    const parsed = parsePage(engine, page.id, engineBody);
    if (parsed.kind === 'crafted') return parsed;
    Object.assign(answers, parsed.answers);
    Object.assign(values, parsed.values);
    for (const e of parsed.errors as FieldError[])
      errors.push({ questionId: e.questionId, href: e.href, text: messageText(e.message, lang, t) });
  }
  for (const q of page.questions.filter(isOwn)) {
    const r = parseOwn(q, body);
    Object.assign(values, r.values);
    if (r.error) errors.push({ questionId: q.id, href: r.error.href, text: t(r.error.key, r.error.params) });
    else if (r.value !== undefined) answers[q.id] = r.value;
  }
  // Keep the page's order in the error summary.
  const order = page.questions.map((q) => q.id);
  errors.sort((a, b) => order.indexOf(a.questionId) - order.indexOf(b.questionId));
  void d;
  return { kind: 'answers', answers, errors, values };
}

function ownFieldNames(q: OwnQuestion): string[] {
  if (q.type === 'rating') return [q.id];
  if (q.type === 'likert') return q.rows.map((r) => `${q.id}-${r.value}`);
  return q.items.map((i) => `${q.id}-${i.value}`);
}

/** A page is complete when every required question on it has an answer. */
export function pageComplete(page: SurveyPage, answers: SurveyAnswers): boolean {
  return page.questions.every((q) => (q.required ?? true) === false || answers[q.id] !== undefined);
}

export interface OwnView {
  id: string;
  type: OwnQuestion['type'];
  /** Radios params for a rating; for a grid or ranking, a fieldset of radios or selects. */
  params?: Record<string, unknown>;
  legend?: { text: string; lang?: string };
  hint?: string;
  errorMessage?: { text: string };
  parts?: { macro: 'radios' | 'select'; params: Record<string, unknown> }[];
}
export type AnyView = (QuestionView & { own?: false }) | (OwnView & { own: true; macro: 'own' });

/** The template's parameters for each question of a page. */
export function pageViews(
  page: SurveyPage,
  answers: SurveyAnswers,
  errors: { questionId: string; href: string; text: string }[],
  values: RawValues | undefined,
  lang: Language,
  t: Translate,
): AnyView[] {
  const single = page.questions.length === 1 && !page.title;
  return page.questions.map((q): AnyView => {
    if (!isOwn(q)) {
      const full = { ...q, required: q.required ?? true } as Question;
      return questionView(full, {
        lang,
        t,
        isPageHeading: single,
        errors: errors
          .filter((e) => e.questionId === q.id)
          .map((e) => ({
            questionId: q.id,
            href: e.href,
            message: { key: 'surveys.error.raw', params: { text: e.text } },
          })),
        values,
        answer: answers[q.id] as AnswerValue | undefined,
      });
    }
    return ownView(q, answers[q.id], errors, values, lang, t, single);
  });
}

function ownView(
  q: OwnQuestion,
  answer: SurveyAnswer | undefined,
  errors: { questionId: string; href: string; text: string }[],
  values: RawValues | undefined,
  lang: Language,
  t: Translate,
  isPageHeading: boolean,
): AnyView {
  const local = (v: LocalText | undefined) => (v ? localise(v, lang) : undefined);
  const label = local(q.label)!;
  const optional = q.required === false ? ` ${t('forms.optional')}` : '';
  const own = errors.filter((e) => e.questionId === q.id);
  const errorMessage = own[0] ? { text: own[0].text } : undefined;
  const legend = {
    text: `${label.text}${optional}`,
    isPageHeading,
    classes: isPageHeading ? 'govuk-fieldset__legend--l' : 'govuk-fieldset__legend--m',
  };
  const hint = q.hint ? local(q.hint)!.text : undefined;
  const lv = (name: string, fromAnswer: string | undefined) => {
    if (values) return first(values[name]);
    return fromAnswer ?? '';
  };
  const itemText = (c: Choice) => {
    const l = localise(c.label, lang);
    return { text: l.text, ...(l.lang ? { attributes: { lang: l.lang } } : {}) };
  };
  if (q.type === 'rating') {
    const v = lv(q.id, answer === undefined ? undefined : String(answer));
    const items = [];
    for (let n = q.min; n <= q.max; n++) {
      const end = n === q.min ? local(q.minLabel) : n === q.max ? local(q.maxLabel) : undefined;
      items.push({
        value: String(n),
        text: String(n),
        checked: v === String(n),
        ...(end ? { hint: { text: end.text } } : {}),
      });
    }
    return {
      own: true,
      macro: 'own',
      id: q.id,
      type: q.type,
      params: {
        idPrefix: q.id,
        name: q.id,
        classes: 'govuk-radios--inline',
        fieldset: { legend },
        ...(hint ? { hint: { text: hint } } : {}),
        errorMessage,
        items,
      },
    };
  }
  const byField = new Map(own.map((e) => [e.href.slice(1), e.text]));
  if (q.type === 'likert') {
    const a = (answer ?? {}) as Record<string, string>;
    return {
      own: true,
      macro: 'own',
      id: q.id,
      type: q.type,
      legend,
      ...(hint ? { hint } : {}),
      errorMessage,
      parts: q.rows.map((row) => {
        const name = `${q.id}-${row.value}`;
        const v = lv(name, a[row.value]);
        const rowLabel = localise(row.label, lang);
        const rowError = byField.get(name);
        return {
          macro: 'radios' as const,
          params: {
            idPrefix: name,
            name,
            classes: 'govuk-radios--small',
            fieldset: {
              legend: {
                text: rowLabel.text,
                classes: 'govuk-fieldset__legend--s',
                ...(rowLabel.lang ? { attributes: { lang: rowLabel.lang } } : {}),
              },
            },
            ...(rowError ? { errorMessage: { text: rowError } } : {}),
            items: q.columns.map((c) => ({ value: c.value, checked: v === c.value, ...itemText(c) })),
          },
        };
      }),
    };
  }
  const order = Array.isArray(answer) ? (answer as string[]) : [];
  return {
    own: true,
    macro: 'own',
    id: q.id,
    type: q.type,
    legend,
    hint: hint ?? t('surveys.ranking.hint', { count: q.items.length }),
    errorMessage,
    parts: q.items.map((item) => {
      const name = `${q.id}-${item.value}`;
      const at = order.indexOf(item.value);
      const v = lv(name, at >= 0 ? String(at + 1) : undefined);
      const itemLabel = localise(item.label, lang);
      const rowError = byField.get(name);
      return {
        macro: 'select' as const,
        params: {
          id: name,
          name,
          label: {
            text: itemLabel.text,
            ...(itemLabel.lang ? { attributes: { lang: itemLabel.lang } } : {}),
          },
          ...(rowError ? { errorMessage: { text: rowError } } : {}),
          items: [
            { value: '', text: t('surveys.ranking.choose'), selected: !v },
            ...q.items.map((_, i) => ({
              value: String(i + 1),
              text: t('surveys.ranking.position', { position: i + 1 }),
              selected: v === String(i + 1),
            })),
          ],
        },
      };
    }),
  };
}

/** An answer as lines of text for "check your answers". */
export function answerLines(
  q: SurveyQuestion,
  value: SurveyAnswer | undefined,
  lang: Language,
  t: Translate,
): string[] {
  if (value === undefined) return [t('surveys.check.not-answered')];
  const label = (c: Choice) => localise(c.label, lang).text;
  if (q.type === 'rating')
    return [t('surveys.check.rating', { value: Number(value), max: (q as RatingQuestion).max })];
  if (q.type === 'likert') {
    const l = q as LikertQuestion;
    const a = value as Record<string, string>;
    return l.rows.map(
      (r) =>
        `${label(r)}: ${label(l.columns.find((c) => c.value === a[r.value]) ?? { value: '', label: { en: '–' } })}`,
    );
  }
  if (q.type === 'ranking') {
    const r = q as RankingQuestion;
    return (value as string[]).map((v, i) => `${i + 1}. ${label(r.items.find((x) => x.value === v)!)}`);
  }
  return displayAnswer({ ...q, required: true } as Question, value as AnswerValue, lang).lines;
}
