// A data folder holding what a finished 10,000-task batch leaves in the queue journal: the same
// events, in the same shapes and time order, that BatchEngine writes (engine.ts `addBatch`,
// `submit`, `onSubmitError`, `onStatus`; download-stage.ts), appended through the real Journal
// with the engine's reducer. Faster than driving 10,000 tasks through the simulator, and the
// file replays through exactly the same code.
import { statSync } from 'node:fs';
import type { BatchRecord, TaskRecord } from '@shared/batch';
import { describeFailure } from '@shared/fail-codes';
import { LATENCY, POLL_INTERVAL_MS, type Resolution } from '@shared/model';
import { taskCost } from '@shared/pricing';
import { buildRequest } from '@shared/request-builder';
import { videoBaseName } from '../../src/main/core/download/naming';
import { Journal } from '../../src/main/core/store/journal';
import { QUEUE_JOURNAL } from '../../src/main/core/queue/queue-journal';
import type { QueueEvent, QueueState } from '../../src/main/core/queue/queue-state';
import { failMessage } from '../../src/main/core/simulator';
import { benchPrompt } from './csv-bench';
import { seededRandom } from './stats';

export interface JournalFixture {
  tasks: number;
  lines: number;
  bytes: number;
  /** How the batch ended, as the fixture wrote it (checked against the replay). */
  expected: Record<string, number>;
}

const RESOLUTIONS: Resolution[] = ['480p', '720p', '1080p'];
const T0 = Date.UTC(2025, 0, 6, 9, 0, 0);
const S = 1000;

/**
 * Writes the journal of one batch of `tasks` rows run at `concurrency`: most rows
 * queued → submitting → submitted → processing → succeeded → downloading → done; 2 % answered 429
 * once (back to queued, then submitted again); 2 % failed with a transient code and were
 * resubmitted automatically; 3 % failed for good (content).
 */
