import { describe, expect, it } from 'vitest';
import type { BatchRecord, TaskRecord } from '@shared/batch';
import { buildRequest } from '@shared/request-builder';
import { taskCost } from '@shared/pricing';
import type { TaskState } from '@shared/task-state';
import { describeActivity, type ActivityFacts } from '../../src/main/core/queue/activity';
import { ChangeStream } from '../../src/main/core/queue/change-stream';
import { applyQueueEvent, emptyQueueState } from '../../src/main/core/queue/queue-state';
import { firstPollTimes, planRecovery } from '../../src/main/core/queue/recovery';
import { SpendLedger } from '../../src/main/core/queue/spend-ledger';
import { ChangeBatcher } from '../../src/main/core/library/change-batcher';
import { TestClock } from '../support/test-clock';

const request = buildRequest({ mode: 'text-to-video', prompt: 'a kite over a beach', resolution: '480p', duration: 5 });
const ESTIMATE = taskCost(request.input);

function task(id: string, state: TaskState, over: Partial<TaskRecord> = {}): TaskRecord {
  return {
    id,
    batchId: 'b1',
    position: Number(id.replace(/\D/g, '')) || 0,
    source: { row: 2, take: 1, cells: {} },
    request,
    estimateMicros: ESTIMATE,
    state,
    attempts: 0,
    autoRetries: 0,
    spentMicros: 0,
    times: { created: 0 },
    ...over
  };
}

const batch = (over: Partial<BatchRecord> = {}): BatchRecord => ({ id: 'b1', name: 'b', createdAt: 0, libraryDir: '/lib', taskIds: [], ...over });

describe('the activity line', () => {
  const base: ActivityFacts = { overallCapReached: false, running: true, inFlight: 0, queued: 0, held: 0, slots: 4, pauseReason: '', downloads: 0 };

  it('says why the queue waits, the account first', () => {
    expect(describeActivity({ ...base, account: { reason: 'auth', message: '' }, overallCapReached: true })).toBe('paused: check your API key');
    expect(describeActivity({ ...base, account: { reason: 'balance', message: '' } })).toBe('paused: add balance to your APIXO account');
    expect(describeActivity({ ...base, overallCapReached: true, queued: 3 })).toBe('paused: spending cap reached');
    const at = Date.UTC(2026, 0, 1, 14, 2, 10);
    expect(describeActivity({ ...base, queued: 1, pauseUntil: at, pauseReason: 'paused by the server until' })).toBe(
      `paused by the server until ${new Date(at).toLocaleTimeString('en-GB')}`
    );
  });

  it('says what it is doing when nothing holds it', () => {
    expect(describeActivity({ ...base, running: false })).toBe('idle');
    expect(describeActivity({ ...base, running: false, queued: 2 })).toBe('stopped');
    expect(describeActivity({ ...base, queued: 2, inFlight: 4 })).toBe('waiting: 4 of 4 slots busy');
    expect(describeActivity({ ...base, queued: 2, inFlight: 1 })).toBe('submitting (1 of 4 slots busy)');
    expect(describeActivity({ ...base, inFlight: 1 })).toBe('generating 1 video');
    expect(describeActivity({ ...base, inFlight: 3 })).toBe('generating 3 videos');
    expect(describeActivity({ ...base, downloads: 1 })).toBe('downloading');
    expect(describeActivity({ ...base, held: 2 })).toBe('paused: 2 videos wait in paused batches');
    expect(describeActivity(base)).toBe('idle');
  });
});

