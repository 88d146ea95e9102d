import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { validateDefinition } from './definition.ts';
import { fixtures } from './fixtures/index.ts';
import { formSchema } from './schema.ts';
import { keep, options, page, q, raw, t } from './testing.ts';

type Json = Record<string, unknown>;

describe('the JSON Schema', () => {
  test('is a valid draft 2020-12 schema', () => {
    const ajv = new Ajv2020({ strict: false });
    assert.equal(ajv.validateSchema(formSchema), true, JSON.stringify(ajv.errors));
  });

  for (const [name, json] of Object.entries(fixtures)) {
    test(`accepts the fixture ${name}, checked by Ajv alone`, () => {
      const validate = new Ajv2020({ strict: false, allErrors: true }).compile(formSchema);
      assert.equal(validate(json), true, JSON.stringify(validate.errors, null, 2));
    });
  }
});

describe('validateDefinition', () => {
  for (const [name, json] of Object.entries(fixtures)) {
    test(`accepts the fixture ${name}`, () => {
      const result = validateDefinition(json);
      assert.ok(result.ok, result.ok ? '' : result.errors.join('\n'));
    });
  }

  test('fills the defaults, leaves the input alone and freezes the result', () => {
    const input = raw([
      page('one', [q('name', 'text')]),
      { id: 'info', kind: 'content', title: t('Info'), content: t('Read this.') },
    ]);
    const result = validateDefinition(input);
    assert.ok(result.ok);
    const { definition } = result;
    assert.equal(definition.checkAnswers, true);
    assert.equal(definition.pages[0]!.questions[0]!.required, true);
    assert.deepEqual(definition.pages[1]!.questions, []);
    assert.equal((input.pages as Json[])[1]!.questions, undefined);
    assert.ok(Object.isFrozen(definition.pages[0]!.questions[0]));
    assert.throws(() => {
      (definition as { slug: string }).slug = 'x';
    });
  });

  test('refuses what is not a definition at all', () => {
    for (const json of [null, 'form', 42, [], {}]) {
      const result = validateDefinition(json);
      assert.equal(result.ok, false);
    }
  });

  const refused: [string, Json, string[]][] = [
    [
      'a question without purpose',
      raw([
        page('one', [q('name', 'text')]),
        page('bin-type', [
          {
            id: 'binType',
            type: 'radios',
            label: t('Bin'),
            options: options('a', 'b'),
            retention: { period: 'P1Y' },
          },
        ]),
      ]),
      ['pages[1] ("bin-type").questions[0] ("binType"): purpose is required'],
    ],
    [
      'a question without retention',
      raw([page('one', [{ id: 'name', type: 'text', label: t('Name'), purpose: t('Why') }])]),
      ['pages[0] ("one").questions[0] ("name"): retention is required'],
    ],
    [
      'neither purpose nor retention',
      raw([page('one', [{ id: 'name', type: 'text', label: t('Name') }])]),
      [
        'pages[0] ("one").questions[0] ("name"): purpose is required',
        'pages[0] ("one").questions[0] ("name"): retention is required',
      ],
    ],
    [
      'an empty purpose',
      raw([page('one', [q('name', 'text', { purpose: { en: ' ' } })])]),
      ['pages[0] ("one").questions[0] ("name").purpose.en: must not be empty'],
    ],
    [
      'a retention period that is not ISO-8601',
      raw([page('one', [q('name', 'text', { retention: { period: '2 years' } })])]),
      ['pages[0] ("one").questions[0] ("name").retention.period: must be an ISO-8601 period'],
    ],
    [
      'a retention period of nothing',
      raw([page('one', [q('name', 'text', { retention: { period: 'P0D' } })])]),
      ['pages[0] ("one").questions[0] ("name"): retention.period must be longer than nothing'],
    ],
    [
      'an unknown retention start',
      raw([page('one', [q('name', 'text', { retention: { period: 'P1Y', from: 'forever' } })])]),
      ['pages[0] ("one").questions[0] ("name").retention.from: must be one of "submitted", "case-closed"'],
    ],
    [
      'text without Welsh is fine, but without English is not',
      raw([page('one', [q('name', 'text', { label: { cy: 'Enw' } })])]),
      ['pages[0] ("one").questions[0] ("name").label: en is required'],
    ],
    [
      'an unknown question type',
      raw([page('one', [q('name', 'colour')])]),
      ['pages[0] ("one").questions[0] ("name").type: must be one of "text"'],
    ],
    [
      'a property of another type of question',
      raw([page('one', [q('name', 'text', { minPence: 1 })])]),
      ['pages[0] ("one").questions[0] ("name"): "minPence" is not allowed on this type of question'],
    ],
    [
      'a question id that is not camelCase',
      raw([page('one', [q('bin-type', 'text')])]),
      ['pages[0] ("one").questions[0] ("bin-type").id: must start with a lower-case letter'],
    ],
    [
      'a duplicate page id',
      raw([page('one', [q('a', 'text')]), page('one', [q('b', 'text')])]),
      ['pages[1] ("one"): the page id "one" is already used by pages[0]'],
    ],
    [
      'a duplicate question id',
      raw([page('one', [q('a', 'text')]), page('two', [q('a', 'number')])]),
      [
        'pages[1] ("two").questions[0] ("a"): the question id "a" is already used by pages[0] ("one").questions[0] ("a")',
      ],
    ],
    [
      'a question id equal to a repeatable page id',
      raw([
        page('one', [q('people', 'text')]),
        page('people', [q('name', 'text')], {
          repeat: { min: 1, max: 3, itemLabel: t('Person'), addAnotherLabel: t('Add another') },
        }),
      ]),
      ['the question id "people" is the id of a repeatable page'],
    ],
    [
      'options on a text question',
      raw([page('one', [q('name', 'text', { options: options('a', 'b') })])]),
      [
        'pages[0] ("one").questions[0] ("name"): options are only for radios, checkboxes and select, not for a text question',
      ],
    ],
    [
      'radios without options',
      raw([page('one', [q('bin', 'radios')])]),
      ['pages[0] ("one").questions[0] ("bin"): options is required'],
    ],
    [
      'radios with a single option',
      raw([page('one', [q('bin', 'radios', { options: options('a') })])]),
      ['pages[0] ("one").questions[0] ("bin").options: must have at least 2 items'],
    ],
    [
      'a duplicate option value',
      raw([page('one', [q('bin', 'select', { options: options('a', 'a') })])]),
      ['the option value "a" is used twice'],
    ],
    [
      'an exclusive option on radios',
      raw([
        page('one', [
          q('bin', 'radios', {
            options: [...options('a'), { value: 'none', label: t('None'), exclusive: true }],
          }),
        ]),
      ]),
      ['only checkboxes can have an exclusive option'],
    ],
    [
      'a file question without accept',
      raw([page('one', [q('photo', 'file', { maxBytes: 1000 })])]),
      ['pages[0] ("one").questions[0] ("photo"): accept is required'],
    ],
    [
      'min above max',
      raw([
        page('one', [
          q('n', 'number', { min: 5, max: 1 }),
          q('m', 'money', { minPence: 500, maxPence: 100 }),
        ]),
      ]),
      ['("n"): min must not be more than max', '("m"): minPence must not be more than maxPence'],
    ],
    [
      'a content page with questions',
      raw([
        { id: 'info', kind: 'content', title: t('Info'), content: t('Text'), questions: [q('a', 'text')] },
      ]),
      ['pages[0] ("info").questions: must be empty'],
    ],
    [
      'a question page without questions',
      raw([page('one', [])]),
      ['pages[0] ("one").questions: must have at least 1 item'],
    ],
    [
      'repeat min above max',
      raw([
        page('one', [q('a', 'text')], {
          repeat: { min: 3, max: 2, itemLabel: t('x'), addAnotherLabel: t('y') },
        }),
      ]),
      ['pages[0] ("one").repeat: min must not be more than max'],
    ],
    [
      'a malformed condition',
      raw([
        page('one', [q('a', 'text')]),
        page('two', [q('b', 'text')], { condition: { question: 'a', equals: 'x', in: ['y'] } }),
      ]),
      ['pages[1] ("two").condition: must be one of { all: [...] }'],
    ],
    [
      'an empty all',
      raw([page('one', [q('a', 'text')]), page('two', [q('b', 'text')], { condition: { all: [] } })]),
      ['pages[1] ("two").condition.all: must have at least 1 item'],
    ],
    [
      'a condition on an unknown question',
      raw([
        page('one', [q('a', 'text')]),
        page('two', [q('b', 'text')], { condition: { question: 'nope', answered: true } }),
      ]),
      ['pages[1] ("two").condition: refers to "nope", which is not a question in this form'],
    ],
    [
      'a page condition on the same page',
      raw([page('one', [q('a', 'text')], { condition: { question: 'a', answered: true } })]),
      [
        'pages[0] ("one").condition: refers to "a", which is on the same page; conditions may only use answers from earlier pages',
      ],
    ],
    [
      'a question condition on the same page',
      raw([page('one', [q('a', 'text'), q('b', 'text', { condition: { question: 'a', answered: true } })])]),
      ['pages[0] ("one").questions[1] ("b").condition: refers to "a", which is on the same page'],
    ],
    [
      'a nested condition on a later page',
      raw([
        page('one', [q('a', 'yesno')]),
        page('two', [q('b', 'text')], {
          condition: { all: [{ question: 'a', equals: true }, { not: { question: 'c', answered: true } }] },
        }),
        page('three', [q('c', 'text')]),
      ]),
      ['pages[1] ("two").condition.all[1].not: refers to "c", which is on a later page (pages[2] ("three"))'],
    ],
    [
      'an option a radios question does not have',
      raw([
        page('one', [q('bin', 'radios', { options: options('a', 'b') })]),
        page('two', [q('b', 'text')], { condition: { question: 'bin', equals: 'c' } }),
      ]),
      ['pages[1] ("two").condition: "bin" has no option "c" (its options are a, b)'],
    ],
    [
      'includes on radios',
      raw([
        page('one', [q('bin', 'radios', { options: options('a', 'b') })]),
        page('two', [q('b', 'text')], { condition: { question: 'bin', includes: 'a' } }),
      ]),
      ['"includes" cannot test the radios question "bin"'],
    ],
    [
      'equals on checkboxes',
      raw([
        page('one', [q('needs', 'checkboxes', { options: options('a', 'b') })]),
        page('two', [q('b', 'text')], { condition: { question: 'needs', equals: 'a' } }),
      ]),
      ['"equals" cannot test the checkboxes question "needs"'],
    ],
    [
      'a yes/no compared with a string',
      raw([
        page('one', [q('pets', 'yesno')]),
        page('two', [q('b', 'text')], { condition: { question: 'pets', equals: 'yes' } }),
      ]),
      ['"pets" is answered true or false, not "yes"'],
    ],
    [
      'a date compared with something else',
      raw([
        page('one', [q('when', 'date')]),
        page('two', [q('b', 'text')], { condition: { question: 'when', gt: '7 March' } }),
      ]),
      ['"when" is a date, so "gt" needs a date written \'YYYY-MM-DD\''],
    ],
    [
      'money compared with pounds',
      raw([
        page('one', [q('rent', 'money')]),
        page('two', [q('b', 'text')], { condition: { question: 'rent', gt: 12.5 } }),
      ]),
      ['"rent" is an amount in pence'],
    ],
    [
      'an assessment on an unknown question',
      raw([page('one', [q('a', 'yesno')])], {
        assessments: [
          {
            id: 'check',
            title: t('Check'),
            rules: [
              {
                when: { question: 'b', equals: true },
                result: { code: 'yes', title: t('Yes'), body: t('Yes') },
              },
            ],
            otherwise: { code: 'no', title: t('No'), body: t('No') },
          },
        ],
      }),
      ['assessments[0] ("check").rules[0].when: refers to "b", which is not a question in this form'],
    ],
    [
      'a page that can never be shown (contradiction)',
      raw([
        page('one', [q('bin', 'radios', { options: options('a', 'b') })]),
        page('two', [q('x', 'text')], {
          condition: {
            all: [
              { question: 'bin', equals: 'a' },
              { question: 'bin', equals: 'b' },
            ],
          },
        }),
      ]),
      ['pages[1] ("two"): can never be shown'],
    ],
    [
      'a page that can never be shown (a number both above 10 and below 5)',
      raw([
        page('one', [q('n', 'number')]),
        page('two', [q('x', 'text')], {
          condition: {
            all: [
              { question: 'n', gt: 10 },
              { question: 'n', lt: 5 },
            ],
          },
        }),
      ]),
      ['pages[1] ("two"): can never be shown'],
    ],
    [
      'a page after one that can never be shown, depending on it',
      raw([
        page('one', [q('pets', 'yesno')]),
        page('two', [q('dogs', 'number')], {
          condition: {
            all: [
              { question: 'pets', equals: true },
              { question: 'pets', equals: false },
            ],
          },
        }),
        page('three', [q('x', 'text')], { condition: { question: 'dogs', gt: 0 } }),
      ]),
      ['pages[1] ("two"): can never be shown', 'pages[2] ("three"): can never be shown'],
    ],
    [
      'a page needing an answer only given when it is hidden',
      raw([
        page('one', [q('pets', 'yesno')]),
        page('two', [q('dogs', 'number')], { condition: { question: 'pets', equals: true } }),
        page('three', [q('x', 'text')], {
          condition: {
            all: [
              { question: 'pets', equals: false },
              { question: 'dogs', answered: true },
            ],
          },
        }),
      ]),
      ['pages[2] ("three"): can never be shown'],
    ],
    [
      'a required question never unanswered',
      raw([
        page('one', [q('name', 'text')]),
        page('two', [q('x', 'text')], { condition: { question: 'name', answered: false } }),
      ]),
      ['pages[1] ("two"): can never be shown'],
    ],
    [
      'a question that can never be asked',
      raw([
        page('one', [q('bin', 'radios', { options: options('a', 'b') })]),
        page('two', [
          q('x', 'text'),
          q('y', 'text', { condition: { not: { question: 'bin', in: ['a', 'b'] } } }),
        ]),
      ]),
      ['pages[1] ("two").questions[1] ("y"): can never be asked'],
    ],
  ];
  for (const [name, json, expected] of refused) {
    test(`refuses ${name}`, () => {
      const result = validateDefinition(json);
      assert.equal(result.ok, false, `accepted: ${name}`);
      if (result.ok) return;
      for (const text of expected)
        assert.ok(
          result.errors.some((e) => e.includes(text)),
          `expected an error containing\n  ${text}\ngot\n  ${result.errors.join('\n  ')}`,
        );
    });
  }

  const accepted: [string, Json][] = [
    [
      'conditions that look back, of every kind',
      raw([
        page('one', [
          q('bin', 'radios', { options: options('a', 'b') }),
          q('needs', 'checkboxes', { options: options('x', 'y') }),
          q('n', 'number'),
          q('when', 'date'),
          q('pets', 'yesno'),
          q('rent', 'money'),
          q('pc', 'postcode', { required: false }),
        ]),
        page('two', [q('b', 'text', { condition: { question: 'needs', includes: 'x' } })], {
          condition: {
            any: [
              { question: 'bin', in: ['a'] },
              {
                all: [
                  { question: 'n', gte: 2 },
                  { question: 'when', lt: '2025-01-01' },
                ],
              },
              { not: { question: 'pets', equals: true } },
              { question: 'rent', lte: 50000 },
              { question: 'pc', equals: 'RF1 1AA' },
            ],
          },
        }),
      ]),
    ],
    [
      'a condition that is true only when an optional question is skipped',
      raw([
        page('one', [q('email', 'email', { required: false })]),
        page('two', [q('phone', 'phone')], { condition: { question: 'email', answered: false } }),
      ]),
    ],
    [
      'a page condition on a question in a repeatable section (any item)',
      raw([
        page('people', [q('status', 'radios', { options: options('student', 'none') })], {
          repeat: { min: 0, max: 4, itemLabel: t('Person'), addAnotherLabel: t('Add another person') },
        }),
        {
          id: 'info',
          kind: 'content',
          title: t('Info'),
          content: t('Text'),
          condition: { question: 'status', equals: 'none' },
        },
      ]),
    ],
    [
      'a file question, a declaration and every other type',
      raw([
        page('one', [
          q('photo', 'file', {
            accept: ['image/jpeg', 'image/*', 'application/pdf'],
            maxBytes: 10_000_000,
            maxFiles: 3,
          }),
          q('agree', 'declaration'),
          q('where', 'address', { lookup: false }),
          q('tel', 'phone', { international: true }),
          q('story', 'textarea', { maxLength: 1200, rows: 8 }),
          q('colour', 'select', { options: options('red', 'blue') }),
          q('mail', 'email'),
          q('born', 'date', {
            when: 'past',
            notBefore: '1900-01-01',
            notAfter: '-P16Y',
            autocomplete: 'bday',
          }),
        ]),
      ]),
    ],
  ];
  for (const [name, json] of accepted) {
    test(`accepts ${name}`, () => {
      const result = validateDefinition(json);
      assert.ok(result.ok, result.ok ? '' : result.errors.join('\n'));
    });
  }

  test('keep is reused for every question', () => assert.ok(keep.purpose.en));
});
