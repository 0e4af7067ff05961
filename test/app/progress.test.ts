/**
 * Progress outside the window: the one reckoning the title, the progress bar and the badge share
 * (src/shared/progress.ts), and the thin glue that hands it to the window and the app.
 */
import { describe, expect, it } from 'vitest';
import type { BatchSummary } from '@shared/batch';
import type { QueueSnapshot } from '@shared/ipc';
import { queueProgress } from '@shared/progress';
import { showProgress } from '../../src/main/electron/progress';

function summary(total: number, counts: BatchSummary['counts']): BatchSummary {
  return { batch: { id: `b${total}`, name: 'b', createdAt: 0, libraryDir: '/l' }, counts, total, costs: {} as BatchSummary['costs'], failures: {} };
}

describe('queue progress', () => {
  it('counts the running batches: done of total, as a fraction and in words', () => {
    const p = queueProgress({ batches: [summary(200, { done: 100, failed: 6, queued: 94 }), summary(100, { done: 20, canceled: 0, processing: 80 })] });
    expect(p).toEqual({ done: 126, total: 300, remaining: 174, fraction: 0.42, title: '42% · 126 of 300 videos' });
  });

  it('leaves out settled batches, and shows nothing when nothing runs', () => {
    expect(queueProgress({ batches: [summary(3, { done: 2, needs_review: 1 })] })).toEqual({ done: 0, total: 0, remaining: 0 });
    expect(queueProgress({ batches: [] }).fraction).toBeUndefined();
    const one = queueProgress({ batches: [summary(3, { done: 3 }), summary(1, { queued: 1 })] });
    expect(one.title).toBe('0% · 0 of 1 video');
  });

  it('never says 100% while a task still runs', () => {
    expect(queueProgress({ batches: [summary(1000, { done: 999, processing: 1 })] }).title).toBe('99% · 999 of 1000 videos');
  });
});

describe('progress in the dock, taskbar and launcher', () => {
  function setup(platform: NodeJS.Platform) {
    let snap = { batches: [summary(4, { done: 1, queued: 3 })] } as unknown as QueueSnapshot;
    const listeners: (() => void)[] = [];
    const bars: number[] = [];
    const badges: number[] = [];
    const win = { isDestroyed: () => false, setProgressBar: (n: number) => void bars.push(n) };
    showProgress({
      service: { snapshot: () => snap, on: ((_: string, l: () => void) => (listeners.push(l), () => undefined)) as never },
      window: () => win as never,
      app: { setBadgeCount: (n?: number) => (badges.push(n ?? 0), true) },
      platform
    });
    const change = (next: BatchSummary[]) => {
      snap = { batches: next } as unknown as QueueSnapshot;
      for (const l of listeners) l();
    };
    return { bars, badges, change };
  }

  it('sets the bar and the badge on Linux, only when they change, and clears them when nothing runs', () => {
    const { bars, badges, change } = setup('linux');
    change([summary(4, { done: 1, queued: 3 })]);
    change([summary(4, { done: 2, queued: 2 })]);
    change([summary(4, { done: 4 })]);
    expect(bars).toEqual([0.25, 0.5, -1]);
    expect(badges).toEqual([3, 2, 0]);
  });

  it('sets no badge on Windows', () => {
    const { bars, badges } = setup('win32');
    expect(bars).toEqual([0.25]);
    expect(badges).toEqual([]);
  });
});
