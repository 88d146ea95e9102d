import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { messageText, parsePage } from './parse.ts';
import { form, missedBin, options, page, q, t } from './testing.ts';
import type { Answers, AnswerValue, FieldError, FormDefinition, RawBody, UploadedFile } from './types.ts';

type Json = Record<string, unknown>;
type Expect =
  | { value: AnswerValue }
  | { none: true }
  | { error: string; href?: string; parts?: string[]; params?: Json }
  | { errors: { key: string; href: string }[] }
  | { crafted: string };

const today = '2026-11-24';
const forms = new Map<string, FormDefinition>();

/** Parses a body for a page holding just this question. */
function one(question: Json, body: RawBody, files: Record<string, UploadedFile[]> = {}, extra: Json = {}) {
  const key = JSON.stringify(question);
  let def = forms.get(key);
  if (!def) {
    def = form([page('p', [question])]);
    forms.set(key, def);
  }
  return parsePage(def, 'p', body, files, { today, ...extra });
}

function check(result: ReturnType<typeof one>, expected: Expect, id: string) {
  if ('crafted' in expected) {
    assert.equal(result.kind, 'crafted', JSON.stringify(result));
    if (result.kind === 'crafted') assert.match(result.reason, new RegExp(expected.crafted));
    return;
  }
  assert.equal(result.kind, 'answers', result.kind === 'crafted' ? result.reason : '');
  if (result.kind !== 'answers') return;
  if ('value' in expected) {
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.answers, { [id]: expected.value });
  } else if ('none' in expected) {
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.answers, {});
  } else if ('errors' in expected) {
    assert.deepEqual(
      result.errors.map((e) => ({ key: e.message.key, href: e.href })),
      expected.errors.map((e) => ({ key: `forms.error.${e.key}`, href: e.href })),
    );
  } else {
    assert.equal(result.errors.length, 1, JSON.stringify(result.errors));
    const error = result.errors[0] as FieldError;
    assert.equal(error.questionId, id);
    assert.equal(error.message.key, `forms.error.${expected.error}`);
    assert.equal(error.href, expected.href ?? (id === 'd' ? '#d-day' : `#${id}`));
    if (expected.parts) assert.deepEqual(error.parts, expected.parts);
    if (expected.params) assert.deepEqual(error.message.params, expected.params);
  }
}

function table(
  type: string,
  question: Json,
  cases: [string, RawBody, Expect, (Record<string, UploadedFile[]> | Json)?][],
) {
  describe(type, () => {
    for (const [name, body, expected, files] of cases) {
      test(name, () =>
        check(
          one(question, body, (files ?? {}) as Record<string, UploadedFile[]>),
          expected,
          String(question.id),
        ),
      );
    }
  });
}

const long = (n: number) => 'x'.repeat(n);

