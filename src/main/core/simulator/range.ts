/** A byte range of a file, both ends inclusive. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Reads a `Range` header for a file of `size` bytes (RFC 9110 §14):
 * - `undefined`: no usable range, serve the whole file (absent, malformed, not `bytes`, or
 *   several ranges; a server may ignore a Range it does not support);
 * - `'unsatisfiable'`: answer 416;
 * - otherwise the one range to serve, its end clamped to the file.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    // `-n`: the last n bytes.
    const n = Number(m[2]);
    if (n === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? Infinity : Number(m[2]);
  if (end < start) return undefined; // `a-b` with b < a is syntactically invalid: ignored, per the RFC
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(end, size - 1) };
}
