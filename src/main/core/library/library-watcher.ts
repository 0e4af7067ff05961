import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FolderWatch } from './folder-watch';
import type { LibraryIndex } from './library-index';
import { isIgnoredPath, isVideoName, scanTree, signature, statVideo, type VideoStat } from './library-scan';
import { mapLimit } from '../util/map-limit';
import { probeMp4 } from '../download/mp4-probe';
import type { Sidecar } from '../download/sidecar';
import type { Logger } from '../log/logger';
import { systemClock, type Clock, type Timer } from '../util/clock';

export interface LibraryWatcherOptions {
  index: LibraryIndex;
  /** What the index gained, changed and lost; called after each round of work (not coalesced). */
  onChange: (changed: string[], removed: string[]) => void;
  /** Follow the folder with `fs.watch` (default true); without it only `reconcile` and `accept` update. */
  watch?: boolean;
  /** How long a video (and its sidecar) must stay the same size and age before it is read. Default 400 ms. */
  settleMs?: number;
  /**
   * A video that stays unreadable (cut short, no movie box …) is taken for one still being
   * copied until it has not changed for this long; then it is listed, as broken. Default 5 s.
   */
  incompleteGraceMs?: number;
  /**
   * The first look at the folder (every video checked against the index): how far it has got,
   * called now and then, and once with `last` when it is done (whether it succeeded or not).
   */
  onCheck?: (done: number, total: number, last: boolean) => void;
  /** How the folder is walked and stat-ed (library-scan.ts `scanTree`); tests slow it down as a network share would be. */
  scan?: typeof scanTree;
  /**
   * The periodic full look at the folder that heals missed events: at most this often (default
   * 30 s; 0 turns it off), and never more than `LOOK_SHARE` of the time (a look that took 3 s
   * waits 150 s for the next), so that a large library's looks cost the same small share of a core.
   */
  reconcileMs?: number;
  /** How often to look for the library folder while it does not exist. Default 1000 ms. */
  rootPollMs?: number;
  /** Hints are gathered this long before they are worked on, so a burst is one round. Default 40 ms. */
  gatherMs?: number;
  recursive?: boolean;
  log?: Logger;
  clock?: Clock;
}

/** What to look at again: one video (with its sidecar) or a folder with everything below it. */
type Scope = { video: string } | { sidecar: string } | { tree: string };

interface Settling {
  sig: string;
  /** When the signature was last seen to change. */
  changedAt: number;
  /** When to look again. */
  due: number;
}

const LOADS_AT_ONCE = 8;

/** The share of the time the periodic look at the folder may take (see `reconcileMs`): 2 %. */
export const LOOK_SHARE = 0.02;

/** Videos a look at the folder compares between two turns of the event loop, so that the window's queries are answered meanwhile. */
const YIELD_EVERY = 10_000;