table('text', q('x', 'text'), [
  ['keeps the text, trimmed', { x: '  Ana Jones ' }, { value: 'Ana Jones' }],
  ['joins lines (pasted) with spaces', { x: 'a\r\nb\nc' }, { value: 'a b c' }],
  ['drops control characters', { x: 'a\u0007b\u001b' }, { value: 'ab' }],
  ['keeps Welsh and other letters', { x: 'Siân Ŵyn' }, { value: 'Siân Ŵyn' }],
  ['asks for an answer', { x: '   ' }, { error: 'text-required' }],
  ['asks when the field is missing', {}, { error: 'text-required' }],
  ['500 characters by default', { x: long(500) }, { value: long(500) }],
  ['not 501', { x: long(501) }, { error: 'text-too-long', params: { max: 500 } }],
  ['refuses a field sent twice', { x: ['a', 'b'] }, { crafted: 'more than once' }],
  ['refuses a NUL', { x: 'a\u0000b' }, { crafted: 'NUL' }],
  ['refuses text no page allows', { x: long(100_001) }, { crafted: 'longer' }],
]);
table('text, optional, with maxLength', q('x', 'text', { required: false, maxLength: 5 }), [
  ['may be left empty', { x: '' }, { none: true }],
  ['counts characters', { x: 'abcdef' }, { error: 'text-too-long', params: { max: 5 } }],
]);
describe('a question’s own required message', () => {
  test('replaces the generic one', () => {
    const message = t('Enter your full name', 'Rhowch eich enw llawn');
    const result = one(q('x', 'text', { requiredMessage: message }), {});
    assert.equal(result.kind, 'answers');
    if (result.kind === 'answers')
      assert.deepEqual(result.errors[0]!.message, { key: 'forms.error.custom', params: { text: message } });
  });
});
table('textarea', q('x', 'textarea', { maxLength: 10 }), [
  ['keeps lines, as \\n', { x: 'one\r\ntwo\r\n' }, { value: 'one\ntwo' }],
  ['counts a line break as one character', { x: '12345\r\n6789' }, { value: '12345\n6789' }],
  ['too long', { x: long(11) }, { error: 'text-too-long', params: { max: 10 } }],
  ['required', { x: '\r\n' }, { error: 'text-required' }],
]);
table('number', q('x', 'number'), [
  ['a whole number', { x: '12' }, { value: 12 }],
  ['with thousands commas', { x: '1,500' }, { value: 1500 }],
  ['negative and decimal', { x: ' -3.5 ' }, { value: -3.5 }],
  ['not words', { x: 'twelve' }, { error: 'number-invalid' }],
  ['not exponents', { x: '1e3' }, { error: 'number-invalid' }],
  ['not misplaced commas', { x: '1,50' }, { error: 'number-invalid' }],
  ['required', { x: '' }, { error: 'number-required' }],
]);
table('number, whole, 1 to 10', q('x', 'number', { integer: true, min: 1, max: 10 }), [
  ['in range', { x: '10' }, { value: 10 }],
  ['a fraction', { x: '2.5' }, { error: 'number-whole' }],
  ['not a number', { x: 'abc' }, { error: 'number-whole' }],
  ['too big', { x: '11' }, { error: 'number-between', params: { min: '1', max: '10' } }],
  ['too small', { x: '0' }, { error: 'number-between', params: { min: '1', max: '10' } }],
]);
table('number, min only', q('x', 'number', { min: 1 }), [
  ['too small', { x: '0' }, { error: 'number-min', params: { min: '1' } }],
]);
table('number, max only', q('x', 'number', { max: 10 }), [
  ['too big', { x: '10.5' }, { error: 'number-max', params: { max: '10' } }],
]);
table('money', q('x', 'money'), [
  ['pounds and pence', { x: '12.50' }, { value: 1250 }],
  ['with £ and one decimal', { x: '£12.5' }, { value: 1250 }],
  ['with a space after £', { x: '£ 7' }, { value: 700 }],
  ['thousands', { x: '£1,234' }, { value: 123400 }],
  ['pence only', { x: '0.99' }, { value: 99 }],
  ['nothing', { x: '0' }, { value: 0 }],
  ['not three decimals', { x: '12.505' }, { error: 'money-invalid' }],
  ['not negative', { x: '-5' }, { error: 'money-invalid' }],
  ['not words', { x: 'ten pounds' }, { error: 'money-invalid' }],
  ['not £ alone', { x: '£' }, { error: 'money-invalid' }],
  ['not a misplaced comma', { x: '1,23' }, { error: 'money-invalid' }],
  ['required', { x: ' ' }, { error: 'money-required' }],
]);
table('money, £5 to £100', q('x', 'money', { minPence: 500, maxPence: 10000 }), [
  ['too little', { x: '4.99' }, { error: 'money-between', params: { min: '£5.00', max: '£100.00' } }],
  ['enough', { x: '5' }, { value: 500 }],
]);
table('money, at least £5', q('x', 'money', { minPence: 500 }), [
  ['too little', { x: '4.99' }, { error: 'money-min', params: { min: '£5.00' } }],
]);
table('money, at most £1,000', q('x', 'money', { maxPence: 100000 }), [
  ['too much', { x: '1000.01' }, { error: 'money-max', params: { max: '£1,000.00' } }],
]);

