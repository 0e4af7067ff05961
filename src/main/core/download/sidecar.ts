import { open } from 'node:fs/promises';
import { ASPECT_RATIOS, MODEL_ID, MODES, RESOLUTIONS, type AspectRatio, type Mode, type Resolution } from '@shared/model';
import { writeFileAtomic } from '../store/fs-durable';
import { unsignedRequest, unsignedUrl, withoutSignedQueries } from '@shared/image-link';
import type { VideoParent } from '@shared/batch';
import type { Sidecar, SidecarProblem } from '@shared/library';

export const SIDECAR_SCHEMA = 1;
export const SIDECAR_APP = 'LTX Batch Studio';
/** A sidecar larger than this is not read (a real one is a few KB; one with an inline data: image about 4 MB). */
export const MAX_SIDECAR_BYTES = 16 * 1024 * 1024;

export type { Sidecar, SidecarProblem, SidecarTimings } from '@shared/library';

export type SidecarRead = { sidecar: Sidecar; problem?: undefined; reason?: undefined } | { sidecar: undefined; problem: SidecarProblem; reason: string };

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isNonNegative = (v: unknown): v is number => isNumber(v) && v >= 0;
const isInteger = (v: unknown): v is number => Number.isSafeInteger(v);
const isTimestamp = (v: unknown): v is string => isString(v) && v.length <= 64 && !Number.isNaN(Date.parse(v));
/** A plain file name: no folder part, nothing that climbs out of the library. */
const isFileName = (v: unknown): v is string =>
  isString(v) && v.length > 0 && v.length <= 255 && !/[/\\]/.test(v) && !v.includes('\0') && v !== '.' && v !== '..';

function checkProbe(value: unknown): string | undefined {
  if (!isObject(value)) return 'probe is missing';
  for (const key of ['width', 'height', 'durationSec', 'fps'] as const) {
    if (!isNonNegative(value[key])) return `probe.${key} is not a number`;
  }
  if (typeof value.hasAudio !== 'boolean') return 'probe.hasAudio is not true or false';
  for (const key of ['videoCodec', 'audioCodec'] as const) {
    if (value[key] !== undefined && !isString(value[key])) return `probe.${key} is not text`;
  }
  return undefined;
}

/** The first thing wrong with an app-written sidecar, or undefined when it is whole. */
function checkFields(v: Obj): string | undefined {
  if (!isFileName(v.file)) return 'file is not a file name';
  if (v.name !== undefined && !isString(v.name)) return 'name is not text';
  if (!isString(v.prompt)) return 'prompt is not text';
  if (!MODES.includes(v.mode as Mode)) return 'mode is not one of the model’s modes';
  if (!RESOLUTIONS.includes(v.resolution as Resolution)) return 'resolution is not 480p, 720p or 1080p';
  if (!isNonNegative(v.duration)) return 'duration is not a number of seconds';
  if (v.aspectRatio !== undefined && !ASPECT_RATIOS.includes(v.aspectRatio as AspectRatio)) return 'aspectRatio is not 16:9 or 9:16';
  if (v.seed !== undefined && !isInteger(v.seed)) return 'seed is not a whole number';
  if (v.imageUrl !== undefined && !isString(v.imageUrl)) return 'imageUrl is not text';
  if (v.sourceImage !== undefined && !isFileName(v.sourceImage)) return 'sourceImage is not a file name';
  if (v.loras !== undefined) {
    if (!Array.isArray(v.loras) || !v.loras.every((l) => isObject(l) && isString(l.path) && isNumber(l.scale))) {
      return 'loras is not a list of {path, scale}';
    }
  }
  if (!isObject(v.request) || !isObject(v.request.input)) return 'request is not a request body';
  if (!isString(v.taskId) || v.taskId.length === 0) return 'taskId is missing';
  if (!isObject(v.batch) || !isString(v.batch.id) || !isString(v.batch.name)) return 'batch is not {id, name}';
  if (v.batch.colour !== undefined && !(isInteger(v.batch.colour) && v.batch.colour >= 0)) return 'batch.colour is not a colour number';
  const row = v.sourceRow;
  if (!isObject(row) || !isInteger(row.row) || !isInteger(row.take) || !isObject(row.cells)) return 'sourceRow is not {row, take, cells}';
  if (!Object.values(row.cells).every(isString)) return 'sourceRow.cells holds something other than text';
  if (!isNonNegative(v.estimateMicros)) return 'estimateMicros is not an amount';
  if (v.costMicros !== undefined && !isNonNegative(v.costMicros)) return 'costMicros is not an amount';
  if (v.simulated !== undefined && typeof v.simulated !== 'boolean') return 'simulated is not true or false';
  const t = v.timings;
  if (!isObject(t)) return 'timings is missing';
  for (const key of ['submittedAt', 'succeededAt', 'downloadedAt'] as const) {
    if (!isTimestamp(t[key])) return `timings.${key} is not a date`;
  }
  if (t.queuedAt !== undefined && !isTimestamp(t.queuedAt)) return 'timings.queuedAt is not a date';
  if (t.generationMs !== undefined && !isNumber(t.generationMs)) return 'timings.generationMs is not a number';
  const probe = checkProbe(v.probe);
  if (probe) return probe;
  if (v.favourite !== undefined && typeof v.favourite !== 'boolean') return 'favourite is not true or false';
  if (v.verdict !== undefined && v.verdict !== 'keep' && v.verdict !== 'reject') return 'verdict is not keep or reject';
  if (!isTimestamp(v.createdAt)) return 'createdAt is not a date';
  return undefined;
}

