/**
 * The renderer's tests talk to the real product: an `AppService` (real engine, importer, library
 * and folders in a temp dir, the built-in simulator at a small timeScale) behind `window.api`,
 * in-process. The bridge does what the preload does — the contract's calls to
 * `service.dispatch`, its events from `service.on`, both structured-cloned as IPC would — and
 * lets a test watch the calls, hold the answers back (a call still on its way), or, for the few
 * failures a test cannot cause for real (a full disk), answer the next call of a channel with one.
 * A second simulator stands in for "the real APIXO" once a key is set (GOOD_KEY, $100).
 */
import { accessSync, constants, copyFileSync, linkSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BatchSummary, TaskRecord } from '@shared/batch';
import type {
  DropResult,
  DroppedFiles,
  EventChannel,
  EventMap,
  InvokeArgs,
  InvokeChannel,
  InvokeResult,
  IpcErrorCode,
  IpcResult,
  WindowApi
} from '@shared/ipc';
import type { Sidecar } from '@shared/library';
import { MODEL_ID } from '@shared/model';
import { taskCost } from '@shared/pricing';
import { buildRequest } from '@shared/request-builder';
import { defaultSettings, type Settings, type SettingsPatch } from '@shared/settings';
import { AppService, type SecretStore, type SettingsStore } from '../../src/main/core/app/app-service';
import { startSimulator, type Faults, type Simulator } from '../../src/main/core/simulator';
import { memorySecret, testDesktop, type TestDesktop } from '../support/app-options';

export const REPO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const RESOURCES_DIR = join(REPO_DIR, 'resources');
export const SAMPLE_MP4 = join(RESOURCES_DIR, 'sim', 'sample-16x9.mp4');
/** A small real photo, for source images. */
export const SAMPLE_JPEG = join(REPO_DIR, 'test', 'fixtures', 'images', 'baseline-41x29.jpg');
/** The one key the "real APIXO" accepts. */
export const GOOD_KEY = 'good-key-1a2b';
/** A poster frame main accepts (a JPEG's first and last markers). */
export const JPEG_DATA_URL = 'data:image/jpeg;base64,/9j/2Q==';

/**
 * Where studios keep their folders: a RAM-backed file system when the machine has one (Linux's
 * /dev/shm), else the OS temp dir. The product's real files and writes are the same either way;
 * on a busy shared disk each of the thousands of files a library test writes (and each fsync the
 * engine makes) costs milliseconds, in RAM microseconds. LTX_TEST_TMP overrides it.
 */
export const STUDIO_ROOT = process.env.LTX_TEST_TMP ?? (writableDir('/dev/shm') ? '/dev/shm' : tmpdir());

