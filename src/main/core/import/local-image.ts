import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ImportProblemCode } from './types';
import { fileSize } from './wording';
import { imageDimensions } from '../images/image-size';
import { hasAscii } from '../util/bytes';

/** APIXO takes JPEG, PNG and WebP images up to 10 MB. */
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

export type ImageType = 'jpeg' | 'png' | 'webp';

export type LocalImage =
  | { ok: true; path: string; type: ImageType }
  | { ok: false; path: string; code: ImportProblemCode; message: string };

const HEAD_BYTES = 16;
/** A JPEG's size is in its frame header, after any EXIF; the first 512 KB hold it in practice. */
const DIMENSIONS_BYTES = 512 * 1024;


/** What the first bytes of a file say it is: one of ours, or a few words for the message. */
export function sniffImage(head: Uint8Array): ImageType | string {
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (hasAscii(head, 0, '\x89PNG\r\n\x1a\n')) return 'png';
  if (hasAscii(head, 0, 'RIFF') && hasAscii(head, 8, 'WEBP')) return 'webp';
  if (hasAscii(head, 0, 'GIF8')) return 'a GIF image';
  if (hasAscii(head, 4, 'ftyp')) return hasAscii(head, 8, 'hei') || hasAscii(head, 8, 'mif1') ? 'a HEIC image' : 'a video or HEIC file';
  if (hasAscii(head, 0, 'BM')) return 'a BMP image';
  if (hasAscii(head, 0, 'II*\0') || hasAscii(head, 0, 'MM\0*')) return 'a TIFF image';
  if (hasAscii(head, 0, '%PDF')) return 'a PDF document';
  if (head.length > 0 && head.every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b !== 127))) return 'text';
  return 'in an unknown format';
}

function readHead(path: string, length = HEAD_BYTES): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const head = new Uint8Array(length);
    const n = readSync(fd, head, 0, length, 0);
    return head.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** The absolute path a cell names: relative to `baseDir`, or a `file://` URL. */
export function resolveImagePath(cell: string, baseDir: string): string {
  if (cell.toLowerCase().startsWith('file://')) {
    try {
      return fileURLToPath(cell);
    } catch {
      return cell;
    }
  }
  return isAbsolute(cell) ? cell : resolve(baseDir, cell);
}

/** Checks a local source image: it exists, is a file, is at most 10 MB and is really JPEG/PNG/WebP. */
export function checkLocalImage(cell: string, baseDir: string): LocalImage {
  const path = resolveImagePath(cell, baseDir);
  const named = JSON.stringify(cell);
  try {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) {
      return { ok: false, path, code: 'file_not_found', message: `The image file ${named} was not found (looked for ${path}).` };
    }
    if (!stat.isFile()) {
      return { ok: false, path, code: 'not_a_file', message: `The image ${named} is a folder or device, not an image file.` };
    }
    if (stat.size > MAX_IMAGE_BYTES) {
      return {
        ok: false,
        path,
        code: 'file_too_large',
        message:
          `The image ${named} is ${fileSize(stat.size)}; source images can be at most ${fileSize(MAX_IMAGE_BYTES)}. ` +
          'Resize or compress it.'
      };
    }
    if (stat.size === 0) {
      return { ok: false, path, code: 'not_an_image', message: `The image file ${named} is empty.` };
    }
    const type = sniffImage(readHead(path));
    if (type === 'jpeg' || type === 'png' || type === 'webp') {
      // The same check as an image dropped on the window: its width and height must be readable.
      if (imageDimensions(readHead(path, DIMENSIONS_BYTES), type)) return { ok: true, path, type };
      return {
        ok: false,
        path,
        code: 'not_an_image',
        message: `The image ${named} looks like a ${type.toUpperCase()} file, but its width and height could not be read: it may be damaged. Open and save it again, or use another image.`
      };
    }
    return {
      ok: false,
      path,
      code: 'not_an_image',
      message: `The image ${named} is not a JPEG, PNG or WebP file (it is ${type}). Convert it to JPG, PNG or WebP.`
    };
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return { ok: false, path, code: 'unreadable', message: `The image ${named} could not be read (${reason}).` };
  }
}
