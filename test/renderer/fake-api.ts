/**
 * An in-memory `window.api` for the renderer's tests: it stands in for the IPC boundary only.
 * It keeps the contract's shapes and envelopes (imports go through the real importer), records
 * every call, can fail the next call of a channel, and lets a test push queue deltas.
 */
import { readFileSync } from 'node:fs';
import { sumCosts } from '@shared/batch-summary';
import { taskIdFor } from '@shared/batch';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BatchRecord, BatchSummary, CostTotals, QueueStatus, TaskRecord } from '@shared/batch';
import type { EventChannel, EventMap, ImportPreview, InvokeArgs, InvokeChannel, InvokeHandlers, InvokeResult, IpcErrorCode, IpcResult, KeyStatus, WindowApi } from '@shared/ipc';
import type { ImportResult } from '@shared/import-types';
import { taskCost } from '@shared/pricing';
import { buildRequest } from '@shared/request-builder';
import { defaultSettings, type Settings } from '@shared/settings';
import { COMMITTED_STATES, type TaskState } from '@shared/task-state';
import { importCsvText, importPromptLines, validRows } from '../../src/main/core/import';
import { appEntry, unknownEntry } from '../../src/main/core/library/library-entry';
import { runQuery, searchable, type Searchable } from '../../src/main/core/library/library-query';
import { mediaRef, type LibraryBulkResult, type LibraryDetail, type LibraryEntry, type LibraryItem, type LibraryPage, type LibraryQuery, type Sidecar, type SidecarProblem, type VideoProbe } from '@shared/library';
import type { ComposerDraft } from '@shared/images';
import { MODEL_ID, type AspectRatio, type Mode, type Resolution } from '@shared/model';
import type { LoraItem } from '@shared/request';

export const EXAMPLE_CSV = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../resources/examples/example.csv'), 'utf8');


class FakeError extends Error {}

/** Channels the renderer tests do not exercise: the browser e2e tests cover them against the real service. */
function notFaked(channel: InvokeChannel): never {
  throw new FakeError(`${channel} is not part of this fake.`);
}

export interface Call {
  channel: InvokeChannel;
  args: unknown[];
}

export class FakeApi implements WindowApi {
  settings: Settings = defaultSettings({ libraryDir: '/home/me/Videos/LTX Batch Studio', dataDir: '/home/me/.config/ltx/data' });
  key: string | undefined;
  balanceMicros: number | undefined;
  readonly calls: Call[] = [];
  readonly batches = new Map<string, BatchRecord>();
  readonly tasks = new Map<string, TaskRecord>();
  readonly imports = new Map<string, { result: ImportResult; fileName?: string }>();
  /** What `pathForFile` answers for a file; '' (a plain browser) when not set. */
  readonly paths = new Map<File, string>();
  status: QueueStatus = { running: true, limit: 4, effectiveLimit: 4, inFlight: 0, queued: 0, downloading: 0, needsReview: 0, activity: 'idle' };
  private readonly failures = new Map<InvokeChannel, { code: IpcErrorCode; message: string }>();
  private readonly listeners = new Map<EventChannel, Set<(payload: never) => void>>();
  private nextToken = 1;
  private nextBatch = 1;
  /** Makes calls wait until `release()` (to test what shows while a call is on its way). */
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;

