/**
 * Collects what changed and hands it to subscribers at most once per interval, however many
 * tasks change in between: the UI and the CLI get a few updates a second, never one per poll.
 */
export class ChangeStream<T> {
  private readonly listeners = new Set<(change: T) => void>();
  private readonly dirtyTasks = new Set<string>();
  private readonly dirtyBatches = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private lastFlush = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly build: (tasks: ReadonlySet<string>, batches: ReadonlySet<string>) => T
  ) {}

  subscribe(listener: (change: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Something changed: a task (and its batch), a batch, or only the queue's status. */
  mark(taskId?: string, batchId?: string): void {
    if (taskId) this.dirtyTasks.add(taskId);
    if (batchId) this.dirtyBatches.add(batchId);
    if (this.timer || this.listeners.size === 0) return;
    const wait = Math.max(0, this.lastFlush + this.intervalMs - Date.now());
    this.timer = setTimeout(() => this.flush(), wait);
    this.timer.unref?.();
  }

  /** Sends what is pending now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.lastFlush = Date.now();
    if (this.listeners.size === 0) return;
    const change = this.build(new Set(this.dirtyTasks), new Set(this.dirtyBatches));
    this.dirtyTasks.clear();
    this.dirtyBatches.clear();
    for (const listener of this.listeners) listener(change);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }
}
