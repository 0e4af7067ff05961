/**
 * The window's doors to the queue: each batch's and each task's actions, and the queue as a
 * whole, over the engine. Tasks go to the window through `forWindow`, shortened where an inline
 * image would make them heavy.
 */
import { fileSize } from '@shared/file-size';
import type { TaskRecord } from '@shared/batch';
import type { InvokeHandlers, QueueSnapshot } from '@shared/ipc';
import type { SettingsPatch } from '@shared/settings';
import { TaskActionError, type BatchEngine } from '../queue/engine';
import type { QueueFeed } from './queue-feed';

export interface QueueContext {
  engine: () => BatchEngine;
  /** Changes settings as `settings:update` does (the concurrency is one). */
  updateSettings: (patch: SettingsPatch) => unknown;
  /** What the window hears of the queue: its deltas, and the tasks it watches. */
  feed: QueueFeed;
}

export type QueueChannel =
  | 'batches:pause'
  | 'batches:resume'
  | 'batches:cancel'
  | 'batches:retry-failed'
  | 'batches:set-cap'
  | 'tasks:page'
  | 'tasks:states'
  | 'queue:watch'
  | 'tasks:resubmit'
  | 'tasks:abandon'
  | 'tasks:retry'
  | 'tasks:cancel'
  | 'tasks:attach'
  | 'queue:snapshot'
  | 'queue:set-concurrency'
  | 'queue:resume-account'
  | 'queue:ledger-question'
  | 'queue:ledger-choice'
  | 'batches:move'
  | 'batches:archive'
  | 'batches:retry-group'
  | 'batches:abandon-group'
  | 'tasks:failures'
  | 'tasks:edit-retry'
  | 'tasks:to-front'
  | 'queue:pause-all'
  | 'queue:resume-all';

/** The queue as a whole: status, money, every batch's summary in submission order, the archive, and failures by cause. */
export function queueSnapshot(engine: BatchEngine): QueueSnapshot {
  const batches = engine.batches().map((b) => engine.summary(b.id)!);
  return { status: engine.status(), costs: engine.costs(), batches, archived: engine.archived(), failures: engine.failures() };
}

export function queueHandlers({ engine, updateSettings, feed }: QueueContext): Pick<InvokeHandlers, QueueChannel> {
  const task = (id: string) => {
    const found = engine().task(id);
    if (!found) throw new TaskActionError(`There is no task ${id}.`);
    const shown = forWindow(found);
    feed.sent(shown);
    return shown;
  };
  const summary = (batchId: string) => {
    const found = engine().summary(batchId);
    if (!found) throw new TaskActionError(`There is no batch ${batchId}.`);
    return found;
  };
  return {
    'batches:pause': (id) => {
      engine().pauseBatch(id);
      return summary(id);
    },
    'batches:resume': (id) => {
      engine().resumeBatch(id);
      return summary(id);
    },
    'batches:cancel': (id) => engine().cancelBatch(summary(id).batch.id),
    'batches:retry-failed': (id) => engine().retryFailed(summary(id).batch.id),
    'batches:set-cap': (id, capMicros) => {
      engine().setBatchCap(id, capMicros ?? undefined);
      return summary(id);
    },
    'tasks:page': (batchId, page) => {
      const tasks = engine().tasksOf(summary(batchId).batch.id);
      return { total: tasks.length, items: tasks.slice(page.offset, page.offset + page.limit).map(forWindow) };
    },
    'tasks:states': (batchId) => feed.states(summary(batchId).batch.id),
    'queue:watch': (watch) => feed.watch(watch),
    'tasks:resubmit': (id) => {
      engine().resubmit(id);
      return task(id);
    },
    'tasks:abandon': (id) => {
      engine().abandon(id);
      return task(id);
    },
    'tasks:retry': (id) => {
      engine().retry(id);
      return task(id);
    },
    'tasks:cancel': (id) => {
      engine().cancel(id);
      return task(id);
    },
    'tasks:attach': (id, apixoTaskId) => {
      engine().attachTaskId(id, apixoTaskId);
      return task(id);
    },
    'queue:snapshot': () => queueSnapshot(engine()),
    'queue:set-concurrency': (limit) => {
      updateSettings({ concurrency: limit });
      return engine().status();
    },
    'queue:resume-account': () => {
      engine().resumeAccount();
      return engine().status();
    },
    'queue:ledger-question': () => engine().ledgerQuestion() ?? null,
    'queue:ledger-choice': (choice, batchIds) => {
      engine().chooseLedger(choice, batchIds);
      return queueSnapshot(engine());
    },
    'batches:move': (id, to) => {
      engine().moveBatch(id, to);
      return queueSnapshot(engine());
    },
    'batches:archive': async (ids) => {
      await engine().archive(ids);
      return queueSnapshot(engine());
    },
    'batches:retry-group': (batchId, group) => engine().retryGroup(batchId ?? undefined, group),
    'batches:abandon-group': (batchId, group) => engine().abandonGroup(batchId ?? undefined, group),
    'tasks:failures': (batchId, group, page) => {
      const tasks = engine().failuresOf(batchId ?? undefined, group);
      return { total: tasks.length, items: tasks.slice(page.offset, page.offset + page.limit).map(forWindow) };
    },
    'tasks:edit-retry': (id, edit) => {
      engine().editRetry(id, edit);
      return task(id);
    },
    'tasks:to-front': (ids) => engine().toFront(ids),
    'queue:pause-all': () => {
      engine().pauseAll();
      return queueSnapshot(engine());
    },
    'queue:resume-all': () => {
      engine().resumeAll();
      return queueSnapshot(engine());
    }
  };
}

/**
 * A task as the window gets it: an inline `data:` image (up to 2 MB of text) is shortened to
 * what it is, so a batch of them does not travel to the window with every change.
 */
export function forWindow(task: TaskRecord): TaskRecord {
  const input = task.request.input;
  const url = 'image_urls' in input ? input.image_urls[0] : undefined;
  if (!url?.startsWith('data:')) return task;
  const head = url.slice(0, url.indexOf(',') + 1);
  const shown = `${head}… (${fileSize(Math.floor(((url.length - head.length) * 3) / 4))} inline)`;
  return { ...task, request: { ...task.request, input: { ...input, image_urls: [shown] } } as TaskRecord['request'] };
}
