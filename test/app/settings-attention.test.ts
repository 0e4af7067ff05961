import { describe, expect, it } from 'vitest';
import type { BatchSummary, QueueStatus } from '@shared/batch';
import type { QueueSnapshot } from '@shared/ipc';
import { defaultSettings } from '@shared/settings';
import { AttentionTracker } from '../../src/main/core/app/attention';
import { sanitizeSettings } from '../../src/main/core/app/settings-file';

const defaults = defaultSettings({ libraryDir: '/videos/LTX Batch Studio', dataDir: '/config/data' });

describe('settings read from disk', () => {
  it('keeps good values and replaces bad ones with defaults, never failing', () => {
    const read = sanitizeSettings({ concurrency: 12, theme: 'neon', requestBudgetPerMinute: 'lots', libraryDir: '/mine', apiKey: 'leak' }, defaults);
    expect(read).toMatchObject({ concurrency: 12, theme: 'system', requestBudgetPerMinute: 7_000, libraryDir: '/mine' });
    expect(read).not.toHaveProperty('apiKey');
    expect(sanitizeSettings('garbage', defaults)).toEqual(defaults);
    expect(sanitizeSettings(null, defaults)).toEqual(defaults);
  });
});

function snapshot(batches: Partial<BatchSummary>[], status: Partial<QueueStatus> = {}): QueueSnapshot {
  return {
    status: { running: true, limit: 4, effectiveLimit: 4, inFlight: 0, queued: 0, downloading: 0, needsReview: 0, activity: 'idle', ...status },
    costs: {
      queuedMicros: 0,
      committedMicros: 0,
      spentMicros: 0,
      spentTodayMicros: 0,
      simulated: { queuedMicros: 0, committedMicros: 0, spentMicros: 0, spentTodayMicros: 0 }
    },
    batches: batches.map((b, i) => ({
      batch: { id: `b${i}`, name: `batch ${i}`, createdAt: 0, libraryDir: '/v', taskIds: [] },
      counts: {},
      total: 0,
      costs: {
        queuedMicros: 0,
        committedMicros: 0,
        spentMicros: 0,
        spentTodayMicros: 0,
        simulated: { queuedMicros: 0, committedMicros: 0, spentMicros: 0, spentTodayMicros: 0 }
      },
      failures: {},
      ...b
    })) as BatchSummary[],
    archived: [],
    failures: {}
  };
}

describe('attention: what deserves a notification', () => {
  it('says once that a batch finished, and how it went', () => {
    const tracker = new AttentionTracker(snapshot([{ total: 3, counts: { done: 1, processing: 2 } }]));
    expect(tracker.update(snapshot([{ total: 3, counts: { done: 2, failed: 1 } }]))).toEqual([
      { title: 'batch 0 finished', body: '2 of 3 videos are in the library; 1 need a look.' }
    ]);
    expect(tracker.update(snapshot([{ total: 3, counts: { done: 2, failed: 1 } }]))).toEqual([]);
  });

  it('says when the queue pauses for the account, and when tasks newly need review', () => {
    const tracker = new AttentionTracker();
    const paused = tracker.update(snapshot([], { account: { reason: 'balance', message: 'Add balance.' }, needsReview: 2 }));
    expect(paused.map((n) => n.title)).toEqual(['LTX Batch Studio paused', 'Tasks need your review']);
    expect(tracker.update(snapshot([], { account: { reason: 'balance', message: 'Add balance.' }, needsReview: 2 }))).toEqual([]);
  });
});
