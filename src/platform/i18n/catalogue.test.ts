import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { I18n, negotiateLanguage, translator } from './catalogue.ts';
import { localise } from './local-text.ts';

const i18n = new I18n();

describe('locale catalogues', () => {
  it('have every key in both English and Welsh, none empty', () => {
    const en = Object.keys(i18n.messages.en).sort();
    const cy = Object.keys(i18n.messages.cy).sort();
    assert.deepEqual(
      en.filter((k) => !cy.includes(k)),
      [],
      'keys missing from cy.json',
    );
    assert.deepEqual(
      cy.filter((k) => !en.includes(k)),
      [],
      'keys missing from en.json',
    );
    for (const lang of ['en', 'cy'] as const) {
      for (const [key, value] of Object.entries(i18n.messages[lang]))
        assert.ok(value.trim(), `${lang}: ${key} is empty`);
    }
  });

  it('use the same placeholders in both languages', () => {
    const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const [key, value] of Object.entries(i18n.messages.en)) {
      assert.deepEqual(names(i18n.messages.cy[key] ?? ''), names(value), `placeholders of ${key}`);
    }
  });

  it('hold every key that a template or module uses', () => {
    const src = path.resolve(import.meta.dirname, '../..');
    const used = new Set<string>();
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (/\.(njk|ts)$/.test(entry.name) && !entry.name.endsWith('.test.ts')) {
          // Literal keys only: t("a.b") in templates, t('a.b') in code, and 'x.y.z' message keys.
          for (const m of readFileSync(full, 'utf8').matchAll(
            /\bt\(\s*["']([a-z0-9-]+(?:\.[a-z0-9-]+)+)["']\s*[,)]/g,
          )) {
            used.add(m[1]!);
          }
        }
      }
    };
    walk(src);
    const missing = [...used].filter((k) => !(k in i18n.messages.en));
    assert.deepEqual(missing, []);
  });
});

describe('translator', () => {
  it('fills placeholders and leaves unknown ones', () => {
    const t = translator({ greet: 'Hello {name}, {other}' });
    assert.equal(t('greet', { name: 'Ana' }), 'Hello Ana, {other}');
  });
});

describe('negotiateLanguage', () => {
  it('prefers the cookie, then the best Accept-Language we speak', () => {
    assert.equal(negotiateLanguage('cy', 'en-GB'), 'cy');
    assert.equal(negotiateLanguage(undefined, 'fr;q=0.9, cy-GB;q=0.8, en;q=0.5'), 'cy');
    assert.equal(negotiateLanguage(undefined, 'en-GB,en;q=0.9,cy;q=0.8'), 'en');
    assert.equal(negotiateLanguage(undefined, 'de'), 'en');
    assert.equal(negotiateLanguage(undefined, undefined), 'en');
  });
});

describe('localise staff-written text', () => {
  it('falls back to English only where Welsh is empty, and marks it', () => {
    assert.deepEqual(localise({ en: 'Bins', cy: 'Biniau' }, 'cy'), { text: 'Biniau', lang: undefined });
    assert.deepEqual(localise({ en: 'Bins', cy: '  ' }, 'cy'), { text: 'Bins', lang: 'en' });
    assert.deepEqual(localise({ en: 'Bins' }, 'en'), { text: 'Bins', lang: undefined });
  });
});