function writableDir(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export interface Call {
  channel: InvokeChannel;
  args: unknown[];
}

/** `window.api` over a real service, in-process. */
export class ServiceBridge implements WindowApi {
  readonly calls: Call[] = [];
  /** The path the preload would find for a dropped file (webUtils.getPathForFile); none (a plain browser) when not set. */
  readonly paths = new Map<File, string>();
  readonly mediaBase = 'ltx-media://';
  private readonly failures = new Map<InvokeChannel, { code: IpcErrorCode; message: string }>();
  private readonly listening = new Map<EventChannel, number>();
  private gate: Promise<void> | undefined;
  /** Calls main is still working on (answers held back by `hold` are not among them). */
  readonly inFlight = new Set<Promise<unknown>>();
  private openGate: (() => void) | undefined;
  private holdAt: 'request' | 'answer' = 'request';

  constructor(private readonly service: AppService) {}

  async invoke<C extends InvokeChannel>(channel: C, ...args: InvokeArgs<C>): Promise<IpcResult<InvokeResult<C>>> {
    this.calls.push({ channel, args: structuredClone(args) });
    if (this.gate && this.holdAt === 'request') await this.gate;
    const failure = this.failures.get(channel);
    if (failure) this.failures.delete(channel);
    const dispatched = failure ? Promise.resolve({ ok: false as const, ...failure }) : this.service.dispatch(channel, structuredClone(args));
    this.inFlight.add(dispatched);
    const answer = await dispatched.finally(() => this.inFlight.delete(dispatched));
    if (this.gate && this.holdAt === 'answer') await this.gate;
    return structuredClone(answer) as IpcResult<InvokeResult<C>>;
  }

  on<E extends EventChannel>(event: E, listener: (payload: EventMap[E]) => void): () => void {
    this.listening.set(event, (this.listening.get(event) ?? 0) + 1);
    const off = this.service.on(event, (payload) => listener(structuredClone(payload)));
    let on = true;
    return () => {
      if (!on) return;
      on = false;
      off();
      this.listening.set(event, this.listening.get(event)! - 1);
    };
  }

  /** The preload's part in a drop: it takes the files' paths itself and hands them to `drop:inspect`. */
  async drop(files: File[]): Promise<IpcResult<DropResult>> {
    const paths: string[] = [];
    const pathless: string[] = [];
    for (const file of files) {
      const path = this.paths.get(file);
      if (path) paths.push(path);
      else pathless.push(file.name);
    }
    if (paths.length === 0) return { ok: true, value: { images: [], csv: [], refused: [], pathless } };
    this.calls.push({ channel: 'drop:inspect', args: [paths] });
    const dispatched = this.service.dispatch('drop:inspect', [paths]);
    this.inFlight.add(dispatched);
    const answer = structuredClone(await dispatched.finally(() => this.inFlight.delete(dispatched))) as IpcResult<DroppedFiles>;
    return answer.ok ? { ok: true, value: { ...answer.value, pathless } } : answer;
  }

  callsOf(channel: InvokeChannel): Call[] {
    return this.calls.filter((c) => c.channel === channel);
  }

  listenerCount(event: EventChannel): number {
    return this.listening.get(event) ?? 0;
  }

  /**
   * Calls are held on their way until `release()`: before main sees them (`request`), or after
   * main answered and before the window hears it (`answer`).
   */
  hold(at: 'request' | 'answer' = 'request'): void {
    this.holdAt = at;
    this.gate = new Promise((ok) => (this.openGate = ok));
  }

  release(): void {
    this.openGate?.();
    this.gate = undefined;
  }

  /** Only for failures a test cannot cause for real: the next call of `channel` is not made, and answers this. */
  failNext(channel: InvokeChannel, message: string, code: IpcErrorCode = 'not_allowed'): void {
    this.failures.set(channel, { code, message });
  }
}

export interface StudioOptions {
  settings?: SettingsPatch;
  /** A key stored at start: the app then talks to the "real APIXO". */
  apiKey?: string;
  /** The "real APIXO"'s balance, USD. Default 100. */
  balanceUsd?: number;
  /**
   * Multiplies every product delay. Default 0.002 (a 720p video takes 0.12–0.18 s); a test
   * whose steps must land between two moments of the schedule asks for more room (0.01).
   */
  timeScale?: number;
  /** Faults of the "real APIXO" (e.g. `{ resetAfterAcceptRate: 1 }`: every submit's answer is lost). */
  faults?: Partial<Faults>;
}

/** One app's folders and, once started, its service; files put in the library before the start are there when it opens. */
export class Studio {
  readonly dir = mkdtempSync(join(STUDIO_ROOT, 'ltx-renderer-'));
  readonly libraryDir = join(this.dir, 'library');
  readonly dataDir = join(this.dir, 'data');
  readonly desktop: TestDesktop = testDesktop(this.dir);
  /** Paths (inside the library) the trash refuses, as an OS does for a file in use. */
  readonly inUse = new Set<string>();
  stored: Settings;
  /** The settings file cannot be written while true, as on a full disk. */
  diskFull = false;
  key: string | undefined;
  service!: AppService;
  api!: ServiceBridge;
  realApi!: Simulator;
  private nextVideo = 1;
  /** The sample clip, copied once into this studio's folder (outside the library): every video is a hard link to it, on the same file system. */
  private sampleClip: string | undefined;

  constructor(readonly options: StudioOptions = {}) {
    this.stored = { ...defaultSettings({ libraryDir: this.libraryDir, dataDir: this.dataDir }), ...options.settings };
    this.key = options.apiKey;
    mkdirSync(this.libraryDir, { recursive: true });
    const trash = this.desktop.trash;
    this.desktop.trash = async (path) => {
      if (
        this.inUse.has(
          path
            .slice(this.libraryDir.length + 1)
            .split('\\')
            .join('/')
        )
      )
        throw new Error('the file is in use by another program.');
      await trash(path);
    };
  }

  get started(): boolean {
    return this.api !== undefined;
  }

  async start(): Promise<this> {
    if (this.started) return this;
    const timeScale = this.options.timeScale ?? 0.002;
    const settings: SettingsStore = {
      read: () => structuredClone(this.stored),
      write: (next) => {
        if (this.diskFull) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        this.stored = structuredClone(next);
      }
    };
    const secrets: SecretStore = { get: () => this.key, set: (v) => void (this.key = v), clear: () => void (this.key = undefined) };
    this.realApi = await startSimulator({ apiKey: GOOD_KEY, timeScale, seed: 7, balanceUsd: this.options.balanceUsd ?? 100, faults: this.options.faults });
    this.service = await AppService.start({
      settings,
      secrets,
      hostingSecret: memorySecret(),
      desktop: this.desktop,
      version: '0.1.0',
      resourcesDir: RESOURCES_DIR,
      apiBaseUrl: this.realApi.baseUrl,
      timeScale
    });
    this.api = new ServiceBridge(this.service);
    return this;
  }

  /** The call a page makes, straight to the service (to set a test up, not to drive the window). */
  async call<C extends InvokeChannel>(channel: C, ...args: InvokeArgs<C>): Promise<InvokeResult<C>> {
    const result = await this.service.dispatch(channel, args);
    if (!result.ok) throw new Error(`${channel}: ${result.code}: ${result.message}`);
    return result.value as InvokeResult<C>;
  }

  /**
   * A batch made as the window makes one (prompts imported, then added to the queue): `prompts`
   * or that many plain ones. Prompt markers such as `[sim:fail:NSFW]` steer the simulator.
   */
  async addBatch(
    prompts: number | string[],
    name = 'Batch',
    options: { capMicros?: number; defaults?: Partial<Settings['defaults']> } = {}
  ): Promise<BatchSummary> {
    const lines = typeof prompts === 'number' ? Array.from({ length: prompts }, (_, i) => `Prompt number ${i + 1}`) : prompts;
    const preview = await this.call('import:text', { text: lines.join('\n'), lines: true, ...(options.defaults ? { defaults: options.defaults } : {}) });
    return this.call('batches:create', {
      token: preview.token,
      name,
      skipInvalid: false,
      ...(options.capMicros !== undefined ? { capMicros: options.capMicros } : {})
    });
  }

  /** A batch from CSV text (one row per video, each with its own settings). */
  async addCsvBatch(csv: string, name = 'Batch', options: { capMicros?: number } = {}): Promise<BatchSummary> {
    const preview = await this.call('import:text', { text: csv, fileName: `${name}.csv` });
    return this.call('batches:create', {
      token: preview.token,
      name,
      skipInvalid: false,
      ...(options.capMicros !== undefined ? { capMicros: options.capMicros } : {})
    });
  }

  /**
   * A batch whose videos all wait, queued: its spending cap (one micro-dollar) lets nothing be
   * submitted, so the engine holds it, paused by the cap, until `release`.
   */
  async heldBatch(prompts: number | string[], name = 'Batch', options: { defaults?: Partial<Settings['defaults']> } = {}): Promise<BatchSummary> {
    return this.addBatch(prompts, name, { ...options, capMicros: 1 });
  }

  /** Lets a held batch go on, up to `capMicros` (no cap when null). */
  async release(batchId: string, capMicros: number | null = null): Promise<BatchSummary> {
    return this.call('batches:set-cap', batchId, capMicros);
  }

  /** The tasks of a batch as main keeps them. */
  async tasksOf(batchId: string): Promise<TaskRecord[]> {
    const items: TaskRecord[] = [];
    for (let offset = 0; ; offset += 500) {
      const page = await this.call('tasks:page', batchId, { offset, limit: 500 });
      items.push(...page.items);
      if (items.length >= page.total) return items;
    }
  }

  /** Waits for the next `event` the service pushes. */
  next<E extends EventChannel>(event: E): Promise<EventMap[E]> {
    return new Promise((ok) => {
      const off = this.service.on(event, (payload) => {
        off();
        ok(payload);
      });
    });
  }

  async close(): Promise<void> {
    if (this.started) {
      await this.service.close();
      await this.realApi.close();
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  // ── Library files, written as the app (or another program) would ─────────────────────────

  /**
   * Videos made by the app: an MP4 and its sidecar each, in the batch's folder; `spec(i)` varies
   * each one. Answers their paths inside the library.
   */
  addVideos(count: number, spec: (i: number) => VideoSpec = () => ({})): string[] {
    const paths: string[] = [];
    for (let i = 0; i < count; i++) {
      const n = this.nextVideo++;
      const v = { ...defaultVideo(n), ...spec(i) };
      const batch = v.batch ?? { id: 'lib-b1', name: 'Spring campaign' };
      const name = v.name ?? `2025-01-31_video-${n}_s${v.seed ?? 0}_${n.toString(16).padStart(8, '0')}.mp4`;
      const path = `${batch.name.toLowerCase().replace(/\W+/g, '-')}/${name}`;
      this.writeVideo(path, makeSidecar(name, v, batch));
      paths.push(path);
    }
    return paths;
  }

  /** A video known only by its file: the sample clip, a damaged sidecar beside it, or a file cut short. */
  addUnknownVideo(name: string, options: { sidecarText?: string; truncated?: boolean } = {}): string {
    const path = `imported/${name}`;
    const abs = join(this.libraryDir, path);
    mkdirSync(dirname(abs), { recursive: true });
    if (options.truncated) writeFileSync(abs, Buffer.from([0, 0, 0, 24, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d]));
    else linkSync(this.sample(), abs);
    if (options.sidecarText !== undefined) writeFileSync(abs.replace(/\.mp4$/i, '.json'), options.sidecarText);
    return path;
  }

  /** Any file in the library, by its path inside it. */
  writeFile(path: string, bytes: Buffer | string): void {
    const abs = join(this.libraryDir, path);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, bytes);
  }

  /** A source image beside the videos (a real JPEG), by its path inside the library. */
  addImage(path: string): void {
    const abs = join(this.libraryDir, path);
    mkdirSync(dirname(abs), { recursive: true });
    copyFileSync(SAMPLE_JPEG, abs);
  }

  /** Removes videos (and sidecars) as another program would. */
  removeVideos(paths: string[]): void {
    for (const p of paths) {
      const abs = join(this.libraryDir, p);
      rmSync(abs, { force: true });
      rmSync(abs.replace(/\.mp4$/i, '.json'), { force: true });
    }
  }

  private sample(): string {
    if (!this.sampleClip) {
      this.sampleClip = join(this.dir, 'sample.mp4');
      copyFileSync(SAMPLE_MP4, this.sampleClip);
    }
    return this.sampleClip;
  }

  private writeVideo(path: string, sidecar: Sidecar): void {
    const abs = join(this.libraryDir, path);
    mkdirSync(dirname(abs), { recursive: true });
    linkSync(this.sample(), abs);
    writeFileSync(abs.replace(/\.mp4$/i, '.json'), JSON.stringify(sidecar, null, 2));
  }
}

/** What a test chooses about a library video; the rest is filled in. */
export interface VideoSpec {
  name?: string;
  /** The name the person gave the video (the sidecar's `name`). */
  title?: string;
  prompt?: string;
  mode?: Sidecar['mode'];
  resolution?: Sidecar['resolution'];
  duration?: number;
  aspectRatio?: Sidecar['aspectRatio'];
  seed?: number;
  loras?: Sidecar['loras'];
  imageUrl?: string;
  sourceImage?: string;
  batch?: { id: string; name: string };
  favourite?: boolean;
  createdAt?: number;
  costMicros?: number;
  /** Made by the built-in simulator (the sidecar's `simulated`). */
  simulated?: boolean;
  probe?: Partial<Sidecar['probe']>;
  /** The source row and take (default row 2, take 1), and the sweep axes that made the take. */
  row?: number;
  take?: number;
  axes?: Record<string, string>;
}

function defaultVideo(n: number): VideoSpec & { createdAt: number } {
  return {
    prompt: `A calm lake at dawn, shot number ${n}`,
    mode: 'text-to-video',
    resolution: '720p',
    duration: 5,
    aspectRatio: '16:9',
    seed: 1000 + n,
    createdAt: Date.UTC(2025, 0, 1) + n * 60_000
  };
}

function makeSidecar(file: string, v: VideoSpec & { createdAt: number }, batch: { id: string; name: string }): Sidecar {
  const mode = v.mode ?? 'text-to-video';
  const draft = {
    mode,
    prompt: v.prompt ?? '',
    resolution: v.resolution ?? '720p',
    duration: v.duration ?? 5,
    aspectRatio: v.aspectRatio,
    seed: v.seed,
    imageUrl: v.imageUrl,
    loras: v.loras
  };
  const estimate = taskCost(draft);
  const created = new Date(v.createdAt).toISOString();
  const sidecar: Sidecar = {
    schema: 1,
    app: 'LTX Batch Studio',
    model: MODEL_ID,
    file,
    prompt: draft.prompt,
    mode,
    resolution: draft.resolution,
    duration: draft.duration,
    request: buildRequest(draft),
    taskId: `task-${file.slice(-12, -4)}`,
    batch,
    sourceRow: { row: v.row ?? 2, take: v.take ?? 1, cells: {}, ...(v.axes ? { axes: v.axes } : {}) },
    estimateMicros: estimate,
    timings: { submittedAt: created, succeededAt: created, downloadedAt: created, generationMs: 64_000 },
    probe: { width: 1280, height: 720, durationSec: draft.duration, fps: 25, hasAudio: true, videoCodec: 'avc1', audioCodec: 'mp4a', ...v.probe },
    createdAt: created
  };
  if (v.aspectRatio) sidecar.aspectRatio = v.aspectRatio;
  if (v.seed !== undefined) sidecar.seed = v.seed;
  if (v.title) sidecar.name = v.title;
  if (v.imageUrl) sidecar.imageUrl = v.imageUrl;
  if (v.sourceImage) sidecar.sourceImage = v.sourceImage;
  if (v.loras) sidecar.loras = v.loras;
  if (v.favourite) sidecar.favourite = true;
  sidecar.costMicros = v.costMicros ?? estimate;
  if (v.simulated) {
    sidecar.simulated = true;
    delete sidecar.costMicros;
  }
  return sidecar;
}
