import { checkCharacter, parseReference, referenceAlphabet } from '../../platform/references/reference.ts';

const confusables = new Map([
  ['I', '1'],
  ['L', '1'],
  ['O', '0'],
]);

/**
 * What a mistyped reference may have been meant as: every valid reference one character
 * change or one swap of neighbours away. The caller keeps those that exist, and offers
 * one only when exactly one does.
 */
export function referenceCandidates(input: string): string[] {
  if (parseReference(input)) return [];
  const compact = input
    .replace(/[\s\-\u2010-\u2015\u2212]/g, '')
    .toUpperCase()
    .replace(/[ILO]/g, (c) => confusables.get(c) ?? c);
  if (compact.length < 10 || compact.length > 11) return [];
  const prefix = compact.slice(0, -8);
  const body = [...compact.slice(-8)];
  if (!/^[A-Z]{2,3}$/.test(prefix) || body.some((c) => !referenceAlphabet.includes(c))) return [];
  const found = new Set<string>();
  const consider = (chars: string[]) => {
    const data = chars.slice(0, 7).join('');
    if (checkCharacter(data) === chars[7])
      found.add(`${prefix}-${data.slice(0, 4)}-${data.slice(4)}${chars[7]}`);
  };
  for (let i = 0; i < 8; i++) {
    for (const symbol of referenceAlphabet) {
      if (symbol === body[i]) continue;
      const next = [...body];
      next[i] = symbol;
      consider(next);
    }
  }
  for (let i = 0; i < 7; i++) {
    const next = [...body];
    [next[i], next[i + 1]] = [next[i + 1]!, next[i]!];
    consider(next);
  }
  return [...found];
}
