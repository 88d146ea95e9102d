import sharp from 'sharp';
import { sniffMimeType } from '../forms/file-type.ts';

/** Photo types a report takes, by what the bytes are rather than what the browser said. */
const accepted = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif']);
export const maxPhotoBytes = 10 * 1024 * 1024;
export const maxPhotos = 3;

export interface ProcessedPhoto {
  full: Buffer;
  thumb: Buffer;
  width: number;
  height: number;
}

export type PhotoProblem = 'type' | 'size' | 'unreadable';

/**
 * Re-encodes a photo: turned upright from its EXIF orientation, then written afresh as a
 * JPEG with no metadata at all (sharp keeps none unless asked), so the camera's GPS
 * position, make and time never reach the public page. Resized to at most 1600 px, with
 * a 320 x 240 thumbnail.
 */
export async function processPhoto(bytes: Buffer): Promise<ProcessedPhoto | { problem: PhotoProblem }> {
  if (bytes.length > maxPhotoBytes) return { problem: 'size' };
  const type = sniffMimeType(bytes);
  if (!type || !accepted.has(type)) return { problem: 'type' };
  try {
    // limitInputPixels refuses decompression bombs before they are decoded.
    const upright = sharp(bytes, { limitInputPixels: 40_000_000, failOn: 'error' }).rotate();
    const { data: full, info } = await upright
      .clone()
      .resize({ width: 1600, height: 1600, fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 80, mozjpeg: true })
      .toBuffer({ resolveWithObject: true });
    const thumb = await upright
      .clone()
      .resize({ width: 320, height: 240, fit: 'cover' })
      .jpeg({ quality: 70 })
      .toBuffer();
    return { full, thumb, width: info.width, height: info.height };
  } catch {
    return { problem: 'unreadable' };
  }
}
