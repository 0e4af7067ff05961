import { once } from 'node:events';
import { open, rename, stat, truncate, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import got, { type PlainResponse } from 'got';
import { MAX_RETRY_AFTER_MS, backoffDelay, parseRetryAfter, type RetryPolicy } from '../util/retry';
import { silentLog, type Logger } from '../log/logger';
import { networkProblem } from '../util/network-error';
import { refusalIn, type NetPolicy } from '../net';
import { sleep } from '../util/sleep';
import { fsyncDir } from '../store/fs-durable';
import { diskProblem, diskProblemWords } from '../util/disk-space';
import { ChunkQueue } from './chunk-queue';
import { DownloadError } from './download-error';
import { isMp4Header } from './mp4-probe';
import { partPathFor } from './naming';

export interface DownloadOptions {
  signal?: AbortSignal;
  /** Longest one attempt may take, from request to last byte (real ms). Default 10 minutes. */
  timeoutMs?: number;
  /** No byte (nor answer) for this long aborts the attempt, which is then retried (real ms). Default 30 s. */
  stallTimeoutMs?: number;
  /**
   * Attempts in a row that may fail without adding a byte to the file (default 6). An attempt
   * that adds bytes before failing starts the count again, so a flaky link that keeps making
   * progress finishes the file.
   */
  attempts?: number;
  /** Multiplies every backoff wait (tests run the real schedule faster). Default 1. */
  timeScale?: number;
  random?: () => number;
  /** Bytes in the file so far (resumed bytes included), and the whole size when the server said it. */
  onProgress?: (received: number, total: number | undefined) => void;
  /**
   * Told of each attempt that failed in a way worth retrying, before the wait: what kind of
   * trouble it was (`timeout`: no data for the stall timeout; `server`: 5xx, 429 or 408;
   * `reset`: the connection broke or the body ended short; `other`). The download pool sizes
   * itself from these (pool-controller.ts).
   */
  onRetry?: (trouble: AttemptTrouble) => void;
  /** One line per download and retry, for the log. */
  log?: Logger;
  /**
   * Where the video may come from (architecture.md, "Security"): the link, every redirect and
   * every name looked up are checked, and a refusal (`UrlRefusal`) ends the download at once.
   * The app always passes one; without it nothing is checked.
   */
  policy?: NetPolicy;
  /**
   * The most bytes the video may have (from its request: `maxVideoBytes`). A larger announced
   * size is refused before any byte is written; a body that grows past it is cut off. Either way
   * the `.part` is removed and the error is `too_large`. Default: no cap.
   */
  maxBytes?: number;
  /** The video in a few words for a `too_large` message, e.g. "5 s 480p video". */
  videoLabel?: string;
}

export type AttemptTrouble = 'timeout' | 'server' | 'reset' | 'other';

export interface DownloadResult {
  /** Size of the finished file. */
  bytes: number;
  /** Whether the file was finished from bytes of an earlier attempt or run (a `Range` request was honoured). */
  resumed: boolean;
  /** Requests made (0 when the file was already there). */
  attempts: number;
  /** The target was already a whole MP4 (a finished download whose completion was not recorded): nothing was fetched. */
  alreadyPresent: boolean;
}

/** Backoff between download attempts (the count comes from `DownloadOptions.attempts`). */
export const DOWNLOAD_BACKOFF: Omit<RetryPolicy, 'attempts'> = { baseDelayMs: 500, maxDelayMs: 30_000 };
export const DEFAULT_DOWNLOAD_ATTEMPTS = 6;
export const DEFAULT_STALL_TIMEOUT_MS = 30_000;
export const DEFAULT_DOWNLOAD_TIMEOUT_MS = 10 * 60_000;
/** Attempts in all, whatever progress they make: a hard bound. */
const MAX_TOTAL_ATTEMPTS = 200;

const EXPIRED_STATUSES = new Set([401, 403, 404, 410]);
/** Redirects followed from the result URL to the file. */
const MAX_REDIRECTS = 5;

/** Targets being downloaded in this process: two downloads into one `.part` would corrupt it. */
const active = new Set<string>();

/** Why one attempt failed in a way worth retrying. */
class RetryableFailure extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
    /** The next attempt must start from byte 0. */
    readonly restart = false,
    readonly trouble: AttemptTrouble = status !== undefined && (status >= 500 || status === 429 || status === 408 || status === 425)
      ? 'server'
      : restart
        ? 'other'
        : 'reset'
  ) {
    super(message);
  }
}