const date = (day: string, month: string, year: string): RawBody => ({
  'd-day': day,
  'd-month': month,
  'd-year': year,
});
table('date', q('d', 'date'), [
  ['a date', date('7', '3', '2025'), { value: '2025-03-07' }],
  ['with zeros and spaces', date(' 07 ', '03', '2025'), { value: '2025-03-07' }],
  ['a month name', date('7', 'March', '2025'), { value: '2025-03-07' }],
  ['a short month name', date('7', 'Sept', '2025'), { value: '2025-09-07' }],
  ['a Welsh month name', date('7', 'Mawrth', '2025'), { value: '2025-03-07' }],
  ['29 February in a leap year', date('29', '2', '2024'), { value: '2024-02-29' }],
  ['required', date('', '', ''), { error: 'date-required', href: '#d-day', parts: ['day', 'month', 'year'] }],
  ['required when no field is sent', {}, { error: 'date-required', href: '#d-day' }],
  [
    'must include a month',
    date('7', '', '2025'),
    { error: 'date-missing-month', href: '#d-month', parts: ['month'] },
  ],
  [
    'must include a day and year',
    date('', '3', ''),
    { error: 'date-missing-day-year', href: '#d-day', parts: ['day', 'year'] },
  ],
  ['must include a year', date('7', '3', ''), { error: 'date-missing-year', href: '#d-year' }],
  [
    'must be real: 31 February',
    date('31', '2', '2025'),
    { error: 'date-invalid', href: '#d-day', parts: ['day'] },
  ],
  ['must be real: 29 February 2025', date('29', '2', '2025'), { error: 'date-invalid', href: '#d-day' }],
  [
    'must be real: day 32',
    date('32', '1', '2025'),
    { error: 'date-invalid', parts: ['day'], href: '#d-day' },
  ],
  [
    'must be real: month 13',
    date('1', '13', '2025'),
    { error: 'date-invalid', parts: ['month'], href: '#d-month' },
  ],
  [
    'must be real: a word for a year',
    date('1', '1', 'next'),
    { error: 'date-invalid', parts: ['year'], href: '#d-year' },
  ],
  [
    'a year of 4 numbers',
    date('1', '1', '25'),
    { error: 'date-year-digits', parts: ['year'], href: '#d-year' },
  ],
  [
    'refuses a part sent twice',
    { 'd-day': ['1', '2'], 'd-month': '1', 'd-year': '2025' },
    { crafted: 'more than once' },
  ],
]);
table('date, optional', q('d', 'date', { required: false }), [
  ['may be left empty', date('', '', ''), { none: true }],
]);
table('date in the past', q('d', 'date', { when: 'past' }), [
  ['yesterday', date('23', '11', '2026'), { value: '2026-11-23' }],
  [
    'not today',
    date('24', '11', '2026'),
    { error: 'date-past', href: '#d-day', parts: ['day', 'month', 'year'] },
  ],
]);
table('date today or in the past', q('d', 'date', { when: 'past-or-today' }), [
  ['today', date('24', '11', '2026'), { value: '2026-11-24' }],
  ['not tomorrow', date('25', '11', '2026'), { error: 'date-past-or-today' }],
]);
table('date in the future', q('d', 'date', { when: 'future' }), [
  ['tomorrow', date('25', '11', '2026'), { value: '2026-11-25' }],
  ['not today', date('24', '11', '2026'), { error: 'date-future' }],
]);
table('date today or in the future', q('d', 'date', { when: 'future-or-today' }), [
  ['today', date('24', '11', '2026'), { value: '2026-11-24' }],
  ['not yesterday', date('23', '11', '2026'), { error: 'date-future-or-today' }],
]);
table('date within the last 28 days', q('d', 'date', { notBefore: '-P28D', notAfter: '2026-12-31' }), [
  ['28 days ago', date('27', '10', '2026'), { value: '2026-10-27' }],
  [
    '29 days ago',
    date('26', '10', '2026'),
    { error: 'date-not-before', params: { date: { en: '27 October 2026', cy: '27 Hydref 2026' } } },
  ],
  ['the last day allowed', date('31', '12', '2026'), { value: '2026-12-31' }],
  [
    'after it',
    date('1', '1', '2027'),
    { error: 'date-not-after', params: { date: { en: '31 December 2026', cy: '31 Rhagfyr 2026' } } },
  ],
]);

