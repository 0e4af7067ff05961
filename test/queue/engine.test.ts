import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineChange } from '../../src/main/core/queue/engine';
import { firstPollDelayMs } from '../../src/main/core/queue/schedule-policy';
import { harness, rows, settled, submissionsByPrompt, filesIn, until, TIME_SCALE, type Harness } from '../support/engine-harness';
import { sameVideo } from '../library/helpers';

const SAMPLE = readFileSync('resources/sim/sample-16x9.mp4');

// The engine's end-to-end runs, in real time on purpose (architecture.md, "Testing"): whole
// batches over real loopback HTTP and real files, at the compressed TIME_SCALE, with real timers
// and sockets. The scheduling details run on fake time in engine-control.test.ts.
let h: Harness;
afterEach(() => h?.cleanup());

describe('batch engine against the simulator', () => {
  it('submits, polls and downloads a batch into the library, each row once', async () => {
    h = await harness();
    h.engine.start();
    const batch = h.engine.addBatch({ name: 'first', libraryDir: h.libraryDir, tasks: rows(10) });
    const tasks = await settled(h.engine, batch.id);
    expect(tasks.map((t) => t.state)).toEqual(Array(10).fill('done'));
    expect([...submissionsByPrompt(h.sim).values()]).toEqual(Array(10).fill(1));
    const files = filesIn(h.libraryDir);
    expect(files.filter((f) => f.endsWith('.mp4'))).toHaveLength(10);
    expect(files.filter((f) => f.endsWith('.json'))).toHaveLength(10);
    expect(files.filter((f) => f.endsWith('.part'))).toHaveLength(0);
    for (const task of tasks) {
      expect(sameVideo(readFileSync(join(h.libraryDir, task.file!)), SAMPLE)).toBe(true);
      const sidecar = JSON.parse(readFileSync(join(h.libraryDir, task.file!.replace(/\.mp4$/, '.json')), 'utf8'));
      expect(sidecar).toMatchObject({ prompt: task.request.input.prompt, taskId: task.taskId, batch: { id: batch.id, name: 'first' } });
      expect(sidecar.probe).toMatchObject({ width: 640, height: 360, fps: 24, hasAudio: true });
    }
    // Money: 10 × 480p × 5 s × $0.012 = $0.60, all spent, nothing left committed.
    expect(h.engine.costs()).toMatchObject({ spentMicros: 600_000, committedMicros: 0, queuedMicros: 0 });
  });

  it('announces each video it landed, with the sidecar it wrote beside it, in the change that says it is done', async () => {
    h = await harness({}, { changeIntervalMs: 1 });
    const seen: EngineChange[] = [];
    h.engine.onChange((c) => seen.push(c));
    h.engine.start();
    const batch = h.engine.addBatch({ name: 'landed', libraryDir: h.libraryDir, tasks: rows(4) });
    const tasks = await settled(h.engine, batch.id);
    h.engine.flushChanges();
    const landed = seen.flatMap((c) => c.landed);
    expect(landed.map((v) => v.taskId).sort()).toEqual(tasks.map((t) => t.id).sort());
    for (const video of landed) {
      const task = tasks.find((t) => t.id === video.taskId)!;
      expect(video.path).toBe(join(h.libraryDir, task.file!));
      expect(video.batchId).toBe(batch.id);
      // Exactly what lies on disk beside the video: the library need not read it back.
      expect(video.sidecar).toEqual(JSON.parse(readFileSync(video.path.replace(/\.mp4$/, '.json'), 'utf8')));
      expect(video.probe).toMatchObject({ width: 640, height: 360 });
      const change = seen.find((c) => c.landed.includes(video))!;
      expect(change.tasks.find((t) => t.id === video.taskId)?.state).toBe('done');
    }
  });

  it('keeps tasks in flight under the concurrency limit', async () => {
    h = await harness({}, { concurrency: 3 });
    let most = 0;
    const stop = setInterval(() => (most = Math.max(most, h.sim.counts().activeTasks)), 2);
    h.engine.start();
    const batch = h.engine.addBatch({ name: 'limited', libraryDir: h.libraryDir, tasks: rows(12) });
    await settled(h.engine, batch.id);
    clearInterval(stop);
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(3);
  });

  it('polls each task on the documented schedule', async () => {
    h = await harness();
    h.engine.start();
    const batch = h.engine.addBatch({ name: 'polls', libraryDir: h.libraryDir, tasks: rows(6, { resolution: '720p' }) });
    const tasks = await settled(h.engine, batch.id);
    const polls = h.sim.counts().statusPolls;
    for (const task of tasks) {
      const sim = h.sim.task(task.taskId!)!;
      const generation = (sim.completeTime - sim.createTime) / TIME_SCALE;
      const first = firstPollDelayMs(task.request);
      // First poll at 60 s (720p), then every 5 s ± 10 % until done (pending polls are slower).
      const most = 1 + Math.ceil(Math.max(0, generation - first) / 4_500) + 1;
      const n = polls.get(task.taskId!)!;
      expect(n).toBeGreaterThanOrEqual(1);
      expect(n).toBeLessThanOrEqual(most);
      // Never polled before the documented first-poll time.
      const firstPoll = h.sim.requests.find((r) => r.endpoint === 'status' && r.taskId === task.taskId)!;
      expect(firstPoll.time - sim.createTime).toBeGreaterThanOrEqual(first * TIME_SCALE - 2);
    }
  });

  it('ends failures in the right state: content failures are final, transient ones retried', async () => {
    h = await harness({}, { autoRetryLimit: 2 });
    h.engine.start();
    const prompts = ['a calm lake [sim:fail:SensitiveContent]', 'a busy street [sim:fail:Timeout]', 'a quiet forest'];
    const batch = h.engine.addBatch({ name: 'failures', libraryDir: h.libraryDir, tasks: rows(3, { prompt: (i) => prompts[i] }) });
    const [content, transient, fine] = await settled(h.engine, batch.id);
    expect(content).toMatchObject({ state: 'failed', failCode: 'SensitiveContent', autoRetries: 0, spentMicros: 0 });
    expect(content.note).toMatch(/safety check/);
    expect(transient).toMatchObject({ state: 'failed', failCode: 'Timeout', autoRetries: 2 });
    expect(fine.state).toBe('done');
    const submits = submissionsByPrompt(h.sim);
    expect(submits.get(prompts[0])).toBe(1);
    expect(submits.get(prompts[1])).toBe(3);
  });

  it('never resubmits a task whose submit outcome is unknown', async () => {
    h = await harness({ faults: { resetAfterAcceptRate: 1 } });
    h.engine.start();
    const batch = h.engine.addBatch({ name: 'resets', libraryDir: h.libraryDir, tasks: rows(3) });
    const tasks = await settled(h.engine, batch.id);
    expect(tasks.map((t) => t.state)).toEqual(['needs_review', 'needs_review', 'needs_review']);
    expect(h.sim.submissions).toHaveLength(3);
    expect(tasks[0].note).toMatch(/may or may not have created/);
    // The person chooses: resubmit one, abandon one.
    h.sim.setFaults({ resetAfterAcceptRate: 0 });
    h.engine.resubmit(tasks[0].id);
    h.engine.abandon(tasks[1].id);
    await until(() => h.engine.task(tasks[0].id)!.state === 'done', 10_000, 'resubmitted task done');
    expect(h.engine.task(tasks[1].id)!.state).toBe('abandoned');
    expect(h.sim.submissions).toHaveLength(4);
  });

  it('attaches a task ID a person found, and collects that video', async () => {
    h = await harness({ faults: { resetAfterAcceptRate: 1 } });
    h.engine.start();
    const batch = h.engine.addBatch({ name: 'attach', libraryDir: h.libraryDir, tasks: rows(1) });
    const [task] = await settled(h.engine, batch.id);
    expect(task.state).toBe('needs_review');
    h.engine.attachTaskId(task.id, h.sim.submissions[0].taskId);
    await until(() => h.engine.task(task.id)!.state === 'done', 10_000, 'attached task done');
    expect(h.sim.submissions).toHaveLength(1);
  });

  it('cancels only what has not been submitted', async () => {
    h = await harness({}, { concurrency: 1 });
    h.engine.start();
    const batch = h.engine.addBatch({ name: 'cancel', libraryDir: h.libraryDir, tasks: rows(4) });
    await until(() => h.engine.tasksOf(batch.id)[0].state !== 'queued', 5_000, 'first submit');
    expect(h.engine.cancelBatch(batch.id)).toBe(3);
    expect(() => h.engine.cancel(h.engine.tasksOf(batch.id)[0].id)).toThrow(/cannot cancel a running task/);
    const tasks = await settled(h.engine, batch.id);
    expect(tasks.map((t) => t.state)).toEqual(['done', 'canceled', 'canceled', 'canceled']);
    expect(h.sim.submissions).toHaveLength(1);
  });
});

