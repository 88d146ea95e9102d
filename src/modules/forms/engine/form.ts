/**
 * A definition's indexes and compiled conditions, built once per definition object and
 * remembered (definitions from `validateDefinition` are frozen, so this never goes stale).
 */
import { type CompileContext, compileCondition, type Predicate } from './conditions.ts';
import type { Assessment, FormDefinition, Page, Question } from './types.ts';

export interface QuestionPlace {
  question: Question;
  page: Page;
  pageIndex: number;
  questionIndex: number;
}

export interface CompiledForm {
  definition: FormDefinition;
  pageIndex: ReadonlyMap<string, number>;
  questions: ReadonlyMap<string, QuestionPlace>;
  /** Per page, in order: its condition, compiled. */
  pageConditions: readonly (Predicate | undefined)[];
  questionConditions: ReadonlyMap<string, Predicate>;
  assessments: readonly { assessment: Assessment; rules: readonly Predicate[] }[];
  context: CompileContext;
}

const cache = new WeakMap<FormDefinition, CompiledForm>();

export function compileForm(definition: FormDefinition): CompiledForm {
  const known = cache.get(definition);
  if (known) return known;
  const pageIndex = new Map<string, number>();
  const questions = new Map<string, QuestionPlace>();
  definition.pages.forEach((page, i) => {
    pageIndex.set(page.id, i);
    page.questions.forEach((question, j) => {
      questions.set(question.id, { question, page, pageIndex: i, questionIndex: j });
    });
  });
  const context: CompileContext = {
    repeatPageOf: (id) => {
      const place = questions.get(id);
      return place?.page.repeat ? place.page.id : undefined;
    },
  };
  const questionConditions = new Map<string, Predicate>();
  for (const [id, place] of questions) {
    if (place.question.condition)
      questionConditions.set(id, compileCondition(place.question.condition, context));
  }
  const compiled: CompiledForm = {
    definition,
    pageIndex,
    questions,
    pageConditions: definition.pages.map((p) =>
      p.condition ? compileCondition(p.condition, context) : undefined,
    ),
    questionConditions,
    assessments: (definition.assessments ?? []).map((assessment) => ({
      assessment,
      rules: assessment.rules.map((rule) => compileCondition(rule.when, context)),
    })),
    context,
  };
  cache.set(definition, compiled);
  return compiled;
}

export function findPage(definition: FormDefinition, pageId: string): Page | undefined {
  const i = compileForm(definition).pageIndex.get(pageId);
  return i === undefined ? undefined : definition.pages[i];
}

export function findQuestion(definition: FormDefinition, questionId: string): Question | undefined {
  return compileForm(definition).questions.get(questionId)?.question;
}

export function pageOrThrow(definition: FormDefinition, page: Page | string): Page {
  if (typeof page !== 'string') return page;
  const found = findPage(definition, page);
  if (!found) throw new RangeError(`form "${definition.slug}" has no page "${page}"`);
  return found;
}