table('email', q('x', 'email'), [
  [
    'trimmed, domain lower-cased, the rest kept',
    { x: ' Ana.Jones@Example.GOV.uk ' },
    { value: 'Ana.Jones@example.gov.uk' },
  ],
  ['a plus address', { x: 'ana+bins@example.com' }, { value: 'ana+bins@example.com' }],
  ['not without a dot in the domain', { x: 'ana@example' }, { error: 'email-invalid' }],
  ['not two @', { x: 'ana@@example.com' }, { error: 'email-invalid' }],
  ['not a space', { x: 'ana jones@example.com' }, { error: 'email-invalid' }],
  ['not two dots', { x: 'ana..jones@example.com' }, { error: 'email-invalid' }],
  ['not an underscore in the domain', { x: 'ana@exa_mple.com' }, { error: 'email-invalid' }],
  ['not a hyphen at a label’s end', { x: 'ana@example-.com' }, { error: 'email-invalid' }],
  ['required', { x: '' }, { error: 'email-required' }],
]);
table('phone', q('x', 'phone'), [
  ['a mobile', { x: '07700 900982' }, { value: '+447700900982' }],
  ['+44 (0)', { x: '+44 (0)20 7946 0000' }, { value: '+442079460000' }],
  ['brackets', { x: '(01632) 960 001' }, { value: '+441632960001' }],
  ['0044', { x: '0044 7700 900 982' }, { value: '+447700900982' }],
  ['hyphens', { x: '+44 7700-900-982' }, { value: '+447700900982' }],
  ['a 9-digit freephone number', { x: '0800 123 456' }, { value: '+44800123456' }],
  ['not too short', { x: '07700 90098' }, { error: 'phone-invalid' }],
  ['not too long', { x: '07700 9009821' }, { error: 'phone-invalid' }],
  ['not without the 0', { x: '7700 900982' }, { error: 'phone-invalid' }],
  ['not words', { x: 'call me' }, { error: 'phone-invalid' }],
  ['not abroad', { x: '+33 1 23 45 67 89' }, { error: 'phone-invalid' }],
  ['required', { x: '' }, { error: 'phone-required' }],
]);
table('phone, international', q('x', 'phone', { international: true }), [
  ['abroad', { x: '+33 1 23 45 67 89' }, { value: '+33123456789' }],
  ['the UK still normalised', { x: '07700 900982' }, { value: '+447700900982' }],
]);
table('postcode', q('x', 'postcode'), [
  ['lower case', { x: 'rf1 1aa' }, { value: 'RF1 1AA' }],
  ['no space', { x: 'RF11AA' }, { value: 'RF1 1AA' }],
  ['extra spaces', { x: ' sw1a  1aa ' }, { value: 'SW1A 1AA' }],
  ['EC1A 1BB', { x: 'EC1A1BB' }, { value: 'EC1A 1BB' }],
  ['GIR 0AA', { x: 'gir0aa' }, { value: 'GIR 0AA' }],
  ['not a district only', { x: 'RF1' }, { error: 'postcode-invalid' }],
  ['not digits', { x: '12345' }, { error: 'postcode-invalid' }],
  ['not Q first', { x: 'QA1 1AA' }, { error: 'postcode-invalid' }],
  ['not C in the inward code', { x: 'RF1 1CA' }, { error: 'postcode-invalid' }],
  ['required', { x: '' }, { error: 'postcode-required' }],
]);

