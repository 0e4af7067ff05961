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
    'library:query': () => notFaked('library:query'),
    'library:get': () => notFaked('library:get'),
    'library:favourite': () => notFaked('library:favourite'),
    'library:delete': () => notFaked('library:delete'),
    'library:reveal': () => notFaked('library:reveal'),
    'library:export': () => notFaked('library:export'),
    'library:thumbnail': () => notFaked('library:thumbnail'),
    'library:rerun': () => notFaked('library:rerun'),
    'library:use': () => notFaked('library:use'),
    'dialog:choose-folder': () => notFaked('dialog:choose-folder'),
    'drop:inspect': () => notFaked('drop:inspect'),
    'images:from-url': () => notFaked('images:from-url'),
    'composer:create': () => notFaked('composer:create'),
    'hosting:status': () => ({ label: 'nothing', ready: false, message: 'Set up image hosting in Settings.', secretSet: false, simulated: false }),
    'hosting:set-secret': () => notFaked('hosting:set-secret'),
    'hosting:clear-secret': () => notFaked('hosting:clear-secret'),
    'hosting:test': () => notFaked('hosting:test')
  };
  readonly mediaBase = 'ltx-media://';

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

  // ── Inside ────────────────────────────────────────────────────────────────────────────────

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

