/**
 * UK postcodes: the outward code (area, district, optional sub-district letter) and the
 * inward code (sector digit and two unit letters), in the formats Royal Mail allocates.
 */
const pattern =
  /^(?:([A-PR-UWYZ][0-9][0-9]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?|[A-PR-UWYZ][0-9][A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])([0-9][ABD-HJLNP-UW-Z]{2})|(GIR)(0AA))$/;

export type PostcodeResult = { postcode: string } | { error: 'empty' | 'invalid' };

/** Reads what a person typed: any case and spacing. The result is normalised ("RF1 1AA"). */
export function parsePostcode(input: unknown): PostcodeResult {
  if (typeof input !== 'string') return { error: 'empty' };
  const compact = input.replace(/\s+/g, '').toUpperCase();
  if (!compact) return { error: 'empty' };
  if (compact.length > 8) return { error: 'invalid' };
  const match = pattern.exec(compact);
  if (!match) return { error: 'invalid' };
  const outward = match[1] ?? match[3]!;
  const inward = match[2] ?? match[4]!;
  return { postcode: `${outward} ${inward}` };
}

/** The normalised postcode, or undefined when the text is not a UK postcode. */
export function normalisePostcode(input: unknown): string | undefined {
  const result = parsePostcode(input);
  return 'postcode' in result ? result.postcode : undefined;
}

export function isPostcode(input: unknown): boolean {
  return normalisePostcode(input) !== undefined;
}