  readonly handlers: InvokeHandlers = {
    'app:info': () => ({ version: '0.1.0', simulated: this.simulated, apiLabel: this.simulated ? 'Simulator' : 'APIXO' }),
    'app:diagnostics': () => 'LTX Batch Studio 0.1.0 — diagnostics',
    'app:open-logs': () => undefined,
    'update:status': () => ({ state: 'unsupported' as const }),
    'update:check': () => ({ state: 'unsupported' as const }),
    'update:install': () => ({ state: 'unsupported' as const }),
    'update:cancel': () => ({ state: 'unsupported' as const }),
    'settings:get': () => this.settings,
    'settings:update': (patch) => {
      this.settings = { ...this.settings, ...patch };
      this.emit('settings:changed', this.settings);
      return this.settings;
    },
    'key:status': () => this.keyStatus(),
    'key:set': (key) => {
      this.key = key;
      return this.keyStatus();
    },
    'key:clear': () => {
      this.key = undefined;
      return this.keyStatus();
    },
    'key:test': (key) => {
      const k = key ?? this.key;
      if (k === 'good-key-1a2b') return { ok: true, balanceMicros: 100_000_000, message: 'The key works. Balance: $100.00.' };
      return { ok: false, message: 'APIXO did not accept the API key: check it in your APIXO dashboard.' };
    },
    'import:text': (req) => {
      const options = { defaults: { ...this.settings.defaults, ...req.defaults }, mapping: req.mapping };
      return this.keep(req.lines ? importPromptLines(req.text, options) : importCsvText(req.text, options), req.fileName);
    },
    'import:file': (req) => {
      const text = readFileSync(req.path, 'utf8');
      return this.keep(importCsvText(text, { defaults: { ...this.settings.defaults, ...req.defaults }, mapping: req.mapping }), req.path.split('/').pop());
    },
    'import:example': () => this.keep(importCsvText(EXAMPLE_CSV, { defaults: this.settings.defaults }), 'example.csv'),
    'import:rows': (token, page) => {
      const rows = this.kept(token).result.rows;
      return { total: rows.length, items: rows.slice(page.offset, page.offset + page.limit) };
    },
    'import:columns': (token) => this.kept(token).result.columns,
    'batches:create': (req) => {
      const { result, fileName } = this.kept(req.token);
      if (result.problems.length > 0 && !req.skipInvalid) throw new FakeError(`${result.invalidRowCount} row(s) have problems: fix them, or choose to leave them out.`);
      const rows = validRows(result);
      const id = `b${this.nextBatch++}`;
      const tasks = rows.map((r, position) => this.makeTask(id, position, r.draft, { row: r.row, take: r.take, name: r.name, cells: r.source }));
      const batch: BatchRecord = { id, name: req.name, createdAt: Date.now(), libraryDir: this.settings.libraryDir, sourceFile: fileName, capMicros: req.capMicros, taskIds: tasks.map((t) => t.id) };
      this.batches.set(id, batch);
      for (const t of tasks) this.tasks.set(t.id, t);
      this.imports.delete(req.token);
      return this.summary(id);
    },
    'batches:pause': (id) => {
      this.batch(id).paused = { reason: 'user', message: 'Paused.' };
      return this.summary(id);
    },
    'batches:resume': (id) => {
      delete this.batch(id).paused;
      return this.summary(id);
    },
    'batches:cancel': (id) => this.tasksOf(id).filter((t) => t.state === 'queued' && this.put(t.id, 'canceled')).length,
    'batches:retry-failed': (id) => this.tasksOf(id).filter((t) => t.state === 'failed' && this.put(t.id, 'queued')).length,
    'batches:set-cap': (id, cap) => {
      const b = this.batch(id);
      if (cap === null) delete b.capMicros;
      else b.capMicros = cap;
      return this.summary(id);
    },
    'tasks:page': (batchId, page) => {
      const tasks = this.tasksOf(batchId);
      return { total: tasks.length, items: tasks.slice(page.offset, page.offset + page.limit) };
    },
    'tasks:resubmit': (id) => this.act(id, ['needs_review'], 'queued'),
    'tasks:abandon': (id) => this.act(id, ['needs_review', 'download_failed'], 'abandoned'),
    'tasks:retry': (id) => this.act(id, ['failed', 'expired', 'download_failed', 'rejected'], 'queued'),
    'tasks:cancel': (id) => this.act(id, ['queued'], 'canceled'),
    'tasks:attach': (id, apixoTaskId) => {
      const task = this.act(id, ['needs_review'], 'submitted');
      task.taskId = apixoTaskId;
      return task;
    },
    'queue:snapshot': () => ({ status: this.status, costs: this.costs(), batches: [...this.batches.keys()].map((id) => this.summary(id)) }),
    'queue:set-concurrency': (limit) => {
      this.status = { ...this.status, limit, effectiveLimit: limit };
      return this.status;
    },
    'queue:resume-account': () => {
      this.status = { ...this.status, account: undefined, activity: 'idle' };
      return this.status;
    },
    'library:query': (query) => this.libraryPage(query),
    'library:get': (path) => this.libraryDetail(path),
    'library:favourite': (paths, on) =>
      this.eachVideo(paths, (entry) => {
        if (!entry.sidecar) throw new FakeError('it has no sidecar, so it cannot be marked.');
        this.putVideo(appEntry(entry, { ...entry.sidecar, favourite: on }));
      }),
    'library:delete': (paths) => {
      const result = this.eachVideo(paths, (entry) => {
        if (this.undeletable.has(entry.path)) throw new FakeError('the file is in use by another program.');
        this.library.delete(entry.path);
        this.trash.push(entry.path);
      });
      return result;
    },
    'library:reveal': (path) => {
      this.revealed.push(path);
      return this.library.has(path);
    },
    'library:export': (paths, folder) => {
      const result = this.eachVideo(paths, () => {}, false);
      this.exported.push({ paths, folder });
      return { ...result, folder, manifest: `${folder}/manifest.csv` };
    },
    'library:thumbnail': (path, jpegDataUrl) => {
      if (!this.library.has(path)) throw new FakeError(`${path} is not in the library.`);
      if (!jpegDataUrl.startsWith('data:image/jpeg;base64,')) throw new FakeError('A poster frame must be a JPEG data URL.');
      const ref = mediaRef('cache', `thumbs/${this.nextThumb++}.jpg`);
      this.libraryThumbs.set(path, ref);
      return ref;
    },
    'library:rerun': (request) => {
      const entries = request.paths.map((p) => this.video(p));
      const drafts = entries.flatMap((entry) => {
        const sidecar = entry.sidecar;
        if (!sidecar) throw new FakeError(`“${entry.name}” has no sidecar, so there is nothing to generate again.`);
        const draft = { mode: sidecar.mode, prompt: sidecar.prompt, resolution: sidecar.resolution, duration: sidecar.duration, aspectRatio: sidecar.aspectRatio, imageUrl: sidecar.imageUrl, loras: sidecar.loras };
        return request.seeds === 'same' ? [{ ...draft, seed: sidecar.seed }] : Array.from({ length: request.takes }, () => draft);
      });
      const id = `b${this.nextBatch++}`;
      const tasks = drafts.map((draft, position) => this.makeTask(id, position, draft, { row: position + 2, take: 1, name: `rerun-${position + 1}`, cells: {} }));
      const what = request.seeds === 'same' ? 'Again' : 'New takes';
      const name = entries.length === 1 ? `${what}: ${entries[0].name.replace(/\.mp4$/i, '')}` : `${what}: ${entries.length} videos`;
      this.batches.set(id, { id, name, createdAt: Date.now(), libraryDir: this.settings.libraryDir, taskIds: tasks.map((t) => t.id) });
      for (const t of tasks) this.tasks.set(t.id, t);
      return this.summary(id);
    },
    'library:use': (path) => {
      const sidecar = this.video(path).sidecar;
      if (!sidecar) throw new FakeError('This video has no sidecar, so its settings are unknown.');
      const draft: ComposerDraft = {
        rows: [{ prompt: sidecar.prompt }],
        defaults: {
          mode: sidecar.mode,
          resolution: sidecar.resolution,
          duration: sidecar.duration,
          aspectRatio: sidecar.aspectRatio ?? '16:9',
          seed: sidecar.seed === undefined ? { kind: 'random' } : { kind: 'fixed', value: sidecar.seed },
          ...(sidecar.loras ? { loras: sidecar.loras } : {})
        }
      };
      return draft;
    },
    'dialog:choose-folder': (title) => {
      this.folderTitles.push(title);
      return this.folderChoice;
    },
    'drop:inspect': () => notFaked('drop:inspect'),
    'images:from-url': () => notFaked('images:from-url'),
    'composer:create': () => notFaked('composer:create'),
    'hosting:status': () => ({ label: 'nothing', ready: false, message: 'Set up image hosting in Settings.', secretSet: false, simulated: false }),
    'hosting:set-secret': () => notFaked('hosting:set-secret'),
    'hosting:clear-secret': () => notFaked('hosting:clear-secret'),
    'hosting:test': () => notFaked('hosting:test')
  };
  readonly mediaBase = 'ltx-media://';

