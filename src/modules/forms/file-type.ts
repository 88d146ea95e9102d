/**
 * What a file really is, from its first bytes: a browser's claimed type is whatever the
 * sender says, so an "image" that is really a program is caught here.
 */
export function sniffMimeType(bytes: Buffer): string | undefined {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (starts(0x25, 0x50, 0x44, 0x46, 0x2d)) return 'application/pdf';
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'image/gif';
  if (starts(0x52, 0x49, 0x46, 0x46) && bytes.subarray(8, 12).toString('latin1') === 'WEBP')
    return 'image/webp';
  const brand = bytes.subarray(4, 12).toString('latin1');
  if (brand === 'ftypheic' || brand === 'ftypheix' || brand === 'ftypmif1') return 'image/heic';
  return undefined;
}
