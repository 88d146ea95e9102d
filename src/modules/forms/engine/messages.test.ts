import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import messages from './messages.json' with { type: 'json' };

const catalogue = messages as Record<string, { en: string; cy: string }>;

test('every message has English and Welsh, with the same placeholders', () => {
  const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  for (const [key, text] of Object.entries(catalogue)) {
    assert.match(key, /^forms\.[a-z0-9.-]+$/);
    assert.ok(text.en.trim() && text.cy.trim(), key);
    assert.deepEqual(names(text.cy), names(text.en), key);
  }
});

test('every key the engine uses is in messages.json, and every key there is used', () => {
  const dir = import.meta.dirname;
  const source = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => readFileSync(path.join(dir, f), 'utf8'))
    .join('\n');
  const used = new Set<string>();
  // message('key') and message(`date-${...}`) in parse.ts: expand the templates we know.
  for (const m of source.matchAll(/message\('([a-z0-9-]+)'/g)) used.add(`forms.error.${m[1]}`);
  for (const m of source.matchAll(/missing\(question, '([a-z0-9-]+)'/g)) used.add(`forms.error.${m[1]}`);
  for (const m of source.matchAll(/message\([^)]*\? '([a-z0-9-]+)' : '([a-z0-9-]+)'\)/g)) {
    used.add(`forms.error.${m[1]}`);
    used.add(`forms.error.${m[2]}`);
  }
  for (const when of ['past', 'past-or-today', 'future', 'future-or-today'])
    used.add(`forms.error.date-${when}`);
  for (const parts of ['day', 'month', 'year', 'day-month', 'day-year', 'month-year'])
    used.add(`forms.error.date-missing-${parts}`);
  for (const kind of ['number', 'money'])
    for (const end of ['min', 'max', 'between']) used.add(`forms.error.${kind}-${end}`);
  used.add('forms.error.custom');
  used.add('forms.refused'); // for the runner, when parsePage answers `crafted`
  assert.deepEqual([...used].filter((k) => !(k in catalogue)).sort(), [], 'used but missing');
  assert.deepEqual(
    Object.keys(catalogue)
      .filter((k) => !used.has(k))
      .sort(),
    [],
    'in messages.json but unused',
  );
});
