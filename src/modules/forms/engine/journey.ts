/**
 * Where a person is in a form: which pages and questions they are shown, what comes next
 * and before, whether they may be on a page yet, and whether the form is done.
 *
 * Everything is worked out from the answers in page order: a page or question whose
 * condition is false is not shown, and its answers count as not given, so an answer left
 * behind on a page that has since been hidden changes nothing further on. A question page
 * with no question shown is skipped. A page is complete when every required question
 * shown on it has an answer; a repeatable page when it has between `min` and `max` items
 * (an empty list: the person chose to add none), each complete; a content page always.
 */
import { isAnswered } from './conditions.ts';
import { compileForm, pageOrThrow } from './form.ts';
import type { Answers, FormDefinition, ItemAnswers, Page, Question } from './types.ts';

export interface VisiblePage {
  page: Page;
  /** Its position in the definition. */
  index: number;
  /** The questions shown on it, in order. */
  questions: Question[];
  complete: boolean;
}

export interface Journey {
  pages: VisiblePage[];
  /** Only the answers to questions shown: what a submission keeps. */
  answers: Answers;
}

export function resolveJourney(definition: FormDefinition, answers: Answers): Journey {
  const form = compileForm(definition);
  const effective: Answers = {};
  const pages: VisiblePage[] = [];
  const { pages: all } = definition;
  for (let i = 0; i < all.length; i++) {
    const page = all[i]!;
    const condition = form.pageConditions[i];
    if (condition && !condition(effective)) continue;
    const questions: Question[] = [];
    for (const question of page.questions) {
      const shown = form.questionConditions.get(question.id);
      if (!shown || shown(effective)) questions.push(question);
    }
    if (page.kind === 'question' && questions.length === 0) continue;
    let complete = true;
    if (page.repeat) {
      const stored = answers[page.id];
      if (Array.isArray(stored) && stored.every(isItem)) {
        const items = (stored as ItemAnswers[]).map((item) => {
          const kept: ItemAnswers = {};
          for (const q of questions) if (isAnswered(item[q.id])) kept[q.id] = item[q.id]!;
          return kept;
        });
        effective[page.id] = items;
        complete =
          items.length >= page.repeat.min &&
          items.length <= page.repeat.max &&
          items.every((item) => questions.every((q) => !q.required || item[q.id] !== undefined));
      } else complete = false;
    } else {
      for (const question of questions) {
        const value = answers[question.id];
        if (isAnswered(value)) effective[question.id] = value!;
        else if (question.required) complete = false;
      }
    }
    pages.push({ page, index: i, questions, complete });
  }
  return { pages, answers: effective };
}

