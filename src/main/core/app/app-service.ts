import { randomBytes } from 'node:crypto';
import { basename, join, relative, sep } from 'node:path';
import { formatUsd } from '@shared/pricing';
import { fileSize } from '@shared/file-size';
import type { TaskRecord } from '@shared/batch';
import type {
  CreateBatchRequest,
  EventChannel,
  EventMap,
  ImportPreview,
  InvokeChannel,
  InvokeHandlers,
  IpcResult,
  KeyStatus,
  QueueSnapshot
} from '@shared/ipc';
import { parseInvokeArgs } from '@shared/ipc-schemas';
import type { ImportResult } from '@shared/import-types';
import type { Settings, SettingsPatch } from '@shared/settings';
import { ApixoClient, isApixoError } from '../apixo';
import { silentLog, type Logger } from '../log/logger';
import { Redactor } from '../log/redact';
import { DIAGNOSTIC_LOG_LINES, diagnosticsReport, type RuntimeInfo } from './diagnostics';
import { UpdateCoordinator, type UpdateSource } from '../update/update-coordinator';
import type { UpdateStatus } from '@shared/update';
import { importCsvFile, importCsvText, importPromptLines, type ImportOptions } from '../import';
import { BatchEngine, TaskActionError, type EngineChange } from '../queue/engine';
import { startSimulator, type Simulator } from '../simulator';
import { HostingError, createImageHost, hostingStatus, testImageHost, type ImageHost } from '../hosting';
import { ImageCache, isImageRefusal } from '../images';
import { LibraryError } from '../library/library-error';
import { LibraryService } from '../library/library-service';
import type { HostingStatus } from '@shared/images';
import { mediaHandlers, type DesktopAdapters, type MediaChannel } from './media-handlers';
import { createBatch, importedTasks, type BatchContext } from './create-batch';
import { SeenImages } from './seen-images';

/** Where settings live: electron-store in the app, a plain object in tests and the harness. */
export interface SettingsStore {
  read(): Settings;
  write(settings: Settings): void;
}

/** Where the API key lives: safeStorage in the app. It is never handed to the window. */
/** A secret kept outside the settings file; reads come from memory, writes may take a moment (the OS keychain). */
export interface SecretStore {
  get(): string | undefined;
  set(value: string): void | Promise<void>;
  clear(): void | Promise<void>;
  /** Encrypted with the OS keychain (the default), or only obscured where the system has none. */
  protection?(): 'encrypted' | 'obscured';
}

/** The app's log, as the diagnostics read it. */
export interface AppLogs {
  dir: string;
  path: string;
  tail(count: number): string[];
  problem(): string | undefined;
}

export interface AppServiceOptions {
  settings: SettingsStore;
  secrets: SecretStore;
  version: string;
  /** Folder holding `examples/example.csv`. */
  resourcesDir: string;
  /** The real API's base URL (tests point it at a simulator). */
  apiBaseUrl?: string;
  /** Multiplies every product delay, the simulator's included (tests and demos). */
  timeScale?: number;
  /** The secret key of the image-hosting bucket: safeStorage in the app. Never handed to the window. */
  hostingSecret: SecretStore;
  /** The OS trash, the file manager and the folder picker. */
  desktop: DesktopAdapters;
  /** Follow the library folder for changes made outside the app (default true). */
  watchLibrary?: boolean;
  log?: Logger;
  logs?: AppLogs;
  /** Electron's versions in the app; Node's alone elsewhere. */
  runtime?: RuntimeInfo;
  /** Where new versions come from (the packaged app); none in development and tests. */
  updates?: UpdateSource;
}

/** Imports kept for the window to page through and turn into batches. */
const KEPT_IMPORTS = 8;

type Listener<E extends EventChannel> = (payload: EventMap[E]) => void;

/**
 * The facade behind every door into the product: the Electron window, the test harness and
 * (in part) the CLI. It owns the connection to APIXO or the simulator, the engine, and the
 * imports a window is looking at, and answers each IPC channel.
 */
export class AppService {
  private engine!: BatchEngine;
  private client!: ApixoClient;
  private simulator: Simulator | undefined;
  private usingSimulator = false;
  private readonly imports = new Map<string, { result: ImportResult; fileName?: string }>();
  private readonly listeners = new Map<EventChannel, Set<Listener<EventChannel>>>();
  private unsubscribeEngine: (() => void) | undefined;
  private unsubscribeLibrary: (() => void) | undefined;
  private library: LibraryService | undefined;
  private images!: ImageCache;
  private updates: UpdateCoordinator | undefined;
  private batches!: BatchContext;
  private media!: Pick<InvokeHandlers, MediaChannel>;
  /** Every channel's handler; built once the services behind them are open. */
  handlers!: InvokeHandlers;