  // ── The library ─────────────────────────────────────────────────────────────────────────
  /** Videos by library path, as main's index holds them. */
  readonly library = new Map<string, LibraryEntry>();
  /** Poster frames saved through `library:thumbnail`, by path. */
  readonly libraryThumbs = new Map<string, string>();
  readonly trash: string[] = [];
  readonly revealed: string[] = [];
  readonly exported: { paths: string[]; folder: string }[] = [];
  /** Paths `library:delete` refuses (a file in use). */
  readonly undeletable = new Set<string>();
  /** What `dialog:choose-folder` answers: null is the person cancelling. */
  folderChoice: string | null = '/home/me/Exports';
  readonly folderTitles: string[] = [];
  private nextVideo = 1;
  private nextThumb = 1;

  get simulated(): boolean {
    return this.settings.simulator === 'on' || (this.settings.simulator === 'auto' && !this.key);
  }

  async invoke<C extends InvokeChannel>(channel: C, ...args: InvokeArgs<C>): Promise<IpcResult<InvokeResult<C>>> {
    this.calls.push({ channel, args });
    if (this.gate) await this.gate;
    const failure = this.failures.get(channel);
    if (failure) {
      this.failures.delete(channel);
      return { ok: false, ...failure };
    }
    try {
      const handler = this.handlers[channel] as (...a: unknown[]) => unknown;
      // A copy, as structured clone across IPC would give.
      const value = structuredClone(await handler(...args)) as InvokeResult<C>;
      return { ok: true, value };
    } catch (error) {
      return { ok: false, code: error instanceof FakeError ? 'not_allowed' : 'internal', message: (error as Error).message };
    }
  }

