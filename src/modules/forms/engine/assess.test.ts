import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assess } from './assess.ts';
import { form, page, q, singlePersonDiscount, t } from './testing.ts';
import type { Answers } from './types.ts';

const def = singlePersonDiscount();
const adult = (adultStatus: string) => ({ adultName: 'Alex', adultDateOfBirth: '2000-01-01', adultStatus });

const cases: [string, Answers, string, number | 'otherwise'][] = [
  ['lives alone', { otherAdults: false }, 'likely-eligible', 0],
  [
    'another adult who counts',
    { otherAdults: true, adults: [adult('full-time-student'), adult('none')] },
    'unlikely-eligible',
    1,
  ],
  [
    'every other adult disregarded',
    { otherAdults: true, adults: [adult('full-time-student'), adult('live-in-carer')] },
    'may-be-eligible',
    'otherwise',
  ],
  // A section hidden by a later change is not counted.
  [
    'lives alone now, an old answer left behind',
    { otherAdults: false, adults: [adult('none')] },
    'likely-eligible',
    0,
  ],
  ['nothing answered yet', {}, 'may-be-eligible', 'otherwise'],
];
for (const [name, answers, code, rule] of cases) {
  test(`single person discount: ${name}`, () => {
    const [outcome, ...more] = assess(def, answers);
    assert.equal(more.length, 0);
    assert.equal(outcome!.assessmentId, 'eligibility');
    assert.equal(outcome!.result.code, code);
    assert.equal(outcome!.rule, rule);
    assert.ok(outcome!.result.title.cy);
  });
}

test('several assessments, each its first matching rule', () => {
  const result = (code: string) => ({ code, title: t(code), body: t(code) });
  const def2 = form([page('one', [q('age', 'number'), q('income', 'money')])], {
    assessments: [
      {
        id: 'age',
        title: t('Age'),
        rules: [
          { when: { question: 'age', gte: 66 }, result: result('pension-age') },
          { when: { question: 'age', gte: 18 }, result: result('adult') },
        ],
        otherwise: result('child'),
      },
      {
        id: 'income',
        title: t('Income'),
        rules: [
          {
            when: {
              all: [
                { question: 'income', lt: 1600000 },
                { question: 'age', gte: 18 },
              ],
            },
            result: result('low-income'),
          },
        ],
        otherwise: result('not-low-income'),
      },
    ],
  });
  assert.deepEqual(
    assess(def2, { age: 70, income: 1000000 }).map((o) => [o.assessmentId, o.result.code, o.rule]),
    [
      ['age', 'pension-age', 0],
      ['income', 'low-income', 0],
    ],
  );
  assert.deepEqual(
    assess(def2, { age: 12, income: 0 }).map((o) => o.result.code),
    ['child', 'not-low-income'],
  );
  assert.deepEqual(assess(form([page('one', [q('x', 'text')])]), { x: 'y' }), []);
});
