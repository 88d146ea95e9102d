import holidays from './data/bank-holidays-england-and-wales.json' with { type: 'json' };

/**
 * Service-level due dates in working days: Monday to Friday, not a bank holiday of England
 * and Wales. The holidays are the dates gov.uk publishes, kept as data (they include one-off
 * days such as coronations, which no formula gives); outside the years covered we refuse
 * rather than guess.
 */
const bankHolidays = new Set(holidays.dates.map((d) => d.date));
export const coveredYears = { from: holidays.covers.from, to: holidays.covers.to };

/** The UK calendar date of an instant, as YYYY-MM-DD. */
export function ukDate(instant: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(instant);
}

function addCalendarDays(date: string, days: number): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export function isWorkingDay(date: string): boolean {
  if (date < coveredYears.from || date > coveredYears.to)
    throw new Error(`working days: no bank holiday data for ${date}`);
  const weekday = new Date(`${date}T12:00:00Z`).getUTCDay();
  return weekday !== 0 && weekday !== 6 && !bankHolidays.has(date);
}

/**
 * The date `days` working days after `start` (a date): received on a Friday with a
 * one-day target, due on Monday. Work received on a non-working day starts the next one.
 */
export function addWorkingDays(start: string, days: number): string {
  let date = start;
  let left = days;
  while (left > 0) {
    date = addCalendarDays(date, 1);
    if (isWorkingDay(date)) left--;
  }
  return date;
}

/** The end of the UK working day `days` working days after the instant. */
export function dueAt(received: Date, days: number): Date {
  const date = addWorkingDays(ukDate(received), days);
  // 17:00 London time: an hour either side of UTC, so read the offset for that date.
  const probe = new Date(`${date}T17:00:00Z`);
  const london = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/London',
    hour: '2-digit',
    hourCycle: 'h23',
  }).format(probe);
  return new Date(probe.getTime() - (Number(london) - 17) * 3600_000);
}

/** Working days from one date to another (positive when `to` is later): for "overdue by". */
export function workingDaysBetween(from: string, to: string): number {
  if (from === to) return 0;
  const sign = to > from ? 1 : -1;
  let n = 0;
  for (let d = from; d !== to; d = addCalendarDays(d, sign))
    if (isWorkingDay(addCalendarDays(d, sign))) n += sign;
  return n;
}
