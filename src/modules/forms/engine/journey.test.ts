import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  applyPageAnswers,
  canAddRepeatItem,
  firstIncompletePage,
  firstPageId,
  isComplete,
  lastPageId,
  nextPageId,
  pageAllowed,
  previousPageId,
  removeRepeatItem,
  repeatItems,
  setRepeatItem,
  setRepeatItems,
  visibleAnswers,
  visiblePages,
  visibleQuestions,
} from './journey.ts';
import { form, missedBin, options, page, q, singlePersonDiscount, t } from './testing.ts';
import type { Answers } from './types.ts';

const ids = (pages: { id: string }[]) => pages.map((p) => p.id);
const address = { uprn: '100000000001', line1: '1 Mill Lane', town: 'Riverford', postcode: 'RF1 1AA' };

describe('missed bin collection: conditional page', () => {
  const def = missedBin();
  const base: Answers = { address, binType: 'recycling' };
  const garden: Answers = { address, binType: 'garden-waste' };

  test('the garden page is shown only for garden waste', () => {
    assert.deepEqual(ids(visiblePages(def, {})), [
      'address',
      'bin-type',
      'collection-date',
      'details',
      'contact',
      'declaration',
    ]);
    assert.deepEqual(ids(visiblePages(def, garden)).slice(0, 4), [
      'address',
      'bin-type',
      'garden-subscription',
      'collection-date',
    ]);
  });

  const moves: [string, Answers, string, string | undefined, string | undefined][] = [
    // name, answers, from, next, previous
    ['start', {}, 'address', 'bin-type', undefined],
    ['not garden: skip the subscription', base, 'bin-type', 'collection-date', 'address'],
    ['garden: ask about the subscription', garden, 'bin-type', 'garden-subscription', 'address'],
    ['garden: back from the date', garden, 'collection-date', 'details', 'garden-subscription'],
    ['not garden: back from the date', base, 'collection-date', 'details', 'bin-type'],
    ['end', base, 'declaration', undefined, 'contact'],
    // From a page that is now hidden, the order of the definition still holds.
    ['from a hidden page', base, 'garden-subscription', 'collection-date', 'bin-type'],
  ];
  for (const [name, answers, from, next, previous] of moves) {
    test(`next and previous: ${name}`, () => {
      assert.equal(nextPageId(def, answers, from), next);
      assert.equal(previousPageId(def, answers, from), previous);
    });
  }

  test('first and last pages', () => {
    assert.equal(firstPageId(def), 'address');
    assert.equal(lastPageId(def, base), 'declaration');
  });

  test('an unknown page is a programming error', () => {
    assert.throws(() => nextPageId(def, {}, 'nope'), RangeError);
    assert.throws(() => pageAllowed(def, {}, 'nope'), RangeError);
  });

  test('pages are allowed in order only, and hidden pages never', () => {
    const allowed = (answers: Answers) =>
      def.pages.filter((p) => pageAllowed(def, answers, p.id)).map((p) => p.id);
    assert.deepEqual(allowed({}), ['address']);
    assert.deepEqual(allowed({ address }), ['address', 'bin-type']);
    assert.deepEqual(allowed(base), ['address', 'bin-type', 'collection-date']);
    assert.deepEqual(allowed(garden), ['address', 'bin-type', 'garden-subscription']);
    // The optional pages do not hold anybody up.
    const dated = { ...base, collectionDate: '2026-11-20' };
    assert.deepEqual(allowed(dated), [
      'address',
      'bin-type',
      'collection-date',
      'details',
      'contact',
      'declaration',
    ]);
  });

  test('firstIncompletePage walks the journey, and isComplete ends it', () => {
    const steps: [Answers, string | undefined][] = [
      [{}, 'address'],
      [{ address }, 'bin-type'],
      [garden, 'garden-subscription'],
      [{ ...garden, gardenSubscription: true }, 'collection-date'],
      [{ ...garden, gardenSubscription: true, collectionDate: '2026-11-20' }, 'declaration'],
      [{ ...garden, gardenSubscription: true, collectionDate: '2026-11-20', declaration: true }, undefined],
      // Changing the bin hides the subscription page; nothing more is needed.
      [{ ...base, gardenSubscription: true, collectionDate: '2026-11-20', declaration: true }, undefined],
    ];
    for (const [answers, expected] of steps) {
      assert.equal(firstIncompletePage(def, answers), expected, JSON.stringify(answers));
      assert.equal(isComplete(def, answers), expected === undefined);
    }
  });

  test('answers to a hidden page are not kept', () => {
    const answers = { ...base, gardenSubscription: false, collectionDate: '2026-11-20', declaration: true };
    assert.deepEqual(visibleAnswers(def, answers), {
      address,
      binType: 'recycling',
      collectionDate: '2026-11-20',
      declaration: true,
    });
  });
});

