import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { formatBytes, formatDate, orList, periodText } from './format.ts';
import {
  addPeriod,
  formatMoney,
  formatPhone,
  isIsoDate,
  normaliseEmail,
  normalisePhone,
  normalisePostcode,
  parseMoney,
  parseMonth,
  parsePeriod,
  resolveDate,
  todayInLondon,
} from './normalise.ts';

describe('postcodes', () => {
  test('every shape of UK postcode, however written', () => {
    const cases: [string, string][] = [
      ['m11ae', 'M1 1AE'],
      ['B33 8TH', 'B33 8TH'],
      ['cr2 6xh', 'CR2 6XH'],
      ['DN551PT', 'DN55 1PT'],
      ['w1a 0ax', 'W1A 0AX'],
      ['EC1A 1BB', 'EC1A 1BB'],
      ['\tNS1 1AA\n', 'NS1 1AA'],
    ];
    for (const [input, expected] of cases) assert.equal(normalisePostcode(input), expected, input);
  });
  test('normalising is idempotent (property)', () => {
    const letter = fc.constantFrom(...'ABDEFGHJLNPQRSTUWXYZ');
    const digit = fc.integer({ min: 0, max: 9 }).map(String);
    const code = fc
      .tuple(fc.constantFrom('RF', 'NS', 'M', 'SW'), digit, digit, letter, letter)
      .map((p) => p.join(''));
    fc.assert(
      fc.property(code, fc.boolean(), (c, lower) => {
        const once = normalisePostcode(lower ? c.toLowerCase() : c);
        return once === undefined || normalisePostcode(once) === once;
      }),
    );
  });
});

describe('telephone numbers', () => {
  test('the display form reads back as the same number (property)', () => {
    const national = fc.oneof(
      fc.stringMatching(/^7[1-9]\d{8}$/),
      fc.stringMatching(/^20\d{8}$/),
      fc.stringMatching(/^1\d{9}$/),
      fc.stringMatching(/^3\d{9}$/),
    );
    fc.assert(
      fc.property(national, (n) => {
        const e164 = normalisePhone(`0${n}`);
        return e164 === `+44${n}` && normalisePhone(formatPhone(e164)) === e164;
      }),
    );
  });
  test('formats for people', () => {
    assert.equal(formatPhone('+447700900982'), '07700 900982');
    assert.equal(formatPhone('+442079460000'), '020 7946 0000');
    assert.equal(formatPhone('+441216060000'), '0121 606 0000');
    assert.equal(formatPhone('+443001234567'), '0300 123 4567');
    assert.equal(formatPhone('+441632960001'), '01632 960001');
    assert.equal(formatPhone('+33123456789'), '+33123456789');
  });
  test('refuses 070 personal numbers and unknown prefixes', () => {
    assert.equal(normalisePhone('07000 123456'), undefined);
    assert.equal(normalisePhone('04000 123456'), undefined);
  });
});

describe('money', () => {
  test('pence survive formatting and reading back (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e12 }), (pence) => parseMoney(formatMoney(pence)) === pence),
    );
  });
  test('formats', () => {
    assert.equal(formatMoney(0), '£0.00');
    assert.equal(formatMoney(5), '£0.05');
    assert.equal(formatMoney(123456789), '£1,234,567.89');
    assert.equal(formatMoney(-250), '-£2.50');
  });
  test('refuses absurd amounts', () => assert.equal(parseMoney('1'.repeat(14)), undefined));
});

describe('email addresses', () => {
  test('a normalised address normalises to itself (property)', () => {
    fc.assert(
      fc.property(fc.emailAddress(), (email) => {
        const once = normaliseEmail(email);
        return once === undefined || normaliseEmail(once) === once;
      }),
    );
  });
  test('refuses what is too long', () =>
    assert.equal(normaliseEmail(`${'a'.repeat(65)}@example.com`), undefined));
});

