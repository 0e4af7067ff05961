import type { Clock } from '../util/clock';
import { Coalescer } from '../util/coalescer';

/** What changed since the last send: tasks (and their batches), batches, and videos that landed. */
export interface PendingChanges<L> {
  tasks: Set<string>;
  batches: Set<string>;
  landed: L[];
}

/**
 * Collects what changed and hands it to subscribers at most once per interval, however many
 * tasks change in between: the UI and the CLI get a few updates a second, never one per poll.
 */
export class ChangeStream<T, L = never> {
  private readonly listeners = new Set<(change: T) => void>();
  private readonly coalescer: Coalescer<PendingChanges<L>>;

  constructor(intervalMs: number, build: (pending: PendingChanges<L>) => T, clock?: Clock) {
    this.coalescer = new Coalescer<PendingChanges<L>>({
      delayMs: intervalMs,
      pace: 'from-last-send',
      clock,
      empty: () => ({ tasks: new Set(), batches: new Set(), landed: [] }),
      wanted: () => this.listeners.size > 0,
      send: (pending) => {
        const change = build(pending);
        for (const listener of this.listeners) listener(change);
      }
    });
  }

  subscribe(listener: (change: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Something changed: a task (and its batch), a batch, or only the queue's status. */
  mark(taskId?: string, batchId?: string): void {
    this.coalescer.add((pending) => {
      if (taskId) pending.tasks.add(taskId);
      if (batchId) pending.batches.add(batchId);
    });
  }

  /** A video was written whole: it goes out with the next change. */
  land(video: L): void {
    this.coalescer.add((pending) => void pending.landed.push(video));
  }

  /** Sends what is pending now. */
  flush(): void {
    this.coalescer.flush();
  }

  close(): void {
    this.coalescer.close();
    this.listeners.clear();
  }
}
