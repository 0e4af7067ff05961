/**
 * Money measured and kept apart (docs/architecture.md, "Money"): real spend is measured by the
 * balance across each spend window and compared with the estimate, simulated money never joins
 * it, and a batch made on the simulator goes to APIXO only by the person's choice. Everything
 * runs against the loopback simulator, which debits at submit and refunds a failed task.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { taskCost } from '@shared/pricing';
import { ApixoClient } from '../../src/main/core/apixo';
import { startSimulator, type Simulator } from '../../src/main/core/simulator';
import { harness, rows, settled, TIME_SCALE, until, type Harness } from '../support/engine-harness';

const EST = taskCost({ mode: 'text-to-video', resolution: '480p', duration: 5 });

let h: Harness;
let builtIn: Simulator | undefined;

afterEach(async () => {
  await h?.cleanup();
  await builtIn?.close();
  builtIn = undefined;
});

/** Waits until every window is closed and the batch's tasks are settled with a charge. */
async function measured(batchId: string): Promise<void> {
  await settled(h.engine, batchId);
  await until(
    () =>
      h.engine.tasksOf(batchId).every((t) => t.charge !== undefined || t.state === 'rejected') && [...h.engine.state.windows.values()].every((w) => w.closedAt),
    10_000,
    'the spend window to close'
  );
}

