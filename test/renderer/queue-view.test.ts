// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { taskIdFor } from '@shared/batch';
import { describeFailure } from '@shared/fail-codes';
import { FakeApi } from './fake-api';
import { byTestId, mountApp, settle, type Mounted } from './setup';

let mounted: Mounted | undefined;
afterEach(() => {
  mounted?.wrapper.unmount();
  mounted = undefined;
});

async function withBatch(count: number, state?: Parameters<FakeApi['addBatch']>[2]) {
  const api = new FakeApi();
  const batch = api.addBatch(count, 'Spring campaign', state);
  mounted = await mountApp(api);
  return { api, batch, wrapper: mounted.wrapper };
}

describe('queue view', () => {
  it('shows what the engine is doing, always', async () => {
    const { api, batch, wrapper } = await withBatch(3);
    expect(wrapper.find(byTestId('queue-activity')).text()).toBe('idle');
    api.status = { ...api.status, activity: 'waiting: 4 of 4 slots busy' };
    api.change([{ id: taskIdFor(batch.id, 0), state: 'submitted' }]);
    await settle();
    expect(wrapper.find(byTestId('queue-activity')).text()).toBe('waiting: 4 of 4 slots busy');
  });

  it('a batch row counts by state, shows progress, spend and pause/resume', async () => {
    const { api, batch, wrapper } = await withBatch(4);
    api.change([
      { id: taskIdFor(batch.id, 0), state: 'done' },
      { id: taskIdFor(batch.id, 1), state: 'processing' },
      { id: taskIdFor(batch.id, 2), state: 'failed', patch: { failCode: 'NSFW' } }
    ]);
    await settle();
    const row = wrapper.find(byTestId('batch-row'));
    expect(row.find(byTestId('batch-progress')).text()).toBe('2 of 4 finished');
    expect(row.find(byTestId('count-done')).text()).toBe('1 done');
    expect(row.find(byTestId('count-running')).text()).toBe('1 generating');
    expect(row.find(byTestId('count-failed')).text()).toBe('1 failed');
    expect(row.find(byTestId('count-queued')).text()).toBe('1 queued');
    expect(row.find(byTestId('batch-spent')).text()).toBe('$0.08');

    await row.find(byTestId('pause-batch')).trigger('click');
    await settle();
    expect(api.callsOf('batches:pause')[0].args).toEqual([batch.id]);
    expect(wrapper.find(byTestId('batch-paused')).exists()).toBe(true);
    expect(wrapper.find(byTestId('batch-eta')).text()).toBe('Paused');
    await wrapper.find(byTestId('resume-batch')).trigger('click');
    await settle();
    expect(wrapper.find(byTestId('pause-batch')).exists()).toBe(true);
  });

  it('cancels only what is not submitted, after asking', async () => {
    const { api, batch, wrapper } = await withBatch(3);
    api.change([{ id: taskIdFor(batch.id, 0), state: 'processing' }]);
    await settle();
    await wrapper.find(byTestId('cancel-batch')).trigger('click');
    expect(wrapper.find(byTestId('confirm-title')).text()).toBe('Cancel 2 videos not yet submitted?');
    await wrapper.find(byTestId('confirm-cancel-batch')).trigger('click');
    await settle();
    expect(api.callsOf('batches:cancel')).toHaveLength(1);
    expect(wrapper.find(byTestId('batch-row')).text()).toContain('Canceled 2 videos not yet submitted');
  });

  it('a failed task says what went wrong and what to do, and can be retried', async () => {
    const { api, batch, wrapper } = await withBatch(2);
    api.change([{ id: taskIdFor(batch.id, 1), state: 'failed', patch: { failCode: 'ImageNotAccess', failMsg: 'image fetch 403' } }]);
    await settle();
    const row = wrapper.findAll(byTestId('task-row'))[1];
    expect(row.find(byTestId('task-explanation')).text()).toBe(describeFailure('ImageNotAccess').guidance);
    expect(row.find(byTestId('task-explanation')).attributes('title')).toContain('ImageNotAccess: image fetch 403');
    await row.find(byTestId('task-retry')).trigger('click');
    await settle();
    expect(api.callsOf('tasks:retry')[0].args).toEqual([taskIdFor(batch.id, 1)]);
    expect(wrapper.findAll(byTestId('task-row'))[1].attributes('data-state')).toBe('queued');
  });

  it('needs review: resubmitting warns that it may pay twice, and only then resubmits', async () => {
    const { api, batch, wrapper } = await withBatch(2, 'needs_review');
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
    const { api, batch, wrapper } = await withBatch(2, 'needs_review');
    await wrapper.findAll(byTestId('task-row'))[0].find(byTestId('task-abandon')).trigger('click');
    await settle();
    expect(wrapper.findAll(byTestId('task-row'))[0].attributes('data-state')).toBe('abandoned');

    await wrapper.findAll(byTestId('task-row'))[1].find(byTestId('task-attach')).trigger('click');
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
    const { api, batch, wrapper } = await withBatch(1, 'needs_review');
    api.failNext('tasks:abandon', 'Only a task that needs review can be abandoned.');
    await wrapper.find(byTestId('task-abandon')).trigger('click');
    await settle();
    const row = wrapper.find(`[data-task-id="${taskIdFor(batch.id, 0)}"]`);
    expect(row.find(byTestId('task-error')).text()).toBe('Only a task that needs review can be abandoned.');
  });

  it('when the account pauses, a banner says why and offers Resume and settings', async () => {
    const { api, batch, wrapper } = await withBatch(2);
    api.status = { ...api.status, account: { reason: 'balance', message: 'APIXO says the balance is too low.' }, activity: 'paused: add balance to your APIXO account' };
    api.pushDelta([], [batch.id]);
    await settle();
    const banner = wrapper.find(byTestId('account-banner'));
    expect(banner.text()).toContain('The APIXO balance ran out');
    expect(banner.text()).toContain('APIXO says the balance is too low.');
    await banner.find(byTestId('resume-account')).trigger('click');
    await settle();
    expect(api.callsOf('queue:resume-account')).toHaveLength(1);
    expect(wrapper.find(byTestId('account-banner')).exists()).toBe(false);

    api.status = { ...api.status, account: { reason: 'auth', message: 'The key was refused.' } };
    api.pushDelta([], [batch.id]);
    await settle();
    await wrapper.find(byTestId('open-settings')).trigger('click');
    expect(wrapper.find(byTestId('key-input')).exists()).toBe(true);
  });

  it('sets the concurrency in place', async () => {
    const { api, wrapper } = await withBatch(1);
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
    const { api, batch, wrapper } = await withBatch(600);
    api.change([{ id: taskIdFor(batch.id, 550), state: 'needs_review' }]);
    await wrapper.find(byTestId('filter-attention')).trigger('click');
    await settle();
    const rows = wrapper.findAll(byTestId('task-row'));
    expect(rows.map((r) => r.attributes('data-task-id'))).toEqual([taskIdFor(batch.id, 550)]);
    expect(wrapper.find(byTestId('task-count')).text()).toBe('1 video');
  });

  it('has a real empty state', async () => {
    mounted = await mountApp();
    await mounted.wrapper.find(byTestId('nav-queue')).trigger('click');
    expect(mounted.wrapper.find(byTestId('queue-empty')).text()).toContain('No batches yet');
  });
});