/** A usable `parent` (architecture.md, "Lineage"): its task id, its library path and a frame time. */
function isParent(v: unknown): v is VideoParent {
  return (
    isObject(v) &&
    isString(v.taskId) &&
    v.taskId.length > 0 &&
    v.taskId.length <= 256 &&
    isString(v.file) &&
    v.file.length > 0 &&
    v.file.length <= 4096 &&
    !v.file.includes('\0') &&
    isNonNegative(v.frameSec)
  );
}

/**
 * Checks parsed JSON: a `Sidecar`, or why not. Unknown extra fields are kept (a newer app may add some).
 * A zod schema giving the very same words (test/bench/sidecar-zod.ts) checks ~2.5–3.7× slower
 * (test/bench/zod-bench.ts), so these checks stay written out.
 */
export function validateSidecar(value: unknown): SidecarRead {
  if (!isObject(value)) return { sidecar: undefined, problem: 'foreign', reason: 'The JSON is not an object.' };
  if (value.app !== SIDECAR_APP) return { sidecar: undefined, problem: 'foreign', reason: `The JSON was not written by ${SIDECAR_APP}.` };
  if (value.model !== MODEL_ID) {
    return { sidecar: undefined, problem: 'foreign', reason: `The JSON describes another model (${String(value.model).slice(0, 40)}).` };
  }
  if (isInteger(value.schema) && value.schema > SIDECAR_SCHEMA) {
    return {
      sidecar: undefined,
      problem: 'newer_schema',
      reason: `The sidecar was written by a newer version of ${SIDECAR_APP} (schema ${value.schema}); update the app to read it.`
    };
  }
  if (value.schema !== SIDECAR_SCHEMA) return { sidecar: undefined, problem: 'invalid', reason: 'The sidecar has no valid schema number.' };
  const wrong = checkFields(value);
  if (wrong) return { sidecar: undefined, problem: 'invalid', reason: `The sidecar is damaged: ${wrong}.` };
  // Sweep axes only add to what the sidecar says: ones that are not text by name are left out, never a reason to refuse it.
  const row = value.sourceRow as Record<string, unknown>;
  if (row.axes !== undefined && !(isObject(row.axes) && Object.values(row.axes).every(isString))) delete row.axes;
  // Lineage is read leniently: a parent edited by hand into something unusable is left out, and the video keeps everything else.
  if (value.parent !== undefined && !isParent(value.parent)) {
    const { parent: _unusable, ...rest } = value;
    return { sidecar: rest as unknown as Sidecar };
  }
  return { sidecar: value as unknown as Sidecar };
}

