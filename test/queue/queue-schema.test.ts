import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatchRecord, TaskRecord } from '@shared/batch';
import { buildRequest } from '@shared/request-builder';
import { Journal, isJournalError, type JournalOptions } from '../../src/main/core/store/journal';
import { peekQueue } from '../../src/main/core/queue/peek';
import { QUEUE_JOURNAL } from '../../src/main/core/queue/queue-journal';
import { queueStateFromJson, type QueueEvent, type QueueState } from '../../src/main/core/queue/queue-state';
import { tempDirs } from '../support/temp-dirs';

const tempDir = tempDirs('ltx-queue-schema-');

/** The options the engine opens its journal with. */
const OPTIONS: JournalOptions<QueueEvent, QueueState> = QUEUE_JOURNAL;

const open: Journal<QueueEvent, QueueState>[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((j) => j.close()));
});

async function openQueue(dir: string, warnings: string[] = []): Promise<Journal<QueueEvent, QueueState>> {
  const journal = await Journal.open<QueueEvent, QueueState>(dir, { ...OPTIONS, onWarning: (m) => warnings.push(m) });
  open.push(journal);
  return journal;
}

function batchOf(n: number): { batch: BatchRecord; tasks: TaskRecord[] } {
  const batch: BatchRecord = { id: 'b1', name: 'Rain', createdAt: 1_700_000_000_000, libraryDir: '/videos/rain', taskIds: [] };
  const tasks = Array.from({ length: n }, (_, position): TaskRecord => {
    const request = buildRequest({
      mode: 'image-to-video',
      prompt: `take ${position}`,
      resolution: '720p',
      duration: 5,
      imageUrl: 'https://example.test/a.jpg',
      seed: position
    });
    return {
      id: `b1-${String(position).padStart(5, '0')}`,
      batchId: 'b1',
      position,
      source: { row: position + 2, take: 1, cells: { prompt: `take ${position}` } },
      request,
      imagePath: '/pictures/a.jpg',
      estimateMicros: 150_000,
      state: 'queued',
      attempts: 0,
      autoRetries: 0,
      spentMicros: 0,
      times: { created: 1_700_000_000_000, queued: 1_700_000_000_000 }
    };
  });
  batch.taskIds = tasks.map((t) => t.id);
  return { batch, tasks };
}

/** A small history, as the engine writes it: added, paused, submitted, one done, one failed. */
async function writeHistory(dir: string): Promise<QueueState> {
  const journal = await Journal.open<QueueEvent, QueueState>(dir, OPTIONS);
  const { batch, tasks } = batchOf(3);
  journal.append({ type: 'batch_added', batch, tasks });
  journal.append({ type: 'batch_changed', id: 'b1', patch: { paused: { reason: 'cap', message: 'The cap is reached.' }, capMicros: 300_000 } });
  journal.append({ type: 'batch_changed', id: 'b1', patch: {}, unset: ['paused'] });
  for (const task of tasks)
    journal.append({ type: 'task_changed', id: task.id, at: 2, state: 'submitted', patch: { attempts: 1, taskId: `api-${task.position}` } });
  journal.append({
    type: 'task_changed',
    id: tasks[0].id,
    at: 3,
    state: 'done',
    patch: { spentMicros: 150_000, file: 'take-0.mp4', overdue: true },
    unset: ['overdue']
  });
  journal.append({ type: 'task_changed', id: tasks[1].id, at: 3, state: 'failed', patch: { failCode: '500', failMsg: 'The server failed.', note: 'Failed.' } });
  const state = structuredClone(journal.state);
  await journal.close();
  return state;
}