function isItem(value: unknown): value is ItemAnswers {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The pages shown for these answers, in order. */
export function visiblePages(definition: FormDefinition, answers: Answers): Page[] {
  return resolveJourney(definition, answers).pages.map((v) => v.page);
}

/** The questions shown on a page for these answers (none if the page itself is not shown). */
export function visibleQuestions(
  definition: FormDefinition,
  answers: Answers,
  page: Page | string,
): Question[] {
  const id = pageOrThrow(definition, page).id;
  return resolveJourney(definition, answers).pages.find((v) => v.page.id === id)?.questions ?? [];
}

/** The answers to questions shown, and nothing else: what a submission stores. */
export function visibleAnswers(definition: FormDefinition, answers: Answers): Answers {
  return resolveJourney(definition, answers).answers;
}

export function firstPageId(definition: FormDefinition, answers: Answers = {}): string {
  return resolveJourney(definition, answers).pages[0]!.page.id;
}

/** The last page shown: where "Back" on check your answers goes. */
export function lastPageId(definition: FormDefinition, answers: Answers): string {
  const { pages } = resolveJourney(definition, answers);
  return pages[pages.length - 1]!.page.id;
}

/**
 * The page after `currentPageId` for these answers (which should include the ones just
 * given), or undefined at the end: then check your answers (or send, without it).
 */
export function nextPageId(
  definition: FormDefinition,
  answers: Answers,
  currentPageId: string,
): string | undefined {
  const at = indexOf(definition, currentPageId);
  return resolveJourney(definition, answers).pages.find((v) => v.index > at)?.page.id;
}

/** The page before `currentPageId` for the back link, or undefined on the first page. */
export function previousPageId(
  definition: FormDefinition,
  answers: Answers,
  currentPageId: string,
): string | undefined {
  const at = indexOf(definition, currentPageId);
  return resolveJourney(definition, answers)
    .pages.filter((v) => v.index < at)
    .pop()?.page.id;
}

export function isComplete(definition: FormDefinition, answers: Answers): boolean {
  return resolveJourney(definition, answers).pages.every((v) => v.complete);
}

/** The first page shown that still needs answers, or undefined when the form is complete. */
export function firstIncompletePage(definition: FormDefinition, answers: Answers): string | undefined {
  return resolveJourney(definition, answers).pages.find((v) => !v.complete)?.page.id;
}

/**
 * May the person be on this page now? Only if it is shown and every page shown before it is
 * complete; otherwise send them to `firstIncompletePage` (a GET) or refuse (a POST).
 */
export function pageAllowed(definition: FormDefinition, answers: Answers, pageId: string): boolean {
  indexOf(definition, pageId);
  for (const v of resolveJourney(definition, answers).pages) {
    if (v.page.id === pageId) return true;
    if (!v.complete) return false;
  }
  return false;
}

function indexOf(definition: FormDefinition, pageId: string): number {
  const i = compileForm(definition).pageIndex.get(pageId);
  if (i === undefined) throw new RangeError(`form "${definition.slug}" has no page "${pageId}"`);
  return i;
}

// ---------------------------------------------------------------------------------------
// Storing a page's answers, and repeatable sections

/** The items of a repeatable page so far. */
export function repeatItems(answers: Answers, pageId: string): ItemAnswers[] {
  const stored = answers[pageId];
  return Array.isArray(stored) && stored.every(isItem) ? (stored as ItemAnswers[]) : [];
}

export function canAddRepeatItem(definition: FormDefinition, answers: Answers, pageId: string): boolean {
  const page = repeatPage(definition, pageId);
  return repeatItems(answers, pageId).length < page.repeat.max;
}

/** Replaces item `index`, or adds one when `index` is the number of items. Returns new answers. */
export function setRepeatItem(
  definition: FormDefinition,
  answers: Answers,
  pageId: string,
  index: number,
  item: ItemAnswers,
): Answers {
  const page = repeatPage(definition, pageId);
  const items = [...repeatItems(answers, pageId)];
  if (!Number.isInteger(index) || index < 0 || index > items.length)
    throw new RangeError(`"${pageId}" has no item ${index}`);
  if (index === items.length && items.length >= page.repeat.max)
    throw new RangeError(`"${pageId}" already has the most items allowed (${page.repeat.max})`);
  items[index] = { ...item };
  return { ...answers, [pageId]: items };
}

/** Sets the whole list, e.g. `[]` when the person chooses to add none. Returns new answers. */
export function setRepeatItems(
  definition: FormDefinition,
  answers: Answers,
  pageId: string,
  items: ItemAnswers[],
): Answers {
  const page = repeatPage(definition, pageId);
  if (items.length > page.repeat.max)
    throw new RangeError(`"${pageId}" allows at most ${page.repeat.max} items`);
  return { ...answers, [pageId]: items.map((item) => ({ ...item })) };
}

/** Removes item `index`. Returns new answers. */
export function removeRepeatItem(answers: Answers, pageId: string, index: number): Answers {
  const items = repeatItems(answers, pageId);
  if (!Number.isInteger(index) || index < 0 || index >= items.length)
    throw new RangeError(`"${pageId}" has no item ${index}`);
  return { ...answers, [pageId]: items.filter((_, i) => i !== index) };
}

/**
 * Stores the answers `parsePage` gave for a page: they replace every earlier answer to that
 * page's questions (an optional answer cleared is removed). On a repeatable page they are
 * item `itemIndex` (default: a new item). Returns new answers.
 */
export function applyPageAnswers(
  definition: FormDefinition,
  answers: Answers,
  page: Page | string,
  pageAnswers: ItemAnswers,
  itemIndex?: number,
): Answers {
  const p = pageOrThrow(definition, page);
  if (p.repeat)
    return setRepeatItem(
      definition,
      answers,
      p.id,
      itemIndex ?? repeatItems(answers, p.id).length,
      pageAnswers,
    );
  const next: Answers = { ...answers };
  for (const question of p.questions) delete next[question.id];
  return Object.assign(next, pageAnswers);
}

function repeatPage(
  definition: FormDefinition,
  pageId: string,
): Page & { repeat: NonNullable<Page['repeat']> } {
  const page = pageOrThrow(definition, pageId);
  if (!page.repeat) throw new RangeError(`"${pageId}" is not a repeatable page`);
  return page as Page & { repeat: NonNullable<Page['repeat']> };
}
