// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { taskIdFor } from '@shared/batch';
import { afterEach, describe, expect, it } from 'vitest';
import { defineComponent, h, nextTick } from 'vue';
import VirtualList from '../../src/renderer/src/components/VirtualList.vue';
import { useQueueStore } from '../../src/renderer/src/stores/queue';
import { byTestId, mountApp, studioFor, until, type Mounted } from './setup';

const ROW = 40;
const HEIGHT = 400;

function listOf(count: number) {
  const ranges: [number, number][] = [];
  const Host = defineComponent({
    setup: () => () =>
      h(
        VirtualList,
        { count, rowHeight: ROW, fallbackHeight: HEIGHT, overscan: 5, onRange: (s: number, e: number) => ranges.push([s, e]) },
        { row: ({ index }: { index: number }) => h('div', { class: 'item' }, `Row ${index}`) }
      )
  });
  return { wrapper: mount(Host, { attachTo: document.body }), ranges };
}

let mounted: Mounted | undefined;
afterEach(() => {
  mounted?.wrapper.unmount();
  mounted = undefined;
});

describe('virtual list', () => {
  it('renders only the visible rows of 10,000, in a spacer as tall as all of them', () => {
    const { wrapper } = listOf(10_000);
    const items = wrapper.findAll('.item');
    expect(items.length).toBe(HEIGHT / ROW + 5);
    expect(items[0].text()).toBe('Row 0');
    expect((wrapper.find('.vl-spacer').element as HTMLElement).style.height).toBe(`${10_000 * ROW}px`);
    wrapper.unmount();
  });

  it('renders the rows in view after a scroll, placed by transform at their own offset', async () => {
    const { wrapper, ranges } = listOf(10_000);
    const viewport = wrapper.find('.vl-viewport');
    (viewport.element as HTMLElement).scrollTop = 5_000 * ROW;
    await viewport.trigger('scroll');
    await nextTick();
    const items = wrapper.findAll('.item').map((i) => i.text());
    expect(items[0]).toBe('Row 4995');
    expect(items.at(-1)).toBe(`Row ${5_000 + HEIGHT / ROW + 5 - 1}`);
    expect(items.length).toBe(HEIGHT / ROW + 10);
    const firstRow = wrapper.find('.vl-row').element as HTMLElement;
    expect(firstRow.style.transform).toBe(`translateY(${4995 * ROW}px)`);
    expect(ranges.at(-1)).toEqual([4995, 5015]);
    wrapper.unmount();
  });

  it('the task table of a 10,000-task batch renders a screenful and fetches one page', async () => {
    const studio = await studioFor();
    const { batch } = await studio.heldBatch(10_000, 'big');
    mounted = await mountApp(studio);
    const api = mounted.api;
    const rows = mounted.wrapper.findAll(byTestId('task-row'));
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.length).toBeLessThan(40);
    expect(rows[0].attributes('data-task-id')).toBe(taskIdFor(batch.id, 0));
    expect(api.callsOf('tasks:page')).toHaveLength(1);
    expect(mounted.wrapper.find(byTestId('task-count')).text()).toBe('10,000 videos');
  });

  it('rows change in place as deltas stream in: same rows, same places, new states', async () => {
    // Generation slow enough (seconds) that a row is seen generating: the window hears the queue a few times a second.
    const studio = await studioFor({ settings: { concurrency: 60 }, timeScale: 0.02 });
    const { batch } = await studio.heldBatch(
      Array.from({ length: 10_000 }, () => 'A tide pool at dusk [sim:slow]'),
      'big'
    );
    mounted = await mountApp(studio);
    const api = mounted.api;
    const before = mounted.wrapper.findAll(byTestId('task-row')).map((r) => r.attributes('data-task-id'));
    // Room for 60 videos: the first 60 are submitted and generate, the 60th far below the screen.
    await studio.release(batch.id, 60 * 80_000);
    await until(() => expect(mounted!.wrapper.findAll(byTestId('task-row'))[0].attributes('data-state')).toBe('processing'));
    const after = mounted.wrapper.findAll(byTestId('task-row'));
    expect(after.map((r) => r.attributes('data-task-id'))).toEqual(before);
    expect(after[0].find(byTestId('task-state')).text()).toBe('Generating');
    // The 60th, far below the screen, is counted in the batch's totals, which every event carries whole.
    await until(() => expect(useQueueStore().batches.get(batch.id)?.counts.queued).toBe(10_000 - 60));
    expect(before).not.toContain(taskIdFor(batch.id, 59));
    expect(api.callsOf('tasks:page')).toHaveLength(1);
  });
});
