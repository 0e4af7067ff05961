/**
 * A CSV cell naming a local source image: the path it names, and the image check of images/
 * (the same one a dropped image goes through) in the importer's words, with a problem code.
 */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IMAGE_MAX_BYTES, type ImageKind } from '@shared/images';
import { sniffImage } from '../images/content-kind';
import { inspectImageFileSync, type ImageVerdict } from '../images/image-check';
import type { ImportProblemCode } from './types';
import { fileSize } from './wording';

export type LocalImage = { ok: true; path: string; type: ImageKind } | { ok: false; path: string; code: ImportProblemCode; message: string };

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
  const verdict = inspectImageFileSync(path);
  if (verdict.ok) return { ok: true, path, type: verdict.kind };
  const [code, message] = refusal(verdict, JSON.stringify(cell), path);
  return { ok: false, path, code, message };
}

function refusal(verdict: Exclude<ImageVerdict, { ok: true }>, named: string, path: string): [ImportProblemCode, string] {
  switch (verdict.problem) {
    case 'missing':
      return ['file_not_found', `The image file ${named} was not found (looked for ${path}).`];
    case 'folder':
    case 'not_a_file':
      return ['not_a_file', `The image ${named} is a folder or device, not an image file.`];
    case 'too_large':
      return [
        'file_too_large',
        `The image ${named} is ${fileSize(verdict.sizeBytes)}; source images can be at most ${fileSize(IMAGE_MAX_BYTES)}. Resize or compress it.`
      ];
    case 'empty':
      return ['not_an_image', `The image file ${named} is empty.`];
    case 'no_size':
      return [
        'not_an_image',
        `The image ${named} looks like a ${verdict.kind.toUpperCase()} file, but its width and height could not be read: it may be damaged. Open and save it again, or use another image.`
      ];
    case 'not_an_image':
      return [
        'not_an_image',
        `The image ${named} is not a JPEG, PNG or WebP file (it is ${sniffImage(verdict.head.subarray(0, 16))}). Convert it to JPG, PNG or WebP.`
      ];
    case 'unreadable': {
      const reason = (verdict.error as NodeJS.ErrnoException).code ?? (verdict.error as Error).message;
      return ['unreadable', `The image ${named} could not be read (${reason}).`];
    }
  }
}
