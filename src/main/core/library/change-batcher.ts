import type { Clock } from '../util/clock';
import { Coalescer } from '../util/coalescer';

interface Gathered {
  changed: Set<string>;
  removed: Set<string>;
}

/**
 * Gathers library changes for a short while and hands them on as one: 500 files landing at once
 * reach the window as a few messages, not 500. A path's last fate wins (added then removed is
 * removed).
 */
export class ChangeBatcher {
  private readonly coalescer: Coalescer<Gathered>;

  constructor(emit: (changed: string[], removed: string[]) => void, delayMs = 250, clock?: Clock) {
    this.coalescer = new Coalescer<Gathered>({
      delayMs,
      // Not pushed back by later changes: a steady trickle still shows every `delayMs`.
      pace: 'from-first-change',
      clock,
      empty: () => ({ changed: new Set(), removed: new Set() }),
      isEmpty: (g) => g.changed.size === 0 && g.removed.size === 0,
      send: (g) => emit([...g.changed], [...g.removed])
    });
  }

  add(changed: Iterable<string>, removed: Iterable<string> = []): void {
    this.coalescer.add((g) => {
      for (const path of changed) {
        g.removed.delete(path);
        g.changed.add(path);
      }
      for (const path of removed) {
        g.changed.delete(path);
        g.removed.add(path);
      }
    });
  }

  /** Hands on what was gathered now. */
  flush(): void {
    this.coalescer.flush();
  }

  /** Drops what was gathered and stops. */
  close(): void {
    this.coalescer.close();
  }
}
