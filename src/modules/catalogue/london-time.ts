/**
 * Staff type dates and times as the council reads them, in Europe/London (GMT or BST);
 * the database keeps instants. These convert both ways, across the clock changes.
 */

const dateFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});
const partsFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** The London calendar date of an instant, 'YYYY-MM-DD'. */
export function londonDate(at: Date): string {
  return dateFormat.format(at);
}

/** The London wall-clock parts of an instant. */
export function londonParts(at: Date): { year: string; month: string; day: string; time: string } {
  const p = Object.fromEntries(partsFormat.formatToParts(at).map((x) => [x.type, x.value]));
  return { year: p.year!, month: p.month!, day: p.day!, time: `${p.hour}:${p.minute}` };
}

const offsetMinutes = (at: Date) => {
  const p = londonParts(at);
  const wall = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), ...p.time.split(':').map(Number));
  return Math.round((wall - Math.floor(at.getTime() / 60000) * 60000) / 60000);
};

/** The instant of a London wall-clock time; undefined for a date or time that does not exist. */
export function fromLondon(year: number, month: number, day: number, time: string): Date | undefined {
  const m = /^([01]?\d|2[0-3])[:.]([0-5]\d)$/.exec(time.trim());
  if (!m || !Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return undefined;
  if (year < 2000 || year > 2100 || month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  const wall = Date.UTC(year, month - 1, day, Number(m[1]), Number(m[2]));
  const check = new Date(wall);
  if (check.getUTCDate() !== day) return undefined;
  // The offset at the wall time read as UTC is right except within an hour of a change: try both.
  for (const guess of [
    wall - offsetMinutes(check) * 60000,
    wall - offsetMinutes(new Date(wall - 3600000)) * 60000,
  ]) {
    const p = londonParts(new Date(guess));
    if (Number(p.day) === day && p.time === `${m[1]!.padStart(2, '0')}:${m[2]}`) return new Date(guess);
  }
  // A time skipped when the clocks go forward: the moment they changed.
  return new Date(wall - 60 * 60000);
}

/** A calendar date from three fields, 'YYYY-MM-DD', or undefined when it is not a real date. */
export function dateFrom(year: string, month: string, day: string): string | undefined {
  const [y, m, d] = [year, month, day].map((s) => Number(s.trim()));
  if (![y, m, d].every((n) => Number.isInteger(n)) || y! < 2000 || y! > 2100) return undefined;
  const at = new Date(Date.UTC(y!, m! - 1, d!));
  if (at.getUTCMonth() !== m! - 1 || at.getUTCDate() !== d) return undefined;
  return at.toISOString().slice(0, 10);
}
