export const languages = ['en', 'cy'] as const;
export type Language = (typeof languages)[number];

/** Text written by staff, in English and Welsh. */
export interface LocalText {
  en: string;
  cy?: string;
}

export interface Localised {
  text: string;
  /** Set when Welsh was asked for but staff left it empty: mark the element lang="en". */
  lang: Language | undefined;
}

/** Welsh falls back to English only where staff left it empty, and says so. */
export function localise(value: LocalText | undefined, language: Language): Localised {
  if (!value) return { text: '', lang: undefined };
  if (language === 'cy') {
    const welsh = value.cy?.trim();
    if (welsh) return { text: welsh, lang: undefined };
    return { text: value.en, lang: 'en' };
  }
  return { text: value.en, lang: undefined };
}

export function isLanguage(value: unknown): value is Language {
  return value === 'en' || value === 'cy';
}