export async function writeJournalFixture(dataDir: string, libraryDir: string, { tasks = 10_000, concurrency = 32, seed = 11 } = {}): Promise<JournalFixture> {
  const random = seededRandom(seed);
  const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  let clock = T0;
  const journal = await Journal.open<QueueEvent, QueueState>(dataDir, {
    ...QUEUE_JOURNAL,
    // The whole history in one journal, never compacted: the worst case for replay.
    compactAfterBytes: Number.MAX_SAFE_INTEGER,
    now: () => clock,
    onWarning: (message) => {
      throw new Error(`journal fixture: ${message}`);
    }
  });

  // addBatch: one batch_added line holding every task, as the engine builds them.
  const batchId = `b${T0.toString(36)}${hex(4)}`;
  const records: TaskRecord[] = Array.from({ length: tasks }, (_, position) => {
    const resolution = RESOLUTIONS[position % 3];
    const duration = 5 + (position % 16);
    const aspect = position % 4 === 0 ? '9:16' : '16:9';
    const seedValue = position % 2 ? 1000 + position : undefined;
    const prompt = benchPrompt(position);
    const request = buildRequest({ mode: 'text-to-video', prompt, resolution, duration, aspectRatio: aspect, seed: seedValue });
    return {
      id: `${batchId}-${String(position).padStart(5, '0')}`,
      batchId,
      position,
      source: {
        row: position + 2,
        take: 1,
        cells: {
          name: `clip-${position}`,
          prompt,
          resolution,
          duration: String(duration),
          aspect_ratio: aspect,
          seed: seedValue === undefined ? '' : String(seedValue)
        }
      },
      request,
      estimateMicros: taskCost(request.input),
      state: 'queued',
      attempts: 0,
      autoRetries: 0,
      spentMicros: 0,
      times: { created: T0, queued: T0 }
    };
  });
  const batch: BatchRecord = {
    id: batchId,
    name: 'ten thousand',
    createdAt: T0,
    libraryDir,
    sourceFile: '/data/batches/ten-thousand.csv',
    taskIds: records.map((t) => t.id)
  };
  journal.append({ type: 'batch_added', batch, tasks: records }, { durable: true });

  // Every task's transitions on a 32-slot schedule, then all of them in time order.
  const events: { at: number; n: number; ev: QueueEvent }[] = [];
  let n = 0;
  const change = (id: string, at: number, state: TaskRecord['state'] | undefined, patch?: Record<string, unknown>, unset?: string[]): void => {
    events.push({ at, n: n++, ev: { type: 'task_changed', id, at, state, patch, unset } as QueueEvent });
  };
  const slots = new Array<number>(concurrency).fill(T0 + 50);
  const expected: Record<string, number> = {};
  for (const task of records) {
    let k = 0;
    for (let j = 1; j < slots.length; j++) if (slots[j] < slots[k]) k = j;
    let t = slots[k];
    const roll = random();
    const kind = roll < 0.03 ? 'content' : roll < 0.05 ? 'transient' : roll < 0.07 ? 'rate_limited' : 'plain';
    const band = LATENCY[task.request.input.resolution];
    let attempts = 0;
    let autoRetries = 0;
    if (kind === 'rate_limited') {
      change(task.id, t, 'submitting', { attempts: 1 }, ['note', 'failCode', 'failMsg']);
      change(task.id, t + 120, 'queued', { attempts: 0, note: 'APIXO asked to slow down; waiting to submit.' });
      t += 8 * S;
    }
    for (;;) {
      attempts++;
      change(task.id, t, 'submitting', { attempts }, ['note', 'failCode', 'failMsg']);
      const taskId = hex(32);
      const submitted = t + 150 + Math.floor(random() * 200);
      change(task.id, submitted, 'submitted', { taskId });
      const fails = kind === 'content' || (kind === 'transient' && autoRetries === 0);
      const generation = (band.minMs + random() * (band.maxMs - band.minMs)) * (fails ? 0.4 : 1);
      const firstPoll = submitted + band.firstPollMs;
      const complete = submitted + generation;
      const seen = firstPoll + Math.max(0, Math.ceil((complete - firstPoll) / POLL_INTERVAL_MS)) * POLL_INTERVAL_MS + Math.floor(random() * 100);
      if (complete > firstPoll) change(task.id, firstPoll + 40, 'processing', undefined, ['note']);
      if (kind === 'content') {
        const failCode = 'SensitiveContent';
        change(task.id, seen, 'failed', { failCode, failMsg: failMessage(failCode), note: describeFailure(failCode).guidance }, ['overdue']);
        expected.failed = (expected.failed ?? 0) + 1;
        slots[k] = seen;
        break;
      }
      if (fails) {
        const failCode = 'Timeout';
        autoRetries++;
        const note = `APIXO failed it (${failCode}: ${failMessage(failCode)}); trying again automatically (${autoRetries} of 2).`;
        change(task.id, seen, 'queued', { autoRetries, failCode, failMsg: failMessage(failCode), note }, ['taskId', 'overdue']);
        t = seen + 30;
        continue;
      }
      const resultUrl = `https://cdn.apixo.ai/files/${taskId}.mp4?expires=${seen + 15 * 86_400 * S}&sig=${hex(64)}`;
      change(task.id, seen, 'succeeded', { resultUrl, spentMicros: task.estimateMicros }, ['note', 'overdue']);
      const file = `${videoBaseName({ prompt: task.request.input.prompt, seed: task.request.input.seed, taskId, date: new Date(seen) })}.mp4`;
      change(task.id, seen + 20, 'downloading', { file });
      change(task.id, seen + 900 + Math.floor(random() * 2000), 'done', undefined, ['note']);
      expected.done = (expected.done ?? 0) + 1;
      slots[k] = seen;
      break;
    }
  }
  events.sort((a, b) => a.at - b.at || a.n - b.n);
  for (const { at, ev } of events) {
    clock = at;
    journal.append(ev);
  }
  const lines = journal.seq;
  await journal.close();
  return { tasks, lines, bytes: statSync(journal.path).size, expected };
}

/** Compacts the fixture's journal into a snapshot, as the engine does once the journal passes 8 MiB. */
export async function compactFixture(dataDir: string): Promise<{ snapshotBytes: number; journalBytes: number }> {
  const journal = await Journal.open<QueueEvent, QueueState>(dataDir, QUEUE_JOURNAL);
  await journal.compact();
  await journal.close();
  return { snapshotBytes: statSync(journal.snapshotPath).size, journalBytes: statSync(journal.path).size };
}
