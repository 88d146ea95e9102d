/**
 * Reading what people type: UK postcodes and telephone numbers, amounts of money, email
 * addresses, dates and ISO-8601 periods. Pure functions, each forgiving of the usual ways of
 * writing a thing and strict about what it stores.
 */

// ---------------------------------------------------------------------------------------
// Postcodes

// The Royal Mail shapes (A9 9AA, A99 9AA, AA9 9AA, AA99 9AA, A9A 9AA, AA9A 9AA) with the
// letters each position can hold, and GIR 0AA.
const postcodePattern =
  /^(?:GIR0AA|[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPS-UW]|[A-HK-Y][0-9][ABEHMNPRV-Y])[0-9][ABD-HJLNP-UW-Z]{2})$/;

/** 'rf11aa', ' RF1  1AA ' -> 'RF1 1AA'; undefined when it is not a UK postcode. */
export function normalisePostcode(input: string): string | undefined {
  const compact = input.replace(/\s+/g, '').toUpperCase();
  if (compact.length < 5 || compact.length > 7 || !postcodePattern.test(compact)) return undefined;
  return `${compact.slice(0, -3)} ${compact.slice(-3)}`;
}

// ---------------------------------------------------------------------------------------
// Telephone numbers

/**
 * A UK number in any usual writing ('07700 900982', '(01632) 960 001', '+44 (0)20 7946 0000',
 * '0044 7700 900982') -> E.164 '+447700900982'. With `international`, other countries'
 * numbers written with + and the country code are kept as '+' and digits.
 */
export function normalisePhone(input: string, international = false): string | undefined {
  let s = input.trim().replace(/\(0\)/g, '');
  if (!/^\+?[\d\s().-]+$/.test(s)) return undefined;
  s = s.replace(/[\s().-]/g, '');
  let national: string;
  if (s.startsWith('+44')) national = s.slice(3);
  else if (s.startsWith('0044')) national = s.slice(4);
  else if (s.startsWith('+') || s.startsWith('00')) {
    if (!international) return undefined;
    const digits = s.replace(/^(\+|00)/, '');
    return /^[1-9]\d{6,14}$/.test(digits) ? `+${digits}` : undefined;
  } else if (s.startsWith('0')) national = s;
  else return undefined;
  if (national.startsWith('0')) national = national.slice(1);
  // National significant numbers: 10 digits, or 9 for a few geographic and freephone numbers.
  if (!/^(?:[1-35789]\d{9}|[18]\d{8})$/.test(national)) return undefined;
  if (/^7/.test(national) && !/^7[1-9]/.test(national)) return undefined;
  return `+44${national}`;
}

/** '+447700900982' -> '07700 900982'; '+442079460000' -> '020 7946 0000'; others as stored. */
export function formatPhone(e164: string): string {
  if (!e164.startsWith('+44')) return e164;
  const n = `0${e164.slice(3)}`;
  if (/^02/.test(n) && n.length === 11) return `${n.slice(0, 3)} ${n.slice(3, 7)} ${n.slice(7)}`;
  if (/^0(1\d1|11\d|[3589])/.test(n) && n.length === 11)
    return `${n.slice(0, 4)} ${n.slice(4, 7)} ${n.slice(7)}`;
  return `${n.slice(0, 5)} ${n.slice(5)}`;
}

// ---------------------------------------------------------------------------------------
// Money

const moneyPattern = /^£?\s*((?:\d{1,3}(?:,\d{3})+)|\d+)(?:\.(\d{1,2}))?$/;

/** '£1,234.5' -> 123450 (pence); undefined when it is not an amount of pounds and pence. */
export function parseMoney(input: string): number | undefined {
  const m = moneyPattern.exec(input.trim());
  if (!m) return undefined;
  const pounds = m[1]!.replace(/,/g, '');
  if (pounds.length > 13) return undefined;
  const pence = (m[2] ?? '').padEnd(2, '0');
  return Number(pounds) * 100 + Number(pence);
}

/** 123450 -> '£1,234.50'. */
export function formatMoney(pence: number): string {
  const sign = pence < 0 ? '-' : '';
  const abs = Math.abs(pence);
  const pounds = Math.floor(abs / 100).toLocaleString('en-GB');
  return `${sign}£${pounds}.${String(abs % 100).padStart(2, '0')}`;
}

// ---------------------------------------------------------------------------------------
// Numbers

const numberPattern = /^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$/;

/** '1,500', ' 2.5 ' -> 1500, 2.5; undefined for anything else (no exponents, no words). */
export function parseNumber(input: string): number | undefined {
  const s = input.trim();
  if (!numberPattern.test(s)) return undefined;
  const n = Number(s.replace(/,/g, ''));
  return Number.isFinite(n) && Math.abs(n) <= Number.MAX_SAFE_INTEGER ? n : undefined;
}