const offered = {
  '100000000001': { uprn: '100000000001', line1: '1 Mill Lane', town: 'Riverford', postcode: 'RF1 1AA' },
  '100000000002': {
    uprn: '100000000002',
    line1: 'Flat 2',
    line2: '3 Mill Lane',
    town: 'Riverford',
    postcode: 'RF1 1AA',
  },
};
const manual = (line1: string, town: string, postcode: string, line2 = ''): RawBody => ({
  'a-line1': line1,
  'a-line2': line2,
  'a-town': town,
  'a-postcode': postcode,
});
describe('address', () => {
  const question = q('a', 'address');
  const cases: [string, RawBody, Expect, Json?][] = [
    [
      'picked from the gazetteer keeps the UPRN',
      { 'a-uprn': '100000000002' },
      { value: offered['100000000002'] },
      { addresses: offered },
    ],
    [
      'picked, not one of those offered',
      { 'a-uprn': '999' },
      { crafted: 'not among' },
      { addresses: offered },
    ],
    ['picked, with no addresses offered', { 'a-uprn': '100000000001' }, { crafted: 'not among' }],
    [
      'picked, by a prototype name',
      { 'a-uprn': '__proto__' },
      { crafted: 'not among' },
      { addresses: offered },
    ],
    [
      'entered by hand',
      manual(' 5 High St ', 'Riverford', 'rf11ab'),
      { value: { line1: '5 High St', town: 'Riverford', postcode: 'RF1 1AB' } },
    ],
    [
      'entered by hand with a second line',
      manual('Flat 1', 'Riverford', 'RF1 1AB', '5 High St'),
      { value: { line1: 'Flat 1', line2: '5 High St', town: 'Riverford', postcode: 'RF1 1AB' } },
    ],
    ['required', manual('', '', ''), { error: 'address-required', href: '#a-line1' }],
    [
      'each missing part named',
      manual('', '', 'nonsense'),
      {
        errors: [
          { key: 'address-line1-required', href: '#a-line1' },
          { key: 'address-town-required', href: '#a-town' },
          { key: 'postcode-invalid', href: '#a-postcode' },
        ],
      },
    ],
    [
      'a missing postcode',
      manual('5 High St', 'Riverford', ''),
      { errors: [{ key: 'postcode-required', href: '#a-postcode' }] },
    ],
    [
      'a line too long',
      manual(long(101), 'Riverford', 'RF1 1AB'),
      { errors: [{ key: 'address-line-too-long', href: '#a-line1' }] },
    ],
    ['an unknown part', { 'a-county': 'Northshire' }, { crafted: 'unknown field "a-county"' }],
  ];
  for (const [name, body, expected, extra] of cases)
    test(name, () => check(one(question, body, {}, extra ?? {}), expected, 'a'));
  test('without lookup, a UPRN is refused', () =>
    check(
      one(q('a', 'address', { lookup: false }), { 'a-uprn': '100000000001' }, {}, { addresses: offered }),
      { crafted: 'does not offer' },
      'a',
    ));
});

