// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { taskIdFor } from '@shared/batch';
import { describeFailure } from '@shared/fail-codes';
import { useQueueStore } from '../../src/renderer/src/stores/queue';
import { byTestId, GOOD_KEY, mountApp, settle, studioFor, until, type Mounted } from './setup';
import type { Studio } from './studio';

/** A take the simulator works on for seconds, even at the tests' time scale. */
const SLOW = 'A tide pool at dusk [sim:slow]';
/** A 1080p take at 3× its latency: longer still. */
const SLOWEST_ROW = `slow,"${SLOW}",5,1080p`;

let mounted: Mounted | undefined;

async function open(studio: Studio): Promise<Mounted> {
  mounted = await mountApp(studio);
  return mounted;
}

/** Both videos submitted, and the answers lost after APIXO accepted them: both need review. */
async function needingReview(count: number, capMicros?: number) {
  const studio = await studioFor({ apiKey: GOOD_KEY, faults: { resetAfterAcceptRate: 1 } });
  const { batch } = await studio.addBatch(count, 'Spring campaign', { capMicros });
  await until(async () =>
    expect((await studio.tasksOf(batch.id)).filter((t) => t.state === 'needs_review')).toHaveLength(capMicros ? capMicros / 80_000 : count)
  );
  const { wrapper, api } = await open(studio);
  return { studio, batch, wrapper, api };
}

