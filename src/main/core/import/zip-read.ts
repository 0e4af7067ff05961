import { Inflate } from 'fflate';

/**
 * A small, capped reader of the zip container that XLSX and ODS files are (docs/architecture.md,
 * "Doors and use cases"). It reads the central directory itself and inflates one entry at a time through
 * fflate's streaming `Inflate`, counting what comes out: the caps hold WHILE inflating, whatever
 * sizes the file declares, so a zip bomb stops after at most one chunk past the cap.
 */

/** The most one workbook may inflate to, in total and per compressed byte. */
export const MAX_UNZIPPED_BYTES = 200 * 1024 * 1024;
export const MAX_RATIO = 500;
/** Below this much output the ratio is not judged (tiny files compress oddly). */
const RATIO_FLOOR = 16 * 1024 * 1024;
const CHUNK = 16 * 1024;

export class ZipProblem extends Error {
  constructor(
    readonly kind: 'corrupt' | 'bomb',
    message: string
  ) {
    super(message);
  }
}

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  localOffset: number;
}

export interface ZipBudget {
  /** Bytes inflated so far, over every entry of the file. */
  inflated: number;
  maxBytes: number;
  maxRatio: number;
}

export function newBudget(maxBytes = MAX_UNZIPPED_BYTES, maxRatio = MAX_RATIO): ZipBudget {
  return { inflated: 0, maxBytes, maxRatio };
}

const corrupt = (why: string): ZipProblem => new ZipProblem('corrupt', why);

/** The entries of a zip, by name, from its central directory. Throws `ZipProblem` if there is none. */
export function zipEntries(bytes: Uint8Array): Map<string, ZipEntry> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 65_535); at--) {
    if (view.getUint32(at, true) === 0x06054b50) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw corrupt('its zip directory is missing (the file is cut short or is not a workbook)');
  const count = view.getUint16(eocd + 10, true);
  let at = view.getUint32(eocd + 16, true);
  const names = new TextDecoder();
  const entries = new Map<string, ZipEntry>();
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== 0x02014b50) throw corrupt('its zip directory is damaged');
    const method = view.getUint16(at + 10, true);
    const compressedSize = view.getUint32(at + 20, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const localOffset = view.getUint32(at + 42, true);
    const name = names.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    entries.set(name, { name, method, compressedSize, localOffset });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/**
 * Inflates one entry, handing its bytes to `sink` chunk by chunk. Throws `ZipProblem('bomb')` as
 * soon as the budget's total or ratio is passed, `ZipProblem('corrupt')` for a damaged entry.
 */
export function inflateEntry(bytes: Uint8Array, entry: ZipEntry, budget: ZipBudget, sink: (chunk: Uint8Array) => void): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localOffset;
  if (at + 30 > bytes.length || view.getUint32(at, true) !== 0x04034b50) throw corrupt(`its part ${entry.name} is damaged`);
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  const end = start + entry.compressedSize;
  if (end > bytes.length) throw corrupt(`its part ${entry.name} is cut short`);
  const data = bytes.subarray(start, end);
  let consumed = 0;
  let produced = 0;
  let sinkFailure: unknown;
  const take = (chunk: Uint8Array): void => {
    budget.inflated += chunk.length;
    produced += chunk.length;
    if (budget.inflated > budget.maxBytes) {
      throw new ZipProblem('bomb', `it unpacks to more than ${Math.round(budget.maxBytes / 1024 / 1024)} MB`);
    }
    // The ratio is the entry's own: what it has produced so far over what it has consumed.
    if (produced > RATIO_FLOOR && produced / Math.max(consumed, 1) > budget.maxRatio) {
      throw new ZipProblem('bomb', `it unpacks to more than ${budget.maxRatio} times its size`);
    }
    try {
      sink(chunk);
    } catch (error) {
      sinkFailure = error;
      throw error;
    }
  };
  if (entry.method === 0) {
    for (let off = 0; off < data.length; off += CHUNK) {
      consumed += Math.min(CHUNK, data.length - off);
      take(data.subarray(off, off + CHUNK));
    }
    return;
  }
  if (entry.method !== 8) throw corrupt(`its part ${entry.name} is packed in a way workbooks do not use`);
  const inflate = new Inflate((chunk) => take(chunk));
  try {
    for (let off = 0; off < data.length; off += CHUNK) {
      consumed += Math.min(CHUNK, data.length - off);
      inflate.push(data.subarray(off, off + CHUNK), off + CHUNK >= data.length);
    }
    if (data.length === 0) inflate.push(new Uint8Array(0), true);
  } catch (error) {
    if (error instanceof ZipProblem || error === sinkFailure) throw error;
    throw corrupt(`its part ${entry.name} is damaged (${(error as Error).message})`);
  }
}

/** One entry inflated whole, as text (for the small parts: workbook, relationships, styles). */
export function entryText(bytes: Uint8Array, entry: ZipEntry, budget: ZipBudget): string {
  const decoder = new TextDecoder();
  let text = '';
  inflateEntry(bytes, entry, budget, (chunk) => (text += decoder.decode(chunk, { stream: true })));
  return text + decoder.decode();
}
