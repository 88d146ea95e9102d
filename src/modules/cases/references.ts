import {
  checkCharacter,
  parseReference,
  readReference,
  referenceAlphabet,
} from '../../platform/references/reference.ts';

/**
 * What a mistyped reference may have been meant as: every valid reference one character
 * change or one swap of neighbours away. The caller keeps those that exist, and offers
 * one only when exactly one does.
 */
export function referenceCandidates(input: string): string[] {
  if (parseReference(input)) return [];
  const read = readReference(input);
  if (!read) return [];
  const { prefix } = read;
  const body = [...read.body];
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
