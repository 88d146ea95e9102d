import type { LocalText } from '../../platform/i18n/local-text.ts';

/**
 * Bin collection calendars, as pure functions over calendar dates ("2026-12-28"): no time
 * zones inside, and "today" is the date in the UK when the caller asks.
 */

export const bins = ['refuse', 'recycling', 'food', 'garden'] as const;
export type Bin = (typeof bins)[number];

export interface BinService {
  bin: Bin;
  /** 1 weekly, 2 fortnightly (alternate weeks), … */
  everyWeeks: number;
  /** One date the bin is collected: the pattern runs from it both ways. */
  anchor: string;
  /** Months (1–12) in which it is collected, e.g. garden waste March to November; all when absent. */
  months?: number[];
}

export interface BinRound {
  code: string;
  name: LocalText;
  /** ISO weekday, 1 Monday … 7 Sunday. */
  weekday: number;
  services: BinService[];
}

export interface CollectionChange {
  originalDate: string;
  newDate: string;
  reason: LocalText;
}

export interface Collection {
  date: string;
  bins: Bin[];
  /** Set when the collection was moved, usually for a bank holiday. */
  changed?: { from: string; reason: LocalText };
}

const dayMs = 86_400_000;
const isoDate = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 of a calendar date. */
export function dayNumber(date: string): number {
  const m = isoDate.exec(date);
  if (!m) throw new Error(`not a date: ${date}`);
  const n = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / dayMs;
  if (dateOf(n) !== date) throw new Error(`not a date: ${date}`);
  return n;
}

export function dateOf(day: number): string {
  return new Date(day * dayMs).toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  return dateOf(dayNumber(date) + days);
}

/** ISO weekday of a date: 1 Monday … 7 Sunday. */
export function weekdayOf(date: string): number {
  return ((((dayNumber(date) + 3) % 7) + 7) % 7) + 1;
}

const ukDate = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** The calendar date in the UK at an instant. */
export function ukDateOf(instant: Date): string {
  const parts = Object.fromEntries(ukDate.formatToParts(instant).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

const ceilDiv = (a: number, b: number) => -Math.floor(-a / b);

/** The dates a service is due on, before any change, from `first` to `last` inclusive. */
export function scheduledDates(service: BinService, first: string, last: string): string[] {
  const step = 7 * Math.max(1, Math.floor(service.everyWeeks));
  const anchor = dayNumber(service.anchor);
  const start = dayNumber(first);
  const end = dayNumber(last);
  const out: string[] = [];
  for (let day = anchor + ceilDiv(start - anchor, step) * step; day <= end; day += step) {
    const date = dateOf(day);
    if (!service.months || service.months.includes(Number(date.slice(5, 7)))) out.push(date);
  }
  return out;
}

/**
 * The collections of a round from a day for a number of days (`from` itself included), with
 * the changes applied: a collection moved into the window appears on its new date, one moved
 * out of it does not. Bins collected on the same day are one collection.
 */
export function collectionsFor(
  round: Pick<BinRound, 'services'>,
  changes: readonly CollectionChange[],
  from: Date | string,
  days: number,
): Collection[] {
  const first = typeof from === 'string' ? from : ukDateOf(from);
  const last = addDays(first, days - 1);
  const byOriginal = new Map(changes.map((c) => [c.originalDate, c]));
  // Changes move collections by days, not weeks: look a fortnight either side for those moved in.
  const lookFrom = addDays(first, -14);
  const lookTo = addDays(last, 14);
  const byDate = new Map<string, Collection>();
  for (const service of round.services) {
    for (const original of scheduledDates(service, lookFrom, lookTo)) {
      const change = byOriginal.get(original);
      const date = change ? change.newDate : original;
      if (date < first || date > last) continue;
      let collection = byDate.get(date);
      if (!collection) {
        collection = { date, bins: [] };
        if (change) collection.changed = { from: change.originalDate, reason: change.reason };
        byDate.set(date, collection);
      }
      if (!collection.bins.includes(service.bin)) collection.bins.push(service.bin);
    }
  }
  const order = (bin: Bin) => bins.indexOf(bin);
  return [...byDate.values()]
    .map((c) => ({ ...c, bins: c.bins.sort((a, b) => order(a) - order(b)) }))
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

export interface BankHoliday {
  date: string;
  /** As it reads after "the": "Christmas Day bank holiday", "early May bank holiday". */
  name: LocalText;
}

/**
 * The changes a collection authority makes for bank holidays: in a week with a bank
 * holiday, every collection from that day to Friday happens a day later, and a day later
 * again for each further bank holiday it would land on (so Friday's moves to Saturday).
 */
export function bankHolidayChanges(holidays: readonly BankHoliday[]): CollectionChange[] {
  const isHoliday = new Map(holidays.map((h) => [h.date, h]));
  const weeks = new Map<string, BankHoliday[]>();
  for (const h of holidays) {
    const monday = addDays(h.date, 1 - weekdayOf(h.date));
    weeks.set(monday, [...(weeks.get(monday) ?? []), h]);
  }
  const changes: CollectionChange[] = [];
  for (const [monday, inWeek] of [...weeks].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const firstHoliday = inWeek.map((h) => h.date).sort()[0]!;
    for (let d = weekdayOf(firstHoliday); d <= 5; d++) {
      const original = addDays(monday, d - 1);
      let moved = addDays(original, 1);
      while (isHoliday.has(moved)) moved = addDays(moved, 1);
      const causes = inWeek
        .filter((h) => h.date >= firstHoliday && h.date < moved)
        .sort((a, b) => (a.date < b.date ? -1 : 1));
      changes.push({ originalDate: original, newDate: moved, reason: reasonFor(causes) });
    }
  }
  return changes;
}

function reasonFor(causes: BankHoliday[]): LocalText {
  const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  if (causes.length === 1) {
    const { en, cy } = causes[0]!.name;
    return { en: capital(en), ...(cy ? { cy: capital(cy) } : {}) };
  }
  // "Boxing Day and New Year’s Day bank holidays"; "Gwyliau banc Gŵyl San Steffan a Dydd Calan".
  const en = causes.map((c) => c.name.en.replace(/ bank holiday$/, '')).join(' and ');
  const cy = causes.map((c) => (c.name.cy ?? '').replace(/^gŵyl banc /i, '')).join(' a ');
  return { en: capital(`${en} bank holidays`), cy: `Gwyliau banc ${cy}` };
}
