import { roundDays } from '../../platform/gazetteer/demo.ts';
import type { Seed } from '../../platform/seeds/seeds.ts';
import { addDays, type BankHoliday, type BinRound, bankHolidayChanges } from './schedule.ts';
import { upsertChanges, upsertRounds } from './store.ts';

/** England and Wales bank holidays of the demo calendar (gov.uk/bank-holidays). */
export const demoBankHolidays: BankHoliday[] = [
  { date: '2026-12-25', name: { en: 'Christmas Day bank holiday', cy: 'gŵyl banc Dydd Nadolig' } },
  // Boxing Day falls on a Saturday in 2026: the bank holiday is the Monday after.
  { date: '2026-12-28', name: { en: 'Boxing Day bank holiday', cy: 'gŵyl banc Gŵyl San Steffan' } },
  { date: '2027-01-01', name: { en: 'New Year’s Day bank holiday', cy: 'gŵyl banc Dydd Calan' } },
  { date: '2027-03-26', name: { en: 'Good Friday bank holiday', cy: 'gŵyl banc Dydd Gwener y Groglith' } },
  { date: '2027-03-29', name: { en: 'Easter Monday bank holiday', cy: 'gŵyl banc Dydd Llun y Pasg' } },
  { date: '2027-05-03', name: { en: 'early May bank holiday', cy: 'gŵyl banc dechrau mis Mai' } },
  { date: '2027-05-31', name: { en: 'spring bank holiday', cy: 'gŵyl banc y gwanwyn' } },
  { date: '2027-08-30', name: { en: 'summer bank holiday', cy: 'gŵyl banc yr haf' } },
];

const dayNames = [
  { en: 'Monday', cy: 'Dydd Llun' },
  { en: 'Tuesday', cy: 'Dydd Mawrth' },
  { en: 'Wednesday', cy: 'Dydd Mercher' },
  { en: 'Thursday', cy: 'Dydd Iau' },
  { en: 'Friday', cy: 'Dydd Gwener' },
];

/** A Monday on which the week A rounds put out their refuse bins. */
const weekA = '2026-01-05';

/**
 * Riverford's rounds, RF-MON-A … RF-FRI-B: food waste weekly; refuse and recycling on
 * alternate weeks (week A refuse when week B recycles); garden waste with the recycling,
 * March to November.
 */
export function demoRounds(): BinRound[] {
  return roundDays.flatMap((code, i) =>
    (['A', 'B'] as const).map((week) => {
      const day = addDays(weekA, i);
      const refuse = week === 'A' ? day : addDays(day, 7);
      const recycling = week === 'A' ? addDays(day, 7) : day;
      return {
        code: `RF-${code}-${week}`,
        name: { en: `${dayNames[i]!.en}, week ${week}`, cy: `${dayNames[i]!.cy}, wythnos ${week}` },
        weekday: i + 1,
        services: [
          { bin: 'refuse', everyWeeks: 2, anchor: refuse },
          { bin: 'recycling', everyWeeks: 2, anchor: recycling },
          { bin: 'food', everyWeeks: 1, anchor: day },
          { bin: 'garden', everyWeeks: 2, anchor: recycling, months: [3, 4, 5, 6, 7, 8, 9, 10, 11] },
        ],
      } satisfies BinRound;
    }),
  );
}

/**
 * Riverford District Council collects the bins (the waste collection authority); Northshire
 * County Council does not, so it has no rounds and its pages send people to the district.
 */
export const localInfoSeed: Seed = {
  module: 'local-info',
  version: 1,
  async run(tx) {
    const [riverford] = await tx.query<{ id: string }>(`select id from tenants where slug = 'riverford'`);
    if (!riverford) return;
    await upsertRounds(tx, riverford.id, demoRounds());
    await upsertChanges(tx, riverford.id, bankHolidayChanges(demoBankHolidays));
  },
};
