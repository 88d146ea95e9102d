import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addWorkingDays, dueAt, isWorkingDay, workingDaysBetween } from './working-days.ts';

describe('working days (England and Wales)', () => {
  test('weekends and the published bank holidays are skipped', () => {
    assert.equal(addWorkingDays('2026-11-27', 1), '2026-11-30'); // Friday -> Monday
    assert.equal(addWorkingDays('2026-12-24', 1), '2026-12-29'); // Christmas, weekend, Boxing Day substitute
    assert.equal(addWorkingDays('2026-12-31', 1), '2027-01-04'); // New Year's Day, weekend
    assert.equal(addWorkingDays('2027-03-25', 2), '2027-03-31'); // Easter
    assert.equal(addWorkingDays('2023-05-05', 1), '2023-05-09'); // the coronation bank holiday
    assert.equal(isWorkingDay('2027-12-27'), false);
    assert.equal(workingDaysBetween('2026-12-24', '2026-12-29'), 1);
  });

  test('due at the end of the London working day, in summer and winter time', () => {
    assert.equal(dueAt(new Date('2026-11-30T10:00:00Z'), 5).toISOString(), '2026-12-07T17:00:00.000Z');
    assert.equal(dueAt(new Date('2026-06-01T10:00:00Z'), 1).toISOString(), '2026-06-02T16:00:00.000Z');
  });

  test('dates outside the data are refused, not guessed', () => {
    assert.throws(() => addWorkingDays('2027-12-30', 5), /no bank holiday data/);
  });
});
