import { copyFile, mkdir, readdir, stat } from 'node:fs/promises';
import type { Logger } from '../log/logger';
import { taskFields } from '../log/task-fields';
import { basename, extname, join } from 'node:path';
import type { BatchRecord, TaskRecord } from '@shared/batch';
import { unsignedRequest, unsignedUrl } from '@shared/image-link';
import { MODEL_ID } from '@shared/model';
import type { TaskState } from '@shared/task-state';
import { backoffDelay } from '../util/retry';
import { diskProblem, diskProblemWords, freeBytes, type DiskProblem } from '../util/disk-space';
import { DOWNLOAD_GUIDANCE, DownloadError, PERMANENT_DOWNLOAD_KINDS, type DownloadErrorKind } from '../download/download-error';
import { downloadVideo, type AttemptTrouble } from '../download/downloader';
import { expectedVideoBytes, maxVideoBytes } from '../download/video-size';
import { refusalIn, type NetPolicy } from '../net';
import { probeMp4, type VideoProbe } from '../download/mp4-probe';
import { readRecipe, recipeOf, writeRecipe, type VideoRecipe } from '../download/mp4-recipe';
import { PART_SUFFIX, SOURCE_IMAGE_INFIX, partPathFor, reserveUniquePath, sidecarPathFor, videoBaseName } from '../download/naming';
import { removeIfPresent } from '../store/fs-durable';
import { isJournalError } from '../store/journal';
import { SIDECAR_APP, SIDECAR_SCHEMA, writeSidecar, type Sidecar } from '../download/sidecar';
import type { Clock, Timer } from '../util/clock';
import type { TaskPatch } from './queue-state';
import { linkExpiresAt } from '../download/link-expiry';
import { PoolController, type PoolDecision, type PoolLimits } from '../download/pool-controller';

export interface DownloadStageOptions {
  /** A fixed pool of this many downloads at once; without it the pool sizes itself (pool-controller.ts). */
  concurrency?: number;
  /** The self-sizing pool's limits (default DEFAULT_POOL_LIMITS: from 3, up to 32). */
  pool?: Partial<PoolLimits>;
  stallTimeoutMs?: number;
  timeScale: number;
  random: () => number;
  task: (id: string) => TaskRecord | undefined;
  batch: (id: string) => BatchRecord | undefined;
  /**
   * The engine's one way to change a task; returns the task as it is now. It may throw (the
   * journal could not be written): the stage then stops handling that task, and the engine tells
   * the person.
   */
  change: (task: TaskRecord, state?: TaskState, patch?: TaskPatch, options?: { durable?: boolean; unset?: (keyof TaskPatch)[] }) => TaskRecord;
  /** Told of each video written whole, before its task is done. */
  landed: (video: LandedVideo) => void;
  /** A download ended (landed, failed or stopped): a slot is free and one fewer result waits. */
  freed?: () => void;
  /**
   * Resolves true once every change so far is on disk (group commit); false when the sync failed:
   * the engine holds, says why, and runs this task's download again once the journal writes.
   */
  synced?: (id: string) => Promise<boolean>;
  /**
   * Told each time a download finds the disk of a library folder full (or read-only, or gone):
   * the engine holds submits, since every new video would wait for room too.
   */
  onDiskFull?: (folder: string) => void;
  /**
   * Asks APIXO for the task's result link again (undefined when it has none now). A link that
   * stopped working (expired, or its server gone, as a restarted simulator on another port) is
   * tried once more with a fresh one before the download is called failed.
   */
  freshLink?: (task: TaskRecord) => Promise<string | undefined>;
  clock: Clock;
  log: Logger;
  /** Where result videos may come from (architecture.md, "Security"). */
  policy: NetPolicy;
}

/**
 * "Video landed" (architecture.md, "Downloads"): a video written whole into a library folder,
 * with the sidecar written beside it, so that the library can list it without reading either back.
 */
export interface LandedVideo {
  taskId: string;
  batchId: string;
  /** The video's absolute path. */
  path: string;
  /** The sidecar as written beside the video. */
  sidecar: Sidecar;
  /** What the video's header said, when it could be read. */
  probe?: VideoProbe;
}

const REFUSED_LINK_GUIDANCE = 'If APIXO keeps answering with such links, contact APIXO support with the task ID.';

