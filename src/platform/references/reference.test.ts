import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  checkCharacter,
  formatReference,
  generateReference,
  isValidReference,
  parseReference,
  referenceAlphabet,
} from './reference.ts';

const shape = /^[A-Z]{2,3}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

/** The body characters of a formatted reference, without the hyphen. */
const bodyOf = (reference: string) => reference.split('-').slice(1).join('');

/** All references differing from `reference` by one substitution or one swap of distinct neighbours. */
function mistypings(reference: string): string[] {
  const prefix = reference.split('-')[0]!;
  const body = bodyOf(reference);
  const out: string[] = [];
  for (let i = 0; i < body.length; i++) {
    for (const symbol of referenceAlphabet) {
      if (symbol === body[i]) continue;
      out.push(`${prefix}-${body.slice(0, i)}${symbol}${body.slice(i + 1)}`);
    }
  }
  for (let i = 0; i + 1 < body.length; i++) {
    if (body[i] === body[i + 1]) continue;
    out.push(`${prefix}-${body.slice(0, i)}${body[i + 1]}${body[i]}${body.slice(i + 2)}`);
  }
  return out;
}

describe('references', () => {
  test('a generated reference has the contract shape and round-trips', () => {
    for (let n = 0; n < 500; n++) {
      const reference = generateReference(n % 2 ? 'RF' : 'ns');
      assert.match(reference, shape);
      const parsed = parseReference(reference);
      assert.ok(parsed, reference);
      assert.equal(parsed.formatted, reference);
      assert.equal(parsed.prefix, n % 2 ? 'RF' : 'NS');
      assert.equal(parsed.body, bodyOf(reference));
      assert.equal(formatReference(parsed.prefix, parsed.body), reference);
      assert.ok(isValidReference(reference));
    }
  });

  test('uses the random source given, and every symbol appears', () => {
    const fixed = (size: number) => Buffer.alloc(size, 0);
    assert.equal(generateReference('RF', fixed), `RF-0000-0000`);
    const seen = new Set<string>();
    for (let n = 0; n < 300; n++) for (const char of bodyOf(generateReference('RF'))) seen.add(char);
    assert.equal(seen.size, 32);
  });

  test('the check is the GF(32) sum documented in the code', () => {
    // 1 at position 0 has weight α = 2, so the check is "2"; at position 1, α^2 = 4.
    assert.equal(checkCharacter('1000000'), '2');
    assert.equal(checkCharacter('0100000'), '4');
    // α^5 = α^2 + 1 under x^5 + x^2 + 1: 0b00101 = 5.
    assert.equal(checkCharacter('0000100'), '5');
    assert.throws(() => checkCharacter('100000'));
    assert.throws(() => checkCharacter('I000000'));
  });

  test('refuses bad prefixes when generating or formatting', () => {
    for (const prefix of ['', 'R', 'RFXX', 'R1', 'R-']) {
      assert.throws(() => generateReference(prefix), /prefix/);
    }
    assert.throws(() => formatReference('RF', '0000000'));
    assert.throws(() => formatReference('RF', '0000000U'));
  });

  test('every single substitution and every adjacent swap is caught (exhaustive over a sample)', () => {
    const sample = Array.from({ length: 200 }, (_, n) => generateReference(n % 3 ? 'RF' : 'NSC'));
    // Swaps at the join of the groups and with the check character are the likeliest to slip.
    sample.push('RF-0000-0000', 'RF-ZZZZ-ZZZ'.concat(checkCharacter('ZZZZZZZ')));
    let checked = 0;
    for (const reference of sample) {
      assert.ok(isValidReference(reference), reference);
      for (const wrong of mistypings(reference)) {
        assert.equal(parseReference(wrong), undefined, `${wrong} (from ${reference}) was accepted`);
        checked++;
      }
    }
    assert.ok(checked > 200 * 8 * 31);
  });

  test('property: one changed character or two swapped neighbours never passes', () => {
    const symbol = fc.integer({ min: 0, max: 31 }).map((v) => referenceAlphabet[v]!);
    const reference = fc
      .tuple(fc.constantFrom('RF', 'NS', 'ABC'), fc.array(symbol, { minLength: 7, maxLength: 7 }))
      .map(([prefix, data]) => formatReference(prefix, data.join('') + checkCharacter(data.join(''))));
    fc.assert(
      fc.property(reference, fc.nat(7), symbol, (ref, position, replacement) => {
        const body = bodyOf(ref);
        fc.pre(body[position] !== replacement);
        const changed = `${body.slice(0, position)}${replacement}${body.slice(position + 1)}`;
        return parseReference(`${ref.slice(0, ref.indexOf('-'))}${changed}`) === undefined;
      }),
      { numRuns: 5000 },
    );
    fc.assert(
      fc.property(reference, fc.nat(6), (ref, position) => {
        const body = bodyOf(ref);
        fc.pre(body[position] !== body[position + 1]);
        const swapped = `${body.slice(0, position)}${body[position + 1]}${body[position]}${body.slice(position + 2)}`;
        return parseReference(`${ref.slice(0, ref.indexOf('-'))}${swapped}`) === undefined;
      }),
      { numRuns: 5000 },
    );
  });

  test('reads input case-blind, with I and L as 1, O as 0, and spaces or hyphens anywhere', () => {
    const data = '7K4P2Q1';
    const canonical = formatReference('RF', data + checkCharacter(data));
    const body = bodyOf(canonical);
    const variants = [
      canonical,
      canonical.toLowerCase(),
      `RF${body}`,
      `rf ${body.slice(0, 4)} ${body.slice(4)}`,
      `  R F - ${[...body].join(' ')}  `,
      `RF--${body.slice(0, 2)}-${body.slice(2)}`,
      `RF\u2013${body.slice(0, 4)}\u2013${body.slice(4)}`, // en dashes, pasted from a letter
      canonical.replace('1', 'I'),
      canonical.replace('1', 'l'),
      canonical.replace('1', 'L'),
    ];
    for (const input of variants) {
      assert.equal(parseReference(input)?.formatted, canonical, JSON.stringify(input));
    }
    const zero = formatReference('NS', `0000000${checkCharacter('0000000')}`);
    assert.equal(parseReference('ns-oooo-ooo0')?.formatted, zero);
    assert.equal(parseReference('NS-OOOO-OOOO')?.formatted, zero);
  });

  test('refuses what is not a reference', () => {
    // Fixed, so that each case fails for the reason given (with a random body, "RF-<body>0"
    // could read as prefix "RF" plus a letter and pass its check by chance).
    const good = formatReference('RF', `7K4P2Q1${checkCharacter('7K4P2Q1')}`);
    const body = bodyOf(good);
    const bad = [
      '',
      body, // no prefix
      `R-${body}`, // prefix too short
      `RFXX-${body}`, // prefix too long
      `R1-${body}`, // digit in the prefix
      `RF-${body.slice(0, 7)}`, // too short
      `RF-${body}0`, // too long (and then the prefix would be wrong)
      `RF-${body.slice(0, 7)}U`, // U is not in the alphabet
      `RF-${body.slice(0, 7)}*`,
      `RF-${body.slice(0, 7)}é`,
      `${good}${' '.repeat(100)}`, // absurdly long input
    ];
    for (const input of bad) assert.equal(parseReference(input), undefined, JSON.stringify(input));
    assert.equal(isValidReference(`${good.slice(0, -1)}${good.endsWith('0') ? '1' : '0'}`), false);
    assert.equal(parseReference(undefined as unknown as string), undefined);
  });

  test('random strings are rarely accepted (about 1 in 32)', () => {
    let accepted = 0;
    const runs = 20000;
    for (let n = 0; n < runs; n++) {
      const body = [...randomBytes(8)].map((b) => referenceAlphabet[b & 31]).join('');
      if (isValidReference(`RF${body}`)) accepted++;
    }
    assert.ok(accepted > runs / 32 / 2 && accepted < (runs / 32) * 2, `${accepted} accepted`);
  });
});
