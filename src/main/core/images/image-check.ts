/**
 * Whether a file (or a download's bytes) is a source image APIXO takes: a real JPEG, PNG or WebP
 * of at most 10 MB (`IMAGE_MAX_BYTES`) whose size can be read. There is one check, for every
 * image the app meets: `inspectImageFile` (and its sync twin, for the CSV importer) finds an
 * `ImageVerdict`; `checkImageFile` and `checkImageBytes` put it in the words a dropped or linked
 * image is refused with, and the importer words it for a CSV cell (import/local-image.ts).
 */
import { statSync, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { IMAGE_MAX_BYTES, JPEG_HEAD_BYTES, type ImageKind } from '@shared/images';
import { CONTENT_HEAD_BYTES, describeContent } from './content-kind';
import { readFileStart, readFileStartSync } from './file-head';
import { imageDimensions } from './image-size';
import { notAcceptedImage, quoted } from './image-words';
import { fileSize } from '@shared/file-size';

export { JPEG_HEAD_BYTES } from '@shared/images';

export type ImageCheck = { ok: true; kind: ImageKind; width: number; height: number; sizeBytes: number } | { ok: false; reason: string };

/** What the check found, before it is put into words. */
export type ImageVerdict =
  | { ok: true; kind: ImageKind; width: number; height: number; sizeBytes: number }
  | { ok: false; problem: 'missing' | 'folder' | 'not_a_file' | 'empty' }
  | { ok: false; problem: 'too_large'; sizeBytes: number }
  /** Not JPEG, PNG or WebP: `head` (the first bytes) says what it is instead. */
  | { ok: false; problem: 'not_an_image'; head: Uint8Array }
  /** One of the three kinds by its signature, but its width and height cannot be read; `beyondHead`: a JPEG longer than the part looked at. */
  | { ok: false; problem: 'no_size'; kind: ImageKind; beyondHead: boolean }
  | { ok: false; problem: 'unreadable'; error: unknown };

/** What the size alone says: nothing in it, or too large for APIXO. */
function judgeSize(sizeBytes: number): ImageVerdict | undefined {
  if (sizeBytes === 0) return { ok: false, problem: 'empty' };
  if (sizeBytes > IMAGE_MAX_BYTES) return { ok: false, problem: 'too_large', sizeBytes };
  return undefined;
}

/** Judges the leading bytes of an image of `sizeBytes` bytes in all (`head` may be shorter). */
function judgeHead(head: Uint8Array, sizeBytes: number): ImageVerdict {
  const kind = describeContent(head.subarray(0, CONTENT_HEAD_BYTES));
  if (kind !== 'jpeg' && kind !== 'png' && kind !== 'webp') return { ok: false, problem: 'not_an_image', head: head.subarray(0, CONTENT_HEAD_BYTES) };
  const size = imageDimensions(head.subarray(0, JPEG_HEAD_BYTES), kind);
  if (size) return { ok: true, kind, ...size, sizeBytes };
  return { ok: false, problem: 'no_size', kind, beyondHead: kind === 'jpeg' && sizeBytes > JPEG_HEAD_BYTES };
}

/** What the file system says before any byte is read; undefined when the head is to be read. */
function judgeStat(info: Stats | undefined): ImageVerdict | undefined {
  if (!info) return { ok: false, problem: 'missing' };
  if (info.isDirectory()) return { ok: false, problem: 'folder' };
  if (!info.isFile()) return { ok: false, problem: 'not_a_file' };
  return judgeSize(info.size);
}

/** A JPEG's size may lie far in: its head is read further than the first bytes that tell the kind. */
function needsLongHead(head: Uint8Array, sizeBytes: number): boolean {
  return describeContent(head) === 'jpeg' && sizeBytes > head.length;
}

function failed(error: unknown): ImageVerdict {
  return (error as NodeJS.ErrnoException).code === 'ENOENT' ? { ok: false, problem: 'missing' } : { ok: false, problem: 'unreadable', error };
}

/** Checks a file on disk, reading only its head (at most 512 KB, for a JPEG). */
export async function inspectImageFile(path: string): Promise<ImageVerdict> {
  try {
    const info = await stat(path).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    });
    const early = judgeStat(info);
    if (early) return early;
    const head = await readFileStart(path, CONTENT_HEAD_BYTES);
    return judgeHead(needsLongHead(head, info!.size) ? await readFileStart(path, JPEG_HEAD_BYTES) : head, info!.size);
  } catch (error) {
    return failed(error);
  }
}