describe('the spend ledger', () => {
  it('counts what is committed or spent, following each change', () => {
    const ledger = new SpendLedger(ESTIMATE * 2);
    const queued = task('t0', 'queued');
    ledger.track(undefined, queued, 'real');
    expect(ledger.check(queued, batch(), 'real')).toBeUndefined();
    const submitted = { ...queued, state: 'submitted' as const };
    ledger.track(queued, submitted, 'real');
    const done = { ...submitted, state: 'done' as const, spentMicros: ESTIMATE };
    ledger.track(submitted, done, 'real');
    ledger.track(undefined, task('t1', 'processing'), 'real');
    // One spent, one committed: the cap of two is full.
    const verdict = ledger.check(task('t2', 'queued'), batch(), 'real');
    expect(verdict).toMatchObject({ scope: 'overall' });
    expect(ledger.overallCapReached).toMatch(/^Spending cap reached: \$0\.12 of the overall \$0\.12/);
    ledger.setOverallCap(undefined);
    expect(ledger.overallCapReached).toBeUndefined();
    expect(ledger.check(task('t2', 'queued'), batch(), 'real')).toBeUndefined();
  });

  it('holds a batch at its own cap before the overall one', () => {
    const ledger = new SpendLedger(ESTIMATE * 100);
    ledger.track(undefined, task('t0', 'submitting'), 'real');
    expect(ledger.check(task('t1', 'queued'), batch({ capMicros: ESTIMATE + 1 }), 'real')).toMatchObject({
      scope: 'batch',
      message: expect.stringMatching(/this batch's/)
    });
    expect(ledger.overallCapReached).toBeUndefined();
  });
});

describe('recovery', () => {
  it('sorts what the journal left by what must happen next, batches in the queue order', () => {
    const state = emptyQueueState();
    const tasks = [task('t0', 'submitting'), task('t1', 'processing'), task('t2', 'downloading'), task('t3', 'queued'), task('t4', 'done')];
    applyQueueEvent(state, { type: 'batch_added', batch: batch({ id: 'b2', createdAt: 5 }), tasks: [] });
    applyQueueEvent(state, { type: 'batch_added', batch: batch({ createdAt: 1 }), tasks });
    // As added, until the person moves one.
    expect(planRecovery(state).batchOrder).toEqual(['b2', 'b1']);
    applyQueueEvent(state, { type: 'batch_order', ids: ['b1', 'b2'] });
    const plan = planRecovery(state);
    expect(plan.batchOrder).toEqual(['b1', 'b2']);
    expect(plan.interrupted.map((t) => t.id)).toEqual(['t0']);
    expect(plan.toPoll.map((t) => t.id)).toEqual(['t1']);
    expect(plan.toDownload.map((t) => t.id)).toEqual(['t2']);
    expect(plan.toQueue.map((t) => t.id)).toEqual(['t3']);
  });

  it('spreads the first polls over one interval, or longer when the budget needs it', () => {
    const times = firstPollTimes(4, 7_000, 1, 1_000, () => 0.5);
    expect(times).toEqual([1_625, 2_875, 4_125, 5_375]);
    const many = firstPollTimes(600, 60, 1, 0, () => 0);
    expect(many.at(-1)).toBeCloseTo((599 / 600) * 600_000);
  });
});

describe('a task change', () => {
  it('is a new record: the one a caller holds keeps what it was', () => {
    const state = emptyQueueState();
    const before = task('t0', 'queued');
    applyQueueEvent(state, { type: 'batch_added', batch: batch({ taskIds: ['t0'] }), tasks: [before] });
    applyQueueEvent(state, { type: 'task_changed', id: 't0', at: 42, state: 'submitting', patch: { attempts: 1 } });
    const after = state.tasks.get('t0')!;
    expect(after).not.toBe(before);
    expect(before).toMatchObject({ state: 'queued', attempts: 0, times: { created: 0 } });
    expect(after).toMatchObject({ state: 'submitting', attempts: 1, times: { created: 0, submitting: 42 } });
  });
});

describe('coalescing changes', () => {
  it('sends the first change of a quiet spell at once, then at most once per interval', async () => {
    const clock = new TestClock();
    const sent: string[][] = [];
    const stream = new ChangeStream<string[]>(250, (pending) => [...pending.tasks], clock);
    stream.subscribe((change) => sent.push(change));
    stream.mark('a');
    await clock.advance(0);
    expect(sent).toEqual([['a']]);
    stream.mark('b');
    stream.mark('c');
    await clock.advance(249);
    expect(sent).toHaveLength(1);
    await clock.advance(1);
    expect(sent).toEqual([['a'], ['b', 'c']]);
    stream.close();
  });

  it('gathers library changes for a while, the last fate of a path winning', async () => {
    const clock = new TestClock();
    const sent: [string[], string[]][] = [];
    const batcher = new ChangeBatcher((changed, removed) => sent.push([changed, removed]), 250, clock);
    batcher.add(['a.mp4', 'b.mp4']);
    await clock.advance(100);
    batcher.add([], ['a.mp4']);
    await clock.advance(149);
    expect(sent).toEqual([]);
    await clock.advance(1);
    expect(sent).toEqual([[['b.mp4'], ['a.mp4']]]);
    await clock.advance(1_000);
    expect(sent).toHaveLength(1);
  });
});