describe('spend measured against the estimate', () => {
  it('measures a batch by the balance: its spend equals its estimate, and each video reads "charged"', async () => {
    h = await harness({ balanceUsd: 50 });
    h.engine.start();
    const batch = h.engine.addBatch({ name: 'a', libraryDir: h.libraryDir, tasks: rows(3) });
    await measured(batch.id);
    const costs = h.engine.costs();
    expect(costs.spend).toMatchObject({ estimatedMicros: 3 * EST, measuredMicros: 3 * EST, windows: 1, unknownMicros: 0, pendingMicros: 0 });
    expect(costs.spend?.differenceMicros).toBeUndefined();
    expect(h.engine.summary(batch.id)!.costs.spend).toMatchObject({ estimatedMicros: 3 * EST, measuredMicros: 3 * EST });
    expect(h.engine.summary(batch.id)!.costs.spend?.shared).toBeUndefined();
    expect(h.engine.tasksOf(batch.id).map((t) => t.charge)).toEqual(['charged', 'charged', 'charged']);
    // The one balance reading, with its time, is the simulator's balance after the batch.
    expect(costs.balance?.micros).toBe(Math.round(h.sim.balanceUsd() * 1e6));
    expect(costs.balance?.at).toBeGreaterThan(0);
    const window = [...h.engine.state.windows.values()][0];
    expect(window).toMatchObject({ openingMicros: 50_000_000, closingMicros: 50_000_000 - 3 * EST, verdict: 'match' });
  });

  it('settles a failed task as "not charged" when the balance shows failures are refunded', async () => {
    h = await harness({}, { autoRetryLimit: 0 });
    h.engine.start();
    const tasks = rows(3, { prompt: (i) => (i === 1 ? 'row 3 [sim:fail:GENERATION_FAILED] a storm' : `row ${i + 2}: calm sea`) });
    const batch = h.engine.addBatch({ name: 'a', libraryDir: h.libraryDir, tasks });
    await measured(batch.id);
    const byState = h.engine.tasksOf(batch.id).map((t) => [t.state, t.charge]);
    expect(byState).toEqual([
      ['done', 'charged'],
      ['failed', 'not_charged'],
      ['done', 'charged']
    ]);
    expect(h.engine.costs().spend).toMatchObject({ estimatedMicros: 2 * EST, measuredMicros: 2 * EST });
  });

  it('flags a balance that fell by more than the estimate, with the amount', async () => {
    h = await harness({ balanceUsd: 20 });
    h.engine.start();
    const first = h.engine.addBatch({ name: 'a', libraryDir: h.libraryDir, tasks: rows(2) });
    await measured(first.id);
    // Something else spends with the key between two batches' windows: the second window starts
    // from a fresh reading only after a minute, so here the fall lands in the second window.
    const second = h.engine.addBatch({ name: 'b', libraryDir: h.libraryDir, tasks: rows(2, { prompt: (i) => `second ${i}` }) });
    await until(() => h.engine.tasksOf(second.id).some((t) => t.state !== 'queued'), 10_000, 'the second batch to start');
    h.sim.setBalance(h.sim.balanceUsd() - 0.5);
    await measured(second.id);
    const check = h.engine.summary(second.id)!.costs.spend!;
    expect(check.estimatedMicros).toBe(2 * EST);
    expect(check.differenceMicros).toBe(500_000);
    expect(h.engine.tasksOf(second.id).map((t) => t.charge)).toEqual(['unknown', 'unknown']);
    // The first batch's own window matched.
    expect(h.engine.summary(first.id)!.costs.spend?.differenceMicros).toBeUndefined();
    expect(h.engine.costs().spend?.differenceMicros).toBe(500_000);
  });

  it('counts attempts retried on their own as failures: billed failures explain the difference to the cent', async () => {
    h = await harness({ billFailures: true }, { autoRetryLimit: 2 });
    h.engine.start();
    const tasks = rows(2, { prompt: (i) => (i === 0 ? 'row 2 [sim:fail:GENERATION_FAILED] a storm' : 'row 3: calm sea') });
    const batch = h.engine.addBatch({ name: 'a', libraryDir: h.libraryDir, tasks });
    await measured(batch.id);
    // Three attempts of the failing row were billed, and the success.
    expect(h.engine.tasksOf(batch.id).map((t) => [t.state, t.autoRetries, t.charge])).toEqual([
      ['failed', 2, 'charged'],
      ['done', 0, 'charged']
    ]);
    expect(h.engine.costs().spend).toMatchObject({ estimatedMicros: EST, measuredMicros: 4 * EST, differenceMicros: 3 * EST, failuresBilledMicros: 3 * EST });
  });

  it('measures overlapping batches together: the total is right, and each batch says "shared"', async () => {
    h = await harness();
    h.engine.start();
    const a = h.engine.addBatch({ name: 'a', libraryDir: h.libraryDir, tasks: rows(3) });
    const b = h.engine.addBatch({ name: 'b', libraryDir: h.libraryDir, tasks: rows(2, { prompt: (i) => `b ${i}` }) });
    await measured(a.id);
    await measured(b.id);
    expect(h.engine.state.windows.size).toBe(1);
    expect(h.engine.costs().spend).toMatchObject({ estimatedMicros: 5 * EST, measuredMicros: 5 * EST, windows: 1 });
    expect(h.engine.summary(a.id)!.costs.spend).toMatchObject({ shared: true, estimatedMicros: 3 * EST, measuredMicros: 3 * EST });
    expect(h.engine.summary(b.id)!.costs.spend).toMatchObject({ shared: true, estimatedMicros: 2 * EST, measuredMicros: 2 * EST });
  });

  it('lets a run that ends wait for its last window: measured once spendMeasured() answers', async () => {
    h = await harness({ billFailures: true }, { autoRetryLimit: 0 });
    h.engine.start();
    // Only failures: the batch settles the moment the last one ends, before the quiet moment.
    const batch = h.engine.addBatch({
      name: 'a',
      libraryDir: h.libraryDir,
      tasks: rows(2, { prompt: (i) => `row ${i + 2} [sim:fail:SensitiveContent] a fight` })
    });
    await settled(h.engine, batch.id);
    await h.engine.spendMeasured();
    const [window] = h.engine.state.windows.values();
    expect(window).toMatchObject({ verdict: 'failures_billed', measuredMicros: 2 * EST });
    expect(h.engine.tasksOf(batch.id).map((t) => t.charge)).toEqual(['charged', 'charged']);
    // Nothing open: it answers at once.
    await h.engine.spendMeasured();
  });

  it('carries an open window over a restart and measures it once the tasks end', async () => {
    h = await harness({ balanceUsd: 30 });
    h.engine.start();
    const batch = h.engine.addBatch({ name: 'a', libraryDir: h.libraryDir, tasks: rows(2) });
    await until(() => h.engine.tasksOf(batch.id).every((t) => t.state === 'submitted' || t.state === 'processing'), 10_000, 'both tasks at APIXO');
    await h.engine.close();
    expect([...(await h.open()).state.windows.values()]).toMatchObject([{ id: 1, openingMicros: 30_000_000 }]);
    expect([...h.engine.state.windows.values()][0].closedAt).toBeUndefined();
    h.engine.start();
    await measured(batch.id);
    expect([...h.engine.state.windows.values()]).toMatchObject([{ id: 1, verdict: 'match', measuredMicros: 2 * EST }]);
  });

  it('shows a balance that cannot be read as unknown with its reason, never as $0', async () => {
    h = await harness();
    await h.engine.close();
    await h.open({ client: h.clientWith({ apiKey: 'not-the-key' }) });
    const reading = await h.engine.readBalance();
    expect(reading?.micros).toBeUndefined();
    expect(reading?.problem).toMatch(/key/i);
    expect(h.engine.costs().balance).toEqual(reading);
  });
});

