import { join, relative, sep } from 'node:path';
import type { EventChannel, EventMap, InvokeChannel, InvokeHandlers, IpcResult, QueueSnapshot, SettingsUpdate } from '@shared/ipc';
import { parseInvokeArgs } from '@shared/ipc-schemas';
import type { Settings, SettingsPatch } from '@shared/settings';
import type { UpdateStatus } from '@shared/update';
import { unreachableEndpoint } from '@shared/address';
import { isApixoError } from '../apixo';
import { HostingError, requestSigner } from '../hosting';
import { ImageCache, isImageRefusal } from '../images';
import { LibraryError } from '../library/library-error';
import { LibraryService, type LibraryServiceOptions } from '../library/library-service';
import { silentLog, type Logger } from '../log/logger';
import { Redactor } from '../log/redact';
import { BatchEngine, TaskActionError, type EngineChange } from '../queue/engine';
import { UpdateCoordinator, type UpdateSource } from '../update/update-coordinator';
import { chooserHandlers } from './chooser-handlers';
import { ChosenFiles, WindowRefusal } from './chosen-files';
import { Connection, type SecretStore } from './connection';
import type { BatchContext } from './create-batch';
import { DIAGNOSTIC_LOG_LINES, diagnosticsReport, type RuntimeInfo } from './diagnostics';
import { checkChosenFolder } from './folder-rules';
import { importHandlers } from './import-handlers';
import { keyHandlers } from './key-handlers';
import { mediaHandlers, type DesktopAdapters, type StartDrag } from './media-handlers';
import { remoteImagePolicy } from '../images/remote-image';
import { QueueFeed } from './queue-feed';
import { queueHandlers, queueSnapshot } from './queue-handlers';
import { SeenImages } from './seen-images';

export type { SecretStore } from './connection';

/** Where settings live: electron-store in the app, a plain object in tests and the harness. */
export interface SettingsStore {
  read(): Settings;
  write(settings: Settings): void;
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
  /** The OS trash, the file manager and main's open dialogs (a scripted chooser in tests). */
  desktop: DesktopAdapters;
  /** Drags a video out of the window into another app (`webContents.startDrag` in the app, a recorder in the harness); absent: no drag. */
  startDrag?: StartDrag;
  /** Follow the library folder for changes made outside the app (default true). */
  watchLibrary?: boolean;
  /**
   * Start before a library folder with no index yet is read whole: the window shows its progress
   * and the grid fills once it is read (the desktop app). Default false: the start waits for it.
   */
  libraryInBackground?: boolean;
  /** How the library folder is followed (a test's folder walk that waits, as on a slow network share). Default: the library's own. */
  libraryFollow?: LibraryServiceOptions['follow'];
  log?: Logger;
  logs?: AppLogs;
  /** Electron's versions in the app; Node's alone elsewhere. */
  runtime?: RuntimeInfo;
  /** Where new versions come from (the packaged app); none in development and tests. */
  updates?: UpdateSource;
}

/** The app's icon under the pointer while a video with no poster frame is dragged out (resources/). */
const DRAG_ICON = join('icons', 'png', '64x64.png');

type UpdateChannel = 'update:status' | 'update:check' | 'update:install' | 'update:cancel';

type Listener<E extends EventChannel> = (payload: EventMap[E]) => void;

/**
 * The facade behind every door into the product: the Electron window, the test harness and
 * (in part) the CLI. It opens the connection to APIXO or the simulator (connection.ts), the
 * engine and the library, and answers each IPC channel: the app's own, settings and updates
 * here, the rest through one handler group per domain (key-handlers.ts, import-handlers.ts,
 * queue-handlers.ts, media-handlers.ts).
 */
export class AppService {
  private engine!: BatchEngine;
  private readonly connection: Connection;
  private readonly listeners = new Map<EventChannel, Set<Listener<EventChannel>>>();
  private unsubscribeEngine: (() => void) | undefined;
  private unsubscribeLibrary: (() => void) | undefined;
  private library: LibraryService | undefined;
  private images!: ImageCache;
  private updates: UpdateCoordinator | undefined;
  private batches!: BatchContext;
  /** What the window hears of the queue: deltas for the tasks it watches (queue-feed.ts). */
  private readonly feed = new QueueFeed(() => this.engine);
  /** Files and folders the person chose, by token: the only paths the window's calls reach. */
  private readonly chosen = new ChosenFiles();
  /** Every channel's handler; built once the services behind them are open. */
  handlers!: InvokeHandlers;