describe('the queue read back from disk', () => {
  it('replays and reloads, through the schemas, exactly the queue that was written', async () => {
    const dir = tempDir();
    const written = await writeHistory(dir);
    const replayed = await openQueue(dir);
    expect(replayed.recovery).toMatchObject({ rejected: 0, skippedCorrupt: 0 });
    expect(replayed.state).toEqual(written);
    await replayed.compact();
    await replayed.close();
    open.splice(0);
    const reloaded = await openQueue(dir);
    expect(reloaded.recovery.snapshotSeq).toBeGreaterThan(0);
    expect(reloaded.state).toEqual(written);
    expect(await peekQueue(dir)).toEqual(written);
  });

  it('skips a journal event that is not a queue event, and says which field is wrong', async () => {
    const dir = tempDir();
    await writeHistory(dir);
    const path = `${dir}/journal.jsonl`;
    const lines = readFileSync(path, 'utf8').split('\n');
    // Line 5 is the first task's "submitted": its state becomes something no build writes.
    const record = JSON.parse(lines[4]) as { ev: { state: unknown } };
    expect(record.ev.state).toBe('submitted');
    record.ev.state = 42;
    lines[4] = JSON.stringify(record);
    writeFileSync(path, lines.join('\n'));

    const warnings: string[] = [];
    const journal = await openQueue(dir, warnings);
    expect(journal.recovery).toMatchObject({ rejected: 1, skippedCorrupt: 1 });
    expect(warnings.join('\n')).toMatch(/not a queue event \(state: /);
    // The other events still apply: the task reaches "done" from the later line.
    expect(journal.state.tasks.get('b1-00000')?.state).toBe('done');
  });

  it('keeps what a newer build wrote: a state, a mode, a time stamp and a field this build does not know', async () => {
    const dir = tempDir();
    const journal = await Journal.open<QueueEvent, QueueState>(dir, OPTIONS);
    const { batch, tasks } = batchOf(1);
    const newer = {
      ...tasks[0],
      state: 'uploading',
      times: { ...tasks[0].times, uploading: 5 },
      request: { ...tasks[0].request, input: { ...tasks[0].request.input, mode: 'video-to-video', resolution: '4k' } },
      lane: 'fast'
    } as unknown as TaskRecord;
    journal.append({ type: 'batch_added', batch, tasks: [newer] });
    journal.append(
      { type: 'task_changed', id: newer.id, at: 6, state: 'submitted', patch: { taskId: 'PAID-123' }, unset: ['lane' as never] },
      { durable: true }
    );
    await journal.close();

    const warnings: string[] = [];
    const replayed = await openQueue(dir, warnings);
    expect(replayed.recovery).toMatchObject({ rejected: 0, skippedCorrupt: 0 });
    expect(warnings).toEqual([]);
    const task = replayed.state.tasks.get(newer.id);
    expect(task).toMatchObject({
      state: 'submitted',
      taskId: 'PAID-123',
      times: { uploading: 5 },
      request: { input: { mode: 'video-to-video', resolution: '4k' } }
    });
  });

  it('refuses a snapshot with a damaged task, naming where, instead of loading it', async () => {
    const dir = tempDir();
    await writeHistory(dir);
    const journal = await openQueue(dir);
    await journal.compact();
    await journal.close();
    open.splice(0);
    const snapshotPath = `${dir}/snapshot.json`;
    const snapshot = JSON.parse(readFileSync(snapshotPath, 'utf8')) as { state: { tasks: Record<string, unknown>[] } };
    snapshot.state.tasks[2].attempts = 'many';
    writeFileSync(snapshotPath, JSON.stringify(snapshot));

    const error = await openQueue(dir).catch((e: unknown) => e);
    expect(isJournalError(error, 'unreadable_snapshot')).toBe(true);
    expect((error as Error).message).toMatch(/the queue state is damaged: tasks\[2\]\.attempts: /);
  });

  it('keeps fields it does not know', () => {
    const { batch, tasks } = batchOf(1);
    const state = queueStateFromJson({ batches: [{ ...batch, mood: 'blue' }], tasks: [{ ...tasks[0], rating: 5 }] });
    expect(state.batches.get('b1')).toMatchObject({ mood: 'blue' });
    expect(state.tasks.get('b1-00000')).toMatchObject({ rating: 5 });
  });
});