  on<E extends EventChannel>(event: E, listener: (payload: EventMap[E]) => void): () => void {
    const set = this.listeners.get(event) ?? new Set();
    set.add(listener as (payload: never) => void);
    this.listeners.set(event, set);
    return () => set.delete(listener as (payload: never) => void);
  }

  pathForFile(file: File): string {
    return this.paths.get(file) ?? '';
  }

  // ── Test controls ─────────────────────────────────────────────────────────────────────────

  /** The next call of `channel` answers this error. */
  failNext(channel: InvokeChannel, message: string, code: IpcErrorCode = 'not_allowed'): void {
    this.failures.set(channel, { code, message });
  }

  hold(): void {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
  }

  release(): void {
    this.openGate?.();
    this.gate = undefined;
  }

  callsOf(channel: InvokeChannel): Call[] {
    return this.calls.filter((c) => c.channel === channel);
  }

  emit<E extends EventChannel>(event: E, payload: EventMap[E]): void {
    for (const listener of this.listeners.get(event) ?? []) (listener as (p: EventMap[E]) => void)(structuredClone(payload));
  }

  listenerCount(event: EventChannel): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  /** Adds a batch of `count` simple tasks straight into the queue. */
  addBatch(count: number, name = `Batch ${this.nextBatch}`, state: TaskState = 'queued'): BatchRecord {
    const id = `b${this.nextBatch++}`;
    const ids: string[] = [];
    for (let position = 0; position < count; position++) {
      const task = this.makeTask(id, position, { mode: 'text-to-video', prompt: `Prompt number ${position + 1}`, resolution: '720p', duration: 5, aspectRatio: '16:9' }, { row: position + 2, take: 1, name: `video-${position + 1}`, cells: {} });
      task.state = state;
      this.tasks.set(task.id, task);
      ids.push(task.id);
    }
    const batch: BatchRecord = { id, name, createdAt: Date.now() - 1000 * (10 - this.nextBatch), libraryDir: this.settings.libraryDir, taskIds: ids };
    this.batches.set(id, batch);
    return batch;
  }

