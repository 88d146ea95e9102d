import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { summarise } from './summary.ts';
import { form, missedBin, options, page, q, singlePersonDiscount, t } from './testing.ts';
import type { Answers } from './types.ts';

const address = { uprn: '100000000001', line1: '1 Mill Lane', town: 'Riverford', postcode: 'RF1 1AA' };

describe('summarise: missed bin collection', () => {
  const def = missedBin();
  const answers: Answers = {
    address,
    binType: 'recycling',
    gardenSubscription: true, // left over from an earlier answer: the page is now hidden
    collectionDate: '2026-11-20',
    moreDetails: 'By the gate.\nBlue lid.',
    declaration: true,
  };

  test('a row per question shown, with change links to its page', () => {
    const rows = summarise(def, answers, 'en', {
      changeHref: '/forms/missed-bin-collection/{page}?change=1',
    });
    assert.deepEqual(
      rows.map((r) => [r.questionId, r.label, r.value, r.changeHref]),
      [
        [
          'address',
          'What is the address where the bin was missed?',
          '1 Mill Lane\nRiverford\nRF1 1AA',
          '/forms/missed-bin-collection/address?change=1',
        ],
        [
          'binType',
          'Which bin was not collected?',
          'Recycling (blue bin)',
          '/forms/missed-bin-collection/bin-type?change=1',
        ],
        [
          'collectionDate',
          'When should the bin have been collected?',
          '20 November 2026',
          '/forms/missed-bin-collection/collection-date?change=1',
        ],
        [
          'moreDetails',
          'Is there anything else we should know?',
          'By the gate.\nBlue lid.',
          '/forms/missed-bin-collection/details?change=1',
        ],
        [
          'email',
          'What is your email address?',
          'Not provided',
          '/forms/missed-bin-collection/contact?change=1',
        ],
        [
          'declaration',
          'I confirm that the information I have given is correct',
          'Confirmed',
          '/forms/missed-bin-collection/declaration?change=1',
        ],
      ],
    );
    assert.deepEqual(rows[0]!.lines, ['1 Mill Lane', 'Riverford', 'RF1 1AA']);
    assert.equal(rows[4]!.answered, false);
  });

  test('in Welsh, with the question’s own yes and no', () => {
    const rows = summarise(def, { ...answers, binType: 'garden-waste' }, 'cy');
    const byId = Object.fromEntries(rows.map((r) => [r.questionId, r]));
    assert.equal(byId.binType!.value, 'Gwastraff gardd (bin gwyrdd)');
    assert.equal(byId.gardenSubscription!.value, 'Oes');
    assert.equal(
      byId.gardenSubscription!.label,
      'Oes gennych chi danysgrifiad gwastraff gardd ar gyfer eleni?',
    );
    assert.equal(byId.collectionDate!.value, '20 Tachwedd 2026');
    assert.equal(byId.email!.value, 'Heb ei ddarparu');
    assert.equal(byId.declaration!.value, 'Cadarnhawyd');
    assert.equal(byId.binType!.changeHref, 'bin-type?change=1');
    assert.ok(rows.every((r) => r.labelLang === undefined && r.valueLang === undefined));
  });
});