/** Rounds of downloading (each with the downloader's own retries) before a person is asked. */
const DOWNLOAD_ROUNDS = 3;
const ROUND_BACKOFF = { attempts: DOWNLOAD_ROUNDS, baseDelayMs: 30_000, maxDelayMs: 300_000 };
/** How often a folder whose disk was full is checked for room (× timeScale). */
export const ROOM_CHECK_MS = 30_000;
/** A window of the self-sizing pool (× timeScale), and the shortest one in real ms (shorter ones are mostly noise). */
export const POOL_WINDOW_MS = 2_000;
const MIN_POOL_WINDOW_MS = 1_000;
/** Growth of free space since the last failure that lets the oldest waiting download try alone. */
const PROBE_GROWTH_BYTES = 256 * 1024;

/** Why a download failed, as `TaskRecord.downloadFailure` keeps it. */
type FailureKind = DownloadErrorKind | 'other';

/**
 * Whether a task whose download failed is downloaded again when the queue opens: yes unless the
 * failure was permanent (too large, not a video, a link that cannot work). A failure an older
 * build recorded without a kind is tried once more; it then records its kind.
 */
export function shouldRetryOnStart(task: TaskRecord): boolean {
  if (task.state !== 'download_failed' || !task.resultUrl) return false;
  return !PERMANENT_DOWNLOAD_KINDS.has(task.downloadFailure as DownloadErrorKind);
}

/** A call to `change` threw: the task's state cannot be recorded, so nothing more is done with it. */
class ChangeFailed extends Error {
  constructor(readonly original: unknown) {
    super((original as Error)?.message ?? String(original));
  }
}

interface RoomWait {
  folder: string;
  problem: DiskProblem;
}

/**
 * The download stage: its own small pool, separate from the submit limit. Each finished video
 * lands in the batch's library folder whole, with its sidecar, and only then is the task done.
 * A full library disk is not a failure: the task waits for room (architecture.md, "Downloads").
 */
export class DownloadStage {
  /** Downloads waiting for a slot, the link expiring soonest first (then in the order they came). */
  private readonly waiting: string[] = [];
  private readonly waitingKeys = new Map<string, { expires: number; seq: number }>();
  private seq = 0;
  private readonly pool?: PoolController;
  /** The current pool window: bytes received, failed attempts, whether a download waited for a slot. */
  private window = { started: 0, bytes: 0, errors: 0, saturated: false };
  private windowTimer?: Timer;
  private readonly running = new Map<string, Promise<void>>();
  private readonly rounds = new Map<string, number>();
  /** Tasks whose link was asked for again in this session: once each. */
  private readonly relinked = new Set<string>();
  /** Tasks to download again as soon as their current run ends (a fresh link came). */
  private readonly again = new Set<string>();
  private readonly retryTimers = new Set<Timer>();
  /** Tasks waiting for room on their library disk, oldest first. */
  private readonly roomWaits = new Map<string, RoomWait>();
  /** Tasks let go by a room check: they try even though others still wait in their folder. */
  private readonly released = new Set<string>();
  /** Free bytes in each folder when a download there last failed for want of room. */
  private readonly roomBaseline = new Map<string, number>();
  private roomTimer?: Timer;
  private checkingRoom = false;
  private readonly abort = new AbortController();
  private stopped = false;

  constructor(private readonly options: DownloadStageOptions) {
    if (options.concurrency === undefined) this.pool = new PoolController(options.pool);
  }

  /** Downloads allowed at once now. */
  get poolSize(): number {
    return this.pool?.size ?? this.options.concurrency!;
  }

  get active(): number {
    return this.running.size;
  }

  get pending(): number {
    return this.waiting.length;
  }

  /** Downloads waiting for room on a full (or read-only, or missing) library disk. */
  get waitingForRoom(): number {
    return this.roomWaits.size;
  }

  enqueue(id: string): void {
    if (this.stopped || this.waitingKeys.has(id) || this.running.has(id)) return;
    const task = this.options.task(id);
    if (task && shouldRetryOnStart(task)) {
      // At once, not when its turn comes: a batch holding it must not look settled meanwhile.
      try {
        this.change(task, 'succeeded', { note: 'Downloading again; it resumes where it stopped.' }, { unset: ['downloadFailure'] });
      } catch (failure) {
        this.changeFailed(task, failure);
        return;
      }
    }
    this.wait(id, task);
    this.next();
  }