describe('queue view', () => {
  it('shows what the engine is doing, always', async () => {
    const studio = await studioFor();
    const first = await studio.addBatch(1, 'Spring campaign');
    await until(async () => expect((await studio.tasksOf(first.batch.id))[0].state).toBe('done'));
    const { wrapper } = await open(studio);
    expect(wrapper.find(byTestId('queue-activity')).text()).toBe('idle');
    await studio.addBatch(
      Array.from({ length: 6 }, () => SLOW),
      'more'
    );
    await until(() => expect(wrapper.find(byTestId('queue-activity')).text()).toBe('waiting: 4 of 4 slots busy'));
  });

  it('a batch row counts by state, shows progress, spend and pause/resume', async () => {
    // At the usual schedule: the pause lands before the quick one is done and frees its slot.
    const studio = await studioFor({ settings: { concurrency: 3 }, timeScale: 0.01 });
    const csv = `name,prompt,duration,resolution\nquick,A calm lake at dawn,5,720p\n${SLOWEST_ROW}\nrefused,A storm at sea [sim:fail:NSFW],5,720p\nlast,Fog in a forest,5,720p\n`;
    const { batch } = await studio.addCsvBatch(csv, 'Spring campaign', { capMicros: 1 });
    const { api, wrapper } = await open(studio);
    // Let it go, and pause it at once: three are submitted, the fourth waits in the paused batch.
    await studio.release(batch.id);
    await until(() => expect(wrapper.find(byTestId('pause-batch')).exists()).toBe(true));
    await wrapper.find(byTestId('pause-batch')).trigger('click');
    await settle();
    expect(api.callsOf('batches:pause')[0].args).toEqual([batch.id]);
    expect(wrapper.find(byTestId('batch-paused')).exists()).toBe(true);
    expect(wrapper.find(byTestId('batch-eta')).text()).toBe('Paused');

    const row = () => wrapper.find(byTestId('batch-row'));
    await until(() => expect(row().find(byTestId('batch-progress')).text()).toBe('2 of 4 finished'));
    expect(row().find(byTestId('count-done')).text()).toBe('1 done');
    expect(row().find(byTestId('count-running')).text()).toBe('1 generating');
    expect(row().find(byTestId('count-failed')).text()).toBe('1 failed');
    expect(row().find(byTestId('count-queued')).text()).toBe('1 queued');
    expect(row().find(byTestId('batch-spent')).text()).toBe('$0.08 simulated');

    await wrapper.find(byTestId('resume-batch')).trigger('click');
    await settle();
    expect(api.callsOf('batches:resume')[0].args).toEqual([batch.id]);
    expect(wrapper.find(byTestId('batch-paused')).exists()).toBe(false);
    expect(wrapper.find(byTestId('resume-batch')).exists()).toBe(false);
  });

  it('cancels only what is not submitted, after asking', async () => {
    const studio = await studioFor();
    const csv = `name,prompt,duration,resolution\n${SLOWEST_ROW}\nb,A calm lake at dawn,5,1080p\nc,Fog in a forest,5,1080p\n`;
    const { batch } = await studio.addCsvBatch(csv, 'Spring campaign', { capMicros: 1 });
    const [first] = await studio.tasksOf(batch.id);
    // Room for the first video only.
    await studio.release(batch.id, first.estimateMicros);
    const { api, wrapper } = await open(studio);
    await until(() => expect(wrapper.find(byTestId('count-running')).exists()).toBe(true));
    await wrapper.find(byTestId('cancel-batch')).trigger('click');
    expect(wrapper.find(byTestId('confirm-title')).text()).toBe('Cancel 2 videos not yet submitted?');
    await wrapper.find(byTestId('confirm-cancel-batch')).trigger('click');
    await settle();
    expect(api.callsOf('batches:cancel')).toHaveLength(1);
    expect(wrapper.find(byTestId('batch-row')).text()).toContain('Canceled 2 videos not yet submitted');
  });

  it('a failed task says what went wrong and what to do, and can be retried', async () => {
    const studio = await studioFor();
    const { batch } = await studio.addBatch(['A calm lake at dawn', 'A harbour at noon [sim:fail:ImageNotAccess]'], 'Spring campaign');
    await until(async () => expect((await studio.tasksOf(batch.id)).map((t) => t.state)).toEqual(['done', 'failed']));
    // The cap leaves no room, so the retried video waits, queued.
    await studio.release(batch.id, 80_000);
    const { api, wrapper } = await open(studio);
    const row = wrapper.findAll(byTestId('task-row'))[1];
    expect(row.find(byTestId('task-explanation')).text()).toBe(describeFailure('ImageNotAccess').guidance);
    expect(row.find(byTestId('task-explanation')).attributes('title')).toContain('ImageNotAccess: Failed to download the input image, please use a public URL');
    await row.find(byTestId('task-retry')).trigger('click');
    await settle();
    expect(api.callsOf('tasks:retry')[0].args).toEqual([taskIdFor(batch.id, 1)]);
    expect(wrapper.findAll(byTestId('task-row'))[1].attributes('data-state')).toBe('queued');
  });

  it('needs review: resubmitting warns that it may pay twice, and only then resubmits', async () => {
    const { api, batch, studio, wrapper } = await needingReview(2);
    // A cap that leaves no room: the resubmitted one waits, queued.
    await studio.release(batch.id, 1);
    const row = () => wrapper.findAll(byTestId('task-row'))[0];
    await row().find(byTestId('task-resubmit')).trigger('click');
    const dialog = wrapper.find(byTestId('confirm-dialog'));
    expect(dialog.text()).toContain('you may pay twice ($0.08 more)');
    expect(api.callsOf('tasks:resubmit')).toHaveLength(0);
    await wrapper.find(byTestId('confirm-resubmit')).trigger('click');
    await settle();
    expect(api.callsOf('tasks:resubmit')[0].args).toEqual([taskIdFor(batch.id, 0)]);
    expect(row().attributes('data-state')).toBe('queued');
  });

  it('needs review: abandon, and attach a task ID from the details', async () => {
    const { api, batch, wrapper } = await needingReview(2);
    await wrapper.findAll(byTestId('task-row'))[0].find(byTestId('task-abandon')).trigger('click');
    await settle();
    expect(wrapper.findAll(byTestId('task-row'))[0].attributes('data-state')).toBe('abandoned');

    await wrapper.findAll(byTestId('task-row'))[1].find(byTestId('task-open')).trigger('click');
    await settle();
    expect(wrapper.find(byTestId('needs-review')).exists()).toBe(true);
    await wrapper.find(byTestId('attach-save')).trigger('submit');
    await settle();
    expect(wrapper.find(byTestId('task-detail-error')).text()).toMatch(/Paste the task ID/);
    await wrapper.find(byTestId('attach-input')).setValue('8f1e2d-apixo');
    await wrapper.find('form.attach').trigger('submit');
    await settle();
    expect(api.callsOf('tasks:attach')[0].args).toEqual([taskIdFor(batch.id, 1), '8f1e2d-apixo']);
    expect(wrapper.findAll(byTestId('task-row'))[1].attributes('data-state')).toBe('submitted');
  });

  it('shows a refused task action on that row, in words', async () => {
    const { studio, batch, wrapper } = await needingReview(1);
    // Abandoned elsewhere a moment ago (another window): this window has not heard yet.
    void studio.service.dispatch('tasks:abandon', [taskIdFor(batch.id, 0)]);
    await wrapper.find(byTestId('task-abandon')).trigger('click');
    await settle();
    const row = wrapper.find(`[data-task-id="${taskIdFor(batch.id, 0)}"]`);
    expect(row.find(byTestId('task-error')).text()).toBe(
      'Only a task that failed, needs review or whose download failed can be abandoned. (This one is abandoned.)'
    );
  });

  it('when the account pauses, a banner says why and offers Resume and settings', async () => {
    const studio = await studioFor({ apiKey: GOOD_KEY });
    studio.realApi.setBalance(0);
    await studio.addBatch(2, 'Spring campaign');
    const { api, wrapper } = await open(studio);
    await until(() => expect(wrapper.find(byTestId('account-banner')).exists()).toBe(true));
    const banner = wrapper.find(byTestId('account-banner'));
    expect(banner.text()).toContain('The APIXO balance ran out');
    expect(banner.text()).toContain(useQueueStore().status!.account!.message);
    // Balance added on APIXO's site, then Resume.
    studio.realApi.setBalance(100);
    await banner.find(byTestId('resume-account')).trigger('click');
    await settle();
    expect(api.callsOf('queue:resume-account')).toHaveLength(1);
    expect(wrapper.find(byTestId('account-banner')).exists()).toBe(false);

    // A key APIXO refuses pauses it again, for that reason.
    await studio.addBatch(
      Array.from({ length: 2 }, () => SLOW),
      'more'
    );
    // (A key refused when saved is not saved: this one is revoked behind the app's back.)
    studio.key = 'wrong-key-0000';
    await studio.call('settings:update', { simulator: 'off' });
    await studio.addBatch(1, 'after the new key');
    await until(() => expect(useQueueStore().status?.account?.reason).toBe('auth'));
    await wrapper.find(byTestId('open-settings')).trigger('click');
    await settle();
    expect(wrapper.find(byTestId('key-input')).exists()).toBe(true);
  });

  it('sets the concurrency in place', async () => {
    const studio = await studioFor();
    await studio.heldBatch(1, 'Spring campaign');
    const { api, wrapper } = await open(studio);
    const input = wrapper.find(byTestId('concurrency-input'));
    expect((input.element as HTMLInputElement).value).toBe('4');
    await input.setValue('9');
    await settle();
    expect(api.callsOf('queue:set-concurrency')[0].args).toEqual([9]);
    await input.setValue('0');
    await settle();
    expect(wrapper.find(byTestId('concurrency-error')).text()).toMatch(/whole number from 1 to 1000/);
    expect(api.callsOf('queue:set-concurrency')).toHaveLength(1);
  });

  it('filters to the tasks that need a person', async () => {
    const studio = await studioFor({ apiKey: GOOD_KEY, faults: { resetAfterAcceptRate: 1 } });
    const { batch } = await studio.heldBatch(600, 'Spring campaign');
    // The first 550 are canceled; room for one more under the cap: number 551 is submitted, and needs review.
    for (let i = 0; i < 550; i++) await studio.call('tasks:cancel', taskIdFor(batch.id, i));
    await studio.release(batch.id, 80_000);
    await until(async () => expect((await studio.tasksOf(batch.id))[550].state).toBe('needs_review'));
    const { wrapper } = await open(studio);
    await wrapper.find(byTestId('filter-attention')).trigger('click');
    await settle();
    const rows = wrapper.findAll(byTestId('task-row'));
    expect(rows.map((r) => r.attributes('data-task-id'))).toEqual([taskIdFor(batch.id, 550)]);
    expect(wrapper.find(byTestId('task-count')).text()).toBe('1 video');
  });

  it('has a real empty state', async () => {
    mounted = await mountApp();
    await mounted.wrapper.find(byTestId('nav-queue')).trigger('click');
    await settle();
    expect(mounted.wrapper.find(byTestId('queue-empty')).text()).toContain('No batches yet');
  });
});