table('radios', q('x', 'radios', { options: options('a', 'b') }), [
  ['an option', { x: 'b' }, { value: 'b' }],
  ['required', { x: '' }, { error: 'choice-required' }],
  ['required when missing', {}, { error: 'choice-required' }],
  ['not another value', { x: 'z' }, { crafted: '"z" is not an option' }],
  ['not two', { x: ['a', 'b'] }, { crafted: 'more than once' }],
]);
table('select', q('x', 'select', { options: options('a', 'b'), required: false }), [
  ['an option', { x: 'a' }, { value: 'a' }],
  ['the empty placeholder: no answer', { x: '' }, { none: true }],
  ['not another value', { x: 'A' }, { crafted: 'not an option' }],
]);
const exclusive = [
  ...options('x', 'y', 'z'),
  { value: 'none', label: t('None of these', 'Dim un o’r rhain'), exclusive: true },
];
table('checkboxes', q('x', 'checkboxes', { options: exclusive }), [
  ['one, as a string', { x: 'y' }, { value: ['y'] }],
  ['several, in option order', { x: ['z', 'x'] }, { value: ['x', 'z'] }],
  ['required', {}, { error: 'checkboxes-required' }],
  ['the exclusive one alone', { x: 'none' }, { value: ['none'] }],
  [
    'the exclusive one with others',
    { x: ['x', 'none'] },
    { error: 'checkboxes-exclusive', params: { option: { en: 'None of these', cy: 'Dim un o’r rhain' } } },
  ],
  ['not an unknown value', { x: ['x', 'q'] }, { crafted: '"q" is not an option' }],
  ['not the same value twice', { x: ['x', 'x'] }, { crafted: 'sent twice' }],
]);
table('checkboxes, 2 to 2', q('x', 'checkboxes', { options: exclusive, minSelected: 2, maxSelected: 2 }), [
  ['too few', { x: 'x' }, { error: 'checkboxes-min', params: { min: 2 } }],
  ['too many', { x: ['x', 'y', 'z'] }, { error: 'checkboxes-max', params: { max: 2 } }],
  ['the exclusive one alone is enough', { x: 'none' }, { value: ['none'] }],
]);
table('checkboxes, optional', q('x', 'checkboxes', { options: exclusive, required: false }), [
  ['none ticked', {}, { none: true }],
]);
table('yesno', q('x', 'yesno'), [
  ['yes', { x: 'yes' }, { value: true }],
  ['no', { x: 'no' }, { value: false }],
  ['required', { x: '' }, { error: 'yesno-required' }],
  ['not maybe', { x: 'maybe' }, { crafted: 'yes or no' }],
  ['not true', { x: 'true' }, { crafted: 'yes or no' }],
]);
table('declaration', q('x', 'declaration'), [
  ['ticked', { x: 'yes' }, { value: true }],
  ['required', {}, { error: 'declaration-required' }],
  ['not another value', { x: 'no' }, { crafted: 'only be ticked' }],
]);

const file = (extra: Partial<UploadedFile> = {}): UploadedFile => ({
  id: 'f1',
  filename: 'photo.jpg',
  mimeType: 'image/jpeg',
  size: 1000,
  ...extra,
});
table(
  'file',
  q('x', 'file', { accept: ['image/jpeg', 'image/png', 'application/pdf'], maxBytes: 5 * 1024 * 1024 }),
  [
    ['a file', {}, { value: [file()] }, { x: [file()] }],
    [
      'the path a browser adds is dropped',
      {},
      { value: [file()] },
      { x: [file({ filename: 'C:\\fakepath\\photo.jpg' })] },
    ],
    ['required', {}, { error: 'file-required' }],
    ['not empty', {}, { error: 'file-empty' }, { x: [file({ size: 0 })] }],
    [
      'not too big',
      {},
      { error: 'file-too-big', params: { size: '5MB' } },
      { x: [file({ size: 5 * 1024 * 1024 + 1 })] },
    ],
    [
      'not another type',
      {},
      { error: 'file-type', params: { types: { en: 'JPG, PNG or PDF', cy: 'JPG, PNG neu PDF' } } },
      { x: [file({ mimeType: 'image/gif' })] },
    ],
    ['not two into one', {}, { crafted: 'takes one file' }, { x: [file(), file({ id: 'f2' })] }],
    ['not text', { x: 'photo.jpg' }, { crafted: 'text was sent' }],
    [
      'not something else',
      {},
      { crafted: 'not a file' },
      { x: [{ id: 'f1', filename: 'x', size: 'big' } as unknown as UploadedFile] },
    ],
  ],
);
table('file, images, up to 3', q('x', 'file', { accept: ['image/*'], maxBytes: 1000, maxFiles: 3 }), [
  [
    'any image',
    {},
    { value: [file({ mimeType: 'image/heic', size: 10 })] },
    { x: [file({ mimeType: 'image/heic', size: 10 })] },
  ],
  ['not a PDF', {}, { error: 'file-type' }, { x: [file({ mimeType: 'application/pdf', size: 10 })] }],
  [
    'not four',
    {},
    { error: 'file-too-many', params: { max: 3 } },
    { x: [1, 2, 3, 4].map((i) => file({ id: `f${i}`, size: 10 })) },
  ],
]);