describe('two ledgers', () => {
  async function withBuiltIn(): Promise<ApixoClient> {
    builtIn = await startSimulator({ timeScale: TIME_SCALE, seed: 3 });
    return new ApixoClient({ apiKey: builtIn.apiKey, baseUrl: builtIn.baseUrl, timeScale: TIME_SCALE, timeoutMs: 5_000 });
  }

  it('keeps simulated money apart: a simulated batch adds nothing to real spend', async () => {
    h = await harness();
    const sim = await withBuiltIn();
    await h.engine.close();
    await h.open({ client: sim, simulated: true });
    h.engine.start();
    const batch = h.engine.addBatch({ name: 'try', libraryDir: h.libraryDir, tasks: rows(2) });
    expect(batch.simulated).toBe(true);
    await settled(h.engine, batch.id);
    const costs = h.engine.costs();
    expect(costs.simulated.spentMicros).toBe(2 * EST);
    expect(costs.spentMicros).toBe(0);
    expect(costs.spentTodayMicros).toBe(0);
    expect(costs.balance).toBeUndefined();
    expect(h.engine.state.windows.size).toBe(0);
    expect(h.engine.tasksOf(batch.id).every((t) => t.ledger === 'simulated')).toBe(true);
    expect(h.sim.submissions).toHaveLength(0);
  });

  async function simulatedBatchThenKey(n: number): Promise<string> {
    h = await harness();
    const sim = await withBuiltIn();
    await h.engine.close();
    await h.open({ client: sim, simulated: true, overallCapMicros: 3 * EST });
    const batch = h.engine.addBatch({ name: 'try', libraryDir: h.libraryDir, tasks: rows(n) });
    // A key is saved before the queue ran: APIXO is the API from now on.
    h.engine.setClient(h.client, false);
    h.engine.start();
    return batch.id;
  }

  it('asks before a simulated batch goes on once a key is saved, and sends nothing anywhere meanwhile', async () => {
    const id = await simulatedBatchThenKey(4);
    expect(h.engine.summary(id)!.batch.paused?.reason).toBe('ledger');
    const question = h.engine.ledgerQuestion();
    expect(question).toMatchObject({ queued: 4, estimateMicros: 4 * EST, batches: [{ id, name: 'try', queued: 4 }] });
    // The overall cap of three videos stops a fourth: said before the choice.
    expect(question?.capWarning).toMatch(/overall cap is \$0\.18/);
    await new Promise((r) => setTimeout(r, 200));
    expect(h.sim.submissions).toHaveLength(0);
    expect(builtIn!.submissions).toHaveLength(0);
    expect(() => h.engine.resumeBatch(id)).toThrow(/keep it simulated/);
  });

  it('asks about a simulated batch the person had paused once it is resumed, instead of running it', async () => {
    h = await harness();
    const sim = await withBuiltIn();
    await h.engine.close();
    await h.open({ client: sim, simulated: true });
    const batch = h.engine.addBatch({ name: 'held', libraryDir: h.libraryDir, tasks: rows(2) });
    h.engine.pauseBatch(batch.id);
    h.engine.setClient(h.client, false);
    h.engine.start();
    h.engine.resumeBatch(batch.id);
    expect(h.engine.summary(batch.id)!.batch.paused?.reason).toBe('ledger');
    expect(h.engine.ledgerQuestion()?.batches.map((b) => b.id)).toEqual([batch.id]);
  });

  it('sends the queued tasks to APIXO on "send for real", checking the cap again', async () => {
    const id = await simulatedBatchThenKey(4);
    h.engine.chooseLedger('real');
    await until(
      () => h.engine.status().activity.includes('cap') || h.engine.tasksOf(id).filter((t) => t.state === 'done').length === 3,
      10_000,
      'three videos or the cap'
    );
    await until(() => h.engine.tasksOf(id).filter((t) => t.state === 'done').length === 3, 10_000, 'three videos');
    expect(h.sim.submissions).toHaveLength(3);
    expect(builtIn!.submissions).toHaveLength(0);
    expect(h.engine.ledgerQuestion()).toBeUndefined();
    expect(h.engine.costs()).toMatchObject({ spentMicros: 3 * EST, simulated: { spentMicros: 0 } });
    expect(h.engine.status().activity).toMatch(/cap/i);
  });

  it('keeps them on the simulator on "keep simulated", and does not ask again', async () => {
    const id = await simulatedBatchThenKey(2);
    h.engine.chooseLedger('keep');
    await settled(h.engine, id);
    expect(builtIn!.submissions).toHaveLength(2);
    expect(h.sim.submissions).toHaveLength(0);
    expect(h.engine.costs()).toMatchObject({ spentMicros: 0, simulated: { spentMicros: 2 * EST } });
    // Kept: not asked again after a restart.
    const sim = new ApixoClient({ apiKey: builtIn!.apiKey, baseUrl: builtIn!.baseUrl, timeScale: TIME_SCALE });
    await h.engine.close();
    await h.open({ client: h.client, simulatorClient: sim });
    expect(h.engine.ledgerQuestion()).toBeUndefined();

    const other = h.engine.addBatch({ name: 'real one', libraryDir: h.libraryDir, tasks: rows(1) });
    expect(other.simulated).toBeUndefined();
  });

  it('cancels the queued tasks on "cancel": nothing is sent to either API', async () => {
    const id = await simulatedBatchThenKey(3);
    h.engine.chooseLedger('cancel');
    expect(h.engine.tasksOf(id).map((t) => t.state)).toEqual(['canceled', 'canceled', 'canceled']);
    expect(h.engine.summary(id)!.batch.paused).toBeUndefined();
    await new Promise((r) => setTimeout(r, 100));
    expect(h.sim.submissions).toHaveLength(0);
    expect(builtIn!.submissions).toHaveLength(0);
  });

  it('never sends a real batch to the simulator when the key is removed: it waits for the key', async () => {
    h = await harness();
    const sim = await withBuiltIn();
    const real = h.engine.addBatch({ name: 'paid', libraryDir: h.libraryDir, tasks: rows(2) });
    h.engine.setClient(sim, true);
    h.engine.start();
    expect(h.engine.summary(real.id)!.batch.paused).toMatchObject({
      reason: 'ledger',
      message: expect.stringMatching(/APIXO key, but the simulator is the API now/)
    });
    const tried = h.engine.addBatch({ name: 'trial', libraryDir: h.libraryDir, tasks: rows(1, { prompt: () => 'trial' }) });
    await settled(h.engine, tried.id);
    expect(builtIn!.submissions.map((s) => (s.body as { input: { prompt: string } }).input.prompt)).toEqual(['trial']);
    // The key is back: the paid batch goes on at APIXO; the trial stays simulated.
    h.engine.setClient(h.client, false);
    await settled(h.engine, real.id);
    expect(h.sim.submissions).toHaveLength(2);
    expect(h.engine.costs()).toMatchObject({ spentMicros: 2 * EST, simulated: { spentMicros: EST } });
  });

  it('collects a simulated task in flight from the simulator after the key is saved, never from APIXO', async () => {
    h = await harness();
    const sim = await withBuiltIn();
    await h.engine.close();
    await h.open({ client: sim, simulated: true });
    h.engine.start();
    const batch = h.engine.addBatch({ name: 'try', libraryDir: h.libraryDir, tasks: rows(1) });
    await until(
      () => h.engine.tasksOf(batch.id)[0].state === 'submitted' || h.engine.tasksOf(batch.id)[0].state === 'processing',
      10_000,
      'the task at the simulator'
    );
    h.engine.setClient(h.client, false);
    await settled(h.engine, batch.id);
    expect(h.engine.tasksOf(batch.id)[0].state).toBe('done');
    expect(h.sim.requests.filter((r) => r.path.includes('statusTask'))).toHaveLength(0);
  });
});
