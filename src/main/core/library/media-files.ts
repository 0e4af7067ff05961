/**
 * Local media for the renderer (architecture.md, "Security"): videos, images and sidecars are
 * served through the `ltx-media://<root>/<segments…>` protocol, confined to a few named folders
 * (the library, the cache), with Range support so videos seek. Never `file://`.
 *
 * Node only: never imports electron. `../../electron/media-protocol.ts` adapts it.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';

import { MEDIA_SCHEME } from '@shared/library';

export { MEDIA_SCHEME };

/** Extensions the protocol serves, with their Content-Type. Anything else is refused (403). */
export const MEDIA_TYPES: Readonly<Record<string, string>> = Object.freeze({
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.mov': 'video/quicktime',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.json': 'application/json'
});

export type MediaResolution = { ok: true; path: string } | { ok: false; status: 400 | 403 | 404; reason: string };

const refuse = (status: 400 | 403 | 404, reason: string): MediaResolution => ({ ok: false, status, reason });

/** `ltx-media://<root>/<raw path>`: the raw path is read from the string itself, see below. */
const URL_SHAPE = /^ltx-media:\/\/([^/?#\\]*)([^?#]*)/i;
/** A Windows drive (`C:`), refused on every platform; any other `:` is refused on Windows only. */
const DRIVE = /^[a-z]:/i;

function allowedExtension(path: string): boolean {
  return Object.hasOwn(MEDIA_TYPES, extname(path).toLowerCase());
}

/**
 * The path inside `roots[host]` that `url` names, or why it is refused.
 *
 * The segments are taken from the raw string, not from `new URL(url).pathname`: the WHATWG parser
 * silently resolves `..` and `%2e%2e` (and Chromium does so too before a request reaches the
 * handler), which would hide a traversal attempt instead of refusing it. Each segment is
 * percent-decoded exactly once; a segment that decodes to `.`/`..`, to something holding `/`,
 * `\`, NUL or a drive letter, or that is empty (`//`, an absolute-looking path) is refused.
 * Then both the root and the target go through `realpath`, so a symlink leading out of the root
 * is refused while one staying inside it is served.
 */
export async function resolveMediaUrl(url: string, roots: Record<string, string>): Promise<MediaResolution> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return refuse(400, 'not a URL');
  }
  const raw = URL_SHAPE.exec(url);
  if (parsed.protocol !== `${MEDIA_SCHEME}:` || !raw) return refuse(400, `not an ${MEDIA_SCHEME}:// URL`);
  const rootName = (raw[1] ?? '').toLowerCase();
  if (!rootName || !Object.hasOwn(roots, rootName)) return refuse(404, 'unknown root');
  const rawPath = raw[2] ?? '';
  if (rawPath.includes('\\')) return refuse(403, 'backslash in path');
  if (!rawPath.startsWith('/') || rawPath.length < 2) return refuse(400, 'empty path');

  const segments: string[] = [];
  for (const rawSegment of rawPath.slice(1).split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(rawSegment);
    } catch {
      return refuse(400, 'malformed percent-encoding');
    }
    if (segment === '') return refuse(403, 'empty segment (absolute-looking path)');
    if (segment === '.' || segment === '..') return refuse(403, 'dot segment');
    if (/[/\\]/.test(segment)) return refuse(403, 'encoded separator in a segment');
    if (segment.includes('\0')) return refuse(403, 'NUL in path');
    if (DRIVE.test(segment) || isAbsolute(segment)) return refuse(403, 'absolute path');
    if (process.platform === 'win32' && segment.includes(':')) return refuse(403, 'colon in path');
    segments.push(segment);
  }
  const target = join(roots[rootName]!, ...segments);
  if (!allowedExtension(target)) return refuse(403, 'file type not served');

  let realRoot: string;
  let realTarget: string;
  try {
    realRoot = await realpath(roots[rootName]!);
  } catch {
    return refuse(404, 'root folder missing');
  }
  try {
    realTarget = await realpath(target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? refuse(404, 'not found') : refuse(403, 'unreadable path');
  }
  const inside = relative(realRoot, realTarget);
  if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    return refuse(403, 'outside the root');
  }
  if (!allowedExtension(realTarget)) return refuse(403, 'file type not served');
  try {
    if (!(await stat(realTarget)).isFile()) return refuse(403, 'not a file');
  } catch {
    return refuse(404, 'not found');
  }
  return { ok: true, path: realTarget };
}

/** The URL that serves `relativePath` (with `/` or `\` separators) under the root `rootName`. */
export function mediaUrlFor(rootName: string, relativePath: string): string {
  const segments = relativePath.split(/[/\\]/).filter((s) => s !== '');
  return `${MEDIA_SCHEME}://${rootName}/${segments.map(encodeURIComponent).join('/')}`;
}

type ByteRange = { start: number; end: number };

/**
 * A `Range` header against a file of `size` bytes: one satisfiable range, `'unsatisfiable'`, or
 * `undefined` for "serve the whole file" (no header, another unit, a malformed header, or several
 * ranges: multipart/byteranges is not implemented, RFC 9110 lets a server ignore Range).
 */
export function parseRange(header: string | null, size: number): ByteRange | 'unsatisfiable' | undefined {
  const match = header ? /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header) : null;
  if (!match) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    const suffix = Number(last);
    if (!Number.isSafeInteger(suffix)) return undefined;
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? Number.MAX_SAFE_INTEGER : Number(last);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(end, size - 1) };
}

/**
 * The answer for a resolved media file: 200 with the whole file, 206 for one satisfiable range,
 * 416 (`Content-Range: bytes *\/size`) for an unsatisfiable one; several ranges get the whole file
 * (200). HEAD gets the same status and headers without a body.
 */
export async function mediaResponse(path: string, rangeHeader: string | null, method: 'GET' | 'HEAD' = 'GET'): Promise<Response> {
  const { size } = await stat(path);
  const headers: Record<string, string> = {
    'Accept-Ranges': 'bytes',
    'Content-Type': MEDIA_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    // The window draws video frames to a canvas for poster thumbnails: a CORS answer keeps it untainted.
    'Access-Control-Allow-Origin': '*'
  };
  const range = parseRange(rangeHeader, size);
  if (range === 'unsatisfiable') {
    return new Response(null, { status: 416, headers: { ...headers, 'Content-Range': `bytes */${size}` } });
  }
  const { start, end } = range ?? { start: 0, end: size - 1 };
  const length = end - start + 1;
  headers['Content-Length'] = String(length);
  if (range) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  const status = range ? 206 : 200;
  if (method === 'HEAD' || length === 0) return new Response(null, { status, headers });
  const body = Readable.toWeb(createReadStream(path, { start, end })) as ReadableStream<Uint8Array>;
  return new Response(body, { status, headers });
}