describe('dates and periods', () => {
  test('months by number or name, in English or Welsh', () => {
    const cases: [string, number | undefined][] = [
      ['1', 1],
      ['01', 1],
      ['12', 12],
      ['jan', 1],
      ['January', 1],
      ['Rhagfyr', 12],
      ['gorff', undefined],
      ['Gorffennaf', 7],
      ['awst', 8],
      ['Aug.', 8],
      ['thirteenth', undefined],
    ];
    for (const [input, expected] of cases) assert.equal(parseMonth(input), expected, input);
  });
  test('periods', () => {
    assert.deepEqual(parsePeriod('P1Y6M'), { sign: 1, years: 1, months: 6, weeks: 0, days: 0 });
    assert.deepEqual(parsePeriod('-P28D'), { sign: -1, years: 0, months: 0, weeks: 0, days: 28 });
    assert.equal(parsePeriod('P'), undefined);
    assert.equal(parsePeriod('PT1H'), undefined);
    assert.equal(parsePeriod('1Y'), undefined);
  });
  test('adding periods clamps to the end of the month', () => {
    const cases: [string, string, 1 | -1, string][] = [
      ['2025-01-31', 'P1M', 1, '2025-02-28'],
      ['2024-01-31', 'P1M', 1, '2024-02-29'],
      ['2024-02-29', 'P1Y', 1, '2025-02-28'],
      ['2026-11-24', 'P28D', -1, '2026-10-27'],
      ['2026-03-01', 'P1D', -1, '2026-02-28'],
      ['2026-12-25', 'P1W', 1, '2027-01-01'],
      ['2026-01-15', 'P6Y', -1, '2020-01-15'],
    ];
    for (const [date, period, sign, expected] of cases)
      assert.equal(addPeriod(date, parsePeriod(period)!, sign), expected, `${date} ${sign} ${period}`);
  });
  test('relative dates', () => {
    assert.equal(resolveDate('-P28D', '2026-11-24'), '2026-10-27');
    assert.equal(resolveDate('P0D', '2026-11-24'), '2026-11-24');
    assert.equal(resolveDate('2020-02-02', '2026-11-24'), '2020-02-02');
  });
  test('real dates only', () => {
    assert.ok(isIsoDate('2024-02-29'));
    assert.ok(!isIsoDate('2025-02-29'));
    assert.ok(!isIsoDate('2025-2-1'));
  });
  test('today is the UK’s date', () => {
    // 23:30 UTC on 30 June is already 1 July in London (BST).
    assert.equal(todayInLondon(new Date('2026-06-30T23:30:00Z')), '2026-07-01');
    assert.equal(todayInLondon(new Date('2026-12-31T23:30:00Z')), '2026-12-31');
  });
});

describe('words', () => {
  test('dates', () => {
    assert.equal(formatDate('2025-03-07', 'en'), '7 March 2025');
    assert.equal(formatDate('2025-07-01', 'cy'), '1 Gorffennaf 2025');
  });
  test('periods in English and Welsh, with the mutations', () => {
    const cases: [string, string, string][] = [
      ['P1Y', '1 year', '1 flwyddyn'],
      ['P2Y', '2 years', '2 flynedd'],
      ['P3Y', '3 years', '3 blynedd'],
      ['P6Y', '6 years', '6 blynedd'],
      ['P7Y', '7 years', '7 mlynedd'],
      ['P30Y', '30 years', '30 o flynyddoedd'],
      ['P1M', '1 month', '1 mis'],
      ['P2M', '2 months', '2 fis'],
      ['P6M', '6 months', '6 mis'],
      ['P2W', '2 weeks', '2 wythnos'],
      ['P2D', '2 days', '2 ddiwrnod'],
      ['P5D', '5 days', '5 niwrnod'],
      ['P30D', '30 days', '30 o ddiwrnodau'],
      ['P1Y6M', '1 year and 6 months', '1 flwyddyn a 6 mis'],
      ['P1Y2M3D', '1 year, 2 months and 3 days', '1 flwyddyn, 2 fis a 3 diwrnod'],
    ];
    for (const [period, en, cy] of cases)
      assert.deepEqual(periodText(parsePeriod(period)!), { en, cy }, period);
  });
  test('lists and sizes', () => {
    assert.deepEqual(orList(['JPG', 'PNG', 'PDF']), { en: 'JPG, PNG or PDF', cy: 'JPG, PNG neu PDF' });
    assert.deepEqual(orList(['PDF']), { en: 'PDF', cy: 'PDF' });
    assert.equal(formatBytes(10 * 1024 * 1024), '10MB');
    assert.equal(formatBytes(1.5 * 1024 * 1024), '1.5MB');
    assert.equal(formatBytes(500 * 1024), '500KB');
    assert.equal(formatBytes(100), '100 bytes');
  });
});
