/**
 * Benchmarks of the engine's pure functions, for bench/ to call. A "condition set" is every
 * condition of a form (20 here: page and question conditions and assessment rules, with
 * all/any/not and every operator) evaluated against one person's answers.
 */
import { defineForm } from './definition.ts';
import { compileForm } from './form.ts';
import { resolveJourney } from './journey.ts';
import type { Answers, Condition, FormDefinition } from './types.ts';

const t = (en: string) => ({ en, cy: en });
const keep = { purpose: t('Benchmark'), retention: { period: 'P1Y' } };
const text = (id: string, condition?: Condition) => ({
  id,
  type: 'text',
  label: t(id),
  ...keep,
  ...(condition ? { condition } : {}),
});
const choices = (...values: string[]) => values.map((value) => ({ value, label: t(value) }));

const pageConditions: Condition[] = [
  { question: 'reason', equals: 'a' },
  { question: 'reason', in: ['b', 'c'] },
  {
    all: [
      { question: 'hasPets', equals: true },
      { question: 'age', gte: 18 },
    ],
  },
  {
    any: [
      { question: 'income', lt: 150000 },
      { question: 'needs', includes: 'x' },
    ],
  },
  { not: { question: 'movedIn', gt: '2020-01-01' } },
  {
    all: [
      {
        any: [
          { question: 'reason', equals: 'd' },
          { question: 'needs', includes: 'y' },
        ],
      },
      { not: { question: 'age', lt: 65 } },
    ],
  },
  { question: 'name', answered: true },
  { question: 'reason', notEquals: 'a' },
  {
    all: [
      { question: 'income', gte: 0 },
      { question: 'income', lte: 10000000 },
      { question: 'hasPets', equals: false },
    ],
  },
  {
    any: [
      { question: 'movedIn', lte: '2010-12-31' },
      { question: 'age', gt: 80 },
      { not: { question: 'needs', answered: true } },
    ],
  },
];
const questionConditions: Condition[] = [
  { question: 'hasPets', equals: true },
  {
    all: [
      { question: 'reason', in: ['a', 'd'] },
      { question: 'age', lt: 30 },
    ],
  },
  { not: { question: 'needs', includes: 'z' } },
  {
    any: [
      { question: 'movedIn', gte: '2024-01-01' },
      { question: 'income', gt: 5000000 },
    ],
  },
  { question: 'name', answered: false },
];
const ruleConditions: Condition[] = [
  {
    all: [
      { question: 'hasPets', equals: false },
      { question: 'needs', includes: 'none' },
    ],
  },
  { question: 'age', gte: 66 },
  {
    any: [
      { question: 'reason', equals: 'c' },
      { question: 'income', lte: 1200000 },
    ],
  },
  {
    not: {
      any: [
        { question: 'needs', includes: 'x' },
        { question: 'needs', includes: 'y' },
      ],
    },
  },
  { question: 'movedIn', lt: '2015-06-01' },
];

let form: FormDefinition | undefined;

/** The benchmark's form: 20 conditions over seven answers of every comparable type. */
export function benchmarkForm(): FormDefinition {
  form ??= defineForm({
    schemaVersion: 1,
    slug: 'benchmark',
    title: t('Benchmark'),
    checkAnswers: true,
    confirmation: { title: t('Done'), body: t('Done') },
    pages: [
      {
        id: 'start',
        kind: 'question',
        questions: [
          { id: 'reason', type: 'radios', label: t('Reason'), options: choices('a', 'b', 'c', 'd'), ...keep },
          { id: 'hasPets', type: 'yesno', label: t('Pets'), ...keep },
          { id: 'age', type: 'number', label: t('Age'), integer: true, ...keep },
          { id: 'income', type: 'money', label: t('Income'), ...keep },
          { id: 'movedIn', type: 'date', label: t('Moved in'), ...keep },
          {
            id: 'needs',
            type: 'checkboxes',
            label: t('Needs'),
            options: [...choices('x', 'y', 'z'), { value: 'none', label: t('None'), exclusive: true }],
            ...keep,
          },
          { ...text('name'), required: false },
        ],
      },
      ...pageConditions.map((condition, i) => ({
        id: `page-${i}`,
        kind: 'question',
        condition,
        questions: [text(`answer${i}`)],
      })),
      {
        id: 'more',
        kind: 'question',
        questions: questionConditions.map((condition, i) => text(`more${i}`, condition)),
      },
    ],
    assessments: [
      {
        id: 'outcome',
        title: t('Outcome'),
        rules: ruleConditions.map((when, i) => ({
          when,
          result: { code: `rule-${i}`, title: t('R'), body: t('R') },
        })),
        otherwise: { code: 'otherwise', title: t('O'), body: t('O') },
      },
    ],
  });
  return form;
}

/** Eight people's answers, varied so that every branch is taken. */
export function benchmarkAnswers(): Answers[] {
  const reasons = ['a', 'b', 'c', 'd'];
  const needs = [['x'], ['y', 'z'], ['none'], ['x', 'y', 'z']];
  return Array.from({ length: 8 }, (_, i) => {
    const answers: Answers = {
      reason: reasons[i % 4]!,
      hasPets: i % 3 === 0,
      age: 17 + i * 9,
      income: 90000 * i,
      movedIn: `${2008 + i * 2}-0${1 + (i % 9)}-15`,
      needs: needs[i % 4]!,
    };
    if (i % 2) answers.name = `Person ${i}`;
    return answers;
  });
}

/** Condition sets per second on this core (each set: the 20 conditions of `benchmarkForm`). */
export function benchConditions(iterations = 200_000): number {
  const compiled = compileForm(benchmarkForm());
  const predicates = [
    ...compiled.pageConditions.filter((p) => p !== undefined),
    ...compiled.questionConditions.values(),
    ...compiled.assessments.flatMap((a) => a.rules),
  ];
  const people = benchmarkAnswers();
  let sink = 0;
  const run = (n: number) => {
    for (let i = 0; i < n; i++) {
      const answers = people[i & 7]!;
      for (let j = 0; j < predicates.length; j++) if (predicates[j]!(answers)) sink++;
    }
  };
  run(Math.min(20_000, iterations));
  const start = performance.now();
  run(iterations);
  const seconds = (performance.now() - start) / 1000;
  if (sink < 0) throw new Error('unreachable');
  return Math.round(iterations / seconds);
}

/** Whole journeys resolved per second (`resolveJourney`: every page and question condition, in order). */
export function benchJourney(iterations = 50_000): number {
  const definition = benchmarkForm();
  const people = benchmarkAnswers();
  let sink = 0;
  const run = (n: number) => {
    for (let i = 0; i < n; i++) sink += resolveJourney(definition, people[i & 7]!).pages.length;
  };
  run(Math.min(5_000, iterations));
  const start = performance.now();
  run(iterations);
  const seconds = (performance.now() - start) / 1000;
  if (sink < 0) throw new Error('unreachable');
  return Math.round(iterations / seconds);
}
