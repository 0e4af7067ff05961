/**
 * Whether a file (or a download's bytes) is a source image APIXO takes: a real JPEG, PNG or WebP
 * of at most 10 MB whose size can be read. Refusals are sentences that name the file.
 */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ImageKind } from '@shared/images';
import { MAX_IMAGE_BYTES } from '../import/local-image';
import { CONTENT_HEAD_BYTES, describeContent } from './content-kind';
import { readFileStart } from './file-head';
import { imageDimensions } from './image-size';
import { notAcceptedImage, quoted } from './image-words';
import { fileSize } from '@shared/file-size';

export type ImageCheck =
  | { ok: true; kind: ImageKind; width: number; height: number; sizeBytes: number }
  | { ok: false; reason: string };

/** A JPEG's frame header is looked for this far in; EXIF or XMP blocks rarely reach past it. */
export const JPEG_HEAD_BYTES = 512 * 1024;

const KIND_WORDS: Record<ImageKind, string> = { jpeg: 'JPEG', png: 'PNG', webp: 'WebP' };

const RESAVE = 'Open it in an image editor, save it again as JPG, PNG or WebP, and use that file.';

function refuse(reason: string): ImageCheck {
  return { ok: false, reason };
}

/** The reason a person reads when a file system call failed. */
export function fileErrorReason(name: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `${quoted(name)} was not found: it may have been moved or deleted.`;
  if (code === 'EACCES' || code === 'EPERM') return `${quoted(name)} could not be opened: this account is not allowed to read it.`;
  return `${quoted(name)} could not be read (${code ?? (error as Error).message}).`;
}

function sizeRefusal(subject: string, sizeBytes: number): string | undefined {
  if (sizeBytes === 0) return `${subject} is empty (0 bytes), so there is no picture in it.`;
  if (sizeBytes > MAX_IMAGE_BYTES) {
    return (
      `${subject} is ${fileSize(sizeBytes)}; APIXO takes source images of at most ${fileSize(MAX_IMAGE_BYTES)}. ` +
      'Resize or compress it (for example, save it as JPG at a lower quality) and use that file.'
    );
  }
  return undefined;
}

/** Checks the leading bytes of an image of `sizeBytes` bytes in all (`head` may be shorter). */
function checkHead(subject: string, head: Uint8Array, sizeBytes: number): ImageCheck {
  const kind = describeContent(head.subarray(0, CONTENT_HEAD_BYTES));
  if (kind !== 'jpeg' && kind !== 'png' && kind !== 'webp') return refuse(notAcceptedImage(subject, kind));
  const size = imageDimensions(head.subarray(0, JPEG_HEAD_BYTES), kind);
  if (size) return { ok: true, kind, ...size, sizeBytes };
  if (kind === 'jpeg' && sizeBytes > JPEG_HEAD_BYTES) {
    return refuse(
      `${subject} could not be read: its width and height are not within its first ${fileSize(JPEG_HEAD_BYTES)} ` +
        `(it may carry very large metadata). ${RESAVE}`
    );
  }
  return refuse(`${subject} could not be read as a ${KIND_WORDS[kind]} image: it looks damaged or cut short. ${RESAVE}`);
}

/** Checks bytes already in memory (a download, a paste); `name` is what the reasons call them. */
export function checkImageBytes(bytes: Uint8Array, name: string): ImageCheck {
  const subject = quoted(name);
  const tooBig = sizeRefusal(subject, bytes.length);
  return tooBig ? refuse(tooBig) : checkHead(subject, bytes, bytes.length);
}

/** Checks a file on disk, reading only its head (at most 512 KB, for a JPEG). */
export async function checkImageFile(path: string): Promise<ImageCheck> {
  const name = basename(path) || path;
  const subject = quoted(name);
  try {
    const info = await stat(path);
    if (info.isDirectory()) return refuse(`${subject} is a folder, not an image file.`);
    if (!info.isFile()) return refuse(`${subject} is not a regular file (it is a device, socket or pipe).`);
    const tooBig = sizeRefusal(subject, info.size);
    if (tooBig) return refuse(tooBig);
    const head = await readFileStart(path, CONTENT_HEAD_BYTES);
    const jpeg = describeContent(head) === 'jpeg' && info.size > head.length;
    return checkHead(subject, jpeg ? await readFileStart(path, JPEG_HEAD_BYTES) : head, info.size);
  } catch (error) {
    return refuse(fileErrorReason(name, error));
  }
}