describe('conditions read only what is shown', () => {
  const def = form([
    page('one', [q('a', 'yesno')]),
    page('two', [q('b', 'yesno')], { condition: { question: 'a', equals: true } }),
    page('three', [q('c', 'text')], { condition: { question: 'b', equals: true } }),
    page('four', [
      q('d', 'text', { condition: { question: 'a', equals: false } }),
      q('e', 'text', { condition: { question: 'c', answered: true } }),
    ]),
    page('five', [q('f', 'text', { required: false })]),
  ]);

  test('an answer left on a hidden page shows nothing further on', () => {
    assert.deepEqual(ids(visiblePages(def, { a: true, b: true, c: 'x' })), [
      'one',
      'two',
      'three',
      'four',
      'five',
    ]);
    assert.deepEqual(ids(visiblePages(def, { a: false, b: true, c: 'x' })), ['one', 'four', 'five']);
    assert.deepEqual(visibleAnswers(def, { a: false, b: true, c: 'x' }), { a: false });
  });

  test('questions are shown by their own conditions, and a page with none shown is skipped', () => {
    assert.deepEqual(
      visibleQuestions(def, { a: false }, 'four').map((x) => x.id),
      ['d'],
    );
    assert.deepEqual(
      visibleQuestions(def, { a: true, b: true, c: 'x' }, 'four').map((x) => x.id),
      ['e'],
    );
    // a true, b false: neither d nor e, so page four is skipped.
    assert.deepEqual(ids(visiblePages(def, { a: true, b: false })), ['one', 'two', 'five']);
    assert.equal(nextPageId(def, { a: true, b: false }, 'two'), 'five');
    assert.deepEqual(visibleQuestions(def, { a: true, b: false }, 'four'), []);
  });

  test('applyPageAnswers replaces the page’s answers, removing one cleared', () => {
    const before: Answers = { a: true, f: 'old', other: 1 };
    assert.deepEqual(applyPageAnswers(def, before, 'five', {}), { a: true, other: 1 });
    assert.deepEqual(applyPageAnswers(def, before, 'one', { a: false }), { a: false, f: 'old', other: 1 });
    assert.deepEqual(before, { a: true, f: 'old', other: 1 }, 'the input is not changed');
  });
});

describe('repeatable sections', () => {
  const def = singlePersonDiscount();
  const start: Answers = { address, fullName: 'Sam Jones', otherAdults: true };
  const student = {
    adultName: 'Alex Jones',
    adultDateOfBirth: '2006-05-01',
    adultStatus: 'full-time-student',
  };
  const counted = { adultName: 'Kim Jones', adultDateOfBirth: '1970-01-31', adultStatus: 'none' };

  test('the section is shown only when there are other adults, and needs at least one item', () => {
    assert.ok(!ids(visiblePages(def, { ...start, otherAdults: false })).includes('adults'));
    assert.equal(firstIncompletePage(def, start), 'adults');
    assert.equal(pageAllowed(def, start, 'start-date'), false);
  });

  test('items are added, replaced and removed; the section completes with valid items', () => {
    let answers = applyPageAnswers(def, start, 'adults', student);
    assert.deepEqual(repeatItems(answers, 'adults'), [student]);
    assert.equal(firstIncompletePage(def, answers), 'start-date');
    // The content page appears only if some adult is counted.
    assert.ok(!ids(visiblePages(def, answers)).includes('adult-counted'));
    answers = applyPageAnswers(def, answers, 'adults', counted);
    assert.equal(repeatItems(answers, 'adults').length, 2);
    assert.ok(ids(visiblePages(def, answers)).includes('adult-counted'));
    assert.equal(nextPageId(def, answers, 'adults'), 'adult-counted');
    answers = applyPageAnswers(def, answers, 'adults', { ...counted, adultStatus: 'live-in-carer' }, 1);
    assert.ok(!ids(visiblePages(def, answers)).includes('adult-counted'));
    answers = removeRepeatItem(answers, 'adults', 0);
    assert.deepEqual(repeatItems(answers, 'adults'), [{ ...counted, adultStatus: 'live-in-carer' }]);
    answers = removeRepeatItem(answers, 'adults', 0);
    assert.equal(firstIncompletePage(def, answers), 'adults', 'an empty list is below min 1');
  });

  test('an item missing a required answer leaves the section incomplete', () => {
    const answers = setRepeatItems(def, start, 'adults', [student, { adultName: 'No Date' }]);
    assert.equal(firstIncompletePage(def, answers), 'adults');
  });

  test('no more than max items', () => {
    let answers = start;
    for (let i = 0; i < 8; i++) {
      assert.equal(canAddRepeatItem(def, answers, 'adults'), true);
      answers = setRepeatItem(def, answers, 'adults', i, student);
    }
    assert.equal(canAddRepeatItem(def, answers, 'adults'), false);
    assert.throws(() => setRepeatItem(def, answers, 'adults', 8, student), RangeError);
    assert.throws(() => setRepeatItem(def, answers, 'adults', 10, student), RangeError);
    assert.throws(() => setRepeatItems(def, start, 'adults', Array(9).fill(student)), RangeError);
    assert.throws(() => removeRepeatItem(start, 'adults', 0), RangeError);
    assert.throws(() => setRepeatItem(def, start, 'address', 0, student), RangeError);
  });

  test('min 0: an empty list means the person chose to add none', () => {
    const def0 = form([
      page('pets', [q('petName', 'text')], {
        repeat: { min: 0, max: 3, itemLabel: t('Pet'), addAnotherLabel: t('Add another pet') },
      }),
      page('after', [q('x', 'text')]),
    ]);
    assert.equal(firstIncompletePage(def0, {}), 'pets', 'not yet visited');
    const none = setRepeatItems(def0, {}, 'pets', []);
    assert.equal(firstIncompletePage(def0, none), 'after');
    assert.deepEqual(visibleAnswers(def0, none), { pets: [] });
  });

  test('visibleAnswers keeps the items, each with its shown answers only', () => {
    const answers: Answers = { ...start, adults: [{ ...student, stray: 'x' }] };
    assert.deepEqual(visibleAnswers(def, answers).adults, [student]);
  });
});

test('a form whose first page has options to choose from', () => {
  const def = form([page('one', [q('bin', 'radios', { options: options('a', 'b') })])]);
  assert.equal(firstPageId(def), 'one');
  assert.equal(isComplete(def, {}), false);
  assert.equal(isComplete(def, { bin: 'a' }), true);
});