describe('a file already given', () => {
  const question = q('x', 'file', { accept: ['image/jpeg'], maxBytes: 5000 });
  test('is kept when no new file is sent', () =>
    check(one(question, {}, {}, { answers: { x: [file()] } }), { value: [file()] }, 'x'));
  test('is replaced by a new one', () =>
    check(
      one(question, {}, { x: [file({ id: 'f9' })] }, { answers: { x: [file()] } }),
      { value: [file({ id: 'f9' })] },
      'x',
    ));
});

describe('the page as a whole', () => {
  const def = form([
    page('one', [q('pets', 'yesno')]),
    page('two', [
      q('dogs', 'number', { condition: { question: 'pets', equals: true } }),
      q('name', 'text'),
      q('born', 'date', { required: false }),
    ]),
    { id: 'info', kind: 'content', title: t('Info'), content: t('Read this.') },
    page('three', [q('photo', 'file', { accept: ['image/jpeg'], maxBytes: 1000 })], {
      condition: { question: 'pets', equals: true },
    }),
  ]);

  test('ignores the runner’s own fields', () => {
    const result = parsePage(def, 'one', { _csrf: 'token', _action: 'continue', pets: 'yes' }, {}, { today });
    assert.deepEqual(result, {
      kind: 'answers',
      answers: { pets: true },
      errors: [],
      values: { pets: 'yes' },
    });
  });

  test('refuses an unknown field', () => {
    const result = parsePage(def, 'one', { pets: 'yes', admin: '1' });
    assert.deepEqual(result, { kind: 'crafted', reason: 'unknown field "admin"' });
  });

  test('refuses a field of another page', () => {
    assert.equal(parsePage(def, 'one', { pets: 'yes', name: 'x' }).kind, 'crafted');
  });

  test('ignores the field of a question not shown now, and keeps nothing from it', () => {
    const result = parsePage(def, 'two', { dogs: '3', name: 'Ana' }, {}, { answers: { pets: false }, today });
    assert.deepEqual(result, {
      kind: 'answers',
      answers: { name: 'Ana' },
      errors: [],
      values: { name: 'Ana' },
    });
  });

  test('gives every error, in order, and the input to show again', () => {
    const body = { dogs: 'lots', name: '', 'born-day': '31', 'born-month': '2', 'born-year': '2020' };
    const result = parsePage(def, 'two', body, {}, { answers: { pets: true }, today });
    assert.equal(result.kind, 'answers');
    if (result.kind !== 'answers') return;
    assert.deepEqual(
      result.errors.map((e) => [e.questionId, e.href, e.message.key]),
      [
        ['dogs', '#dogs', 'forms.error.number-invalid'],
        ['name', '#name', 'forms.error.text-required'],
        ['born', '#born-day', 'forms.error.date-invalid'],
      ],
    );
    assert.deepEqual(result.values, body);
  });

  test('refuses a file where none is asked for', () => {
    assert.equal(parsePage(def, 'one', { pets: 'yes' }, { pets: [file()] }).kind, 'crafted');
  });

  test('refuses a page not shown', () => {
    const result = parsePage(def, 'three', {}, { photo: [file({ size: 10 })] }, { answers: { pets: false } });
    assert.equal(result.kind, 'crafted');
  });

  test('a content page takes nothing but the runner’s fields', () => {
    assert.deepEqual(parsePage(def, 'info', { _csrf: 'x' }, {}, { answers: { pets: false } }), {
      kind: 'answers',
      answers: {},
      errors: [],
      values: {},
    });
    assert.equal(parsePage(def, 'info', { note: 'x' }).kind, 'crafted');
  });

  test('an unknown page is a programming error', () => {
    assert.throws(() => parsePage(def, 'nope', {}), RangeError);
  });
});

