/**
 * What a file or download really is, from its first bytes (never its name): one of the three
 * image kinds APIXO takes, or a few words for a message ("a video", "an HTML page"…).
 */
import type { ImageKind } from '@shared/images';
import { hasAscii } from '../util/bytes';

/** What the first 16 bytes say a file is: one of the three kinds, or a few words for a message. */
export function sniffImage(head: Uint8Array): ImageKind | string {
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

/** Bytes worth reading to tell what something is (HTML may start after a long comment or BOM). */
export const CONTENT_HEAD_BYTES = 1024;

const HEIF_BRANDS = ['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1'];

/** An ISO media file (`····ftyp`): its major brand says photo or video. */
function describeIsoMedia(head: Uint8Array): string {
  const brand = String.fromCharCode(...head.subarray(8, 12));
  if (HEIF_BRANDS.includes(brand)) return 'a HEIC image';
  if (brand === 'avif' || brand === 'avis') return 'an AVIF image';
  if (brand === 'M4A ' || brand === 'M4B ') return 'an audio file';
  return 'a video';
}

/** Text, judged by how it starts: a web page, JSON, SVG or plain text. */
function describeText(head: Uint8Array): string {
  const text = new TextDecoder('utf-8')
    .decode(head)
    .replace(/^\uFEFF/, '')
    .trimStart()
    .toLowerCase();
  if (text.startsWith('<!doctype html') || text.startsWith('<html') || /<(head|body|title)[\s>]/.test(text)) {
    return 'an HTML page';
  }
  if (text.includes('<svg')) return 'an SVG drawing';
  if (text.startsWith('<?xml')) return 'an XML document';
  if (text.startsWith('{') || text.startsWith('[')) return 'JSON data';
  return 'a text file';
}

/** Kinds sniffImage does not know, by their signatures. */
function describeOther(head: Uint8Array): string | undefined {
  if (hasAscii(head, 0, 'PK\x03\x04')) return 'a ZIP archive';
  if (hasAscii(head, 0, 'Rar!')) return 'a RAR archive';
  if (hasAscii(head, 0, '7z\xbc\xaf\x27\x1c')) return 'a 7-Zip archive';
  if (head[0] === 0x1f && head[1] === 0x8b) return 'a gzip archive';
  if (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return 'a video';
  if (hasAscii(head, 0, 'RIFF') && hasAscii(head, 8, 'AVI ')) return 'a video';
  if (hasAscii(head, 0, 'RIFF') && hasAscii(head, 8, 'WAVE')) return 'an audio file';
  if (hasAscii(head, 0, 'ID3') || hasAscii(head, 0, 'fLaC') || hasAscii(head, 0, 'OggS')) return 'an audio file';
  if (hasAscii(head, 0, '8BPS')) return 'a Photoshop document';
  if (head[0] === 0x00 && head[1] === 0x00 && head[2] === 0x01 && head[3] === 0x00) return 'an icon file';
  if (hasAscii(head, 0, '\xd0\xcf\x11\xe0')) return 'an Office document';
  return undefined;
}

/** `jpeg`, `png` or `webp` when the bytes are one of those; otherwise what they are, in a few words. */
export function describeContent(head: Uint8Array): ImageKind | string {
  if (head.length === 0) return 'empty';
  const sniffed = sniffImage(head.subarray(0, 16));
  if (sniffed === 'jpeg' || sniffed === 'png' || sniffed === 'webp') return sniffed;
  if (sniffed === 'a video or HEIC file') return describeIsoMedia(head);
  if (sniffed === 'text' || sniffed === 'in an unknown format') {
    if (looksLikeText(head)) return describeText(head);
    return describeOther(head) ?? 'in an unknown format';
  }
  return sniffed;
}

/** Whether `words` names a picture format (so "not an image" would be wrong). */
export function isImageWords(words: string): boolean {
  return words.endsWith(' image');
}

/** Text as spreadsheets save it: a UTF-16 BOM, or no NULs and hardly any control characters. */
export function looksLikeText(head: Uint8Array): boolean {
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) return true;
  if (head.length === 0) return false;
  let controls = 0;
  for (const b of head) {
    if (b === 0) return false;
    if ((b < 32 && b !== 9 && b !== 10 && b !== 12 && b !== 13) || b === 127) controls++;
  }
  return controls <= head.length / 100;
}
