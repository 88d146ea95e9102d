import type { Translate } from '../../platform/i18n/catalogue.ts';
import { type Language, localise } from '../../platform/i18n/local-text.ts';
import type { BinDay } from '../local-info/service.ts';

const binKeys: Record<string, string> = {
  refuse: 'localinfo.bin.refuse',
  recycling: 'localinfo.bin.recycling',
  food: 'localinfo.bin.food',
  garden: 'localinfo.bin.garden',
};

/** A property's bin day as the contact centre reads it: the round's day and the next collections. */
export function binFacts(binDay: BinDay | undefined, lang: Language, t: Translate) {
  if (!binDay) return { kind: 'none' as const };
  if (binDay.kind !== 'collections') return { kind: binDay.kind };
  const dateFormat = new Intl.DateTimeFormat(lang === 'cy' ? 'cy-GB' : 'en-GB', {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    timeZone: 'UTC',
  });
  const weekday = new Intl.DateTimeFormat(lang === 'cy' ? 'cy-GB' : 'en-GB', {
    weekday: 'long',
    timeZone: 'UTC',
  });
  return {
    kind: 'collections' as const,
    round: localise(binDay.round.name, lang).text,
    // ISO weekday 1..7; 2024-01-01 was a Monday.
    weekday: weekday.format(new Date(Date.UTC(2024, 0, binDay.round.weekday))),
    next: binDay.collections.slice(0, 3).map((c) => ({
      date: dateFormat.format(new Date(`${c.date}T00:00:00Z`)),
      bins: c.bins.map((b) => t(binKeys[b] ?? b)).join(', '),
      changed: Boolean(c.changed),
    })),
  };
}
