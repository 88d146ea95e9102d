import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { benchConditions, benchJourney } from './bench.ts';
import { compileCondition, evaluateCondition, isAnswered, questionsOf } from './conditions.ts';
import type { Answers, Condition } from './types.ts';

const answers: Answers = {
  bin: 'recycling',
  count: 3,
  pence: 1250,
  when: '2025-03-07',
  pets: true,
  consent: false,
  needs: ['step-free', 'large-print'],
  name: 'Ana',
  empty: '',
  none: [],
};

describe('evaluateCondition: every operator', () => {
  const cases: [Condition, boolean][] = [
    [{ question: 'bin', equals: 'recycling' }, true],
    [{ question: 'bin', equals: 'garden' }, false],
    [{ question: 'missing', equals: 'x' }, false],
    [{ question: 'bin', notEquals: 'garden' }, true],
    [{ question: 'bin', notEquals: 'recycling' }, false],
    [{ question: 'missing', notEquals: 'x' }, true],
    [{ question: 'bin', in: ['garden', 'recycling'] }, true],
    [{ question: 'bin', in: ['garden'] }, false],
    [{ question: 'count', in: [1, 2, 3] }, true],
    [{ question: 'count', in: ['3'] }, false],
    [{ question: 'needs', includes: 'step-free' }, true],
    [{ question: 'needs', includes: 'braille' }, false],
    [{ question: 'bin', includes: 'r' }, false],
    [{ question: 'bin', answered: true }, true],
    [{ question: 'missing', answered: true }, false],
    [{ question: 'missing', answered: false }, true],
    [{ question: 'empty', answered: true }, false],
    [{ question: 'none', answered: true }, false],
    [{ question: 'consent', answered: true }, true],
    [{ question: 'pets', equals: true }, true],
    [{ question: 'consent', equals: false }, true],
    [{ question: 'count', gt: 2 }, true],
    [{ question: 'count', gt: 3 }, false],
    [{ question: 'count', gte: 3 }, true],
    [{ question: 'count', lt: 3 }, false],
    [{ question: 'count', lte: 3 }, true],
    [{ question: 'pence', gte: 1250 }, true],
    [{ question: 'pence', lt: 1000 }, false],
    [{ question: 'when', gt: '2025-03-06' }, true],
    [{ question: 'when', gt: '2025-03-07' }, false],
    [{ question: 'when', lte: '2025-03-07' }, true],
    [{ question: 'when', lt: '2025-01-01' }, false],
    // Unlike with unlike is never true.
    [{ question: 'count', gt: '1' }, false],
    [{ question: 'when', gt: 0 }, false],
    [{ question: 'missing', lt: 100 }, false],
  ];
  for (const [condition, expected] of cases) {
    test(`${JSON.stringify(condition)} is ${expected}`, () => {
      assert.equal(evaluateCondition(condition, answers), expected);
      assert.equal(compileCondition(condition)(answers), expected);
    });
  }
});

describe('all, any, not', () => {
  const yes: Condition = { question: 'pets', equals: true };
  const no: Condition = { question: 'pets', equals: false };
  const cases: [Condition, boolean][] = [
    [{ all: [yes] }, true],
    [{ all: [yes, yes] }, true],
    [{ all: [yes, no] }, false],
    [{ all: [yes, yes, no] }, false],
    [{ all: [yes, yes, yes] }, true],
    [{ any: [no] }, false],
    [{ any: [no, yes] }, true],
    [{ any: [no, no] }, false],
    [{ any: [no, no, yes] }, true],
    [{ any: [no, no, no] }, false],
    [{ not: yes }, false],
    [{ not: no }, true],
    [{ not: { not: yes } }, true],
    [{ all: [{ any: [no, yes] }, { not: no }] }, true],
    [{ any: [{ all: [yes, no] }, { not: { any: [yes] } }] }, false],
  ];
  for (const [condition, expected] of cases) {
    test(`${JSON.stringify(condition)} is ${expected}`, () =>
      assert.equal(evaluateCondition(condition, answers), expected));
  }
});