/** The same check, synchronously: the CSV importer checks a file's image cells while it builds the rows. */
export function inspectImageFileSync(path: string): ImageVerdict {
  try {
    const info = statSync(path, { throwIfNoEntry: false });
    const early = judgeStat(info);
    if (early) return early;
    const head = readFileStartSync(path, CONTENT_HEAD_BYTES);
    return judgeHead(needsLongHead(head, info!.size) ? readFileStartSync(path, JPEG_HEAD_BYTES) : head, info!.size);
  } catch (error) {
    return failed(error);
  }
}

/** Checks bytes already in memory (a download, a paste). */
export function inspectImageBytes(bytes: Uint8Array): ImageVerdict {
  return judgeSize(bytes.length) ?? judgeHead(bytes, bytes.length);
}

// ── The words of a dropped or linked image ──────────────────────────────────────────────────

const KIND_WORDS: Record<ImageKind, string> = { jpeg: 'JPEG', png: 'PNG', webp: 'WebP' };

const RESAVE = 'Open it in an image editor, save it again as JPG, PNG or WebP, and use that file.';

/** The reason a person reads when a file system call failed. */
export function fileErrorReason(name: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `${quoted(name)} was not found: it may have been moved or deleted.`;
  if (code === 'EACCES' || code === 'EPERM') return `${quoted(name)} could not be opened: this account is not allowed to read it.`;
  return `${quoted(name)} could not be read (${code ?? (error as Error).message}).`;
}

/** A verdict as the window words it; `name` is what the reasons call the image. */
function worded(verdict: ImageVerdict, name: string): ImageCheck {
  if (verdict.ok) return verdict;
  const subject = quoted(name);
  const refuse = (reason: string): ImageCheck => ({ ok: false, reason });
  switch (verdict.problem) {
    case 'missing':
      return refuse(fileErrorReason(name, { code: 'ENOENT' }));
    case 'unreadable':
      return refuse(fileErrorReason(name, verdict.error));
    case 'folder':
      return refuse(`${subject} is a folder, not an image file.`);
    case 'not_a_file':
      return refuse(`${subject} is not a regular file (it is a device, socket or pipe).`);
    case 'empty':
      return refuse(`${subject} is empty (0 bytes), so there is no picture in it.`);
    case 'too_large':
      return refuse(
        `${subject} is ${fileSize(verdict.sizeBytes)}; APIXO takes source images of at most ${fileSize(IMAGE_MAX_BYTES)}. ` +
          'Resize or compress it (for example, save it as JPG at a lower quality) and use that file.'
      );
    case 'not_an_image':
      return refuse(notAcceptedImage(subject, describeContent(verdict.head)));
    case 'no_size':
      if (verdict.beyondHead) {
        return refuse(
          `${subject} could not be read: its width and height are not within its first ${fileSize(JPEG_HEAD_BYTES)} ` +
            `(it may carry very large metadata). ${RESAVE}`
        );
      }
      return refuse(`${subject} could not be read as a ${KIND_WORDS[verdict.kind]} image: it looks damaged or cut short. ${RESAVE}`);
  }
}

/** Checks bytes already in memory (a download, a paste); `name` is what the reasons call them. */
export function checkImageBytes(bytes: Uint8Array, name: string): ImageCheck {
  return worded(inspectImageBytes(bytes), name);
}

/** Checks a file on disk, reading only its head (at most 512 KB, for a JPEG). */
export async function checkImageFile(path: string): Promise<ImageCheck> {
  return worded(await inspectImageFile(path), basename(path) || path);
}
