import { afterEach, describe, expect, it } from 'vitest';
import { firstPollDelayMs } from '../../src/main/core/queue/schedule-policy';
import { harness, rows, until, type Harness } from '../support/engine-harness';
import { TestClock } from '../support/test-clock';

// The engine reads time from the Clock it is given, and from nothing else: with a TestClock that
// only the test moves, no poll happens however long the wall clock runs, and the first one comes
// when the test's clock reaches the documented delay. (The simulator keeps real time; only the
// engine's side is on the test's clock.)
let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

const statusPolls = (h: Harness): number => h.sim.requests.filter((r) => r.endpoint === 'status').length;

describe('the engine on its own clock', () => {
  it('polls a submitted task first at the documented delay of its clock, not of the wall clock', async () => {
    const clock = new TestClock();
    h = await harness({}, { clock }, 1);
    h.engine.start();
    const batch = h.engine.addBatch({ name: 'Clock', libraryDir: h.libraryDir, tasks: rows(1, { resolution: '480p' }) });
    // Timers due now (the submit lane's turn) fire; the answer comes over real loopback HTTP.
    for (let i = 0; i < 200 && h.engine.tasksOf(batch.id)[0]?.state !== 'submitted'; i++) {
      await clock.advance(0);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(h.engine.tasksOf(batch.id)[0]?.state).toBe('submitted');
    const firstPoll = firstPollDelayMs(h.engine.tasksOf(batch.id)[0]!.request);

    await new Promise((resolve) => setTimeout(resolve, 300)); // wall time passes; the engine's clock does not
    await clock.advance(firstPoll - 1_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(statusPolls(h)).toBe(0);

    await clock.advance(2_000);
    await until(() => statusPolls(h!) === 1, 10_000, 'the first poll');
    expect(h.engine.tasksOf(batch.id)[0]?.state).toMatch(/^(pending|processing)$/);
  });
});
