import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { demoBankHolidays, demoRounds } from './demo.ts';
import { bankHolidayChanges, collectionsFor, scheduledDates, ukDateOf, weekdayOf } from './schedule.ts';

const round = (code: string) => demoRounds().find((r) => r.code === code)!;
const changes = bankHolidayChanges(demoBankHolidays);

describe('calendar dates', () => {
  it('know their weekday, and today is the date in the UK', () => {
    assert.equal(weekdayOf('2026-12-28'), 1);
    assert.equal(weekdayOf('2027-01-03'), 7);
    assert.equal(weekdayOf('1969-12-29'), 1);
    // 23:30 UTC in British Summer Time is already the next day in the UK.
    assert.equal(ukDateOf(new Date('2026-06-30T23:30:00Z')), '2026-07-01');
    assert.equal(ukDateOf(new Date('2026-12-31T23:30:00Z')), '2026-12-31');
  });

  it('repeat a service from its anchor both ways, only in its months', () => {
    const garden = { bin: 'garden' as const, everyWeeks: 2, anchor: '2026-01-12', months: [3, 11] };
    assert.deepEqual(scheduledDates(garden, '2026-10-20', '2026-12-31'), [
      '2026-11-02',
      '2026-11-16',
      '2026-11-30',
    ]);
    const weekly = { bin: 'food' as const, everyWeeks: 1, anchor: '2027-06-07' };
    assert.deepEqual(scheduledDates(weekly, '2026-12-20', '2027-01-04'), [
      '2026-12-21',
      '2026-12-28',
      '2027-01-04',
    ]);
  });
});

describe('bank holiday changes', () => {
  it('move every collection from the holiday to Friday a day later, and again past a second holiday', () => {
    const moved = Object.fromEntries(changes.map((c) => [c.originalDate, c.newDate]));
    assert.deepEqual(moved, {
      '2026-12-25': '2026-12-26',
      '2026-12-28': '2026-12-29',
      '2026-12-29': '2026-12-30',
      '2026-12-30': '2026-12-31',
      '2026-12-31': '2027-01-02',
      '2027-01-01': '2027-01-02',
      '2027-03-26': '2027-03-27',
      '2027-03-29': '2027-03-30',
      '2027-03-30': '2027-03-31',
      '2027-03-31': '2027-04-01',
      '2027-04-01': '2027-04-02',
      '2027-04-02': '2027-04-03',
      '2027-05-03': '2027-05-04',
      '2027-05-04': '2027-05-05',
      '2027-05-05': '2027-05-06',
      '2027-05-06': '2027-05-07',
      '2027-05-07': '2027-05-08',
      '2027-05-31': '2027-06-01',
      '2027-06-01': '2027-06-02',
      '2027-06-02': '2027-06-03',
      '2027-06-03': '2027-06-04',
      '2027-06-04': '2027-06-05',
      '2027-08-30': '2027-08-31',
      '2027-08-31': '2027-09-01',
      '2027-09-01': '2027-09-02',
      '2027-09-02': '2027-09-03',
      '2027-09-03': '2027-09-04',
    });
  });

  it('give the reason in English and Welsh', () => {
    const reason = (date: string) => changes.find((c) => c.originalDate === date)?.reason;
    assert.deepEqual(reason('2026-12-25'), {
      en: 'Christmas Day bank holiday',
      cy: 'Gŵyl banc Dydd Nadolig',
    });
    assert.deepEqual(reason('2026-12-28'), {
      en: 'Boxing Day bank holiday',
      cy: 'Gŵyl banc Gŵyl San Steffan',
    });
    assert.deepEqual(reason('2026-12-31'), {
      en: 'Boxing Day and New Year’s Day bank holidays',
      cy: 'Gwyliau banc Gŵyl San Steffan a Dydd Calan',
    });
    assert.deepEqual(reason('2027-05-03'), { en: 'Early May bank holiday', cy: 'Gŵyl banc dechrau mis Mai' });
  });
});

describe('collectionsFor: when is my bin day', () => {
  it('lists the next four weeks of a Monday round over Christmas, the Boxing Day change included', () => {
    const result = collectionsFor(round('RF-MON-A'), changes, new Date('2026-12-21T08:00:00Z'), 28);
    assert.deepEqual(result, [
      { date: '2026-12-21', bins: ['refuse', 'food'] },
      {
        date: '2026-12-29',
        bins: ['recycling', 'food'],
        changed: {
          from: '2026-12-28',
          reason: { en: 'Boxing Day bank holiday', cy: 'Gŵyl banc Gŵyl San Steffan' },
        },
      },
      { date: '2027-01-04', bins: ['refuse', 'food'] },
      { date: '2027-01-11', bins: ['recycling', 'food'] },
    ]);
  });

  it('moves Friday collections to Saturday in Christmas and New Year weeks', () => {
    const result = collectionsFor(round('RF-FRI-B'), changes, '2026-12-20', 14);
    assert.deepEqual(
      result.map((c) => [c.date, c.bins.join('+'), c.changed?.from]),
      [
        ['2026-12-26', 'recycling+food', '2026-12-25'],
        ['2027-01-02', 'refuse+food', '2027-01-01'],
      ],
    );
  });

  it('counts a collection moved into the window and drops one moved out of it', () => {
    // Friday 1 January moves to Saturday 2 January: in a window starting on the 2nd …
    const from2nd = collectionsFor(round('RF-FRI-B'), changes, '2027-01-02', 7);
    assert.deepEqual(
      from2nd.map((c) => c.date),
      ['2027-01-02', '2027-01-08'],
    );
    // … but not in one that ends on the 1st.
    const to1st = collectionsFor(round('RF-FRI-B'), changes, '2026-12-27', 6);
    assert.deepEqual(to1st, []);
  });

  it('collects garden waste with the recycling from March to November', () => {
    const april = collectionsFor(round('RF-WED-B'), changes, '2027-03-29', 14);
    assert.deepEqual(
      april.map((c) => [c.date, c.bins.join('+'), c.changed ? 'changed' : '']),
      [
        ['2027-04-01', 'recycling+food+garden', 'changed'],
        ['2027-04-07', 'refuse+food', ''],
      ],
    );
  });
});
