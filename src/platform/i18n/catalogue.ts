import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Language } from './local-text.ts';

export type Messages = Record<string, string>;

const localesDir = path.join(import.meta.dirname, '../../../locales');

export function loadMessages(language: Language, dir = localesDir): Messages {
  return JSON.parse(readFileSync(path.join(dir, `${language}.json`), 'utf8')) as Messages;
}

export type Translate = (key: string, params?: Record<string, string | number>) => string;

/**
 * A translator for one language. Keys are flat ("home.title"); `{name}` placeholders are
 * filled from params. A missing key is a bug that the catalogue test catches, so it shows as the key.
 */
export function translator(messages: Messages): Translate {
  return (key, params) => {
    const template = messages[key];
    if (template === undefined) return key;
    if (!params) return template;
    return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
      params[name] === undefined ? whole : String(params[name]),
    );
  };
}

export class I18n {
  readonly #translators: Record<Language, Translate>;
  readonly messages: Record<Language, Messages>;

  constructor(dir?: string) {
    this.messages = { en: loadMessages('en', dir), cy: loadMessages('cy', dir) };
    this.#translators = { en: translator(this.messages.en), cy: translator(this.messages.cy) };
  }

  t(language: Language): Translate {
    return this.#translators[language];
  }
}

/** The language a request asks for: its cookie, else the first of Accept-Language we speak. */
export function negotiateLanguage(cookie: string | undefined, acceptLanguage: string | undefined): Language {
  if (cookie === 'cy' || cookie === 'en') return cookie;
  if (!acceptLanguage) return 'en';
  const ranked = acceptLanguage
    .split(',')
    .map((part) => {
      const [tag = '', ...rest] = part.trim().split(';');
      const q = rest.find((p) => p.trim().startsWith('q='));
      return { tag: tag.trim().toLowerCase(), q: q ? Number(q.trim().slice(2)) : 1 };
    })
    .filter((x) => x.tag && !Number.isNaN(x.q) && x.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    if (tag === 'cy' || tag.startsWith('cy-')) return 'cy';
    if (tag === 'en' || tag.startsWith('en-')) return 'en';
  }
  return 'en';
}