describe('a repeatable page', () => {
  const def = form([
    page(
      'people',
      [
        q('personName', 'text'),
        q('photo', 'file', { accept: ['image/jpeg'], maxBytes: 5000, required: false }),
      ],
      {
        repeat: { min: 1, max: 3, itemLabel: t('Person'), addAnotherLabel: t('Add another person') },
      },
    ),
  ]);
  test('parses one item', () => {
    const result = parsePage(def, 'people', { personName: 'Ana' });
    assert.deepEqual(result, {
      kind: 'answers',
      answers: { personName: 'Ana' },
      errors: [],
      values: { personName: 'Ana' },
    });
  });
  test('keeps the file of the item being changed', () => {
    const answers: Answers = { people: [{ personName: 'Ana', photo: [file()] }, { personName: 'Bo' }] };
    const result = parsePage(def, 'people', { personName: 'Ana J' }, {}, { answers, itemIndex: 0 });
    assert.deepEqual(result.kind === 'answers' && result.answers, { personName: 'Ana J', photo: [file()] });
    const other = parsePage(def, 'people', { personName: 'Bo' }, {}, { answers, itemIndex: 1 });
    assert.deepEqual(other.kind === 'answers' && other.answers, { personName: 'Bo' });
  });
});

describe('the demo form', () => {
  test('a whole journey of missed bin collection parses', () => {
    const def = missedBin();
    let answers = {};
    const posts: [string, RawBody][] = [
      ['address', { 'address-uprn': '100000000001' }],
      ['bin-type', { binType: 'garden-waste' }],
      ['garden-subscription', { gardenSubscription: 'yes' }],
      [
        'collection-date',
        { 'collectionDate-day': '20', 'collectionDate-month': '11', 'collectionDate-year': '2026' },
      ],
      ['details', { moreDetails: '' }],
      ['contact', { email: 'Resident@Example.com' }],
      ['declaration', { declaration: 'yes' }],
    ];
    for (const [pageId, body] of posts) {
      const result = parsePage(def, pageId, body, {}, { answers, today, addresses: offered });
      assert.equal(result.kind, 'answers', JSON.stringify(result));
      if (result.kind !== 'answers') return;
      assert.deepEqual(result.errors, [], pageId);
      answers = { ...answers, ...result.answers };
    }
    assert.deepEqual(answers, {
      address: offered['100000000001'],
      binType: 'garden-waste',
      gardenSubscription: true,
      collectionDate: '2026-11-20',
      email: 'Resident@example.com',
      declaration: true,
    });
  });
});

describe('messageText', () => {
  const catalogue: Record<string, string> = {
    'forms.error.date-not-before': 'The date must be on or after {date}',
    'forms.error.custom': '{text}',
    'forms.error.number-min': 'The number must be {min} or more',
  };
  const translate = (key: string, params?: Record<string, string | number>) =>
    (catalogue[key] ?? key).replace(/\{(\w+)\}/g, (_, n: string) => String(params?.[n] ?? `{${n}}`));
  test('localises LocalText parameters, Welsh falling back to English', () => {
    const msg = {
      key: 'forms.error.date-not-before',
      params: { date: { en: '1 May 2026', cy: '1 Mai 2026' } },
    };
    assert.equal(messageText(msg, 'en', translate), 'The date must be on or after 1 May 2026');
    assert.equal(messageText(msg, 'cy', translate), 'The date must be on or after 1 Mai 2026');
    assert.equal(
      messageText(
        { key: 'forms.error.custom', params: { text: { en: 'Enter it', cy: ' ' } } },
        'cy',
        translate,
      ),
      'Enter it',
    );
    assert.equal(
      messageText({ key: 'forms.error.number-min', params: { min: 3 } }, 'en', translate),
      'The number must be 3 or more',
    );
    assert.equal(messageText({ key: 'forms.error.custom' }, 'en', translate), '{text}');
  });
});