  /** Puts the task in line by when its link expires (link-expiry.ts): the soonest goes first. */
  private wait(id: string, task: TaskRecord | undefined): void {
    const now = this.options.clock.now();
    const key = { expires: task?.resultUrl ? linkExpiresAt(task.resultUrl, task.times.succeeded ?? now, this.options.timeScale) : now, seq: this.seq++ };
    const before = (other: string): boolean => {
      const k = this.waitingKeys.get(other)!;
      return k.expires < key.expires || (k.expires === key.expires && k.seq < key.seq);
    };
    let lo = 0;
    let hi = this.waiting.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(this.waiting[mid])) lo = mid + 1;
      else hi = mid;
    }
    this.waiting.splice(lo, 0, id);
    this.waitingKeys.set(id, key);
  }

  /** Stops: running downloads end and keep their `.part` files, to resume on the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.options.clock.clearInterval(this.windowTimer);
    this.windowTimer = undefined;
    for (const timer of this.retryTimers) this.options.clock.clearTimeout(timer);
    this.options.clock.clearTimeout(this.roomTimer);
    this.roomTimer = undefined;
    this.abort.abort(new Error('closing'));
    await Promise.allSettled(this.running.values());
  }

  private next(): void {
    while (!this.stopped && this.running.size < this.poolSize && this.waiting.length > 0) {
      const id = this.waiting.shift()!;
      this.waitingKeys.delete(id);
      const run = this.download(id).finally(() => {
        this.running.delete(id);
        if (this.again.delete(id)) this.enqueue(id);
        // A video fitted: whoever waits for room on a disk may fit too.
        if (this.roomWaits.size > 0 && this.options.task(id)?.state === 'done') void this.checkRoom();
        this.next();
        this.options.freed?.();
      });
      this.running.set(id, run);
      this.armWindow();
    }
    if (this.waiting.length > 0 && this.running.size >= this.poolSize) this.window.saturated = true;
  }

  // ── The self-sizing pool ────────────────────────────────────────────────────────────────

  /** Starts cutting windows when a download starts; they stop once nothing runs or waits. */
  private armWindow(): void {
    if (!this.pool || this.windowTimer || this.stopped) return;
    this.window = { started: this.options.clock.now(), bytes: 0, errors: 0, saturated: this.waiting.length > 0 };
    this.windowTimer = this.options.clock.setInterval(() => this.endWindow(), Math.max(MIN_POOL_WINDOW_MS, POOL_WINDOW_MS * this.options.timeScale));
    this.windowTimer.unref?.();
  }

  private endWindow(): void {
    const pool = this.pool!;
    const now = this.options.clock.now();
    const { started, bytes, errors, saturated } = this.window;
    const decision: PoolDecision = pool.observe({ bytes, ms: now - started, errors, saturated });
    const mbps = now > started ? (bytes / (now - started) / 1000).toFixed(1) : '0';
    if (decision.change !== 'hold') this.options.log.info(`downloads at once: ${decision.size} (${decision.change}: ${decision.reason}; ${mbps} MB/s)`);
    this.window = { started: now, bytes: 0, errors: 0, saturated: this.waiting.length > 0 && this.running.size >= pool.size };
    if (this.running.size === 0 && this.waiting.length === 0) {
      this.options.clock.clearInterval(this.windowTimer);
      this.windowTimer = undefined;
    }
    this.next();
  }

  /** Counts a download's bytes into the window (from its progress: the first figure of an attempt is where it starts). */
  private meter(): { onProgress: (received: number) => void; onRetry: (trouble: AttemptTrouble) => void } {
    let seen: number | undefined;
    return {
      onProgress: (received) => {
        if (seen !== undefined && received > seen) this.window.bytes += received - seen;
        seen = received;
      },
      onRetry: (trouble) => {
        seen = undefined;
        if (trouble !== 'other') this.window.errors++;
      }
    };
  }

  /** `change`, with a throw turned into ChangeFailed (see DownloadStageOptions.change). */
  private change(task: TaskRecord, state?: TaskState, patch?: TaskPatch, options?: { durable?: boolean; unset?: (keyof TaskPatch)[] }): TaskRecord {
    try {
      return this.options.change(task, state, patch, options);
    } catch (error) {
      throw new ChangeFailed(error);
    }
  }

  /** Never rejects: every failure ends in a task state, a wait for room, or (when that cannot be recorded) one log line. */
  private async download(id: string): Promise<void> {
    const released = this.released.delete(id);
    const found = this.options.task(id);
    const batch = found && this.options.batch(found.batchId);
    if (!found || !batch || !found.resultUrl) return;
    if (found.state !== 'succeeded' && found.state !== 'downloading') return;
    let task = found;
    this.roomWaits.delete(id);
    try {
      if (!released && this.waitsForRoom(batch.libraryDir)) {
        // Others already wait for room on this disk: this one joins them without a request.
        this.waitForRoom(task, batch.libraryDir, this.roomWaitsIn(batch.libraryDir)[0].problem);
        return;
      }
      await this.fetch(task, batch, (now) => (task = now));
    } catch (error) {
      if (this.stopped && !(error instanceof ChangeFailed)) return;
      try {
        if (error instanceof ChangeFailed) throw error;
        if (await this.relink(task, error)) return;
        this.onError(task, batch, error);
      } catch (failure) {
        this.changeFailed(task, failure);
      }
    }
  }

  private async fetch(start: TaskRecord, batch: BatchRecord, track: (task: TaskRecord) => void): Promise<void> {
    let task = start;
    const resultUrl = task.resultUrl!;
    await mkdir(batch.libraryDir, { recursive: true });
    let file = task.file;
    if (!file) {
      // The name is chosen once and journaled before any byte is written, so a restart
      // resumes the same `.part` instead of leaving it behind.
      const base = videoBaseName({
        prompt: task.request.input.prompt,
        name: task.source.videoName,
        seed: task.request.input.seed,
        taskId: task.taskId ?? task.id
      });
      file = basename(await reserveUniquePath(batch.libraryDir, base, '.mp4'));
      task = this.change(task, 'downloading', { file }, { durable: true });
      // The journal could not take the name (the engine holds submits and says why): no byte goes
      // under a name a restart would not know; the download is tried again once it can be written.
      if (task.file !== file) return;
    } else if (task.state !== 'downloading') {
      task = this.change(task, 'downloading');
    }
    // Group commit: the name is on disk (sharing one sync with the changes of the moment) before a
    // byte is written; at once when it already is. A name whose sync failed (a full data disk) is
    // in memory only: the download runs again once the journal writes, never left `downloading`.
    if (this.options.synced && !(await this.options.synced(task.id))) return;
    track(task);
    const target = join(batch.libraryDir, file);
    const input = task.request.input;
    const result = await downloadVideo(resultUrl, target, {
      signal: this.abort.signal,
      timeScale: this.options.timeScale,
      stallTimeoutMs: this.options.stallTimeoutMs,
      random: this.options.random,
      maxBytes: maxVideoBytes(input),
      videoLabel: `${input.duration} s ${input.resolution} video`,
      log: this.options.log.child('download', taskFields(task)),
      policy: this.options.policy,
      ...this.meter()
    });
    const landing = task;
    const probe = await probeMp4(target).catch((error: unknown) => {
      this.options.log.warn(`the downloaded video could not be probed: ${(error as Error).message}`, { ...taskFields(landing), file });
      return undefined;
    });
    const sourceImage = await this.copySourceImage(task, target);
    const downloadedAt = this.options.clock.now();
    const sidecar = sidecarFor(task, batch, file, probe, downloadedAt, sourceImage);
    // The recipe (the sidecar's, in the file) goes into the finished video by its own atomic
    // rewrite, never into the `.part`: a `.part` changed in place no longer matches the server's
    // file, and a resume after a crash would start it again from nothing. It leaves the probed
    // facts as they were. A video an earlier run finished may still lack it.
    if (!result.alreadyPresent || !(await readRecipe(target)).recipe) await this.recordRecipe(task, target, recipeOf(sidecar));
    await writeSidecar(sidecarPathFor(target), sidecar);
    this.options.landed({ taskId: task.id, batchId: batch.id, path: target, sidecar, probe });
    this.change(task, 'done', undefined, { durable: true, unset: ['note', 'downloadFailure'] });
    this.rounds.delete(task.id);
  }

  /**
   * Writes the recipe into the video (architecture.md, "Downloads"). Never fails the video: a
   * file the writer leaves as it is, or a write that fails, is one line in the log.
   */
  private async recordRecipe(task: TaskRecord, path: string, recipe: VideoRecipe): Promise<void> {
    const written = await writeRecipe(path, recipe);
    if (!written.written)
      this.options.log.warn(`the recipe could not be written into the video (${written.reason}); it is kept as downloaded`, taskFields(task));
  }

  /** `change` threw: said once in the log; the task is left as the journal last had it. */
  private changeFailed(task: TaskRecord, failure: unknown): void {
    const original = failure instanceof ChangeFailed ? failure.original : failure;
    const why = isJournalError(original) ? 'the queue could not record it' : 'an unexpected error stopped it';
    this.options.log.error(`the download of this task stops here: ${why} (${(original as Error)?.message ?? String(original)})`, taskFields(task));
  }

  /**
   * Copies the task's source image beside its video (`clip.source.jpg` beside `clip.mp4`), so the
   * library holds everything needed to make the video again. A missing copy is logged, not fatal:
   * the video itself is what was paid for.
   */
  private async copySourceImage(task: TaskRecord, video: string): Promise<string | undefined> {
    if (!task.imagePath) return undefined;
    const ext = extname(task.imagePath).toLowerCase() || '.jpg';
    const target = `${video.slice(0, -extname(video).length)}${SOURCE_IMAGE_INFIX}${ext}`;
    try {
      await copyFile(task.imagePath, target);
      return basename(target);
    } catch (error) {
      this.options.log.warn('the source image could not be copied beside the video', { ...taskFields(task), error });
      return undefined;
    }
  }

  /** True when APIXO gave a fresh link for a link that stopped working: the download starts again with it. */
  private async relink(task: TaskRecord, error: unknown): Promise<boolean> {
    const { freshLink } = this.options;
    if (!freshLink || this.relinked.has(task.id) || !task.taskId) return false;
    // Expired, unreachable, or pointing where the app never fetches from (an earlier simulator's
    // port): a fresh link may mend each; a size or content problem it cannot.
    const kind = error instanceof DownloadError ? error.kind : refusalIn(error) ? 'refused' : undefined;
    if (kind !== 'expired' && kind !== 'transient' && kind !== 'refused') return false;
    this.relinked.add(task.id);
    const fresh = await freshLink(task).catch(() => undefined);
    if (this.stopped || !fresh || fresh === task.resultUrl) return false;
    this.options.log.info('the result link stopped working; APIXO gave a fresh one', taskFields(task));
    const now = this.change(
      task,
      'succeeded',
      { resultUrl: fresh, note: 'The result link stopped working; downloading again from a fresh one.' },
      { durable: true }
    );
    if (now.resultUrl !== fresh) return false;
    this.rounds.delete(task.id);
    this.again.add(task.id);
    return true;
  }

  private onError(task: TaskRecord, batch: BatchRecord, error: unknown): void {
    // The disk, not the network: from the downloader, or from a file step around it (the folder,
    // the name, the sidecar), all of which only touch the library folder.
    const disk = error instanceof DownloadError ? error.disk : diskProblem(error);
    if (disk) {
      this.options.log.warn(`the library disk refused the download (${disk}): it waits for room`, { ...taskFields(task), folder: batch.libraryDir });
      this.waitForRoom(task, batch.libraryDir, disk);
      void freeBytes(batch.libraryDir).then((free) => this.roomBaseline.set(batch.libraryDir, free ?? 0));
      this.options.onDiskFull?.(batch.libraryDir);
      return;
    }
    const message = (error as Error).message;
    if (refusalIn(error)) {
      // The link points where the app never fetches from: no retry can change that.
      this.rounds.delete(task.id);
      this.change(task, 'download_failed', { note: `${message} ${REFUSED_LINK_GUIDANCE}`, downloadFailure: 'bad_link' }, { durable: true });
      return;
    }
    if (error instanceof DownloadError && error.kind === 'expired') {
      this.change(task, 'expired', { note: message, downloadFailure: 'expired' }, { durable: true });
      return;
    }
    if (error instanceof DownloadError && error.permanent) {
      this.rounds.delete(task.id);
      this.change(task, 'download_failed', { note: `${message} ${error.guidance}`, downloadFailure: error.kind }, { durable: true });
      return;
    }
    const kind: FailureKind = error instanceof DownloadError ? error.kind : 'other';
    const round = (this.rounds.get(task.id) ?? 0) + 1;
    this.rounds.set(task.id, round);
    if (round >= DOWNLOAD_ROUNDS) {
      this.rounds.delete(task.id);
      const guidance = kind === 'transient' ? DOWNLOAD_GUIDANCE.transient : 'Retry the download; it resumes where it stopped.';
      this.change(task, 'download_failed', { note: `${message} ${guidance}`, downloadFailure: kind }, { durable: true });
      return;
    }
    const waitMs = backoffDelay(round - 1, ROUND_BACKOFF, () => 0.5 + this.options.random() / 2) * this.options.timeScale;
    this.change(task, 'succeeded', { note: `The download failed (${message}); trying again in ${Math.ceil(waitMs / 1000)} s.` });
    const timer = this.options.clock.setTimeout(() => {
      this.retryTimers.delete(timer);
      this.enqueue(task.id);
    }, waitMs);
    this.retryTimers.add(timer);
  }

  // ── Waiting for room ────────────────────────────────────────────────────────────────────

  /** The task waits, counted as no failure, until a room check finds space for it. */
  private waitForRoom(task: TaskRecord, folder: string, problem: DiskProblem): void {
    const note = `${diskProblemWords(problem, folder)} This video is paid for: it downloads by itself once there is room (APIXO keeps results for a limited time, so do it soon).`;
    if (task.state !== 'succeeded' || task.note !== note || task.downloadFailure !== 'disk') this.change(task, 'succeeded', { note, downloadFailure: 'disk' });
    this.roomWaits.set(task.id, { folder, problem });
    this.armRoomCheck();
  }

  /** Whether a download into this folder is running or about to. */
  private downloadingIn(folder: string): boolean {
    for (const id of [...this.running.keys(), ...this.waiting]) {
      const task = this.options.task(id);
      if (task && this.options.batch(task.batchId)?.libraryDir === folder) return true;
    }
    return false;
  }

  private waitsForRoom(folder: string): boolean {
    for (const wait of this.roomWaits.values()) if (wait.folder === folder) return true;
    return false;
  }

  private roomWaitsIn(folder: string): RoomWait[] {
    return [...this.roomWaits.values()].filter((w) => w.folder === folder);
  }

  private armRoomCheck(): void {
    if (this.roomTimer || this.stopped || this.roomWaits.size === 0) return;
    this.roomTimer = this.options.clock.setTimeout(() => {
      this.roomTimer = undefined;
      void this.checkRoom();
    }, ROOM_CHECK_MS * this.options.timeScale);
  }

  /**
   * Lets go, oldest first, the waiting downloads that the free space now holds (what each still
   * needs: its expected size less the bytes its `.part` keeps), so that they do not fill the disk
   * again between them. The expected size is an estimate: when the space has grown since the last
   * failure but not to that figure, the oldest one tries alone. A read-only or missing folder
   * shows no figure worth trusting: one download per check tries. Each success checks again.
   */
  private async checkRoom(): Promise<void> {
    if (this.checkingRoom || this.stopped) return;
    this.checkingRoom = true;
    try {
      const folders = new Map<string, { id: string; wait: RoomWait }[]>();
      for (const [id, wait] of this.roomWaits) {
        const list = folders.get(wait.folder) ?? [];
        list.push({ id, wait });
        folders.set(wait.folder, list);
      }
      for (const [folder, waits] of folders) {
        let free = await freeBytes(folder);
        if (free === undefined) continue;
        for (const [i, { id, wait }] of waits.entries()) {
          const task = this.options.task(id);
          if (!task || (task.state !== 'succeeded' && task.state !== 'downloading')) {
            this.roomWaits.delete(id);
            continue;
          }
          if (wait.problem !== 'full' && i > 0) break;
          const need = await this.roomNeeded(task, folder);
          const grown = free >= (this.roomBaseline.get(folder) ?? 0) + PROBE_GROWTH_BYTES;
          if (need > free && !(i === 0 && grown && !this.downloadingIn(folder))) break;
          free = Math.max(0, free - need);
          this.roomWaits.delete(id);
          this.released.add(id);
          this.enqueue(id);
        }
      }
    } catch (error) {
      this.options.log.warn('checking the library disk for room failed', { error });
    } finally {
      this.checkingRoom = false;
      this.armRoomCheck();
    }
  }

  /** Bytes a waiting download still needs: its expected size less what its `.part` already holds. */
  private async roomNeeded(task: TaskRecord, folder: string): Promise<number> {
    const expected = expectedVideoBytes(task.request.input);
    if (!task.file) return expected;
    const kept = await stat(partPathFor(join(folder, task.file))).then(
      (info) => info.size,
      () => 0
    );
    return Math.max(0, expected - kept);
  }
}