  static async start(options: AppServiceOptions): Promise<AppService> {
    const service = new AppService(options);
    await service.connection.connect();
    const settings = options.settings.read();
    service.engine = await BatchEngine.open({
      dataDir: settings.dataDir,
      client: service.connection.client,
      simulated: service.connection.simulated,
      timeScale: options.timeScale,
      concurrency: settings.concurrency,
      requestBudgetPerMinute: settings.requestBudgetPerMinute,
      overallCapMicros: settings.caps.overallMicros,
      log: options.log?.child('engine'),
      signRequest: requestSigner({ host: () => service.connection.imageHost(), notReady: () => service.connection.hostingStatus().message })
    });
    service.unsubscribeEngine = service.engine.onChange((change: EngineChange) => {
      service.emit('queue:changed', service.feed.delta(change));
      service.fileFinished(change);
      service.updates?.queueChanged();
    });
    await service.simulatorBeside();
    // Paid tasks are polled and collected at once; the library (a read of every sidecar) opens after.
    service.engine.start();
    service.images = new ImageCache(join(settings.dataDir, 'cache'));
    const library = await LibraryService.open({
      libraryDir: settings.libraryDir,
      cacheDir: join(settings.dataDir, 'cache'),
      trash: options.desktop.trash,
      reveal: options.desktop.reveal,
      watch: options.watchLibrary,
      // The grid comes from the index's database at once; in the app a folder read whole (no database yet) runs behind the window.
      background: options.libraryInBackground ?? false,
      ...(options.libraryFollow ? { follow: options.libraryFollow } : {}),
      log: options.log?.child('library')
    });
    service.library = library;
    const unsubscribeChange = library.onChange((change) => service.emit('library:changed', change));
    const unsubscribeStatus = library.onStatus((status) => service.emit('library:status', status));
    service.unsubscribeLibrary = () => {
      unsubscribeChange();
      unsubscribeStatus();
    };
    const seen = new SeenImages(service.images);
    service.batches = {
      engine: () => service.engine,
      images: service.images,
      host: () => service.connection.imageHost(),
      hostingStatus: () => service.connection.hostingStatus(),
      remember: (image) => seen.remember(image)
    };
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
    const engine = () => service.engine;
    const read = () => options.settings.read();
    service.handlers = {
      ...service.appHandlers(),
      ...keyHandlers({ connection: service.connection, secrets: options.secrets, hostingSecret: options.hostingSecret, engine }),
      ...importHandlers({
        settings: read,
        resourcesDir: options.resourcesDir,
        batches: service.batches,
        chosen: service.chosen,
        chooser: options.desktop
      }),
      ...queueHandlers({ engine, updateSettings: (patch) => service.updateSettings(patch), feed: service.feed }),
      ...mediaHandlers({
        library: () => library,
        batches: service.batches,
        seen,
        settings: read,
        desktop: options.desktop,
        chosen: service.chosen,
        imagePolicy: remoteImagePolicy(() => service.connection.client.baseUrl),
        startDrag: options.startDrag,
        dragIcon: join(options.resourcesDir, DRAG_ICON)
      }),
      ...chooserHandlers({
        chooser: options.desktop,
        chosen: service.chosen,
        images: service.images,
        remember: (image) => seen.remember(image),
        log: service.log.child('choices')
      })
    };
    return service;
  }

  private readonly log: Logger;

  private constructor(private readonly options: AppServiceOptions) {
    this.log = options.log ?? silentLog;
    this.connection = new Connection({
      settings: () => options.settings.read(),
      secrets: options.secrets,
      hostingSecret: options.hostingSecret,
      apiBaseUrl: options.apiBaseUrl,
      timeScale: options.timeScale,
      log: this.log,
      onConnect: (client, simulated) => {
        this.engine?.setClient(client, simulated);
        if (!simulated) void this.simulatorBeside();
        // Every key save or clear and every simulator switch comes through here: the window asks again.
        this.emit('app:changed', { simulated, apiLabel: simulated ? 'Simulator' : 'APIXO' });
      }
    });
  }

  /** True while the built-in simulator is the API. */
  get simulated(): boolean {
    return this.connection.simulated;
  }