  /** Changes tasks as the engine would and pushes one coalesced delta with them. */
  change(changes: { id: string; state?: TaskState; patch?: Partial<TaskRecord> }[]): void {
    const touched: TaskRecord[] = [];
    for (const c of changes) {
      const task = this.tasks.get(c.id)!;
      if (c.patch) Object.assign(task, c.patch);
      if (c.state) this.put(c.id, c.state);
      touched.push(task);
    }
    this.pushDelta(touched);
  }

  /** Pushes a delta with these tasks, their batches, the status and the costs. */
  pushDelta(tasks: TaskRecord[] = [], batchIds: string[] = []): void {
    const ids = new Set([...batchIds, ...tasks.map((t) => t.batchId)]);
    this.refreshStatus();
    this.emit('queue:changed', { tasks, batches: [...ids].map((id) => this.summary(id)), status: this.status, costs: this.costs() });
  }

  summary(batchId: string): BatchSummary {
    const tasks = this.tasksOf(batchId);
    const counts: BatchSummary['counts'] = {};
    for (const t of tasks) counts[t.state] = (counts[t.state] ?? 0) + 1;
    return { batch: this.batch(batchId), counts, total: tasks.length, costs: sumCosts(tasks) };
  }

  costs(): CostTotals {
    return { ...sumCosts(this.tasks.values()), ...(this.balanceMicros !== undefined ? { balanceMicros: this.balanceMicros } : {}) };
  }

  /**
   * Adds videos made by the app (with sidecars), newest last unless `createdAt` says otherwise;
   * `spec(i)` varies each one. Pushes one `library:changed`, as main's watcher would, when `announce`.
   */
  addVideos(count: number, spec: (i: number) => VideoSpec = () => ({}), announce = false): LibraryEntry[] {
    const added: LibraryEntry[] = [];
    for (let i = 0; i < count; i++) {
      const n = this.nextVideo++;
      const v = { ...defaultVideo(n), ...spec(i) };
      const batch = v.batch ?? { id: 'lib-b1', name: 'Spring campaign' };
      const name = v.name ?? `2025-01-31_video-${n}_s${v.seed ?? 0}_${n.toString(16).padStart(8, '0')}.mp4`;
      const path = `${batch.name.toLowerCase().replace(/\W+/g, '-')}/${name}`;
      const sidecar = makeSidecar(name, v, batch);
      const entry = appEntry({ path, name, sizeBytes: v.sizeBytes ?? 2_400_000 + n, mtimeMs: v.createdAt }, sidecar);
      this.putVideo(entry);
      if (v.thumb !== false) this.libraryThumbs.set(path, mediaRef('cache', `thumbs/v${n}.jpg`));
      added.push(entry);
    }
    if (announce) this.emit('library:changed', { changed: added.map((e) => e.path), removed: [], librarySize: this.library.size });
    return added;
  }

  /** Adds a video known only by its file (no sidecar, or one that could not be used). */
  addUnknownVideo(name: string, options: { probe?: VideoProbe; problem?: SidecarProblem; reason?: string; probeError?: string; createdAt?: number; thumb?: boolean } = {}): LibraryEntry {
    const path = `imported/${name}`;
    const problem = options.problem ? { problem: options.problem, reason: options.reason ?? '' } : undefined;
    const probe = options.probeError ? undefined : (options.probe ?? { width: 1920, height: 1080, durationSec: 7.52, fps: 24, hasAudio: false, videoCodec: 'avc1' });
    const entry = unknownEntry({ path, name, sizeBytes: 5_000_000, mtimeMs: options.createdAt ?? Date.now() - 3_600_000 }, probe, options.probeError, problem);
    this.putVideo(entry);
    if (options.thumb) this.libraryThumbs.set(path, mediaRef('cache', `thumbs/u${this.nextVideo++}.jpg`));
    return entry;
  }