describe('repeatable sections', () => {
  const context = { repeatPageOf: (id: string) => (id.startsWith('adult') ? 'adults' : undefined) };
  const people: Answers = {
    adults: [
      { adultName: 'Ana', adultStatus: 'student' },
      { adultName: 'Bo', adultStatus: 'none' },
    ],
  };
  const cases: [Condition, Answers, boolean][] = [
    [{ question: 'adultStatus', equals: 'none' }, people, true],
    [{ question: 'adultStatus', equals: 'carer' }, people, false],
    [{ question: 'adultStatus', notEquals: 'none' }, people, false],
    [{ question: 'adultStatus', notEquals: 'carer' }, people, true],
    [{ question: 'adultName', answered: true }, people, true],
    [{ question: 'adultName', answered: false }, people, false],
    [{ question: 'adultName', answered: true }, { adults: [] }, false],
    [{ question: 'adultName', answered: false }, {}, true],
    [{ question: 'adultStatus', in: ['carer', 'student'] }, people, true],
  ];
  for (const [condition, given, expected] of cases) {
    test(`${JSON.stringify(condition)} over ${JSON.stringify(given)} is ${expected}`, () =>
      assert.equal(compileCondition(condition, context)(given), expected));
  }
});

/** The meaning of a condition, written plainly, to check the compiled closures against. */
function reference(condition: Condition, a: Answers): boolean {
  if ('all' in condition) return condition.all.every((c) => reference(c, a));
  if ('any' in condition) return condition.any.some((c) => reference(c, a));
  if ('not' in condition) return !reference(condition.not, a);
  const x = a[condition.question];
  if ('equals' in condition) return x === condition.equals;
  if ('notEquals' in condition) return x !== condition.notEquals;
  if ('in' in condition) return condition.in.some((v) => v === x);
  if ('includes' in condition) return Array.isArray(x) && (x as unknown[]).includes(condition.includes);
  if ('answered' in condition) return isAnswered(x) === condition.answered;
  const [op, v] = Object.entries(condition).find(([k]) => k !== 'question') as [string, number | string];
  if (typeof x !== typeof v) return false;
  const n = x as number | string;
  return op === 'gt' ? n > v : op === 'gte' ? n >= v : op === 'lt' ? n < v : n <= v;
}

test('compiled conditions agree with the plain meaning (property)', () => {
  const ids = ['a', 'b', 'c'];
  const scalar = fc.oneof(fc.constantFrom('x', 'y', 'z'), fc.integer({ min: -3, max: 3 }), fc.boolean());
  const leaf: fc.Arbitrary<Condition> = fc
    .tuple(
      fc.constantFrom(...ids),
      fc.constantFrom('equals', 'notEquals', 'in', 'includes', 'answered', 'gt', 'gte', 'lt', 'lte'),
      scalar,
      fc.array(scalar, { minLength: 1, maxLength: 3 }),
    )
    .map(([question, op, v, list]) => {
      if (op === 'in') return { question, in: list } as Condition;
      if (op === 'includes') return { question, includes: String(v) } as Condition;
      if (op === 'answered') return { question, answered: Boolean(v) } as Condition;
      if (op.startsWith('g') || op.startsWith('l'))
        return { question, [op]: typeof v === 'boolean' ? 0 : v } as unknown as Condition;
      return { question, [op]: v } as unknown as Condition;
    });
  const { condition } = fc.letrec<{ condition: Condition }>((tie) => ({
    condition: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.array(tie('condition'), { minLength: 1, maxLength: 4 }).map((all) => ({ all })),
      fc.array(tie('condition'), { minLength: 1, maxLength: 4 }).map((any) => ({ any })),
      tie('condition').map((not) => ({ not })),
    ),
  }));
  const value = fc.oneof(
    scalar,
    fc.constant(''),
    fc.array(fc.constantFrom('x', 'y', 'z'), { maxLength: 3 }),
    fc.constant(undefined),
  );
  const answerSets = fc.record({ a: value, b: value, c: value }).map((r) => {
    const out: Answers = {};
    for (const [k, v] of Object.entries(r)) if (v !== undefined) out[k] = v;
    return out;
  });
  fc.assert(
    fc.property(condition, answerSets, (c, a) => compileCondition(c)(a) === reference(c, a)),
    { numRuns: 2000 },
  );
});

test('questionsOf lists each question once', () => {
  assert.deepEqual(
    questionsOf({
      all: [
        { question: 'a', equals: 1 },
        { not: { question: 'b', answered: true } },
        { question: 'a', gt: 0 },
      ],
    }),
    ['a', 'b'],
  );
});

// Speed is measured by `npm run bench -- forms`, not asserted here: a test on a busy
// machine would fail for reasons that are not the code's. This only checks the bench runs.
test('the benchmark functions run and report a rate', () => {
  assert.ok(benchConditions(1_000) > 0);
  assert.ok(benchJourney(100) > 0);
});