  static async start(options: AppServiceOptions): Promise<AppService> {
    const service = new AppService(options);
    await service.connect();
    const settings = options.settings.read();
    service.engine = await BatchEngine.open({
      dataDir: settings.dataDir,
      client: service.client,
      timeScale: options.timeScale,
      concurrency: settings.concurrency,
      requestBudgetPerMinute: settings.requestBudgetPerMinute,
      overallCapMicros: settings.caps.overallMicros,
      log: options.log?.child('engine')
    });
    service.unsubscribeEngine = service.engine.onChange((change: EngineChange) => {
      service.emit('queue:changed', toDelta(change));
      service.fileFinished(change);
      service.updates?.queueChanged();
    });
    // Paid tasks are polled and collected at once; the library (a read of every sidecar) opens after.
    service.engine.start();
    service.images = new ImageCache(join(settings.dataDir, 'cache'));
    const library = await LibraryService.open({
      libraryDir: settings.libraryDir,
      cacheDir: join(settings.dataDir, 'cache'),
      trash: options.desktop.trash,
      reveal: options.desktop.reveal,
      watch: options.watchLibrary,
      log: options.log?.child('library')
    });
    service.library = library;
    service.unsubscribeLibrary = library.onChange((change) => service.emit('library:changed', change));
    const seen = new SeenImages(service.images);
    service.batches = {
      engine: () => service.engine,
      images: service.images,
      host: () => service.imageHost(),
      hostingStatus: () => service.hostingStatus(),
      remember: (image) => seen.remember(image)
    };
    service.media = mediaHandlers({
      library: () => library,
      batches: service.batches,
      seen,
      settings: () => options.settings.read(),
      desktop: options.desktop
    });
    if (options.updates) {
      service.updates = new UpdateCoordinator({
        source: options.updates,
        busy: () => {
          const { inFlight, downloading } = service.engine.status();
          return { inFlight, downloading };
        },
        onChange: (status) => service.emit('update:changed', status),
        log: service.log.child('update')
      });
      service.updates.start();
    }
    service.handlers = service.buildHandlers();
    return service;
  }

  private readonly log: Logger;

  private constructor(private readonly options: AppServiceOptions) {
    this.log = options.log ?? silentLog;
  }

  /** True while the built-in simulator is the API. */
  get simulated(): boolean {
    return this.usingSimulator;
  }

  /** Checks a call's arguments, runs its handler, and answers the IPC envelope; never throws. */
  async dispatch(channel: string, args: unknown): Promise<IpcResult<unknown>> {
    const log = this.log.child('ipc', { channel });
    if (!Object.hasOwn(this.handlers, channel)) {
      log.warn('IPC call refused: no such channel');
      return { ok: false, code: 'not_found', message: `There is no channel "${channel}".` };
    }
    const parsed = parseInvokeArgs(channel as InvokeChannel, args);
    if (!parsed.ok) {
      log.warn(`IPC call refused: ${parsed.message}`);
      return { ok: false, code: 'invalid_argument', message: parsed.message };
    }
    try {
      const handler = this.handlers[channel as InvokeChannel] as (...a: unknown[]) => unknown;
      return { ok: true, value: await handler(...(parsed.args as unknown[])) };
    } catch (error) {
      return toIpcError(error, log);
    }
  }

  on<E extends EventChannel>(event: E, listener: Listener<E>): () => void {
    const set = this.listeners.get(event) ?? new Set();
    set.add(listener as Listener<EventChannel>);
    this.listeners.set(event, set);
    return () => set.delete(listener as Listener<EventChannel>);
  }

  async close(): Promise<void> {
    this.updates?.stop();
    this.unsubscribeEngine?.();
    this.unsubscribeLibrary?.();
    await this.engine?.close();
    await this.library?.close();
    await this.simulator?.close();
    this.listeners.clear();
  }

  private emit<E extends EventChannel>(event: E, payload: EventMap[E]): void {
    for (const listener of this.listeners.get(event) ?? []) listener(payload);
  }

