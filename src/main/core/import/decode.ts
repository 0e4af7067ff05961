/**
 * Bytes → text, the way spreadsheets save CSV: UTF-8 with or without a BOM, UTF-16 with a BOM
 * (Excel's "Unicode text"), or — when the bytes are not UTF-8 — Windows-1252 (Excel's plain
 * "CSV" on Windows), said in a warning. Anything that is not text is refused with a sentence.
 */

export type Decoded = { ok: true; text: string; warnings: string[] } | { ok: false; problem: string };

const SAVE_AS = 'In Excel or Numbers, export it with File › Save As (or Export) › "CSV UTF-8" and import that file.';

const NOT_TEXT = `This file does not look like a CSV text file: it contains binary data (such as NUL bytes). ${SAVE_AS}`;

const WORKBOOK = `This is a spreadsheet workbook (or another zip or binary file), not a CSV text file. ${SAVE_AS}`;

const UTF16_WITHOUT_BOM =
  'This file looks like UTF-16 text without a byte-order mark, which cannot be read reliably. ' + `Save it again as "CSV UTF-8" and import that file.`;

const LEGACY_WARNING =
  'The file is not UTF-8, so it was read as Windows-1252 (Western European). If accented letters or ' +
  'quotes look wrong, save it again as "CSV UTF-8" and import that file.';

function startsWith(bytes: Uint8Array, signature: readonly number[]): boolean {
  if (bytes.length < signature.length) return false;
  for (let i = 0; i < signature.length; i++) if (bytes[i] !== signature[i]) return false;
  return true;
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];
const UTF16LE_BOM = [0xff, 0xfe];
const UTF16BE_BOM = [0xfe, 0xff];
const ZIP = [0x50, 0x4b, 0x03, 0x04];
const OLE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf16le = new TextDecoder('utf-16le', { ignoreBOM: true });

/** Windows-1252's 0x80–0x9F, where it differs from Latin-1 (Node decodes "windows-1252" as Latin-1). */
const CP1252_HIGH =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';
const C1 = /[\x80-\x9f]/g;

function decodeWindows1252(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString('latin1')
    .replace(C1, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]);
}

function decodeUtf16be(bytes: Uint8Array): string {
  const swapped = Buffer.from(bytes.subarray(0, bytes.length & ~1));
  return utf16le.decode(swapped.swap16());
}

/** NULs in every other byte of the start: UTF-16 text that lost its BOM. */
function looksLikeUtf16(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length & ~1, 4096);
  let even = 0;
  let odd = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) even++;
    if (bytes[i + 1] === 0) odd++;
  }
  const pairs = n / 2;
  return pairs > 0 && Math.max(even, odd) > pairs * 0.4 && Math.min(even, odd) < pairs * 0.05;
}

const SAMPLE_CHARS = 65_536;

/** Text has no NULs and (nearly) no other control characters besides tab and line breaks. */
function isText(text: string): boolean {
  if (text.indexOf('\0') !== -1) return false;
  const n = Math.min(text.length, SAMPLE_CHARS);
  let controls = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 127) controls++;
  }
  return controls <= n / 100;
}

function checked(text: string, warnings: string[] = []): Decoded {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return isText(body) ? { ok: true, text: body, warnings } : { ok: false, problem: NOT_TEXT };
}

export function decodeText(input: string | Uint8Array): Decoded {
  if (typeof input === 'string') return checked(input);
  const bytes = input;
  if (startsWith(bytes, UTF16LE_BOM)) return checked(utf16le.decode(bytes.subarray(2)));
  if (startsWith(bytes, UTF16BE_BOM)) return checked(decodeUtf16be(bytes.subarray(2)));
  const body = startsWith(bytes, UTF8_BOM) ? bytes.subarray(3) : bytes;
  if (startsWith(body, ZIP) || startsWith(body, OLE)) return { ok: false, problem: WORKBOOK };
  if (body.indexOf(0) !== -1) return { ok: false, problem: looksLikeUtf16(body) ? UTF16_WITHOUT_BOM : NOT_TEXT };
  try {
    return checked(utf8.decode(body));
  } catch {
    return checked(decodeWindows1252(body), [LEGACY_WARNING]);
  }
}