// Real sockets that stall and break, in real time on purpose: the download watchdog and the
// backoff between attempts run on the wall clock here, as in the app.
describe('faults over real sockets, in real time', () => {
  it('ends every task in the right state through 5xx, 429s, resets, broken bodies, truncated and stalled downloads', async () => {
    h = await harness(
      {
        seed: 99,
        faults: {
          serverErrorRate: 0.1,
          errorAfterAcceptRate: 0.05,
          resetAfterAcceptRate: 0.05,
          malformedStatusRate: 0.1,
          status429Rate: 0.1,
          truncateDownloadRate: 0.3,
          stallDownloadRate: 0.2,
          stallMs: 60_000
        }
      },
      { concurrency: 8, downloadStallTimeoutMs: 300 }
    );
    h.engine.start();
    const batch = h.engine.addBatch({ name: 'faults', libraryDir: h.libraryDir, tasks: rows(40) });
    const tasks = await settled(h.engine, batch.id, 60_000);
    const ambiguous = h.sim.requests.filter((r) => r.fault === 'error_after_accept' || r.fault === 'reset_after_accept').length;
    const review = tasks.filter((t) => t.state === 'needs_review');
    // Only an ambiguous submit leaves a task for review; everything else ends done.
    expect(review).toHaveLength(ambiguous);
    expect(tasks.filter((t) => t.state === 'done')).toHaveLength(40 - ambiguous);
    expect([...submissionsByPrompt(h.sim).values()].every((n) => n === 1)).toBe(true);
    for (const t of tasks.filter((t) => t.state === 'done')) expect(sameVideo(readFileSync(join(h.libraryDir, t.file!)), SAMPLE)).toBe(true);
    expect(readdirSync(h.libraryDir).filter((f) => f.endsWith('.part'))).toEqual([]);
    const counts = h.sim.counts().faults;
    for (const kind of ['server_error', 'malformed_status', 'status_429', 'truncate_download', 'stall_download'] as const) {
      expect(counts[kind] ?? 0).toBeGreaterThan(0);
    }
  });
});
