/**
 * Updates: look for a new version at start and once a day, download it, offer it with its notes,
 * and restart into it only when that loses nothing. While tasks are in flight or videos are
 * downloading, a restart waits for the queue (or the person says "now", knowing that running
 * tasks are collected after the restart). Where updates come from (electron-updater in the app)
 * and how the app restarts are the `UpdateSource`'s business; this file only decides.
 */
import type { UpdateStatus } from '@shared/update';
import { silentLog, type Logger } from '../log/logger';

export interface FoundUpdate {
  version: string;
  /** The release notes as plain text. */
  notes: string;
}

export interface UpdateSource {
  /** The newer version on offer, or undefined when this one is the newest. */
  check(): Promise<FoundUpdate | undefined>;
  download(onProgress: (percent: number) => void): Promise<void>;
  /** Quits and restarts into the downloaded version (after the app has closed cleanly). */
  install(): Promise<void>;
}

export interface Busy {
  inFlight: number;
  downloading: number;
}

export interface UpdateTimers {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface UpdateCoordinatorOptions {
  source: UpdateSource;
  /** What the queue is doing now. */
  busy(): Busy;
  onChange(status: UpdateStatus): void;
  timers?: UpdateTimers;
  /** The first look, after start (default 10 s: the window comes first). */
  firstCheckMs?: number;
  /** Between looks (default a day). */
  intervalMs?: number;
  log?: Logger;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const realTimers: UpdateTimers = {
  now: () => Date.now(),
  setTimeout: (run, ms) => setTimeout(run, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout)
};

/** Release notes as text: GitHub hands them over as HTML. */
export function notesText(notes: unknown): string {
  const raw = Array.isArray(notes)
    ? notes.map((n: { version?: string; note?: string | null }) => `${n.version ?? ''}\n${n.note ?? ''}`).join('\n\n')
    : typeof notes === 'string'
      ? notes
      : '';
  return raw
    .replace(/<\s*(br|\/p|\/li|\/h\d)\s*\/?>/gi, '\n')
    .replace(/<li[^>]*>/gi, '• ')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export class UpdateCoordinator {
  private status: UpdateStatus = { state: 'idle' };
  private timer: unknown;
  private readonly timers: UpdateTimers;
  private readonly log: Logger;
  private stopped = false;

  constructor(private readonly options: UpdateCoordinatorOptions) {
    this.timers = options.timers ?? realTimers;
    this.log = options.log ?? silentLog;
  }

  current(): UpdateStatus {
    return this.status;
  }

  start(): void {
    this.schedule(this.options.firstCheckMs ?? 10_000);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
  }

  /** Looks now (also what the daily timer does); a download already found is not looked for again. */
  async check(): Promise<UpdateStatus> {
    const { state } = this.status;
    if (state === 'checking' || state === 'downloading' || state === 'ready' || state === 'waiting') return this.status;
    this.set({ state: 'checking' });
    let found: FoundUpdate | undefined;
    try {
      found = await this.options.source.check();
    } catch (error) {
      this.log.warn(`update check failed: ${(error as Error).message}`);
      return this.set({
        state: 'error',
        message: 'Could not look for updates. The app looks again tomorrow, or use Check for updates.',
        checkedAt: this.timers.now()
      });
    }
    if (!found) {
      this.log.info('no update: this is the newest version');
      return this.set({ state: 'idle', checkedAt: this.timers.now() });
    }
    this.log.info('update found', { version: found.version });
    this.set({ state: 'downloading', version: found.version, notes: found.notes, percent: 0 });
    try {
      await this.options.source.download((percent) => {
        if (this.status.state === 'downloading') this.set({ ...this.status, percent: Math.round(percent) });
      });
    } catch (error) {
      this.log.warn(`update download failed: ${(error as Error).message}`, { version: found.version });
      return this.set({
        state: 'error',
        message: `Version ${found.version} could not be downloaded. The app tries again tomorrow.`,
        checkedAt: this.timers.now()
      });
    }
    this.log.info('update downloaded', { version: found.version });
    return this.set({ state: 'ready', version: found.version, notes: found.notes, ...this.options.busy() });
  }

  /**
   * The person asked to restart into the update. While the queue is busy it waits for the queue,
   * unless `now` (they were told what that means): tasks at APIXO keep running and are collected
   * after the restart; a download in progress resumes.
   */
  async install(now = false): Promise<UpdateStatus> {
    const s = this.status;
    if (s.state !== 'ready' && s.state !== 'waiting') return s;
    const busy = this.options.busy();
    if (!now && (busy.inFlight > 0 || busy.downloading > 0)) {
      this.log.info('update waits for the queue', { version: s.version, ...busy });
      return this.set({ state: 'waiting', version: s.version, notes: s.notes, ...busy });
    }
    this.log.info('restarting into the update', { version: s.version, ...busy, forced: now || undefined });
    this.stop();
    await this.options.source.install();
    return this.status;
  }

  /** Back to offering the update instead of restarting when the queue is done. */
  cancelWaiting(): UpdateStatus {
    const s = this.status;
    if (s.state !== 'waiting') return s;
    return this.set({ state: 'ready', version: s.version, notes: s.notes, ...this.options.busy() });
  }

  /** Tells the coordinator the queue changed: a waiting restart happens once nothing is running. */
  queueChanged(): void {
    const s = this.status;
    if (s.state !== 'ready' && s.state !== 'waiting') return;
    const busy = this.options.busy();
    if (s.state === 'waiting' && busy.inFlight === 0 && busy.downloading === 0) {
      void this.install().catch((error: unknown) => this.log.error('the update could not be installed', { error }));
      return;
    }
    if (busy.inFlight !== s.inFlight || busy.downloading !== s.downloading) this.set({ ...s, ...busy });
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = this.timers.setTimeout(() => {
      void this.check().finally(() => this.schedule(this.options.intervalMs ?? DAY_MS));
    }, ms);
  }

  private set(next: UpdateStatus): UpdateStatus {
    this.status = next;
    this.options.onChange(next);
    return next;
  }
}
