/**
 * Accepting a form definition: the JSON Schema first, then the rules a schema cannot say
 * (unique ids, conditions that look back only and fit the question they test, options only
 * on choices, pages that can be shown). Errors name the field: `pages[1] ("bin-type")
 * .questions[0] ("binType"): ...`.
 */

import { forEachTest, operandOf, operatorOf } from './conditions.ts';
import { compileForm } from './form.ts';
import { isIsoDate, parsePeriod } from './normalise.ts';
import { unreachableErrors } from './reachability.ts';
import { schemaErrors } from './schema.ts';
import type { Condition, ConditionOperator, FormDefinition, Question, QuestionType } from './types.ts';
import { choiceTypes } from './types.ts';

export type DefinitionResult = { ok: true; definition: FormDefinition } | { ok: false; errors: string[] };

/**
 * Checks a definition and returns it with its defaults filled in (`required: true`,
 * `checkAnswers: true`, `questions: []` on content pages), deeply frozen; or every error found.
 */
export function validateDefinition(json: unknown): DefinitionResult {
  const errors = schemaErrors(json);
  if (errors.length) return { ok: false, errors };
  const definition = withDefaults(structuredClone(json) as FormDefinition);
  const semantic = semanticErrors(definition);
  if (semantic.length) return { ok: false, errors: semantic };
  return { ok: true, definition: deepFreeze(definition) };
}

/** Like validateDefinition, for definitions the code itself owns (fixtures, seeds): throws with every error. */
export function defineForm(json: unknown): FormDefinition {
  const result = validateDefinition(json);
  if (!result.ok) throw new Error(`invalid form definition:\n- ${result.errors.join('\n- ')}`);
  return result.definition;
}