function yieldToQueries(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Keeps a LibraryIndex in step with its folder while other programs add, copy, move and delete
 * videos in it: folder events (FolderWatch) name what to look at; a video is read only once it
 * and its sidecar have stopped changing, and only once it is whole; a periodic stat-only scan
 * of the whole folder (`reconcile`) catches whatever the events missed.
 */
export class LibraryWatcher {
  private readonly index: LibraryIndex;
  private readonly root: string;
  private readonly settleMs: number;
  private readonly graceMs: number;
  private readonly gatherMs: number;
  /** The signature of each listed video when it was last read. */
  private readonly known = new Map<string, string>();
  private readonly settling = new Map<string, Settling>();
  private readonly pending = new Map<string, Scope>();
  private folder: FolderWatch | undefined;
  private work: Promise<void> = Promise.resolve();
  private gatherTimer: Timer | undefined;
  private settleTimer: Timer | undefined;
  private settleAt = Infinity;
  private reconcileTimer: Timer | undefined;
  private lastLookMs = 0;
  private readonly clock: Clock;
  private closed = false;
  private checkedOnce = false;

  constructor(private readonly options: LibraryWatcherOptions) {
    this.index = options.index;
    this.root = options.index.root;
    this.settleMs = options.settleMs ?? 400;
    this.graceMs = options.incompleteGraceMs ?? 5000;
    this.gatherMs = options.gatherMs ?? 40;
    this.clock = options.clock ?? systemClock;
  }

  /** Starts following the folder; the first full scan runs in the background (see `idle`). */
  async start(): Promise<void> {
    if (this.options.watch ?? true) {
      this.folder = new FolderWatch({
        root: this.root,
        onHint: (rel) => this.hint(rel),
        recursive: this.options.recursive,
        rootPollMs: this.options.rootPollMs,
        log: this.options.log
      });
      await this.folder.start();
    }
    void this.enqueue(() => this.baseline());
    const every = this.options.reconcileMs ?? 30_000;
    if (every > 0) this.scheduleLook(every, every);
  }

  /** The next periodic look, `delay` from now; each one sets the next from how long it took. */
  private scheduleLook(delay: number, every: number): void {
    if (this.closed) return;
    this.reconcileTimer = this.clock.setTimeout(() => {
      this.reconcileTimer = undefined;
      void this.enqueue(async () => {
        const started = this.clock.now();
        try {
          await this.diff([{ tree: '' }]);
        } finally {
          this.lastLookMs = this.clock.now() - started;
          this.scheduleLook(Math.max(every, this.lastLookMs / LOOK_SHARE), every);
        }
      });
    }, delay);
    this.reconcileTimer.unref?.();
  }

  /** How long the last periodic look took (0 before the first). */
  get lookMs(): number {
    return this.lastLookMs;
  }

  /** Looks at the whole folder now (stat only) and follows up on every difference. */
  reconcile(): Promise<void> {
    return this.enqueue(() => this.diff([{ tree: '' }]));
  }

  /** Resolves when the work queued so far is done (videos still settling are not waited for). */
  idle(): Promise<void> {
    return this.enqueue(async () => undefined);
  }

  /**
   * The download stage has just written this video and its sidecar, whole: list it now from the
   * sidecar it was handed (architecture.md, "Downloads"), reading neither file back. Only the
   * file's size and time are looked at, so that the watch does not take the write for news.
   */
  landed(relPath: string, sidecar: Sidecar): Promise<void> {
    return this.enqueue(async () => {
      const changed: string[] = [];
      const removed: string[] = [];
      const stats = await statVideo(this.root, relPath);
      if (!stats) this.drop(relPath, removed);
      else if (this.index.landed(relPath, stats, sidecar)) {
        this.settling.delete(relPath);
        this.known.set(relPath, signature(stats));
        changed.push(relPath);
      }
      this.report(changed, removed);
    });
  }

  /** Notes a video as the app itself has just rewritten it (a favourite), so that its own write is not read back as news. */
  async remember(relPath: string): Promise<void> {
    const stats = await statVideo(this.root, relPath);
    if (!stats || !this.index.get(relPath)) return;
    this.known.set(relPath, signature(stats));
    this.index.setSignature(relPath, stats);
    this.settling.delete(relPath);
  }

  /** Runs a step on the watcher's queue, between its own rounds: nothing else changes the index meanwhile. */
  run(step: () => Promise<void>): Promise<void> {
    return this.enqueue(step);
  }

  /** Forgets a video the app itself removed. */
  forget(relPath: string): void {
    this.known.delete(relPath);
    this.settling.delete(relPath);
  }

  async close(): Promise<void> {
    // A first look not made (closed before it ran) is over too.
    if (this.closed === false && !this.checkedOnce) this.options.onCheck?.(0, 0, true);
    this.closed = true;
    this.folder?.close();
    for (const timer of [this.gatherTimer, this.settleTimer]) if (timer) this.clock.clearTimeout(timer);
    if (this.reconcileTimer) this.clock.clearTimeout(this.reconcileTimer);
    await this.work;
  }

  /** A folder event: gather it with the others of its burst. */
  private hint(rel: string | null): void {
    if (this.closed) return;
    if (rel === null || rel === '') {
      this.pending.clear();
      this.pending.set('', { tree: '' });
    } else if (!this.pending.has('') && !isIgnoredPath(rel)) {
      const lower = rel.toLowerCase();
      if (lower.endsWith('.json')) this.pending.set(rel, { sidecar: rel });
      else if (isVideoName(rel.split('/').pop() ?? '')) this.pending.set(rel, { video: rel });
      // Anything else may be a folder (created, moved, deleted): look below it.
      else this.pending.set(rel, { tree: rel });
    }
    if (!this.gatherTimer) {
      this.gatherTimer = this.clock.setTimeout(() => {
        this.gatherTimer = undefined;
        const scopes = [...this.pending.values()];
        this.pending.clear();
        void this.enqueue(() => this.diff(scopes));
      }, this.gatherMs);
      this.gatherTimer.unref?.();
    }
  }

  /**
   * The videos a path stands for: itself, or the video a sidecar belongs to (`clip.mp4` or
   * `clip.MP4`, as the folder spells it: on a case-insensitive disk both names would open it).
   */
  private async videosFor(rel: string): Promise<string[]> {
    if (!/\.json$/i.test(rel)) return [rel];
    const stem = rel.slice(0, -'.json'.length);
    const candidates = [`${stem}.mp4`, `${stem}.MP4`];
    const listed = candidates.filter((video) => this.index.get(video));
    const slash = stem.lastIndexOf('/');
    const dir = slash < 0 ? '' : stem.slice(0, slash);
    try {
      const names = new Set(await readdir(join(this.root, ...dir.split('/'))));
      const present = candidates.filter((video) => names.has(video.slice(slash + 1)));
      return [...new Set([...listed, ...present])];
    } catch {
      return listed;
    }
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const run = this.work.then(async () => {
      if (this.closed) return;
      try {
        await step();
      } catch (error) {
        this.options.log?.warn(`following the folder failed once (${(error as Error).message}); the next look at it will catch up.`);
      }
    });
    this.work = run;
    return run;
  }

  /** The first scan after a build: takes what the index read as known, and follows up on the rest. */
  private async baseline(): Promise<void> {
    let progress = { done: 0, total: 0 };
    try {
      await this.check((done, total) => {
        progress = { done, total };
        this.options.onCheck?.(done, total, false);
      });
    } finally {
      this.checkedOnce = true;
      this.options.onCheck?.(progress.total, progress.total, true);
    }
  }

  private async check(onProgress: (done: number, total: number) => void): Promise<void> {
    const scan = await (this.options.scan ?? scanTree)(this.root, '', onProgress);
    await this.folder?.check([...scan.folders, ...scan.unreadable]);
    const changed: string[] = [];
    const removed: string[] = [];
    const due: string[] = [];
    // The index (read at an earlier start, maybe) still describes a video when its file and its
    // sidecar have the size and time they had when it was read: a sidecar changed meanwhile wins.
    const now = this.clock.now();
    const stored = this.index.signatures();
    for (const [video, stats] of scan.videos) {
      const sig = signature(stats);
      if (stored.get(video) === sig) {
        this.known.set(video, sig);
        continue;
      }
      due.push(video);
      // Last written before the settle time (while the app was closed, say): read in this look, not the next.
      const written = Math.max(stats.mtimeMs, stats.sidecar?.mtimeMs ?? -Infinity);
      if (written + this.settleMs <= now) this.settling.set(video, { sig, changedAt: written, due: written + this.settleMs });
    }
    this.removeMissing('', scan.videos, scan.unreadable, removed);
    await this.follow(
      due.map((video) => [video, scan.videos.get(video)!]),
      changed,
      removed
    );
    this.report(changed, removed);
  }

  /** Compares the disk with the index over some scopes and follows up on every difference. */
  private async diff(scopes: Scope[]): Promise<void> {
    const changed: string[] = [];
    const removed: string[] = [];
    const seen: [string, VideoStat][] = [];
    const whole = scopes.some((s) => 'tree' in s && s.tree === '');
    for (const scope of whole ? [{ tree: '' }] : scopes) {
      if ('sidecar' in scope) {
        for (const video of await this.videosFor(scope.sidecar)) {
          const stats = await statVideo(this.root, video);
          if (stats) seen.push([video, stats]);
          else this.drop(video, removed);
        }
        continue;
      }
      if ('video' in scope) {
        const stats = await statVideo(this.root, scope.video);
        if (stats) seen.push([scope.video, stats]);
        else this.drop(scope.video, removed);
        continue;
      }
      const scan = await (this.options.scan ?? scanTree)(this.root, scope.tree);
      if (scope.tree === '') await this.folder?.check([...scan.folders, ...scan.unreadable]);
      await this.removeMissing(scope.tree, scan.videos, scan.unreadable, removed);
      seen.push(...scan.videos);
    }
    await this.follow(seen, changed, removed);
    this.report(changed, removed);
  }

  /** Forgets listed videos below `prefix` that the scan did not find (except under folders it could not read). */
  private async removeMissing(prefix: string, found: Map<string, VideoStat>, unreadable: string[], removed: string[]): Promise<void> {
    const inside = (path: string, dir: string): boolean => dir === '' || path.startsWith(`${dir}/`);
    let n = 0;
    for (const path of this.index.paths()) {
      if (++n % YIELD_EVERY === 0) await yieldToQueries();
      if (!inside(path, prefix) || found.has(path)) continue;
      if (unreadable.some((dir) => inside(path, dir))) continue;
      this.drop(path, removed);
    }
  }

  private drop(video: string, removed: string[]): void {
    this.settling.delete(video);
    this.known.delete(video);
    if (this.index.remove(video)) removed.push(video);
  }

  /** Videos whose signature differs from the one read: wait for them to settle, then read them. */
  private async follow(seen: [string, VideoStat][], changed: string[], removed: string[]): Promise<void> {
    const now = this.clock.now();
    const ready: [string, string][] = [];
    let n = 0;
    for (const [video, stats] of seen) {
      if (++n % YIELD_EVERY === 0) await yieldToQueries();
      const sig = signature(stats);
      if (this.known.get(video) === sig) {
        this.settling.delete(video);
        continue;
      }
      const s = this.settling.get(video);
      if (!s || s.sig !== sig) {
        this.settling.set(video, { sig, changedAt: now, due: now + this.settleMs });
      } else if (now >= s.due) {
        ready.push([video, sig]);
      }
    }
    await mapLimit(ready, LOADS_AT_ONCE, async ([video, sig]) => {
      const s = this.settling.get(video);
      if (!s) return;
      // A file that is not yet a whole MP4 is probably still being copied: give it time.
      if (this.clock.now() - s.changedAt < this.graceMs && !(await this.isWhole(video))) {
        s.due = s.changedAt + this.graceMs;
        return;
      }
      await this.load(video, sig, changed, removed);
    });
    this.scheduleSettle();
  }

  private async isWhole(video: string): Promise<boolean> {
    try {
      await probeMp4(join(this.root, ...video.split('/')));
      return true;
    } catch {
      return false;
    }
  }

  /** Reads one video into the index. */
  private async load(video: string, sig: string, changed: string[], removed: string[]): Promise<void> {
    this.settling.delete(video);
    const listed = this.index.get(video) !== undefined;
    // Probed before it is listed: the grid never sees a video without its size and length.
    const entry = await this.index.update(video, { probe: true });
    if (!entry) {
      this.known.delete(video);
      if (listed) removed.push(video);
      return;
    }
    this.known.set(video, sig);
    changed.push(video);
  }

  /** One timer for every settling video: fires when the first is due. */
  private scheduleSettle(): void {
    if (this.closed || this.settling.size === 0) return;
    let next = Infinity;
    for (const s of this.settling.values()) next = Math.min(next, s.due);
    if (this.settleTimer && next >= this.settleAt) return;
    if (this.settleTimer) this.clock.clearTimeout(this.settleTimer);
    this.settleAt = next;
    this.settleTimer = this.clock.setTimeout(
      () => {
        this.settleTimer = undefined;
        this.settleAt = Infinity;
        const now = this.clock.now();
        const due = [...this.settling].filter(([, s]) => s.due <= now).map(([video]) => ({ video }));
        void this.enqueue(() => this.diff(due)).then(() => this.scheduleSettle());
      },
      Math.max(0, next - this.clock.now())
    );
    this.settleTimer.unref?.();
  }

  private report(changed: string[], removed: string[]): void {
    if (changed.length > 0 || removed.length > 0) this.options.onChange(changed, removed);
  }
}
