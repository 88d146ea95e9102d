/**
 * Words the engine writes itself, in English and Welsh: dates, periods, sizes, lists, yes
 * and no. They are returned as LocalText so the runner localises them like staff text.
 */
import type { Language, LocalText } from './types.ts';

const months: Record<Language, string[]> = {
  en: [
    'January',
    'February',
    'March',
    'April',
    'May',
    'June',
    'July',
    'August',
    'September',
    'October',
    'November',
    'December',
  ],
  cy: [
    'Ionawr',
    'Chwefror',
    'Mawrth',
    'Ebrill',
    'Mai',
    'Mehefin',
    'Gorffennaf',
    'Awst',
    'Medi',
    'Hydref',
    'Tachwedd',
    'Rhagfyr',
  ],
};

/** '2025-03-07' -> '7 March 2025' / '7 Mawrth 2025'. */
export function formatDate(iso: string, language: Language): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  return `${d} ${months[language][m - 1]} ${y}`;
}

export function dateText(iso: string): LocalText {
  return { en: formatDate(iso, 'en'), cy: formatDate(iso, 'cy') };
}

export const words = {
  yes: { en: 'Yes', cy: 'Ie' },
  no: { en: 'No', cy: 'Na' },
  confirmed: { en: 'Confirmed', cy: 'Cadarnhawyd' },
  notProvided: { en: 'Not provided', cy: 'Heb ei ddarparu' },
} satisfies Record<string, LocalText>;

/** 'A, B or C' / 'A, B neu C'. */
export function orList(items: string[]): LocalText {
  const list = (or: string) =>
    items.length <= 1
      ? (items[0] ?? '')
      : `${items.slice(0, -1).join(', ')} ${or} ${items[items.length - 1]}`;
  return { en: list('or'), cy: list('neu') };
}

/** 10485760 -> '10MB', 512000 -> '500KB' (the GOV.UK style, same in both languages). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) {
    const mb = bytes / (1024 * 1024);
    return `${Number.isInteger(mb) ? mb : mb.toFixed(1)}MB`;
  }
  if (bytes >= 1024) return `${Math.floor(bytes / 1024)}KB`;
  return `${bytes} bytes`;
}

/** File types for people: 'image/jpeg' -> 'JPG'. */
export function fileTypeName(mime: string): string {
  const known: Record<string, string> = {
    'image/jpeg': 'JPG',
    'image/png': 'PNG',
    'image/gif': 'GIF',
    'image/webp': 'WEBP',
    'image/heic': 'HEIC',
    'image/*': 'image',
    'application/pdf': 'PDF',
    'text/plain': 'TXT',
    'text/csv': 'CSV',
    'application/msword': 'DOC',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'DOCX',
    'application/vnd.ms-excel': 'XLS',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'XLSX',
    'application/vnd.oasis.opendocument.text': 'ODT',
  };
  return known[mime] ?? mime.split('/').pop()!.toUpperCase();
}

// ---------------------------------------------------------------------------------------
// Periods in words

// Welsh counts with a singular noun that mutates after the number: 1 flwyddyn, 2 flynedd,
// 3 blynedd, 5 mlynedd; 2 fis; 2 ddiwrnod, 5 niwrnod. Numbers past the table take
// "o" and the plural (30 o flynyddoedd), which is always correct.
const welshYears: Record<number, string> = {
  1: 'flwyddyn',
  2: 'flynedd',
  3: 'blynedd',
  4: 'blynedd',
  5: 'mlynedd',
  6: 'blynedd',
  7: 'mlynedd',
  8: 'mlynedd',
  9: 'mlynedd',
  10: 'mlynedd',
  11: 'mlynedd',
  12: 'mlynedd',
  13: 'blynedd',
  14: 'blynedd',
  15: 'mlynedd',
  16: 'mlynedd',
  17: 'flynedd',
  18: 'mlynedd',
  19: 'blynedd',
  20: 'mlynedd',
};
const welshDays: Record<number, string> = {
  1: 'diwrnod',
  2: 'ddiwrnod',
  3: 'diwrnod',
  4: 'diwrnod',
  5: 'niwrnod',
  6: 'diwrnod',
  7: 'niwrnod',
  8: 'niwrnod',
  9: 'niwrnod',
  10: 'niwrnod',
  11: 'diwrnod',
  12: 'niwrnod',
  13: 'diwrnod',
  14: 'diwrnod',
  15: 'niwrnod',
  16: 'diwrnod',
  17: 'ddiwrnod',
  18: 'niwrnod',
  19: 'diwrnod',
  20: 'niwrnod',
};

function welshCount(n: number, unit: 'years' | 'months' | 'weeks' | 'days'): string {
  switch (unit) {
    case 'years':
      return welshYears[n] ? `${n} ${welshYears[n]}` : `${n} o flynyddoedd`;
    case 'months':
      return `${n} ${n === 2 ? 'fis' : 'mis'}`;
    case 'weeks':
      return `${n} wythnos`;
    case 'days':
      return welshDays[n] ? `${n} ${welshDays[n]}` : `${n} o ddiwrnodau`;
  }
}

function englishCount(n: number, unit: 'years' | 'months' | 'weeks' | 'days'): string {
  const singular = unit.slice(0, -1);
  return `${n} ${n === 1 ? singular : unit}`;
}

/** { years: 1, months: 6 } -> '1 year and 6 months' / '1 flwyddyn a 6 mis'. */
export function periodText(period: {
  years: number;
  months: number;
  weeks: number;
  days: number;
}): LocalText {
  const units = (['years', 'months', 'weeks', 'days'] as const).filter((u) => period[u] > 0);
  const join = (parts: string[], and: string) =>
    parts.length <= 1
      ? (parts[0] ?? '')
      : `${parts.slice(0, -1).join(', ')} ${and} ${parts[parts.length - 1]}`;
  return {
    en: join(
      units.map((u) => englishCount(period[u], u)),
      'and',
    ),
    cy: join(
      units.map((u) => welshCount(period[u], u)),
      'a',
    ),
  };
}
