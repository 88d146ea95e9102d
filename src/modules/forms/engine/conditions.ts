/**
 * Conditions on earlier answers, compiled once to closures: evaluating one is a few property
 * reads and comparisons, with no walking of the JSON.
 */
import type {
  Answers,
  AnswerValue,
  Condition,
  ConditionOperator,
  ItemAnswers,
  QuestionCondition,
  Scalar,
} from './types.ts';
import { conditionOperators } from './types.ts';

export type Predicate = (answers: Answers) => boolean;

export interface CompileContext {
  /** The repeatable page holding a question, if any: its tests then look at every item. */
  repeatPageOf?: (questionId: string) => string | undefined;
}

/** True when the answer is there: not missing, not '', not an empty list. */
export function isAnswered(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

export function isGroup(condition: Condition): condition is Exclude<Condition, QuestionCondition> {
  return 'all' in condition || 'any' in condition || 'not' in condition;
}

/** The operator of a question test ('equals', 'gt', ...). */
export function operatorOf(condition: QuestionCondition): ConditionOperator {
  for (const op of conditionOperators) if (op in condition) return op;
  throw new TypeError(`condition on "${condition.question}" has no operator`);
}

/** The operand of a question test. */
export function operandOf(condition: QuestionCondition): Scalar | Scalar[] {
  return (condition as unknown as Record<string, Scalar | Scalar[]>)[operatorOf(condition)]!;
}

/** Calls `visit` for every question test, with its JSON path below `path`. */
export function forEachTest(
  condition: Condition,
  visit: (test: QuestionCondition, path: string) => void,
  path = '',
): void {
  if ('all' in condition) {
    condition.all.forEach((c, i) => {
      forEachTest(c, visit, `${path}.all[${i}]`);
    });
  } else if ('any' in condition) {
    condition.any.forEach((c, i) => {
      forEachTest(c, visit, `${path}.any[${i}]`);
    });
  } else if ('not' in condition) forEachTest(condition.not, visit, `${path}.not`);
  else visit(condition, path);
}

/** The ids of the questions a condition reads. */
export function questionsOf(condition: Condition): string[] {
  const ids = new Set<string>();
  forEachTest(condition, (test) => ids.add(test.question));
  return [...ids];
}

type ValueTest = (value: AnswerValue | ItemAnswers[] | undefined) => boolean;

/** A positive test of one value, and whether the condition is its negation. */
function valueTest(condition: QuestionCondition): { test: ValueTest; negated: boolean } {
  const op = operatorOf(condition);
  const c = condition as unknown as Record<string, unknown>;
  switch (op) {
    case 'equals': {
      const v = c.equals;
      return { test: (x) => x === v, negated: false };
    }
    case 'notEquals': {
      const v = c.notEquals;
      return { test: (x) => x === v, negated: true };
    }
    case 'in': {
      const set = new Set(c.in as Scalar[]);
      return { test: (x) => set.has(x as Scalar), negated: false };
    }
    case 'includes': {
      const v = c.includes as string;
      return { test: (x) => Array.isArray(x) && (x as unknown[]).includes(v), negated: false };
    }
    case 'answered':
      return { test: isAnswered, negated: c.answered === false };
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return { test: comparison(op, c[op] as number | string), negated: false };
  }
}

function comparison(op: 'gt' | 'gte' | 'lt' | 'lte', v: number | string): ValueTest {
  // Compare only like with like: a number with a number, an ISO date with an ISO date.
  const kind = typeof v;
  switch (op) {
    case 'gt':
      return (x) => typeof x === kind && (x as number | string) > v;
    case 'gte':
      return (x) => typeof x === kind && (x as number | string) >= v;
    case 'lt':
      return (x) => typeof x === kind && (x as number | string) < v;
    case 'lte':
      return (x) => typeof x === kind && (x as number | string) <= v;
  }
}

function compileTest(condition: QuestionCondition, context: CompileContext | undefined): Predicate {
  const q = condition.question;
  const { test, negated } = valueTest(condition);
  const page = context?.repeatPageOf?.(q);
  if (page !== undefined) {
    const some: Predicate = (answers) => {
      const items = answers[page];
      if (!Array.isArray(items)) return false;
      for (const item of items as ItemAnswers[]) if (test(item[q])) return true;
      return false;
    };
    return negated ? (answers) => !some(answers) : some;
  }
  return negated ? (answers) => !test(answers[q]) : (answers) => test(answers[q]);
}

/** Compiles a condition to a predicate over answers. */
export function compileCondition(condition: Condition, context?: CompileContext): Predicate {
  if ('all' in condition) {
    const parts = condition.all.map((c) => compileCondition(c, context));
    if (parts.length === 1) return parts[0]!;
    if (parts.length === 2) {
      const [a, b] = parts as [Predicate, Predicate];
      return (answers) => a(answers) && b(answers);
    }
    return (answers) => {
      for (let i = 0; i < parts.length; i++) if (!parts[i]!(answers)) return false;
      return true;
    };
  }
  if ('any' in condition) {
    const parts = condition.any.map((c) => compileCondition(c, context));
    if (parts.length === 1) return parts[0]!;
    if (parts.length === 2) {
      const [a, b] = parts as [Predicate, Predicate];
      return (answers) => a(answers) || b(answers);
    }
    return (answers) => {
      for (let i = 0; i < parts.length; i++) if (parts[i]!(answers)) return true;
      return false;
    };
  }
  if ('not' in condition) {
    const inner = compileCondition(condition.not, context);
    return (answers) => !inner(answers);
  }
  return compileTest(condition, context);
}

const compiledOnce = new WeakMap<Condition, Predicate>();

/**
 * Evaluates a condition (compiled on first use and remembered for that object). Questions
 * are read at the top level of `answers`; for repeatable sections use `compileCondition`
 * with a context, as the journey functions do.
 */
export function evaluateCondition(condition: Condition, answers: Answers): boolean {
  let predicate = compiledOnce.get(condition);
  if (!predicate) {
    predicate = compileCondition(condition);
    compiledOnce.set(condition, predicate);
  }
  return predicate(answers);
}
