import { randomBytes } from 'node:crypto';

/**
 * Human references for cases, like `RF-7K4P-2Q9M` (see the Contracts table): the council's
 * prefix, then eight Crockford base32 characters in two groups of four, the last a check
 * character over the first seven. People read them out on the phone and type them from
 * letters, so input is forgiving (case, I/L/O, spaces, hyphens) and the check catches
 * every single-character mistake and every swap of two neighbouring characters.
 */

/** Crockford's base32: no I, L, O (confused with 1 and 0) and no U (accidental words). */
export const referenceAlphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

const bodyLength = 8;
const dataLength = bodyLength - 1;
const prefixPattern = /^[A-Z]{2,3}$/;

const symbolValue = new Map<string, number>([...referenceAlphabet].map((char, value) => [char, value]));
// Crockford's decoding: the letters that look like digits are read as those digits.
for (const [alias, digit] of [
  ['I', 1],
  ['L', 1],
  ['O', 0],
] as const) {
  symbolValue.set(alias, digit);
}

/*
 * The check character. The contract calls it a "mod-32 check character"; this is that idea
 * generalised, because a weighted sum of integers modulo 32 cannot do the job. To catch
 * every substitution at position i, e · w_i must be non-zero mod 32 for every change e,
 * so every weight must be odd; to catch every swap of neighbours a, b, the change
 * (a - b)(w_i - w_(i+1)) must be non-zero, but two odd weights differ by an even number,
 * and a - b = 16 then gives 16 · even = 0 mod 32. (This is why ISBN-10 uses 11, a prime.)
 *
 * So the arithmetic is done in GF(32), the field of 32 elements (polynomials over GF(2)
 * modulo the primitive x^5 + x^2 + 1): the same 32 symbols, with a multiplication that has
 * no zero divisors. With α = x, the seven data values v_0..v_6 get weights α^1..α^7 and
 * the check is c = Σ v_i · α^(i+1), so a whole body satisfies Σ v_i · α^(i+1) + c · α^0 = 0
 * (addition is XOR). Then:
 * - a substitution at position i changes the sum by e · w_i with e ≠ 0 and w_i ≠ 0, which
 *   is never 0 in a field;
 * - a swap of distinct neighbours a, b at positions i, i+1 changes it by
 *   (a + b)(w_i + w_(i+1)), both factors non-zero because α has order 31, so the eight
 *   weights α^1..α^7 and α^0 are all different;
 * and, as all eight weights differ, swaps of characters two apart are caught as well.
 */
const fieldPolynomial = 0b100101; // x^5 + x^2 + 1, primitive: α = x generates all 31 non-zero elements

function multiply(a: number, b: number): number {
  let product = 0;
  let x = a;
  let y = b;
  while (y > 0) {
    if (y & 1) product ^= x;
    y >>= 1;
    x <<= 1;
    if (x & 0b100000) x ^= fieldPolynomial;
  }
  return product;
}

/** weights[i] = α^(i+1) for the seven data positions. */
const weights: number[] = [];
for (let i = 0, power = 1; i < dataLength; i++) {
  power = multiply(power, 0b10);
  weights.push(power);
}

function checkValue(values: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < dataLength; i++) sum ^= multiply(values[i]!, weights[i]!);
  return sum;
}

/** The check character for seven data characters (canonical Crockford characters). */
export function checkCharacter(data: string): string {
  const values = [...data].map((char) => referenceAlphabet.indexOf(char));
  if (values.length !== dataLength || values.includes(-1)) {
    throw new Error(`checkCharacter: expected ${dataLength} canonical Crockford base32 characters`);
  }
  return referenceAlphabet[checkValue(values)]!;
}

function normalisePrefix(prefix: string): string {
  const upper = prefix.trim().toUpperCase();
  if (!prefixPattern.test(upper)) throw new Error(`reference prefix must be 2 or 3 letters, got "${prefix}"`);
  return upper;
}

/** `RF-7K4P-2Q9M` from a prefix and eight canonical body characters. */
export function formatReference(prefix: string, body: string): string {
  const p = normalisePrefix(prefix);
  if (body.length !== bodyLength || [...body].some((char) => !referenceAlphabet.includes(char))) {
    throw new Error(`reference body must be ${bodyLength} Crockford base32 characters`);
  }
  return `${p}-${body.slice(0, 4)}-${body.slice(4)}`;
}

/**
 * A new random reference. 35 random bits: a council would need tens of thousands of cases
 * before a collision becomes likely, so the caller still inserts under a unique constraint
 * and retries on conflict.
 */
export function generateReference(prefix: string, random: (size: number) => Buffer = randomBytes): string {
  const p = normalisePrefix(prefix);
  // Each byte's low five bits are uniform, so no modulo bias.
  const bytes = random(dataLength);
  if (bytes.length < dataLength)
    throw new Error('generateReference: the random source returned too few bytes');
  const values = [...bytes.subarray(0, dataLength)].map((byte) => byte & 0b11111);
  const data = values.map((v) => referenceAlphabet[v]).join('');
  return formatReference(p, data + referenceAlphabet[checkValue(values)]);
}

export interface ParsedReference {
  /** The council prefix, upper case. */
  prefix: string;
  /** The eight canonical body characters, check included, without hyphens. */
  body: string;
  /** The canonical form, `RF-7K4P-2Q9M`: what is stored and shown. */
  formatted: string;
}

// Spaces of any kind and the dashes people paste from letters and emails (en dash,
// non-breaking hyphen, minus sign) are all separators, ignored wherever they are.
const separators = /[\s\-\u2010-\u2015\u2212]/g;

/**
 * Reads a reference as a person typed it. Undefined when it is not one: wrong length, a
 * character outside the alphabet, a prefix that is not 2 or 3 letters, or a failed check.
 * The prefix is whatever precedes the last eight characters, so hyphens are optional.
 */
export function parseReference(input: string): ParsedReference | undefined {
  const read = readReference(input);
  if (!read) return undefined;
  const values = [...read.body].map((char) => symbolValue.get(char)!);
  if (checkValue(values) !== values[dataLength]) return undefined;
  return {
    prefix: read.prefix,
    body: read.body,
    formatted: `${read.prefix}-${read.body.slice(0, 4)}-${read.body.slice(4)}`,
  };
}

/**
 * The prefix and eight canonical characters of what a person typed, before the check
 * character is tested: what "did you mean" works from when the check fails.
 */
export function readReference(input: string): { prefix: string; body: string } | undefined {
  // Longer input cannot be a reference; refuse it before doing any work on it.
  if (typeof input !== 'string' || input.length > 64) return undefined;
  const compact = input.replace(separators, '').toUpperCase();
  if (compact.length < bodyLength + 2 || compact.length > bodyLength + 3) return undefined;
  const prefix = compact.slice(0, compact.length - bodyLength);
  if (!prefixPattern.test(prefix)) return undefined;
  let body = '';
  for (const char of compact.slice(-bodyLength)) {
    const value = symbolValue.get(char);
    if (value === undefined) return undefined;
    body += referenceAlphabet[value];
  }
  return { prefix, body };
}

export function isValidReference(input: string): boolean {
  return parseReference(input) !== undefined;
}