  /** Removes videos as if deleted outside the app, and pushes the change. */
  removeVideos(paths: string[]): void {
    for (const p of paths) this.library.delete(p);
    this.emit('library:changed', { changed: [], removed: paths, librarySize: this.library.size });
  }

  // ── Inside ────────────────────────────────────────────────────────────────────────────────

  private putVideo(entry: LibraryEntry): void {
    this.library.set(entry.path, entry);
  }

  private video(path: string): LibraryEntry {
    const entry = this.library.get(path);
    if (!entry) throw new FakeError(`${path} is not in the library.`);
    return entry;
  }

  private searchable(): Searchable[] {
    return [...this.library.values()].map((entry) => searchable(entry));
  }

  private libraryItem(entry: LibraryEntry): LibraryItem {
    const { sidecar, ...rest } = entry;
    const item: LibraryItem = { ...rest, video: mediaRef('library', entry.path) };
    const thumb = this.libraryThumbs.get(entry.path);
    if (thumb) item.thumb = thumb;
    if (sidecar?.seed !== undefined) item.seed = sidecar.seed;
    return item;
  }

  private libraryPage(query: LibraryQuery): LibraryPage {
    const all = this.searchable();
    const result = runQuery(all, query);
    const { favourite: _favourite, offset: _offset, limit: _limit, ...rest } = query;
    const favourites = runQuery(all, rest).items.filter((e) => e.favourite).length;
    const batches = new Map<string, { id: string; name: string; count: number }>();
    for (const entry of this.library.values()) {
      if (!entry.batchId) continue;
      const b = batches.get(entry.batchId) ?? { id: entry.batchId, name: entry.batchName ?? entry.batchId, count: 0 };
      b.count++;
      batches.set(entry.batchId, b);
    }
    return { total: result.total, items: result.items.map((e) => this.libraryItem(e)), facets: result.facets, librarySize: this.library.size, favourites, batches: [...batches.values()] };
  }

  private libraryDetail(path: string): LibraryDetail {
    const entry = this.video(path);
    const detail: LibraryDetail = { ...this.libraryItem(entry) };
    if (entry.sidecar) detail.sidecar = entry.sidecar;
    if (entry.sidecar?.sourceImage) detail.sourceImage = mediaRef('library', [...path.split('/').slice(0, -1), entry.sidecar.sourceImage].join('/'));
    return detail;
  }

  /** Does `act` to each video, collecting what could not be done; pushes the change when `changes`. */
  private eachVideo(paths: string[], act: (entry: LibraryEntry) => void, changes = true): LibraryBulkResult {
    const result: LibraryBulkResult = { done: 0, failed: [] };
    const changed: string[] = [];
    const removed: string[] = [];
    for (const path of paths) {
      const entry = this.library.get(path);
      if (!entry) {
        result.failed.push({ path, message: 'it is no longer in the library.' });
        continue;
      }
      try {
        act(entry);
        result.done++;
        (this.library.has(path) ? changed : removed).push(path);
      } catch (error) {
        result.failed.push({ path, message: (error as Error).message });
      }
    }
    if (changes && result.done > 0) this.emit('library:changed', { changed, removed, librarySize: this.library.size });
    return result;
  }


  private keyStatus(): KeyStatus {
    return this.key ? { set: true, hint: `…${this.key.slice(-4)}` } : { set: false };
  }

  private keep(result: ImportResult, fileName?: string): ImportPreview {
    const token = `t${this.nextToken++}`;
    this.imports.set(token, { result, fileName });
    const { rows, ...rest } = result;
    return { ...rest, token, rowCount: rows.length, fileName };
  }

  private kept(token: string): { result: ImportResult; fileName?: string } {
    const found = this.imports.get(token);
    if (!found) throw new FakeError('That import is no longer open: import the file again.');
    return found;
  }

  private batch(id: string): BatchRecord {
    const b = this.batches.get(id);
    if (!b) throw new FakeError(`There is no batch ${id}.`);
    return b;
  }