describe('summarise: every type, and English where Welsh was left out', () => {
  const def = form([
    page('one', [
      q('n', 'number', { suffix: t('hours', 'awr') }),
      q('rent', 'money'),
      q('tel', 'phone'),
      q('pc', 'postcode'),
      q('colour', 'select', {
        options: [
          { value: 'red', label: t('Red') },
          { value: 'blue', label: t('Blue', 'Glas') },
        ],
      }),
      q('needs', 'checkboxes', { options: options('x', 'y', 'z') }),
      q('pets', 'yesno'),
      q('photo', 'file', { accept: ['image/jpeg'], maxBytes: 1000, maxFiles: 2 }),
      q('mail', 'email'),
    ]),
  ]);
  const answers: Answers = {
    n: 1234.5,
    rent: 123456,
    tel: '+447700900982',
    pc: 'RF1 1AA',
    colour: 'red',
    needs: ['x', 'z'],
    pets: false,
    photo: [
      { id: 'a', filename: 'front.jpg', mimeType: 'image/jpeg', size: 10 },
      { id: 'b', filename: 'back.jpg', mimeType: 'image/jpeg', size: 10 },
    ],
    mail: 'a@example.com',
  };
  test('values as people read them', () => {
    const rows = summarise(def, answers, 'en');
    assert.deepEqual(
      rows.map((r) => r.lines),
      [
        ['1,234.5 hours'],
        ['£1,234.56'],
        ['07700 900982'],
        ['RF1 1AA'],
        ['Red'],
        ['X', 'Z'],
        ['No'],
        ['front.jpg', 'back.jpg'],
        ['a@example.com'],
      ],
    );
  });
  test('Welsh falls back to English where staff left it empty, and says so', () => {
    const rows = summarise(def, answers, 'cy');
    const colour = rows.find((r) => r.questionId === 'colour')!;
    assert.equal(colour.value, 'Red');
    assert.equal(colour.valueLang, 'en');
    assert.equal(rows.find((r) => r.questionId === 'n')!.value, '1,234.5 awr');
    assert.equal(rows.find((r) => r.questionId === 'pets')!.value, 'Na');
    assert.equal(rows.find((r) => r.questionId === 'needs')!.value, 'x (cy)\nz (cy)');
  });
  test('a label without Welsh is marked', () => {
    const def2 = form([page('one', [{ ...q('x', 'text'), label: t('Only English') }])]);
    const [row] = summarise(def2, { x: 'y' }, 'cy');
    assert.equal(row!.label, 'Only English');
    assert.equal(row!.labelLang, 'en');
  });
});

describe('summarise: repeatable sections', () => {
  const def = singlePersonDiscount();
  const answers: Answers = {
    address,
    fullName: 'Sam Jones',
    otherAdults: true,
    adults: [
      { adultName: 'Alex Jones', adultDateOfBirth: '2006-05-01', adultStatus: 'full-time-student' },
      { adultName: 'Kim Jones', adultDateOfBirth: '1970-01-31', adultStatus: 'none' },
    ],
    discountFrom: '2026-09-01',
    email: 'sam@example.com',
    declaration: true,
  };
  test('each item’s answers, headed by the item, with a link to change that item', () => {
    const rows = summarise(def, answers, 'en', {
      changeHref: '/forms/spd/{page}?change=1#{question}',
    }).filter((r) => r.item);
    assert.deepEqual(
      rows.map((r) => [r.item!.label, r.questionId, r.value, r.changeHref]),
      [
        ['Adult 1', 'adultName', 'Alex Jones', '/forms/spd/adults/1?change=1#adultName'],
        ['Adult 1', 'adultDateOfBirth', '1 May 2006', '/forms/spd/adults/1?change=1#adultDateOfBirth'],
        [
          'Adult 1',
          'adultStatus',
          'Full-time student or student nurse',
          '/forms/spd/adults/1?change=1#adultStatus',
        ],
        ['Adult 2', 'adultName', 'Kim Jones', '/forms/spd/adults/2?change=1#adultName'],
        ['Adult 2', 'adultDateOfBirth', '31 January 1970', '/forms/spd/adults/2?change=1#adultDateOfBirth'],
        ['Adult 2', 'adultStatus', 'None of these', '/forms/spd/adults/2?change=1#adultStatus'],
      ],
    );
    assert.equal(rows[3]!.item!.index, 1);
  });
  test('a function may build the change links', () => {
    const rows = summarise(def, answers, 'cy', {
      changeHref: ({ pageId, itemIndex }) =>
        `/x/${pageId}${itemIndex === undefined ? '' : `/item/${itemIndex}`}`,
    });
    assert.equal(rows.find((r) => r.questionId === 'fullName')!.changeHref, '/x/your-name');
    assert.equal(rows.find((r) => r.item?.index === 1)!.changeHref, '/x/adults/item/1');
    assert.equal(rows.find((r) => r.item)!.item!.label, 'Oedolyn 1');
  });
  test('no rows for the section when it is hidden, nor for content pages', () => {
    const rows = summarise(def, { ...answers, otherAdults: false }, 'en');
    assert.ok(!rows.some((r) => r.pageId === 'adults' || r.pageId === 'adult-counted'));
    assert.equal(rows.find((r) => r.questionId === 'otherAdults')!.value, 'No');
  });
});