/** A recipe write left untouched this long is one an earlier run stopped in. */
const STALE_RECIPE_TEMP_MS = 10 * 60_000;

/** The hidden temporary copy `writeRecipe` makes beside a video (`.clip.mp4.<pid>.<hex>.tmp`). */
const RECIPE_TEMP = /^\..+\.mp4(?:\.part)?\.(\d+)\.[0-9a-f]{8}\.tmp$/i;

/**
 * Removes empty `.part` files no task will resume: a crash between reserving a name and
 * journaling it leaves one behind. Files with bytes are left alone, but for the temporary copies
 * of a recipe write an earlier run stopped in (the video beside them is whole).
 */
export async function sweepEmptyParts(libraryDirs: Iterable<string>, inUse: ReadonlySet<string>): Promise<number> {
  let removed = 0;
  for (const dir of libraryDirs) {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const stale = RECIPE_TEMP.exec(name);
      if (stale) {
        // A copy the recipe writer was making when an earlier run stopped (another process's, or
        // ours under a reused pid, is still being written: it is recent): the video itself is whole.
        const info = await stat(join(dir, name)).catch(() => undefined);
        if (Number(stale[1]) !== process.pid && info && Date.now() - info.mtimeMs > STALE_RECIPE_TEMP_MS) {
          await removeIfPresent(join(dir, name));
          removed++;
        }
        continue;
      }
      if (!name.endsWith(PART_SUFFIX) || inUse.has(join(dir, name.slice(0, -PART_SUFFIX.length)))) continue;
      const path = join(dir, name);
      const info = await stat(path).catch(() => undefined);
      if (info?.isFile() && info.size === 0) {
        await removeIfPresent(path);
        removed++;
      }
    }
  }
  return removed;
}