/** Parses a sidecar's text. */
export function parseSidecar(text: string): SidecarRead {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { sidecar: undefined, problem: 'not_json', reason: 'The sidecar is not valid JSON (it may be cut short or edited by hand).' };
  }
  return validateSidecar(value);
}

/**
 * Reads and checks the sidecar at `path`. Never throws: a missing, unreadable, oversized,
 * broken or foreign file comes back as `{ sidecar: undefined, problem, reason }`.
 */
export async function readSidecar(path: string): Promise<SidecarRead> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { sidecar: undefined, problem: 'missing', reason: 'There is no sidecar file.' };
    return { sidecar: undefined, problem: 'unreadable', reason: `The sidecar could not be opened (${code ?? 'error'}).` };
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return { sidecar: undefined, problem: 'unreadable', reason: 'The sidecar is not a file.' };
    if (stats.size > MAX_SIDECAR_BYTES) {
      return { sidecar: undefined, problem: 'too_large', reason: `The sidecar is ${stats.size} bytes, more than a sidecar can be.` };
    }
    const buf = Buffer.alloc(stats.size);
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await handle.read(buf, got, buf.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return parseSidecar(buf.subarray(0, got).toString('utf8'));
  } catch (error) {
    return { sidecar: undefined, problem: 'unreadable', reason: `The sidecar could not be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).` };
  } finally {
    await handle.close();
  }
}

const SECRET_KEY = /^(authorization|headers|api[-_]?key|x-api-key|apikey)$/i;

/**
 * Throws if a credential-looking field is about to be written: at the top level or anywhere in
 * the request body (whose fields are the API's; a CSV column in `sourceRow.cells` may be called
 * anything, so the cells are not judged by name).
 */
function assertNoSecrets(value: unknown, depth = 0): void {
  if (depth > 16) return;
  if (Array.isArray(value)) {
    for (const item of value) assertNoSecrets(item, depth + 1);
  } else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (SECRET_KEY.test(key)) throw new Error(`Refusing to write a sidecar with a "${key}" field: credentials never go into the library.`);
      if (depth === 0 && key !== 'request') continue;
      assertNoSecrets(item, depth + 1);
    }
  }
}

/** The sidecar as written: pretty JSON, ending in a newline. */
export function formatSidecar(data: Sidecar): string {
  return `${JSON.stringify(data, null, 2)}\n`;
}

/**
 * The sidecar with every link unsigned: a signed link (a presigned bucket link carries the access
 * key ID and a signature valid for days) never goes into a file people copy and share. The image
 * is known again by its unsigned link and the copy beside the video (architecture.md, "Security").
 */
export function unsignedSidecar(data: Sidecar): Sidecar {
  const cells = Object.fromEntries(Object.entries(data.sourceRow.cells).map(([k, v]) => [k, withoutSignedQueries(v)]));
  return {
    ...data,
    ...(data.imageUrl === undefined ? {} : { imageUrl: unsignedUrl(data.imageUrl) }),
    request: unsignedRequest(data.request),
    sourceRow: { ...data.sourceRow, cells }
  };
}

/**
 * Writes a sidecar atomically (temporary file, flush, rename, folder flush). Refuses data that
 * would not read back as a valid sidecar, and anything that looks like a credential; links are
 * written unsigned.
 */
export async function writeSidecar(path: string, data: Sidecar): Promise<void> {
  const check = validateSidecar(data);
  if (!check.sidecar) throw new Error(`Not writing an invalid sidecar: ${check.reason}`);
  assertNoSecrets(data);
  await writeFileAtomic(path, formatSidecar(unsignedSidecar(data)));
}