/** What kind of trouble a failed attempt was (DownloadOptions.onRetry). */
function troubleOf(error: unknown): AttemptTrouble {
  if (error instanceof RetryableFailure) return error.trouble;
  return networkProblem(error).fault === 'timeout' ? 'timeout' : 'reset';
}

function header(res: PlainResponse, name: string): string | undefined {
  const value = res.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `Content-Range: bytes a-b/total` → its numbers (total undefined for `*`). */
function parseContentRange(value: string | undefined): { start: number; end: number; total?: number } | undefined {
  const m = value && /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(value);
  if (!m) return undefined;
  const range = { start: Number(m[1]), end: Number(m[2]), total: m[3] === '*' ? undefined : Number(m[3]) };
  return range.end >= range.start && (range.total === undefined || range.end < range.total) ? range : undefined;
}

function parseLength(value: string | undefined): number | undefined {
  return value !== undefined && /^\s*\d{1,15}\s*$/.test(value) ? Number(value) : undefined;
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function readHead(path: string, length = 12): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buf, 0, length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function expiredError(status: number, attempts: number): DownloadError {
  return new DownloadError(
    'expired',
    `The download link has expired (APIXO keeps results for a limited time), so this video can no longer be downloaded (HTTP ${status}).`,
    { status, attempts }
  );
}

function notVideoError(what: string, attempts: number, status?: number): DownloadError {
  return new DownloadError('not_video', `The download link gave ${what} instead of an MP4 video.`, { status, attempts });
}

/** A file operation on the library disk failed for a reason of the disk's own (full, read-only, gone). */
class DiskFailure extends Error {
  constructor(readonly original: unknown) {
    super((original as Error).message);
  }
}

/** Runs a file operation; a disk problem comes out as a `DiskFailure`, anything else as it was. */
async function onDisk<T>(operation: Promise<T>): Promise<T> {
  try {
    return await operation;
  } catch (error) {
    throw diskProblem(error) ? new DiskFailure(error) : error;
  }
}

function diskError(error: DiskFailure, folder: string, attempts: number): DownloadError {
  const problem = diskProblem(error.original)!;
  return new DownloadError('disk', diskProblemWords(problem, folder), { attempts, cause: error.original, disk: problem });
}

function megabytes(bytes: number): string {
  return `${Math.ceil(bytes / (1024 * 1024))} MB`;
}

function tooLargeError(what: { announced?: number; max: number; label: string }, attempts: number, status?: number): DownloadError {
  const message =
    what.announced === undefined
      ? `The server sent more than any ${what.label} could be (over ${megabytes(what.max)}), so the download was stopped and its partial file removed.`
      : `The server announced ${megabytes(what.announced)}, more than any ${what.label} could be (at most ${megabytes(what.max)}), so nothing was downloaded.`;
  return new DownloadError('too_large', message, { status, attempts });
}

/**
 * A request failure that trying the same link again cannot mend: a protocol other than http(s)
 * (got: ERR_UNSUPPORTED_PROTOCOL, also for a redirect to one) or a redirect loop
 * (got: ERR_TOO_MANY_REDIRECTS). A DownloadError thrown inside got (by a hook) comes out as itself.
 */
function permanentRequestError(error: unknown, attempts: number): DownloadError | undefined {
  for (let e = error as { code?: unknown; cause?: unknown; message?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (e instanceof DownloadError) return e;
    if (e.code === 'ERR_UNSUPPORTED_PROTOCOL') {
      const protocol = /protocol:\s*(\S+)/i.exec(String(e.message))?.[1] ?? 'a protocol';
      return new DownloadError('bad_link', `The download link uses ${protocol}, which the app does not download from (only http and https links).`, {
        attempts,
        cause: error
      });
    }
    if (e.code === 'ERR_TOO_MANY_REDIRECTS') {
      return new DownloadError('bad_link', `The download link redirected more than ${MAX_REDIRECTS} times without reaching the file.`, {
        attempts,
        cause: error,
        guidance:
          'The server holding the file sends the link round in a loop: retry the download later, and if it keeps happening, contact APIXO support with the task ID.'
      });
    }
  }
  return undefined;
}

function refusedError(status: number, attempts: number): DownloadError {
  return new DownloadError('bad_link', `The server refused the download (HTTP ${status}).`, { status, attempts });
}

function describe(error: unknown): string {
  // A failure of ours, thrown here or through the stream (which got wraps): already in words.
  const own = error instanceof RetryableFailure ? error : (error as { cause?: unknown } | undefined)?.cause;
  if (own instanceof RetryableFailure) return own.message;
  return networkProblem(error).words;
}

interface AttemptContext {
  url: string;
  part: string;
  /** Bytes already in the `.part`; 0 to start over. */
  offset: number;
  /** The whole size, as an answer in this run announced it (set here when one does). */
  known: { total?: number };
  signal?: AbortSignal;
  timeoutMs: number;
  stallTimeoutMs: number;
  attempt: number;
  onProgress?: (received: number, total: number | undefined) => void;
  policy?: NetPolicy;
  maxBytes: number;
  videoLabel: string;
}

interface AttemptResult {
  /** Bytes in the `.part` now. */
  size: number;
  total?: number;
  /** The answer continued the earlier bytes (206). */
  continued: boolean;
}

/** One request, streamed into the `.part`. Throws `DownloadError` (final), `RetryableFailure`, or anything else (retried). */
async function attemptOnce(ctx: AttemptContext): Promise<AttemptResult> {
  const controller = new AbortController();
  const onParentAbort = (): void => controller.abort(ctx.signal?.reason);
  ctx.signal?.addEventListener('abort', onParentAbort, { once: true });
  let stalled = false;
  let watchdog: NodeJS.Timeout | undefined;
  const stream = got.stream(ctx.url, {
    headers: {
      accept: 'video/mp4, */*;q=0.5',
      'accept-encoding': 'identity',
      'user-agent': 'LTX-Batch-Studio/0.1',
      ...(ctx.offset > 0 ? { range: `bytes=${ctx.offset}-` } : {})
    },
    decompress: false,
    throwHttpErrors: false,
    followRedirect: true,
    maxRedirects: MAX_REDIRECTS,
    retry: { limit: 0 },
    timeout: { request: ctx.timeoutMs },
    signal: controller.signal,
    ...ctx.policy?.gotOptions(ctx.url)
  });
  const arm = (): void => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => {
      stalled = true;
      stream.destroy(new Error(`no data for ${ctx.stallTimeoutMs} ms`));
    }, ctx.stallTimeoutMs);
  };
  // Attached at once: bytes that come before an error are kept, and no error goes uncaught.
  const body = new ChunkQueue(stream, arm);
  let handle: FileHandle | undefined;
  try {
    arm();
    const [res] = (await once(stream, 'response')) as [PlainResponse];
    const status = res.statusCode;
    if (EXPIRED_STATUSES.has(status)) throw expiredError(status, ctx.attempt);
    if (status === 408 || status === 425 || status === 429 || (status >= 500 && status <= 599)) {
      throw new RetryableFailure(`the server answered HTTP ${status}`, status, parseRetryAfter(header(res, 'retry-after')));
    }
    if (status === 416) {
      // The `.part` is as long as the file or longer: finished already, or from another file.
      const total = parseLength(/\/(\d+)\s*$/.exec(header(res, 'content-range') ?? '')?.[1]);
      stream.destroy();
      if (total !== undefined && total === ctx.offset) return { size: ctx.offset, total, continued: true };
      throw new RetryableFailure('the partial download does not fit the file on the server', status, undefined, true);
    }
    if (status >= 400 && status <= 499) throw refusedError(status, ctx.attempt);
    if (status !== 200 && status !== 206) {
      throw notVideoError(`an unexpected answer (HTTP ${status})`, ctx.attempt, status);
    }

    let start = 0;
    let total: number | undefined;
    if (status === 206) {
      const range = parseContentRange(header(res, 'content-range'));
      if (!range || range.start !== ctx.offset || ctx.offset === 0) {
        throw new RetryableFailure('the server sent a different part of the file than asked for', status, undefined, true);
      }
      start = range.start;
      total = range.total;
    } else {
      total = parseLength(header(res, 'content-length'));
    }
    if (total !== undefined && ctx.known.total !== undefined && total !== ctx.known.total && start > 0) {
      throw new RetryableFailure('the file on the server changed size since the download began', status, undefined, true);
    }
    if (total !== undefined && total > ctx.maxBytes) throw tooLargeError({ announced: total, max: ctx.maxBytes, label: ctx.videoLabel }, ctx.attempt, status);
    if (total !== undefined) ctx.known.total = total;

    if (start === 0) {
      handle = await onDisk(open(ctx.part, 'w'));
    } else {
      handle = await onDisk(open(ctx.part, 'r+'));
      await onDisk(handle.truncate(start));
    }
    let position = start;
    let head = Buffer.alloc(0);
    ctx.onProgress?.(position, total);
    for (let chunk = await body.next(); chunk; chunk = await body.next()) {
      arm();
      if (position === 0 || (head.length > 0 && head.length < 8)) {
        head = Buffer.concat([head, chunk]);
        if (head.length >= 8 && !isMp4Header(head)) {
          const type = header(res, 'content-type')?.split(';')[0].trim();
          throw notVideoError(type ? `a ${type} document` : 'something else', ctx.attempt, status);
        }
      }
      if (total !== undefined && position + chunk.length > total) {
        throw new RetryableFailure('the server sent more bytes than it announced', status, undefined, true);
      }
      if (position + chunk.length > ctx.maxBytes) throw tooLargeError({ max: ctx.maxBytes, label: ctx.videoLabel }, ctx.attempt, status);
      let written = 0;
      while (written < chunk.length) {
        const { bytesWritten } = await onDisk(handle.write(chunk, written, chunk.length - written, position + written));
        written += bytesWritten;
      }
      position += chunk.length;
      ctx.onProgress?.(position, total);
    }
    if (stalled) throw new Error('stalled');
    clearTimeout(watchdog);
    await onDisk(handle.sync());
    if (total !== undefined && position < total) {
      throw new RetryableFailure(`the transfer ended after ${position} of ${total} bytes`, status);
    }
    return { size: position, total, continued: start > 0 };
  } catch (error) {
    if (stalled) throw new RetryableFailure(`no data arrived for ${ctx.stallTimeoutMs} ms`, undefined, undefined, false, 'timeout');
    throw error;
  } finally {
    clearTimeout(watchdog);
    ctx.signal?.removeEventListener('abort', onParentAbort);
    if (!stream.destroyed) stream.destroy();
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Downloads a result video to `targetPath`, whole or not at all: the bytes stream into
 * `<targetPath>.part` beside it; after an interruption (in this call, or a `.part` left by an
 * earlier run) the download resumes with `Range`; transient failures (network, reset, cut-short
 * body, stall, 5xx, 429) are retried with capped exponential backoff and full jitter; the
 * finished file must have the announced length and start with an `ftyp` box; it is flushed,
 * renamed to `targetPath`, and the folder flushed. Failures are `DownloadError`s. A permanent
 * one (`expired`, `not_video`, `too_large`, `bad_link`) comes at once, with no retry, and the
 * `.part` is deleted; on `disk`, `transient` and `aborted` it is kept to resume. With `maxBytes`,
 * no `.part` ever holds more than the cap.
 *
 * If `targetPath` already exists (a finished download whose completion was not recorded) and
 * starts like an MP4, nothing is fetched and `alreadyPresent` is true.
 */
export async function downloadVideo(url: string, targetPath: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  options.policy?.check(url);
  const key = resolve(targetPath);
  if (active.has(key)) throw new Error(`${targetPath} is already being downloaded.`);
  active.add(key);
  try {
    return await download(url, targetPath, options);
  } finally {
    active.delete(key);
  }
}

async function download(url: string, targetPath: string, options: DownloadOptions): Promise<DownloadResult> {
  const part = partPathFor(targetPath);
  const maxFailures = Math.max(1, options.attempts ?? DEFAULT_DOWNLOAD_ATTEMPTS);
  const timeScale = options.timeScale ?? 1;
  const random = options.random ?? Math.random;
  const log = options.log ?? silentLog;
  const { signal } = options;
  const aborted = (attempts: number): DownloadError =>
    new DownloadError('aborted', 'The download was stopped before it finished; it can resume later.', { attempts, cause: signal?.reason });

  const folder = dirname(targetPath);
  const maxBytes = options.maxBytes ?? Number.MAX_SAFE_INTEGER;
  let offset: number;
  try {
    const existing = await onDisk(sizeOf(targetPath));
    if (existing !== undefined) {
      if (existing > 0 && isMp4Header(await onDisk(readHead(targetPath)))) {
        await unlink(part).catch(() => undefined);
        return { bytes: existing, resumed: false, attempts: 0, alreadyPresent: true };
      }
      throw new Error(`${targetPath} already exists and is not a video: refusing to overwrite it.`);
    }
    // A `.part` from an earlier run is resumed, unless its first bytes show it is not an MP4, or
    // it is already past the cap (it can only end as too large).
    offset = (await onDisk(sizeOf(part))) ?? 0;
    if ((offset >= 8 && !isMp4Header(await onDisk(readHead(part)))) || offset > maxBytes) {
      await onDisk(truncate(part, 0));
      offset = 0;
    }
  } catch (error) {
    if (error instanceof DiskFailure) throw diskError(error, folder, 0);
    throw error;
  }
  const known: { total?: number } = {};
  let resumed = false;
  let failures = 0;
  let attempts = 0;
  let lastProblem = '';
  let lastStatus: number | undefined;

  const discard = async (): Promise<void> => {
    await unlink(part).catch(() => undefined);
  };

  for (let attempt = 1; attempt <= MAX_TOTAL_ATTEMPTS; attempt++) {
    if (signal?.aborted) throw aborted(attempt - 1);
    const before = offset;
    try {
      const result = await attemptOnce({
        url,
        part,
        offset,
        known,
        signal,
        timeoutMs: options.timeoutMs ?? DEFAULT_DOWNLOAD_TIMEOUT_MS,
        stallTimeoutMs: options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS,
        attempt,
        onProgress: options.onProgress,
        policy: options.policy,
        maxBytes,
        videoLabel: options.videoLabel ?? 'video of this length and resolution'
      });
      if (result.continued && before > 0) resumed = true;
      const size = (await onDisk(sizeOf(part))) ?? 0;
      const total = result.total ?? result.size;
      if (size !== total) throw new RetryableFailure(`the file has ${size} bytes, not the ${total} announced`, undefined, undefined, true);
      if (!isMp4Header(await onDisk(readHead(part)))) throw notVideoError('something else', attempt);
      await onDisk(rename(part, targetPath));
      await onDisk(fsyncDir(folder));
      log.info(`downloaded ${size} bytes in ${attempt} attempt(s)${resumed ? ', resumed' : ''}`, { file: targetPath });
      return { bytes: size, resumed, attempts: attempt, alreadyPresent: false };
    } catch (error) {
      if (signal?.aborted) throw aborted(attempt);
      const refused = refusalIn(error);
      if (refused) throw refused;
      if (error instanceof DiskFailure) {
        // The bytes written so far are whole (each write lands at its own offset): they stay
        // in the `.part`, never past the cap, to resume with Range once there is room.
        log.warn(`the library disk refused the download (${diskProblem(error.original)}); ${(await sizeOf(part).catch(() => undefined)) ?? 0} bytes kept`, {
          file: targetPath
        });
        throw diskError(error, folder, attempt);
      }
      const permanent = error instanceof DownloadError ? error : permanentRequestError(error, attempt);
      if (permanent) {
        if (permanent.permanent) await discard();
        throw permanent;
      }
      const restart = error instanceof RetryableFailure && error.restart;
      const retryAfterMs = error instanceof RetryableFailure ? error.retryAfterMs : undefined;
      lastStatus = error instanceof RetryableFailure ? error.status : undefined;
      lastProblem = describe(error);
      options.onRetry?.(troubleOf(error));
      offset = restart ? 0 : ((await sizeOf(part).catch(() => undefined)) ?? 0);
      if (restart) {
        known.total = undefined;
        await truncate(part, 0).catch(() => undefined);
      }
      attempts = attempt;
      failures = offset > before ? 0 : failures + 1;
      if (failures >= maxFailures) break;
      const serverWait = retryAfterMs !== undefined ? Math.min(retryAfterMs, MAX_RETRY_AFTER_MS) : undefined;
      const wait = (serverWait ?? backoffDelay(failures, { attempts: maxFailures, ...DOWNLOAD_BACKOFF }, random)) * timeScale;
      log.info(`attempt ${attempt} failed (${lastProblem}); ${offset} bytes kept; retry in ${Math.round(wait)} ms`, { file: targetPath, status: lastStatus });
      try {
        await sleep(wait, signal);
      } catch {
        throw aborted(attempt);
      }
    }
  }
  throw new DownloadError(
    'transient',
    `The video could not be downloaded after ${attempts} attempts (last: ${lastProblem}). What was downloaded is kept, and the next try resumes from it.`,
    { status: lastStatus, attempts }
  );
}