  /** APIXO with the stored key, or the built-in simulator (settings decide; `auto` = no key). */
  private async connect(): Promise<void> {
    const settings = this.options.settings.read();
    const key = this.options.secrets.get();
    const simulate = settings.simulator === 'on' || (settings.simulator === 'auto' && !key);
    this.usingSimulator = simulate;
    const timeScale = this.options.timeScale;
    if (simulate) {
      this.simulator ??= await startSimulator({ timeScale });
      this.client = new ApixoClient({ apiKey: this.simulator.apiKey, baseUrl: this.simulator.baseUrl, timeScale, log: this.log.child('simulator') });
    } else {
      this.client = new ApixoClient({ apiKey: key ?? '', baseUrl: this.options.apiBaseUrl, timeScale, log: this.log.child('apixo') });
      // The simulator keeps running while tasks it made may still be collected.
    }
    this.log.info(simulate ? 'the API is the built-in simulator' : 'the API is APIXO', { baseUrl: this.client.baseUrl });
    this.engine?.setClient(this.client);
    // Every key save or clear and every simulator switch comes through here: the window asks again.
    this.emit('app:changed', { simulated: simulate, apiLabel: simulate ? 'Simulator' : 'APIXO' });
  }

  /** Tells the library about videos that just landed, so they show without waiting for the folder watch. */
  private fileFinished(change: EngineChange): void {
    const root = this.options.settings.read().libraryDir;
    for (const video of change.landed) {
      const inside = relative(root, video.path);
      if (inside.startsWith('..') || inside.startsWith(sep)) continue;
      void this.library
        ?.landed(video)
        .catch((error: unknown) => this.log.warn(`the library could not list a new video: ${(error as Error).message}`, { file: video.path }));
    }
  }

  /** Where local images go now: the simulator's upload while simulating, else the setting. */
  private imageHost(): ImageHost | undefined {
    const { hosting } = this.options.settings.read();
    const sim = this.usingSimulator && this.simulator ? { baseUrl: this.simulator.baseUrl, apiKey: this.simulator.apiKey } : undefined;
    return createImageHost(hosting, this.options.hostingSecret.get(), sim, this.log.child('hosting'));
  }

  private hostingStatus(): HostingStatus {
    return hostingStatus(this.options.settings.read().hosting, this.options.hostingSecret.get() !== undefined, this.usingSimulator);
  }

  private keyStatus(): KeyStatus {
    const key = this.options.secrets.get();
    const protection = this.options.secrets.protection?.() ?? 'encrypted';
    return key ? { set: true, hint: `…${key.slice(-4)}`, protection } : { set: false, protection };
  }

  private updateStatus(): UpdateStatus {
    return this.updates?.current() ?? { state: 'unsupported' };
  }

  /** What "Copy diagnostics" copies: versions, settings and queue, the log's last lines, no secret. */
  diagnostics(): string {
    const { logs } = this.options;
    const redact = new Redactor();
    redact.keep(() => [this.options.secrets.get(), this.options.hostingSecret.get()]);
    return diagnosticsReport(
      {
        runtime: this.options.runtime ?? {
          app: this.options.version,
          node: process.versions.node,
          v8: process.versions.v8,
          os: `${process.platform} ${process.arch}`
        },
        settings: this.options.settings.read(),
        simulated: this.simulated,
        key: this.keyStatus(),
        hostingSecretSet: this.options.hostingSecret.get() !== undefined,
        snapshot: this.snapshot(),
        log: logs && { path: logs.path, problem: logs.problem(), lines: logs.tail(DIAGNOSTIC_LOG_LINES) },
        now: new Date()
      },
      (text) => redact.redact(text)
    );
  }

  /** The queue as a whole: status, money, every batch's summary. */
  snapshot(): QueueSnapshot {
    const batches = this.engine.batches().map((b) => this.engine.summary(b.id)!);
    return { status: this.engine.status(), costs: this.engine.costs(), batches };
  }

  private keep(result: ImportResult, fileName?: string): ImportPreview {
    const token = randomBytes(12).toString('hex');
    this.imports.set(token, { result, fileName });
    while (this.imports.size > KEPT_IMPORTS) this.imports.delete(this.imports.keys().next().value!);
    const { rows, ...rest } = result;
    return { ...rest, token, rowCount: rows.length, fileName };
  }

  private kept(token: string): { result: ImportResult; fileName?: string } {
    const found = this.imports.get(token);
    if (!found) throw new TaskActionError('That import is no longer open: import the file again.');
    return found;
  }

