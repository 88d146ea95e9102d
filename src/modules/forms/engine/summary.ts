/**
 * Check your answers: a row per question shown, with its answer as text and a change link;
 * a repeatable section gives its rows once per item.
 */

import { localise } from '../../../platform/i18n/local-text.ts';
import { compileForm } from './form.ts';
import { formatDate, words } from './format.ts';
import { resolveJourney } from './journey.ts';
import { formatMoney, formatPhone } from './normalise.ts';
import type {
  AddressAnswer,
  Answers,
  AnswerValue,
  FileAnswer,
  FormDefinition,
  ItemAnswers,
  Language,
  LocalText,
  Question,
} from './types.ts';

export interface ChangeLinkTarget {
  pageId: string;
  questionId: string;
  /** 0-based, for an item of a repeatable section. */
  itemIndex?: number;
}

export interface SummaryOptions {
  /**
   * The change link: a function, or a pattern in which `{page}` becomes the page id (or, for
   * an item of a repeatable section, `<pageId>/<item number from 1>`) and `{question}` the
   * question id. Default '{page}?change=1'.
   */
  changeHref?: string | ((target: ChangeLinkTarget) => string);
}

export interface SummaryRow {
  pageId: string;
  questionId: string;
  label: string;
  /** 'en' when Welsh was asked for and staff left it empty: mark the element lang="en". */
  labelLang?: 'en';
  /** The answer as text, lines joined by '\n'. */
  value: string;
  /** The answer's lines (an address, the options ticked, files, paragraphs): render with line breaks. */
  lines: string[];
  valueLang?: 'en';
  answered: boolean;
  changeHref: string;
  /** For an item of a repeatable section: which, and its heading ("Child 2"). */
  item?: { index: number; label: string; labelLang?: 'en' };
}

export function summarise(
  definition: FormDefinition,
  answers: Answers,
  language: Language,
  options: SummaryOptions = {},
): SummaryRow[] {
  compileForm(definition);
  const href = changeLink(options.changeHref ?? '{page}?change=1');
  const rows: SummaryRow[] = [];
  const journey = resolveJourney(definition, answers);
  for (const { page, questions } of journey.pages) {
    if (page.kind === 'content') continue;
    if (page.repeat) {
      const items = (journey.answers[page.id] ?? []) as ItemAnswers[];
      const itemLabel = localise(page.repeat.itemLabel, language);
      items.forEach((item, index) => {
        for (const question of questions) {
          const row = makeRow(page.id, question, item[question.id], language);
          row.changeHref = href({ pageId: page.id, questionId: question.id, itemIndex: index });
          row.item = { index, label: `${itemLabel.text} ${index + 1}` };
          if (itemLabel.lang) row.item.labelLang = 'en';
          rows.push(row);
        }
      });
    } else {
      for (const question of questions) {
        const row = makeRow(
          page.id,
          question,
          journey.answers[question.id] as AnswerValue | undefined,
          language,
        );
        row.changeHref = href({ pageId: page.id, questionId: question.id });
        rows.push(row);
      }
    }
  }
  return rows;
}

function makeRow(
  pageId: string,
  question: Question,
  value: AnswerValue | undefined,
  language: Language,
): SummaryRow {
  const label = localise(question.label, language);
  const shown = displayAnswer(question, value, language);
  const row: SummaryRow = {
    pageId,
    questionId: question.id,
    label: label.text,
    value: shown.lines.join('\n'),
    lines: shown.lines,
    answered: value !== undefined,
    changeHref: '',
  };
  if (label.lang) row.labelLang = 'en';
  if (shown.lang) row.valueLang = 'en';
  return row;
}

function changeLink(pattern: SummaryOptions['changeHref'] & {}): (target: ChangeLinkTarget) => string {
  if (typeof pattern === 'function') return pattern;
  return (t) =>
    pattern
      .replaceAll('{page}', t.itemIndex === undefined ? t.pageId : `${t.pageId}/${t.itemIndex + 1}`)
      .replaceAll('{question}', t.questionId);
}

/** An answer as lines of text in one language (`lang: 'en'` when staff text fell back to English). */
export function displayAnswer(
  question: Question,
  value: AnswerValue | undefined,
  language: Language,
): { lines: string[]; lang?: 'en' } {
  let fellBack = false;
  const local = (text: LocalText) => {
    const l = localise(text, language);
    if (l.lang) fellBack = true;
    return l.text;
  };
  const out = (lines: string[]) => (fellBack ? { lines, lang: 'en' as const } : { lines });
  if (value === undefined) return { lines: [localise(words.notProvided, language).text] };
  switch (question.type) {
    case 'textarea':
      return out(String(value).split('\n'));
    case 'number': {
      const n = (value as number).toLocaleString('en-GB', { maximumFractionDigits: 10 });
      return out([question.suffix ? `${n} ${local(question.suffix)}` : n]);
    }
    case 'money':
      return out([formatMoney(value as number)]);
    case 'date':
      return out([formatDate(value as string, language)]);
    case 'phone':
      return out([formatPhone(value as string)]);
    case 'address': {
      const a = value as AddressAnswer;
      return out([a.line1, a.line2, a.town, a.postcode].filter((x): x is string => !!x));
    }
    case 'radios':
    case 'select': {
      const option = question.options.find((o) => o.value === value);
      return out([option ? local(option.label) : String(value)]);
    }
    case 'checkboxes':
      return out(
        question.options.filter((o) => (value as string[]).includes(o.value)).map((o) => local(o.label)),
      );
    case 'yesno': {
      const labels = question.labels ?? { yes: words.yes, no: words.no };
      return out([local(value ? labels.yes : labels.no)]);
    }
    case 'declaration':
      return out([localise(words.confirmed, language).text]);
    case 'file':
      return out((value as FileAnswer[]).map((f) => f.filename));
    default:
      return out([String(value)]);
  }
}

/** The labels of a yes/no question's two answers. */
export function yesNoLabels(question: Question & { type: 'yesno' }): { yes: LocalText; no: LocalText } {
  return question.labels ?? { yes: words.yes, no: words.no };
}