function withDefaults(definition: FormDefinition): FormDefinition {
  definition.checkAnswers ??= true;
  for (const page of definition.pages) {
    page.questions ??= [];
    for (const question of page.questions) question.required ??= true;
  }
  return definition;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** How each type of question may be tested by a condition. */
const operatorsFor: Record<QuestionType, readonly ConditionOperator[]> = {
  text: ['equals', 'notEquals', 'in', 'answered'],
  textarea: ['answered'],
  email: ['equals', 'notEquals', 'in', 'answered'],
  phone: ['equals', 'notEquals', 'in', 'answered'],
  postcode: ['equals', 'notEquals', 'in', 'answered'],
  radios: ['equals', 'notEquals', 'in', 'answered'],
  select: ['equals', 'notEquals', 'in', 'answered'],
  checkboxes: ['includes', 'answered'],
  yesno: ['equals', 'notEquals', 'answered'],
  declaration: ['equals', 'notEquals', 'answered'],
  number: ['equals', 'notEquals', 'in', 'gt', 'gte', 'lt', 'lte', 'answered'],
  money: ['equals', 'notEquals', 'in', 'gt', 'gte', 'lt', 'lte', 'answered'],
  date: ['equals', 'notEquals', 'in', 'gt', 'gte', 'lt', 'lte', 'answered'],
  address: ['answered'],
  file: ['answered'],
};

function semanticErrors(definition: FormDefinition): string[] {
  const errors: string[] = [];
  const pages = definition.pages;
  const name = (p: number, q?: number) => {
    const page = pages[p]!;
    const base = `pages[${p}] (${JSON.stringify(page.id)})`;
    if (q === undefined) return base;
    return `${base}.questions[${q}] (${JSON.stringify(page.questions[q]!.id)})`;
  };

  // Ids
  const pageIds = new Map<string, number>();
  const questionIds = new Map<string, { p: number; q: number }>();
  pages.forEach((page, p) => {
    if (pageIds.has(page.id))
      errors.push(`${name(p)}: the page id "${page.id}" is already used by pages[${pageIds.get(page.id)}]`);
    else pageIds.set(page.id, p);
    page.questions.forEach((question, q) => {
      const first = questionIds.get(question.id);
      if (first)
        errors.push(
          `${name(p, q)}: the question id "${question.id}" is already used by ${name(first.p, first.q)}`,
        );
      else questionIds.set(question.id, { p, q });
    });
  });
  pages.forEach((page, p) => {
    if (!page.repeat) return;
    const clash = questionIds.get(page.id);
    if (clash)
      errors.push(
        `${name(clash.p, clash.q)}: the question id "${page.id}" is the id of a repeatable page, where that page's answers are kept`,
      );
    if (page.repeat.min > page.repeat.max) errors.push(`${name(p)}.repeat: min must not be more than max`);
  });

  // Questions
  pages.forEach((page, p) => {
    page.questions.forEach((question, q) => {
      for (const problem of questionProblems(question)) errors.push(`${name(p, q)}: ${problem}`);
    });
  });

  // Conditions
  const assessmentIds = new Set<string>();
  const checkCondition = (condition: Condition, where: string, pageIndex: number | undefined) => {
    forEachTest(
      condition,
      (test, path) => {
        const at = `${where}${path}`;
        const target = questionIds.get(test.question);
        if (!target) {
          errors.push(`${at}: refers to "${test.question}", which is not a question in this form`);
          return;
        }
        if (pageIndex !== undefined && target.p >= pageIndex) {
          errors.push(
            `${at}: refers to "${test.question}", which is on ${target.p === pageIndex ? 'the same page' : `a later page (${name(target.p)})`}; conditions may only use answers from earlier pages`,
          );
          return;
        }
        const question = pages[target.p]!.questions[target.q]!;
        const problem = testProblem(question, operatorOf(test), operandOf(test));
        if (problem) errors.push(`${at}: ${problem}`);
      },
      '',
    );
  };
  pages.forEach((page, p) => {
    if (page.condition) checkCondition(page.condition, `${name(p)}.condition`, p);
    page.questions.forEach((question, q) => {
      if (question.condition) checkCondition(question.condition, `${name(p, q)}.condition`, p);
    });
  });
  (definition.assessments ?? []).forEach((assessment, a) => {
    const at = `assessments[${a}] (${JSON.stringify(assessment.id)})`;
    if (assessmentIds.has(assessment.id))
      errors.push(`${at}: the assessment id "${assessment.id}" is already used`);
    assessmentIds.add(assessment.id);
    assessment.rules.forEach((rule, r) => {
      checkCondition(rule.when, `${at}.rules[${r}].when`, undefined);
    });
  });

  if (errors.length) return errors;
  return unreachableErrors(compileForm(definition), name);
}

function questionProblems(question: Question): string[] {
  const problems: string[] = [];
  const isChoice = choiceTypes.includes(question.type);
  const options = (question as { options?: { value: string; exclusive?: boolean }[] }).options;
  if (!isChoice && options)
    problems.push(`options are only for radios, checkboxes and select, not for a ${question.type} question`);
  if (options) {
    const seen = new Set<string>();
    for (const option of options) {
      if (seen.has(option.value)) problems.push(`the option value "${option.value}" is used twice`);
      seen.add(option.value);
    }
    if (question.type !== 'checkboxes' && options.some((o) => o.exclusive))
      problems.push('only checkboxes can have an exclusive option');
    if (options.filter((o) => o.exclusive).length > 1) problems.push('only one option can be exclusive');
  }
  const period = parsePeriod(question.retention.period);
  if (!period || period.years + period.months + period.weeks + period.days === 0)
    problems.push('retention.period must be longer than nothing');
  switch (question.type) {
    case 'number':
      if (question.min !== undefined && question.max !== undefined && question.min > question.max)
        problems.push('min must not be more than max');
      break;
    case 'money':
      if (
        question.minPence !== undefined &&
        question.maxPence !== undefined &&
        question.minPence > question.maxPence
      )
        problems.push('minPence must not be more than maxPence');
      break;
    case 'date':
      for (const key of ['notBefore', 'notAfter'] as const) {
        const value = question[key];
        if (value && /^\d/.test(value) && !isIsoDate(value)) problems.push(`${key} must be a real date`);
      }
      if (
        question.notBefore &&
        question.notAfter &&
        isIsoDate(question.notBefore) &&
        isIsoDate(question.notAfter) &&
        question.notBefore > question.notAfter
      )
        problems.push('notBefore must not be after notAfter');
      break;
    case 'checkboxes': {
      const { minSelected, maxSelected } = question;
      if (minSelected !== undefined && maxSelected !== undefined && minSelected > maxSelected)
        problems.push('minSelected must not be more than maxSelected');
      if (minSelected !== undefined && minSelected > question.options.length)
        problems.push('minSelected is more than the number of options');
      break;
    }
  }
  return problems;
}

/** Why a test does not fit the question it tests, or undefined. */
function testProblem(question: Question, op: ConditionOperator, operand: unknown): string | undefined {
  const type = question.type;
  if (!operatorsFor[type].includes(op))
    return `"${op}" cannot test the ${type} question "${question.id}" (it can use ${operatorsFor[type].join(', ')})`;
  if (op === 'answered') return undefined;
  const values = Array.isArray(operand) ? operand : [operand];
  for (const value of values) {
    const problem = valueProblem(question, op, value);
    if (problem) return problem;
  }
  return undefined;
}

function valueProblem(question: Question, op: ConditionOperator, value: unknown): string | undefined {
  const q = `"${question.id}"`;
  switch (question.type) {
    case 'radios':
    case 'select':
    case 'checkboxes':
      if (typeof value !== 'string' || !question.options.some((o) => o.value === value))
        return `${q} has no option ${JSON.stringify(value)} (its options are ${question.options.map((o) => o.value).join(', ')})`;
      return undefined;
    case 'yesno':
    case 'declaration':
      return typeof value === 'boolean'
        ? undefined
        : `${q} is answered true or false, not ${JSON.stringify(value)}`;
    case 'number':
      return typeof value === 'number' ? undefined : `${q} is a number, so "${op}" needs a number`;
    case 'money':
      return Number.isInteger(value)
        ? undefined
        : `${q} is an amount in pence, so "${op}" needs a whole number of pence`;
    case 'date':
      return typeof value === 'string' && isIsoDate(value)
        ? undefined
        : `${q} is a date, so "${op}" needs a date written 'YYYY-MM-DD'`;
    default:
      return typeof value === 'string' ? undefined : `${q} is text, so "${op}" needs text`;
  }
}