  private importOptions(request: { defaults?: ImportOptions['defaults']; mapping?: ImportOptions['mapping'] }): ImportOptions {
    const settings = this.options.settings.read();
    return { defaults: { ...settings.defaults, ...request.defaults }, mapping: request.mapping };
  }

  private updateSettings(patch: SettingsPatch): Settings {
    const before = this.options.settings.read();
    const next: Settings = { ...before, ...patch, caps: patch.caps ?? before.caps, defaults: patch.defaults ?? before.defaults };
    this.options.settings.write(next);
    if (next.concurrency !== before.concurrency) this.engine.setConcurrency(next.concurrency);
    if (next.caps.overallMicros !== before.caps.overallMicros) this.engine.setOverallCap(next.caps.overallMicros);
    if (next.requestBudgetPerMinute !== before.requestBudgetPerMinute) this.engine.setRequestBudget(next.requestBudgetPerMinute);
    if (next.simulator !== before.simulator) void this.connect();
    if (next.libraryDir !== before.libraryDir) void this.library?.setLibraryDir(next.libraryDir);
    this.emit('settings:changed', next);
    return next;
  }

  /** A batch from a kept import: its valid rows, local images hosted first. */
  private createFromImport({ result, fileName }: { result: ImportResult; fileName?: string }, request: CreateBatchRequest) {
    const settings = this.options.settings.read();
    return createBatch(this.batches, {
      name: request.name,
      libraryDir: settings.libraryDir,
      sourceFile: fileName,
      capMicros: request.capMicros ?? settings.caps.perBatchMicros,
      tasks: importedTasks(result, request.skipInvalid)
    });
  }