  private tasksOf(batchId: string): TaskRecord[] {
    return this.batch(batchId).taskIds.map((id) => this.tasks.get(id)!);
  }

  private makeTask(batchId: string, position: number, draft: Parameters<typeof buildRequest>[0], source: TaskRecord['source']): TaskRecord {
    const request = buildRequest(draft);
    return {
      id: taskIdFor(batchId, position),
      batchId,
      position,
      source,
      request,
      estimateMicros: taskCost(draft),
      state: 'queued',
      attempts: 0,
      autoRetries: 0,
      spentMicros: 0,
      times: { created: Date.now(), queued: Date.now() }
    };
  }

  private put(id: string, state: TaskState): true {
    const task = this.tasks.get(id)!;
    task.state = state;
    task.times[state] = Date.now();
    if (state === 'done') task.spentMicros = task.estimateMicros;
    return true;
  }

  private act(id: string, from: TaskState[], to: TaskState): TaskRecord {
    const task = this.tasks.get(id);
    if (!task) throw new FakeError(`There is no task ${id}.`);
    if (!from.includes(task.state)) throw new FakeError(`That cannot be done to a task that is ${task.state.replace('_', ' ')}.`);
    this.put(id, to);
    return task;
  }

  private refreshStatus(): void {
    let queued = 0;
    let inFlight = 0;
    let needsReview = 0;
    for (const t of this.tasks.values()) {
      if (t.state === 'queued') queued++;
      else if (t.state === 'needs_review') needsReview++;
      else if (COMMITTED_STATES.has(t.state)) inFlight++;
    }
    this.status = { ...this.status, queued, inFlight, needsReview };
  }
}


/** What a test may choose about a fake library video; the rest is made up. */
export interface VideoSpec {
  name?: string;
  prompt?: string;
  mode?: Mode;
  resolution?: Resolution;
  duration?: number;
  aspectRatio?: AspectRatio;
  seed?: number;
  loras?: LoraItem[];
  imageUrl?: string;
  sourceImage?: string;
  batch?: { id: string; name: string };
  favourite?: boolean;
  createdAt?: number;
  costMicros?: number;
  sizeBytes?: number;
  probe?: Partial<VideoProbe>;
  /** false: no poster frame cached yet. */
  thumb?: boolean;
}

function defaultVideo(n: number): VideoSpec & { createdAt: number } {
  return { prompt: `A calm lake at dawn, shot number ${n}`, mode: 'text-to-video', resolution: '720p', duration: 5, aspectRatio: '16:9', seed: 1000 + n, createdAt: Date.UTC(2025, 0, 1) + n * 60_000 };
}

function makeSidecar(file: string, v: VideoSpec & { createdAt: number }, batch: { id: string; name: string }): Sidecar {
  const mode = v.mode ?? 'text-to-video';
  const draft = { mode, prompt: v.prompt ?? '', resolution: v.resolution ?? '720p', duration: v.duration ?? 5, aspectRatio: v.aspectRatio, seed: v.seed, imageUrl: v.imageUrl, loras: v.loras };
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
    sourceRow: { row: 2, take: 1, cells: {} },
    estimateMicros: estimate,
    timings: { submittedAt: created, succeededAt: created, downloadedAt: created, generationMs: 64_000 },
    probe: { width: 1280, height: 720, durationSec: draft.duration, fps: 25, hasAudio: true, videoCodec: 'avc1', audioCodec: 'mp4a', ...v.probe },
    createdAt: created
  };
  if (v.aspectRatio) sidecar.aspectRatio = v.aspectRatio;
  if (v.seed !== undefined) sidecar.seed = v.seed;
  if (v.imageUrl) sidecar.imageUrl = v.imageUrl;
  if (v.sourceImage) sidecar.sourceImage = v.sourceImage;
  if (v.loras) sidecar.loras = v.loras;
  if (v.favourite) sidecar.favourite = true;
  sidecar.costMicros = v.costMicros ?? estimate;
  return sidecar;
}