function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

/** Everything needed to understand and reproduce the video; never the API key. */
function sidecarFor(
  task: TaskRecord,
  batch: BatchRecord,
  file: string,
  probe: VideoProbe | undefined,
  downloadedAt: number,
  sourceImage: string | undefined
): Sidecar {
  const input = task.request.input;
  const submittedAt = task.times.submitted ?? task.times.submitting;
  const succeededAt = task.times.succeeded ?? downloadedAt;
  return {
    schema: SIDECAR_SCHEMA,
    app: SIDECAR_APP,
    model: MODEL_ID,
    file,
    name: task.source.videoName?.trim() || undefined,
    prompt: input.prompt,
    mode: input.mode,
    resolution: input.resolution,
    duration: input.duration,
    aspectRatio: 'aspect_ratio' in input ? input.aspect_ratio : undefined,
    seed: input.seed,
    // Never a signed link (architecture.md, "Security"): a journal from before references may still hold one.
    imageUrl: 'image_urls' in input ? unsignedUrl(input.image_urls[0]) : undefined,
    sourceImage,
    // The video it continues from (architecture.md, "Lineage").
    ...(task.source.parent ? { parent: task.source.parent } : {}),
    loras: 'loras' in input ? input.loras : undefined,
    request: unsignedRequest(task.request),
    taskId: task.taskId!,
    batch: { id: batch.id, name: batch.name, ...(batch.colour === undefined ? {} : { colour: batch.colour }) },
    sourceRow: { row: task.source.row, take: task.source.take, cells: task.source.cells, ...(task.source.axes ? { axes: task.source.axes } : {}) },
    estimateMicros: task.estimateMicros,
    ...(task.ledger === 'simulated' ? { simulated: true } : {}),
    timings: {
      queuedAt: iso(task.times.queued),
      submittedAt: iso(submittedAt ?? succeededAt)!,
      succeededAt: iso(succeededAt)!,
      downloadedAt: iso(downloadedAt)!,
      generationMs: submittedAt === undefined ? undefined : succeededAt - submittedAt
    },
    probe: probe ?? { width: 0, height: 0, durationSec: 0, fps: 0, hasAudio: false },
    createdAt: iso(downloadedAt)!
  };
}