  private buildHandlers(): InvokeHandlers {
    const task = (id: string) => {
      const found = this.engine.task(id);
      if (!found) throw new TaskActionError(`There is no task ${id}.`);
      return forWindow(found);
    };
    const summary = (batchId: string) => {
      const found = this.engine.summary(batchId);
      if (!found) throw new TaskActionError(`There is no batch ${batchId}.`);
      return found;
    };
    return {
      'app:info': () => ({
        version: this.options.version,
        simulated: this.simulated,
        apiLabel: this.simulated ? 'Simulator' : 'APIXO',
        logsDir: this.options.logs?.dir,
        logProblem: this.options.logs?.problem()
      }),
      'app:diagnostics': () => this.diagnostics(),
      'app:open-logs': async () => {
        if (!this.options.logs) throw new TaskActionError('This session keeps no log files.');
        await this.options.desktop.openFolder(this.options.logs.dir);
      },
      'settings:get': () => this.options.settings.read(),
      'settings:update': (patch) => this.updateSettings(patch),
      'key:status': () => this.keyStatus(),
      'key:set': async (key) => {
        await this.options.secrets.set(key.trim());
        await this.connect();
        this.engine.resumeAccount();
        return this.keyStatus();
      },
      'key:clear': async () => {
        await this.options.secrets.clear();
        await this.connect();
        return this.keyStatus();
      },
      'key:test': async (key) => {
        const apiKey = key?.trim() || this.options.secrets.get();
        const client = apiKey ? new ApixoClient({ apiKey, baseUrl: this.options.apiBaseUrl, timeScale: this.options.timeScale }) : this.client;
        try {
          const balanceMicros = await client.balance({ retry: { attempts: 2, baseDelayMs: 500, maxDelayMs: 1000 } });
          return { ok: true, balanceMicros, message: `The key works. Balance: ${formatUsd(balanceMicros)}.` };
        } catch (error) {
          return { ok: false, message: isApixoError(error) ? error.message : `The key could not be tested: ${(error as Error).message}` };
        }
      },
      'import:text': (request) => {
        const options = this.importOptions(request);
        const result = request.lines ? importPromptLines(request.text, options) : importCsvText(request.text, options);
        return this.keep(result, request.fileName);
      },
      'import:file': async (request) => this.keep(await importCsvFile(request.path, this.importOptions(request)), basename(request.path)),
      'import:example': async () => {
        const path = join(this.options.resourcesDir, 'examples', 'example.csv');
        return this.keep(await importCsvFile(path, this.importOptions({})), 'example.csv');
      },
      'import:rows': (token, page) => {
        const { rows } = this.kept(token).result;
        return { total: rows.length, items: rows.slice(page.offset, page.offset + page.limit) };
      },
      'import:columns': (token) => this.kept(token).result.columns,
      'batches:create': async (request) => {
        const kept = this.kept(request.token);
        // Taken out before hosting (which can take a while), so a second click cannot queue it twice.
        this.imports.delete(request.token);
        try {
          return await this.createFromImport(kept, request);
        } catch (error) {
          this.imports.set(request.token, kept);
          throw error;
        }
      },
      'batches:pause': (id) => {
        this.engine.pauseBatch(id);
        return summary(id);
      },
      'batches:resume': (id) => {
        this.engine.resumeBatch(id);
        return summary(id);
      },
      'batches:cancel': (id) => this.engine.cancelBatch(summary(id).batch.id),
      'batches:retry-failed': (id) => this.engine.retryFailed(summary(id).batch.id),
      'batches:set-cap': (id, capMicros) => {
        this.engine.setBatchCap(id, capMicros ?? undefined);
        return summary(id);
      },
      'tasks:page': (batchId, page) => {
        const tasks = this.engine.tasksOf(summary(batchId).batch.id);
        return { total: tasks.length, items: tasks.slice(page.offset, page.offset + page.limit).map(forWindow) };
      },
      'tasks:resubmit': (id) => {
        this.engine.resubmit(id);
        return task(id);
      },
      'tasks:abandon': (id) => {
        this.engine.abandon(id);
        return task(id);
      },
      'tasks:retry': (id) => {
        this.engine.retry(id);
        return task(id);
      },
      'tasks:cancel': (id) => {
        this.engine.cancel(id);
        return task(id);
      },
      'tasks:attach': (id, apixoTaskId) => {
        this.engine.attachTaskId(id, apixoTaskId);
        return task(id);
      },
      'queue:snapshot': () => this.snapshot(),
      'queue:set-concurrency': (limit) => {
        this.updateSettings({ concurrency: limit });
        return this.engine.status();
      },
      'queue:resume-account': () => {
        this.engine.resumeAccount();
        return this.engine.status();
      },
      'hosting:status': () => this.hostingStatus(),
      'hosting:set-secret': async (secret) => {
        await this.options.hostingSecret.set(secret.trim());
        return this.hostingStatus();
      },
      'hosting:clear-secret': async () => {
        await this.options.hostingSecret.clear();
        return this.hostingStatus();
      },
      'update:status': () => this.updateStatus(),
      'update:check': () => this.updates?.check() ?? this.updateStatus(),
      'update:install': (now) => this.updates?.install(now) ?? this.updateStatus(),
      'update:cancel': () => this.updates?.cancelWaiting() ?? this.updateStatus(),
      'hosting:test': async () => {
        const host = this.imageHost();
        if (!host) return { ok: false, message: this.hostingStatus().message };
        return testImageHost(host);
      },
      ...this.media
    };
  }
}

function toDelta(change: EngineChange): EventMap['queue:changed'] {
  return { tasks: change.tasks.map(forWindow), batches: change.batches, status: change.status, costs: change.costs };
}

/**
 * A task as the window gets it: an inline `data:` image (up to 2 MB of text) is shortened to
 * what it is, so a batch of them does not travel to the window with every change.
 */
function forWindow(task: TaskRecord): TaskRecord {
  const input = task.request.input;
  const url = 'image_urls' in input ? input.image_urls[0] : undefined;
  if (!url?.startsWith('data:')) return task;
  const head = url.slice(0, url.indexOf(',') + 1);
  const shown = `${head}… (${fileSize(Math.floor(((url.length - head.length) * 3) / 4))} inline)`;
  return { ...task, request: { ...task.request, input: { ...input, image_urls: [shown] } } as TaskRecord['request'] };
}

/** An error as the window sees it: a sentence for the person, a code for the store. */
export function toIpcError(error: unknown, log: Logger = silentLog): IpcResult<never> {
  if (error instanceof TaskActionError) return { ok: false, code: 'not_allowed', message: error.message };
  if (error instanceof LibraryError) return { ok: false, code: error.code, message: error.message };
  if (isImageRefusal(error) || error instanceof HostingError) return { ok: false, code: 'not_allowed', message: (error as Error).message };
  if (isApixoError(error)) return { ok: false, code: 'unavailable', message: error.message };
  log.error('internal error', { error });
  return { ok: false, code: 'internal', message: `Something went wrong: ${(error as Error).message}` };
}