  /** While APIXO is the API, batches made on the simulator still collect their tasks from it. */
  private async simulatorBeside(): Promise<void> {
    if (!this.engine || this.connection.simulated || this.engine.simulatedWork() === 0) return;
    try {
      this.engine.setSimulatorClient(await this.connection.simulatorClient());
    } catch (error) {
      this.log.warn(`the built-in simulator could not be started for the batches made on it: ${(error as Error).message}`);
    }
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
      const answer = toIpcError(error, log);
      // Every refusal is logged (what was sent and why, for a refused choice); the window gets the words.
      if (!answer.ok && answer.code !== 'internal' && answer.code !== 'unavailable') {
        log.warn(`IPC call refused: ${error instanceof WindowRefusal ? error.detail : answer.message}`);
      }
      return answer;
    }
  }

  on<E extends EventChannel>(event: E, listener: Listener<E>): () => void {
    const set = this.listeners.get(event) ?? new Set();
    set.add(listener as Listener<EventChannel>);
    this.listeners.set(event, set);
    return () => set.delete(listener as Listener<EventChannel>);
  }

  // ── The machine's own life (architecture.md, "Time"): powerMonitor and the network in the app, injected events in tests.

  /** The computer goes to sleep: no polls are sent until `resume`. */
  suspend(): void {
    this.engine?.suspend();
  }

  /** The computer woke up: polls catch up within the request budget. */
  resume(): void {
    this.engine?.resume();
  }

  /** The system says the network is gone (or back). */
  networkChanged(online: boolean): void {
    this.engine?.systemNetwork(online);
  }

  // ──

  async close(): Promise<void> {
    this.updates?.stop();
    this.unsubscribeEngine?.();
    this.unsubscribeLibrary?.();
    await this.engine?.close();
    await this.library?.close();
    await this.connection.close();
    this.listeners.clear();
  }

  private emit<E extends EventChannel>(event: E, payload: EventMap[E]): void {
    for (const listener of this.listeners.get(event) ?? []) listener(payload);
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
        key: this.connection.keyStatus(),
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
    return queueSnapshot(this.engine);
  }

  /**
   * `settings:update` from the window: the folders come as tokens of folders the person chose in
   * main's dialog, and each is checked (a full path to a folder that exists, not a system
   * folder) before anything is stored. A refused change leaves every setting as it was.
   */
  private async windowSettings(update: SettingsUpdate): Promise<Settings> {
    // A folder the window sends as a path is refused by the argument schema; an `undefined` it
    // sends (structured clone keeps them) is no change, never a setting cleared.
    const {
      libraryFolder,
      dataFolder,
      libraryDir: _path,
      dataDir: _dataPath,
      ...rest
    } = update as SettingsUpdate & Pick<SettingsPatch, 'libraryDir' | 'dataDir'>;
    const patch = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined)) as SettingsPatch;
    if (libraryFolder !== undefined) {
      const chosen = this.chosen.path(libraryFolder, 'folder:library', 'settings:update');
      patch.libraryDir = await checkChosenFolder(chosen, 'library folder', 'settings:update');
    }
    if (dataFolder !== undefined) {
      const chosen = this.chosen.path(dataFolder, 'folder:data', 'settings:update');
      patch.dataDir = await checkChosenFolder(chosen, 'data folder', 'settings:update');
    }
    // A bucket endpoint APIXO could never reach is refused as the Settings page refuses it while it is typed.
    const endpoint = patch.hosting?.s3.endpoint;
    const refused = endpoint !== undefined && endpoint !== this.options.settings.read().hosting.s3.endpoint ? unreachableEndpoint(endpoint) : undefined;
    if (refused) throw new WindowRefusal(refused, `settings:update: bucket endpoint ${JSON.stringify(endpoint)} refused: not on the internet`);
    const log = this.log.child('settings');
    if (patch.libraryDir) log.info('library folder set', { path: patch.libraryDir });
    if (patch.dataDir) log.info('data folder set (used from the next start)', { path: patch.dataDir });
    return this.updateSettings(patch);
  }

  private updateSettings(patch: SettingsPatch): Settings {
    const before = this.options.settings.read();
    const next: Settings = { ...before, ...patch, caps: patch.caps ?? before.caps, defaults: patch.defaults ?? before.defaults };
    this.options.settings.write(next);
    if (next.concurrency !== before.concurrency) this.engine.setConcurrency(next.concurrency);
    if (next.caps.overallMicros !== before.caps.overallMicros) this.engine.setOverallCap(next.caps.overallMicros);
    if (next.requestBudgetPerMinute !== before.requestBudgetPerMinute) this.engine.setRequestBudget(next.requestBudgetPerMinute);
    if (next.simulator !== before.simulator) void this.connection.connect();
    if (next.libraryDir !== before.libraryDir) void this.library?.setLibraryDir(next.libraryDir);
    this.emit('settings:changed', next);
    return next;
  }

  /** The doors to the app itself, its settings and its updates. */
  private appHandlers(): Pick<InvokeHandlers, 'app:info' | 'app:diagnostics' | 'app:open-logs' | 'settings:get' | 'settings:update' | UpdateChannel> {
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
      'settings:update': (patch) => this.windowSettings(patch),
      'update:status': () => this.updateStatus(),
      'update:check': () => this.updates?.check() ?? this.updateStatus(),
      'update:install': (now) => this.updates?.install(now) ?? this.updateStatus(),
      'update:cancel': () => this.updates?.cancelWaiting() ?? this.updateStatus()
    };
  }
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
