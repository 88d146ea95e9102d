/**
 * Finds pages and questions that can never be shown, by trying every case that matters.
 *
 * A condition compares answers with constants, so only a few values of each answer can
 * change its truth: the options of a choice, yes and no, each constant and the values
 * between and around them, "some other text", and no answer at all. The check enumerates
 * those values for the questions a condition reads, plus the questions their own visibility
 * depends on, and keeps the combinations a person could really produce: a question that is
 * not shown has no answer, and a required question that is shown has one (the runner lets
 * nobody past an incomplete page). If no such combination makes the condition true, the
 * page or question can never be shown. Conditions on repeatable sections, and cases with
 * too many combinations, are not checked.
 */
import { forEachTest, operandOf, operatorOf, type Predicate } from './conditions.ts';
import type { CompiledForm } from './form.ts';
import { addPeriod, isIsoDate } from './normalise.ts';
import type { Answers, AnswerValue, Condition, Question, Scalar } from './types.ts';

const maxCombinations = 20_000;
const otherText = '\u0001other';

export function unreachableErrors(
  form: CompiledForm,
  name: (pageIndex: number, questionIndex?: number) => string,
) {
  const errors: string[] = [];
  const neverShown = new Set<string>();
  const { definition } = form;

  const visibleUnder = (id: string, answers: Answers): boolean => {
    if (neverShown.has(id)) return false;
    const place = form.questions.get(id)!;
    const pageCondition = form.pageConditions[place.pageIndex];
    if (pageCondition && !pageCondition(answers)) return false;
    const questionCondition = form.questionConditions.get(id);
    return !questionCondition || questionCondition(answers);
  };

  /** Can `goal` hold for some answers a person could give? undefined: not checked. */
  const satisfiable = (conditions: Condition[], goal: Predicate): boolean | undefined => {
    // The questions read, and those their visibility depends on, to the start of the form.
    const variables: string[] = [];
    const constants = new Map<string, Scalar[]>();
    const pending: Condition[] = [...conditions];
    let repeat = false;
    while (pending.length) {
      forEachTest(pending.pop()!, (test) => {
        const place = form.questions.get(test.question);
        if (!place) return;
        if (place.page.repeat) repeat = true;
        const operand = operandOf(test);
        const list = constants.get(test.question) ?? [];
        if (Array.isArray(operand)) list.push(...operand);
        else if (operatorOf(test) !== 'answered') list.push(operand);
        if (!constants.has(test.question)) {
          constants.set(test.question, list);
          variables.push(test.question);
          const pageCondition = place.page.condition;
          if (pageCondition) pending.push(pageCondition);
          if (place.question.condition) pending.push(place.question.condition);
        }
      });
    }
    if (repeat) return undefined;
    const domains = variables.map((id) => {
      if (neverShown.has(id)) return [undefined];
      return [undefined, ...candidates(form.questions.get(id)!.question, constants.get(id)!)];
    });
    if (domains.reduce((n, d) => n * d.length, 1) > maxCombinations) return undefined;

    const answers: Answers = {};
    const search = (i: number): boolean => {
      if (i === variables.length) {
        for (const id of variables) {
          const shown = visibleUnder(id, answers);
          const value = answers[id];
          if (!shown && value !== undefined) return false;
          if (shown && value === undefined && form.questions.get(id)!.question.required) return false;
        }
        return goal(answers);
      }
      for (const value of domains[i]!) {
        if (value === undefined) delete answers[variables[i]!];
        else answers[variables[i]!] = value;
        if (search(i + 1)) return true;
      }
      delete answers[variables[i]!];
      return false;
    };
    return search(0);
  };

  definition.pages.forEach((page, p) => {
    const pageCondition = form.pageConditions[p];
    if (page.condition && pageCondition && satisfiable([page.condition], pageCondition) === false) {
      errors.push(
        `${name(p)}: can never be shown: no answers to the earlier questions make its condition true`,
      );
      for (const q of page.questions) neverShown.add(q.id);
      return;
    }
    page.questions.forEach((question, j) => {
      const condition = form.questionConditions.get(question.id);
      if (!question.condition || !condition) return;
      const conditions = page.condition ? [page.condition, question.condition] : [question.condition];
      const goal: Predicate = pageCondition ? (a) => pageCondition(a) && condition(a) : condition;
      if (satisfiable(conditions, goal) === false) {
        errors.push(
          `${name(p, j)}: can never be asked: no answers to the earlier questions make its condition true`,
        );
        neverShown.add(question.id);
      }
    });
  });
  return errors;
}

/** The answers worth trying for a question, given the constants conditions compare it with. */
function candidates(question: Question, constants: Scalar[]): AnswerValue[] {
  switch (question.type) {
    case 'radios':
    case 'select':
      return question.options.map((o) => o.value);
    case 'checkboxes': {
      const named = [...new Set(constants.filter((c): c is string => typeof c === 'string'))];
      if (named.length > 10) return [];
      const others = question.options.some((o) => !named.includes(o.value));
      const out: string[][] = [];
      for (let mask = 0; mask < 1 << named.length; mask++) {
        const picked = named.filter((_, i) => mask & (1 << i));
        if (picked.length) out.push(picked);
        if (others) out.push([...picked, otherText]);
      }
      return out;
    }
    case 'yesno':
      return [true, false];
    case 'declaration':
      return [true];
    case 'number':
    case 'money': {
      const numbers = [...new Set(constants.filter((c): c is number => typeof c === 'number'))].sort(
        (a, b) => a - b,
      );
      if (!numbers.length) return [0];
      const out = [numbers[0]! - 1];
      numbers.forEach((n, i) => {
        out.push(n);
        const next = numbers[i + 1];
        out.push(next === undefined ? n + 1 : (n + next) / 2);
      });
      return out;
    }
    case 'date': {
      const dates = [
        ...new Set(constants.filter((c): c is string => typeof c === 'string' && isIsoDate(c))),
      ].sort();
      if (!dates.length) return ['2000-01-01'];
      const day = { years: 0, months: 0, weeks: 0, days: 1 };
      const out = new Set<string>();
      for (const d of dates) {
        out.add(addPeriod(d, day, -1));
        out.add(d);
        out.add(addPeriod(d, day, 1));
      }
      return [...out];
    }
    case 'address':
      return [{ line1: '1 High Street', town: 'Riverford', postcode: 'RF1 1AA' }];
    case 'file':
      return [[{ id: 'f', filename: 'f.pdf', mimeType: 'application/pdf', size: 1 }]];
    default: {
      const texts = [...new Set(constants.filter((c): c is string => typeof c === 'string'))];
      return [...texts, otherText];
    }
  }
}
