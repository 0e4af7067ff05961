import { copyFile, mkdir, readdir, stat } from 'node:fs/promises';
import type { Logger } from '../log/logger';
import { taskFields } from '../log/task-fields';
import { basename, extname, join } from 'node:path';
import type { BatchRecord, TaskRecord } from '@shared/batch';
import { unsignedRequest, unsignedUrl } from '@shared/image-link';
import { MODEL_ID } from '@shared/model';
import type { TaskState } from '@shared/task-state';
import { backoffDelay } from '../util/retry';
import { DownloadError } from '../download/download-error';
import { downloadVideo } from '../download/downloader';
import { probeMp4, type VideoProbe } from '../download/mp4-probe';
import { PART_SUFFIX, SOURCE_IMAGE_INFIX, reserveUniquePath, sidecarPathFor, videoBaseName } from '../download/naming';
import { removeIfPresent } from '../store/fs-durable';
import { SIDECAR_APP, SIDECAR_SCHEMA, writeSidecar, type Sidecar } from '../download/sidecar';
import type { Clock, Timer } from '../util/clock';
import type { TaskPatch } from './queue-state';

export interface DownloadStageOptions {
  concurrency: number;
  stallTimeoutMs?: number;
  timeScale: number;
  random: () => number;
  task: (id: string) => TaskRecord | undefined;
  batch: (id: string) => BatchRecord | undefined;
  /** The engine's one way to change a task; returns the task as it is now. */
  change: (task: TaskRecord, state?: TaskState, patch?: TaskPatch, options?: { durable?: boolean; unset?: (keyof TaskPatch)[] }) => TaskRecord;
  /** Told of each video written whole, before its task is done. */
  landed: (video: LandedVideo) => void;
  clock: Clock;
  log: Logger;
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

/** Rounds of downloading (each with the downloader's own retries) before a person is asked. */
const DOWNLOAD_ROUNDS = 3;
const ROUND_BACKOFF = { attempts: DOWNLOAD_ROUNDS, baseDelayMs: 30_000, maxDelayMs: 300_000 };

/**
 * The download stage: its own small pool, separate from the submit limit. Each finished video
 * lands in the batch's library folder whole, with its sidecar, and only then is the task done.
 */
export class DownloadStage {
  private readonly waiting: string[] = [];
  private readonly waitingSet = new Set<string>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly rounds = new Map<string, number>();
  private readonly retryTimers = new Set<Timer>();
  private readonly abort = new AbortController();
  private stopped = false;

  constructor(private readonly options: DownloadStageOptions) {}

  get active(): number {
    return this.running.size;
  }

  get pending(): number {
    return this.waiting.length;
  }

  enqueue(id: string): void {
    if (this.stopped || this.waitingSet.has(id) || this.running.has(id)) return;
    this.waiting.push(id);
    this.waitingSet.add(id);
    this.next();
  }

  /** Stops: running downloads end and keep their `.part` files, to resume on the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.retryTimers) this.options.clock.clearTimeout(timer);
    this.abort.abort(new Error('closing'));
    await Promise.allSettled(this.running.values());
  }

  private next(): void {
    while (!this.stopped && this.running.size < this.options.concurrency && this.waiting.length > 0) {
      const id = this.waiting.shift()!;
      this.waitingSet.delete(id);
      const run = this.download(id).finally(() => {
        this.running.delete(id);
        this.next();
      });
      this.running.set(id, run);
    }
  }

  private async download(id: string): Promise<void> {
    const { change } = this.options;
    let task = this.options.task(id);
    const batch = task && this.options.batch(task.batchId);
    if (!task || !batch || !task.resultUrl || (task.state !== 'succeeded' && task.state !== 'downloading')) return;
    const resultUrl = task.resultUrl;
    try {
      await mkdir(batch.libraryDir, { recursive: true });
      let file = task.file;
      if (!file) {
        // The name is chosen once and journaled before any byte is written, so a restart
        // resumes the same `.part` instead of leaving it behind.
        const base = videoBaseName({ prompt: task.request.input.prompt, seed: task.request.input.seed, taskId: task.taskId ?? task.id });
        file = basename(await reserveUniquePath(batch.libraryDir, base, '.mp4'));
        task = change(task, 'downloading', { file }, { durable: true });
      } else if (task.state !== 'downloading') {
        task = change(task, 'downloading');
      }
      const target = join(batch.libraryDir, file);
      await downloadVideo(resultUrl, target, {
        signal: this.abort.signal,
        timeScale: this.options.timeScale,
        stallTimeoutMs: this.options.stallTimeoutMs,
        random: this.options.random,
        log: this.options.log.child('download', taskFields(task))
      });
      const landing = task;
      const probe = await probeMp4(target).catch((error: unknown) => {
        this.options.log.warn(`the downloaded video could not be probed: ${(error as Error).message}`, { ...taskFields(landing), file });
        return undefined;
      });
      const sourceImage = await this.copySourceImage(task, target);
      const downloadedAt = this.options.clock.now();
      const sidecar = sidecarFor(task, batch, file, probe, downloadedAt, sourceImage);
      await writeSidecar(sidecarPathFor(target), sidecar);
      this.options.landed({ taskId: task.id, batchId: batch.id, path: target, sidecar, probe });
      change(task, 'done', undefined, { durable: true, unset: ['note'] });
      this.rounds.delete(id);
    } catch (error) {
      if (this.stopped) return;
      this.onError(task, error);
    }
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

  private onError(task: TaskRecord, error: unknown): void {
    const { change } = this.options;
    if (error instanceof DownloadError && error.kind === 'expired') {
      change(task, 'expired', { note: error.message }, { durable: true });
      return;
    }
    const round = (this.rounds.get(task.id) ?? 0) + 1;
    this.rounds.set(task.id, round);
    const message = (error as Error).message;
    if (error instanceof DownloadError && error.kind === 'not_video') {
      change(task, 'download_failed', { note: message }, { durable: true });
      return;
    }
    if (round >= DOWNLOAD_ROUNDS) {
      change(task, 'download_failed', { note: `${message} Retry the download when the connection is back.` }, { durable: true });
      return;
    }
    const waitMs = backoffDelay(round - 1, ROUND_BACKOFF, () => 0.5 + this.options.random() / 2) * this.options.timeScale;
    change(task, 'succeeded', { note: `The download failed (${message}); trying again in ${Math.ceil(waitMs / 1000)} s.` });
    const timer = this.options.clock.setTimeout(() => {
      this.retryTimers.delete(timer);
      this.enqueue(task.id);
    }, waitMs);
    this.retryTimers.add(timer);
  }
}

/**
 * Removes empty `.part` files no task will resume: a crash between reserving a name and
 * journaling it leaves one behind. Files with bytes are left alone.
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
    prompt: input.prompt,
    mode: input.mode,
    resolution: input.resolution,
    duration: input.duration,
    aspectRatio: 'aspect_ratio' in input ? input.aspect_ratio : undefined,
    seed: input.seed,
    // Never a signed link (architecture.md, "Security"): a journal from before references may still hold one.
    imageUrl: 'image_urls' in input ? unsignedUrl(input.image_urls[0]) : undefined,
    sourceImage,
    loras: 'loras' in input ? input.loras : undefined,
    request: unsignedRequest(task.request),
    taskId: task.taskId!,
    batch: { id: batch.id, name: batch.name },
    sourceRow: { row: task.source.row, take: task.source.take, cells: task.source.cells },
    estimateMicros: task.estimateMicros,
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
