// @vitest-environment happy-dom
/**
 * The queue screen's triage and control against the real service: failures by cause with edit and
 * retry, the breaker's pause and its Resume, ticked tasks to the front, the window's title, the new
 * batch selected from any door, and default names that tell batches apart.
 */
import { describe, expect, it } from 'vitest';
import { taskIdFor } from '@shared/batch';
import { promptsName } from '../../src/renderer/src/lib/batch-name';
import { useComposerStore } from '../../src/renderer/src/stores/composer';
import { useImportStore } from '../../src/renderer/src/stores/import';
import { useQueueStore } from '../../src/renderer/src/stores/queue';
import { useSettingsStore } from '../../src/renderer/src/stores/settings';
import { byTestId, install, mountApp, settle, studioFor, until } from './setup';

const ENDED = new Set(['done', 'failed', 'rejected', 'canceled', 'abandoned', 'expired']);

describe('queue screen: triage and control', () => {
  it('groups a batch’s failures by cause; edit and retry checks as you type and sends only what changed', async () => {
    const studio = await studioFor();
    const { batch } = await studio.addBatch(['A calm lake [sim:fail:NSFW]', 'Fog in a forest', 'A bad one [sim:reject]'], 'Mixed');
    await until(async () => expect((await studio.tasksOf(batch.id)).every((t) => ENDED.has(t.state))).toBe(true));
    const { wrapper, api } = await mountApp(studio);
    await wrapper.find(byTestId('batch-failures')).trigger('click');
    await settle();
    const groups = wrapper.findAll(byTestId('failure-group'));
    expect(groups.map((g) => g.attributes('data-group'))).toEqual(['safety', 'rejected']);
    // Neither is helped by sending the same request again: no plain retry, an edit per video.
    expect(wrapper.findAll(byTestId('group-retry'))).toHaveLength(0);
    await groups[0].find(byTestId('group-toggle')).trigger('click');
    await settle();
    expect(api.callsOf('tasks:failures')[0].args).toEqual([batch.id, 'safety', { offset: 0, limit: 20 }]);
    await wrapper.find(byTestId('failure-edit')).trigger('click');
    await settle();
    const dialog = () => wrapper.find(byTestId('edit-dialog'));
    expect(dialog().exists()).toBe(true);
    expect(document.activeElement?.getAttribute('data-testid')).toBe('edit-prompt');

    // Checked as typed: an empty prompt and a duration out of range are refused, Save is off.
    await dialog().find(byTestId('edit-prompt')).setValue('   ');
    await dialog().find(byTestId('edit-duration')).setValue('40');
    expect(dialog().find(byTestId('edit-prompt-problem')).text()).not.toBe('');
    expect(dialog().text()).toMatch(/duration/i);
    expect(dialog().find(byTestId('edit-save')).attributes('disabled')).toBeDefined();
    expect(api.callsOf('tasks:edit-retry')).toHaveLength(0);

    await dialog().find(byTestId('edit-prompt')).setValue('A calm lake at dawn');
    await dialog().find(byTestId('edit-duration')).setValue('5');
    expect(dialog().find(byTestId('edit-save')).attributes('disabled')).toBeUndefined();
    // Ctrl+Enter saves and retries.
    await dialog().trigger('keydown', { key: 'Enter', ctrlKey: true });
    await settle();
    expect(api.callsOf('tasks:edit-retry')[0].args).toEqual([taskIdFor(batch.id, 0), { prompt: 'A calm lake at dawn' }]);
    expect(wrapper.find(byTestId('edit-dialog')).exists()).toBe(false);
    await until(async () => expect((await studio.tasksOf(batch.id))[0].state).toBe('done'));
    await until(() => expect(wrapper.findAll(byTestId('failure-group')).map((g) => g.attributes('data-group'))).toEqual(['rejected']));

    // Abandon the rest, after asking.
    await wrapper.find(byTestId('group-abandon')).trigger('click');
    await settle();
    await wrapper.find(byTestId('confirm-group')).trigger('click');
    await settle();
    expect(api.callsOf('batches:abandon-group')[0].args).toEqual([batch.id, 'rejected']);
    await until(() => expect(wrapper.find(byTestId('failures-none')).exists()).toBe(true));
  });

  it('a batch paused by the breaker says why and offers Resume', async () => {
    const studio = await studioFor({ settings: { concurrency: 1 } });
    const { batch } = await studio.addBatch([...Array.from({ length: 6 }, (_, i) => `Refused ${i} [sim:fail:NSFW]`), 'Fine one', 'Fine two'], 'Refusals');
    await until(async () => expect((await studio.call('queue:snapshot')).batches[0].batch.paused?.reason).toBe('breaker'));
    const { wrapper, api } = await mountApp(studio);
    const paused = wrapper.find(byTestId('batch-paused'));
    expect(paused.attributes('data-reason')).toBe('breaker');
    expect(paused.text()).toMatch(/^Paused by the queue: /);
    expect(wrapper.find(byTestId('resume-all')).exists()).toBe(true);
    await wrapper.find(byTestId('resume-batch')).trigger('click');
    await settle();
    expect(api.callsOf('batches:resume')[0].args).toEqual([batch.id]);
  });

  it('ticks tasks with Shift-click ranges and Ctrl+A, and moves the queued ones to the front', async () => {
    const studio = await studioFor();
    const { batch } = await studio.heldBatch(6, 'Held');
    const { wrapper, api } = await mountApp(studio);
    const checks = () => wrapper.findAll(byTestId('task-check'));
    await until(() => expect(checks()).toHaveLength(6));
    await checks()[1].trigger('click');
    await checks()[3].trigger('click', { shiftKey: true });
    await settle();
    expect(wrapper.find(byTestId('checked-count')).text()).toBe('3 ticked');
    await wrapper.find(byTestId('to-front')).trigger('click');
    await settle();
    expect(api.callsOf('tasks:to-front')[0].args).toEqual([[1, 2, 3].map((i) => taskIdFor(batch.id, i))]);
    expect(wrapper.find(byTestId('to-front-notice')).text()).toMatch(/^Moved 3 videos to the front/);
    const table = wrapper.find('section.tasks');
    await table.trigger('keydown', { key: 'a', ctrlKey: true });
    expect(wrapper.find(byTestId('checked-count')).text()).toBe('6 ticked');
  });

  it('says the queue’s progress in the window title while it runs, the plain name when idle', async () => {
    const studio = await studioFor();
    // Held by its cap: three videos to go, none ended.
    const held = await studio.heldBatch(3, 'Held');
    await mountApp(studio);
    await until(() => expect(document.title).toBe('0% · 0 of 3 videos — LTX Batch Studio'));
    // Canceled, every task has ended: nothing runs.
    await studio.call('batches:cancel', held.batch.id);
    await until(() => expect(document.title).toBe('LTX Batch Studio'));
  });

  it('selects the new batch after an add from Compose or Import', async () => {
    const studio = await studioFor();
    await studio.heldBatch(2, 'Older');
    await install(studio);
    await useSettingsStore().load();
    const queue = useQueueStore();
    await queue.load();
    const composer = useComposerStore();
    composer.addRow();
    composer.rows[0].prompt = 'A paper boat drifting down a rainy gutter';
    expect(await composer.create()).toBe(true);
    expect(queue.selectedBatch?.batch.name).toBe('“A paper boat drifting down a…”');
    const importer = useImportStore();
    await importer.importPaste('A red fox in the snow\nA heron at dawn\nRain on a tin roof');
    expect(importer.name).toBe('“A red fox in the snow” and 2 more');
    expect(await importer.create()).toBe(true);
    expect(queue.selectedBatch?.batch.name).toBe('“A red fox in the snow” and 2 more');
    expect(queue.batchList.map((s) => s.batch.name)).toEqual(['Older', '“A paper boat drifting down a…”', '“A red fox in the snow” and 2 more']);
  });

  it('names batches by their first prompt and count', () => {
    expect(promptsName('A red fox in snow', 12)).toBe('“A red fox in snow” and 11 more');
    expect(promptsName('One lonely prompt', 1)).toBe('“One lonely prompt”');
    expect(promptsName('A very long prompt about a lighthouse in a storm at night', 2)).toBe('“A very long prompt about a…” and 1 more');
    expect(promptsName('   ', 3)).toBe('');
  });
});