// ---------------------------------------------------------------------------------------
// Email addresses

const localPartPattern = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+$/;
const domainLabelPattern = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const tldPattern = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/** Trims, lower-cases the domain (the part before @ may be case-sensitive); undefined if not an email address. */
export function normaliseEmail(input: string): string | undefined {
  const s = input.trim();
  if (s.length > 320) return undefined;
  const at = s.lastIndexOf('@');
  if (at < 1 || at !== s.indexOf('@')) return undefined;
  const local = s.slice(0, at);
  const domain = s
    .slice(at + 1)
    .toLowerCase()
    .replace(/\.$/, '');
  if (local.length > 64 || !localPartPattern.test(local)) return undefined;
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return undefined;
  const labels = domain.split('.');
  if (labels.length < 2 || domain.length > 253) return undefined;
  if (!labels.every((l) => domainLabelPattern.test(l))) return undefined;
  if (!tldPattern.test(labels[labels.length - 1]!)) return undefined;
  return `${local}@${domain}`;
}

// ---------------------------------------------------------------------------------------
// Dates and periods

/** 'YYYY-MM-DD' for a real date, else undefined. */
export function isoDate(year: number, month: number, day: number): string | undefined {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return undefined;
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1) return undefined;
  if (day > daysInMonth(year, month)) return undefined;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

export function isIsoDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  return !!m && isoDate(Number(m[1]), Number(m[2]), Number(m[3])) === value;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

// Making a formatter costs far more than using one: make it once.
const londonDate = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' });

/** Today's date in the UK (Europe/London), 'YYYY-MM-DD'. */
export function todayInLondon(now: Date = new Date()): string {
  return londonDate.format(now);
}

const monthNames: Record<string, number> = {};
[
  ['january', 'ionawr'],
  ['february', 'chwefror'],
  ['march', 'mawrth'],
  ['april', 'ebrill'],
  ['may', 'mai'],
  ['june', 'mehefin'],
  ['july', 'gorffennaf'],
  ['august', 'awst'],
  ['september', 'medi'],
  ['october', 'hydref'],
  ['november', 'tachwedd'],
  ['december', 'rhagfyr'],
].forEach((names, i) => {
  for (const name of names) {
    monthNames[name] = i + 1;
    monthNames[name.slice(0, 3)] = monthNames[name.slice(0, 3)] ?? i + 1;
  }
});
monthNames.sept = 9;

/** '3', '03', 'March', 'mar', 'Mawrth' -> 3; undefined otherwise. */
export function parseMonth(input: string): number | undefined {
  const s = input.trim().toLowerCase().replace(/\.$/, '');
  if (/^\d{1,2}$/.test(s)) return Number(s);
  return monthNames[s];
}

export interface Period {
  years: number;
  months: number;
  weeks: number;
  days: number;
}

const periodPattern = /^([-+]?)P(?=\d)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$/;

/** 'P1Y6M' -> { years: 1, months: 6, weeks: 0, days: 0, sign: 1 }; undefined if not such a period. */
export function parsePeriod(input: string): (Period & { sign: 1 | -1 }) | undefined {
  const m = periodPattern.exec(input);
  if (!m) return undefined;
  return {
    sign: m[1] === '-' ? -1 : 1,
    years: Number(m[2] ?? 0),
    months: Number(m[3] ?? 0),
    weeks: Number(m[4] ?? 0),
    days: Number(m[5] ?? 0),
  };
}

/**
 * Adds (sign 1) or takes away (sign -1) a period: years and months first, the day kept or,
 * past the end of the month, the month's last day (31 January + P1M = 28 or 29 February).
 */
export function addPeriod(date: string, period: Period, sign: 1 | -1 = 1): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const totalMonths = y * 12 + (m - 1) + sign * (period.years * 12 + period.months);
  const year = Math.floor(totalMonths / 12);
  const month = (totalMonths % 12) + 1;
  const day = Math.min(d, daysInMonth(year, month));
  const t = Date.UTC(year, month - 1, day) + sign * (period.weeks * 7 + period.days) * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

/** A 'YYYY-MM-DD' or a period from today ('-P28D') -> 'YYYY-MM-DD'. */
export function resolveDate(spec: string, today: string): string | undefined {
  if (isIsoDate(spec)) return spec;
  const period = parsePeriod(spec);
  return period ? addPeriod(today, period, period.sign) : undefined;
}

/** Days from one ISO date to another. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}
