import type { QueueStatus, TaskRecord } from '@shared/batch';
import type { TaskState } from '@shared/task-state';
import { expectedVideoBytes } from '../download/video-size';
import type { Logger } from '../log/logger';
import type { Clock, Timer } from '../util/clock';
import { freeBytesSync } from '../util/disk-space';

/** Room kept free beyond the videos in flight (default). */
export const DEFAULT_DISK_MARGIN_BYTES = 256 * 1024 * 1024;
/** How often a hold looks at the disk again (ms of the engine's clock, not scaled). */
export const DISK_RECHECK_MS = 15_000;

/** States whose video is yet to land in the library: its expected size is reserved. */
const RESERVING: ReadonlySet<TaskState> = new Set<TaskState>(['submitting', 'submitted', 'pending', 'processing', 'succeeded', 'downloading']);

export interface DiskGuardDeps {
  libraryDir: (task: TaskRecord) => string | undefined;
  marginBytes: number;
  clock: Clock;
  log: Logger;
  /** The hold changed: tell subscribers. */
  changed: () => void;
  /** Try submitting again (after a re-check). */
  pump: () => void;
}

const mb = (bytes: number): string => `${Math.max(0, Math.floor(bytes / (1024 * 1024))).toLocaleString('en-US')} MB`;

/**
 * Disk-aware spending (architecture.md, "Persistence and recovery"): no submit whose video the
 * library's disk could not hold. Before each submit the free space of the task's library folder
 * must cover the expected size of every video in flight, this one, and a margin; when it does
 * not, submits hold, the reason is shown, and the disk is read again on a timer until there is room.
 */
export class DiskGuard {
  private readonly reserved = new Map<string, number>();
  private reservedTotal = 0;
  private held: QueueStatus['diskSpace'];
  /** A download found the disk full: no submit before this time, whatever statfs says. */
  private fullUntil = 0;
  private timer: Timer | undefined;
  private stopped = false;
  /** How many submits asked for room: tells a re-check whether the pump looked at the disk. */
  private asked = 0;

  constructor(private readonly d: DiskGuardDeps) {}

  get hold(): QueueStatus['diskSpace'] {
    return this.held;
  }

  /** Keeps the reservation of one task in step with its state. */
  follow(task: TaskRecord): void {
    const before = this.reserved.get(task.id) ?? 0;
    const now = RESERVING.has(task.state) ? expectedVideoBytes(task.request.input) : 0;
    if (now === before) return;
    if (now === 0) this.reserved.delete(task.id);
    else this.reserved.set(task.id, now);
    this.reservedTotal += now - before;
  }

  /** Whether `task` may be submitted now; when not, submits hold and a re-check is armed. */
  allows(task: TaskRecord): boolean {
    this.asked++;
    const folder = this.d.libraryDir(task);
    if (!folder) return true;
    const now = this.d.clock.now();
    const needed = this.reservedTotal + expectedVideoBytes(task.request.input) + this.d.marginBytes;
    if (now < this.fullUntil) {
      this.holdFor(folder, 0, needed, 'a download found it full');
      return false;
    }
    const free = freeBytesSync(folder);
    if (free === undefined || free >= needed) {
      if (this.held) {
        this.d.log.info('submits go on: the library has room again', { folder, freeBytes: free });
        this.held = undefined;
        this.d.changed();
      }
      return true;
    }
    this.holdFor(folder, free, needed);
    return false;
  }

  /** A download failed for lack of space in `folder`: submits hold until a re-check finds room. */
  diskFull(folder: string): void {
    this.fullUntil = this.d.clock.now() + DISK_RECHECK_MS;
    this.holdFor(folder, freeBytesSync(folder) ?? 0, this.reservedTotal + this.d.marginBytes, 'a download found it full');
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.d.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private holdFor(folder: string, free: number, needed: number, why?: string): void {
    const message =
      `waiting for disk space: the disk holding ${folder} has ${mb(free)} free${why ? ` (${why})` : ''}; ` +
      `the next videos need about ${mb(needed)}, with room to spare. Free some space (or choose another library folder); submits go on by themselves.`;
    if (this.held?.message !== message) {
      if (!this.held) this.d.log.warn('submits wait for disk space', { folder, freeBytes: free, neededBytes: needed });
      this.held = { folder, freeBytes: free, neededBytes: needed, message };
      this.d.changed();
    }
    this.arm();
  }

  private arm(): void {
    if (this.timer || this.stopped) return;
    this.timer = this.d.clock.setTimeout(() => {
      this.timer = undefined;
      const asked = this.asked;
      this.d.pump();
      // No submit asked for room (nothing is queued, or submits wait for something else): the
      // hold is looked at here, so that it ends once there is room instead of staying on show.
      if (this.held && this.asked === asked) this.recheck(this.held.folder);
    }, DISK_RECHECK_MS);
    this.timer.unref?.();
  }

  /** Ends the hold when `folder` has room for what is in flight and the margin; else looks again later. */
  private recheck(folder: string): void {
    if (this.d.clock.now() >= this.fullUntil) {
      const free = freeBytesSync(folder);
      if (free === undefined || free >= this.reservedTotal + this.d.marginBytes) {
        this.d.log.info('submits go on: the library has room again', { folder, freeBytes: free });
        this.held = undefined;
        this.d.changed();
        return;
      }
    }
    this.arm();
  }
}
