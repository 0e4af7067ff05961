/**
 * Gathers library changes for a short while and hands them on as one: 500 files landing at once
 * reach the window as a few messages, not 500. A path's last fate wins (added then removed is
 * removed).
 */
export class ChangeBatcher {
  private readonly changed = new Set<string>();
  private readonly removed = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly emit: (changed: string[], removed: string[]) => void,
    private readonly delayMs = 250
  ) {}

  add(changed: Iterable<string>, removed: Iterable<string> = []): void {
    for (const path of changed) {
      this.removed.delete(path);
      this.changed.add(path);
    }
    for (const path of removed) {
      this.changed.delete(path);
      this.removed.add(path);
    }
    // Not pushed back by later changes: a steady trickle still shows every `delayMs`.
    if (!this.timer && (this.changed.size > 0 || this.removed.size > 0)) {
      this.timer = setTimeout(() => this.flush(), this.delayMs);
      this.timer.unref();
    }
  }

  /** Hands on what was gathered now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.changed.size === 0 && this.removed.size === 0) return;
    const changed = [...this.changed];
    const removed = [...this.removed];
    this.changed.clear();
    this.removed.clear();
    this.emit(changed, removed);
  }

  /** Drops what was gathered and stops. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.changed.clear();
    this.removed.clear();
  }
}
