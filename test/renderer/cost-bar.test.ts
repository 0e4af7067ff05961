// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { taskIdFor } from '@shared/batch';
import { FakeApi } from './fake-api';
import { byTestId, mountApp, settle, type Mounted } from './setup';

let mounted: Mounted | undefined;
afterEach(() => {
  mounted?.wrapper.unmount();
  mounted = undefined;
});

const text = (m: Mounted, id: string) => m.wrapper.find(byTestId(id)).text();

describe('cost bar', () => {
  it('is there on every screen, at zero before any batch', async () => {
    mounted = await mountApp();
    for (const view of ['import', 'queue', 'settings']) {
      await mounted.wrapper.find(byTestId(`nav-${view}`)).trigger('click');
      expect(text(mounted, 'cost-queued')).toBe('$0.00');
      expect(text(mounted, 'cost-spent')).toBe('$0.00');
    }
  });

  it('adds up queued, in flight and spent across batches as the batch runs', async () => {
    const api = new FakeApi();
    const a = api.addBatch(3, 'a');
    const b = api.addBatch(2, 'b');
    mounted = await mountApp(api);
    expect(text(mounted, 'cost-queued')).toBe('$0.40');
    expect(text(mounted, 'cost-total')).toBe('$0.40');

    api.change([
      { id: taskIdFor(a.id, 0), state: 'processing' },
      { id: taskIdFor(b.id, 0), state: 'submitted' }
    ]);
    await settle();
    expect(text(mounted, 'cost-queued')).toBe('$0.24');
    expect(text(mounted, 'cost-committed')).toBe('$0.16');
    expect(text(mounted, 'cost-spent')).toBe('$0.00');

    api.change([
      { id: taskIdFor(a.id, 0), state: 'done' },
      { id: taskIdFor(b.id, 0), state: 'done' },
      { id: taskIdFor(a.id, 1), state: 'done' }
    ]);
    await settle();
    expect(text(mounted, 'cost-queued')).toBe('$0.16');
    expect(text(mounted, 'cost-committed')).toBe('$0.00');
    expect(text(mounted, 'cost-spent')).toBe('$0.24');
    expect(text(mounted, 'cost-total')).toBe('$0.40');
    const spentByBatch = mounted.wrapper.findAll(byTestId('batch-spent')).map((s) => s.text());
    expect(spentByBatch.sort()).toEqual(['$0.08', '$0.16']);
  });

  it('shows the balance only for the real API, and never while simulated', async () => {
    const simulated = new FakeApi();
    simulated.balanceMicros = 100_000_000;
    mounted = await mountApp(simulated);
    expect(mounted.wrapper.find(byTestId('cost-balance')).exists()).toBe(false);
    expect(text(mounted, 'cost-sim')).toBe('Simulated — nothing is charged');
    mounted.wrapper.unmount();

    const real = new FakeApi();
    real.key = 'good-key-1a2b';
    real.balanceMicros = 42_500_000;
    mounted = await mountApp(real);
    expect(text(mounted, 'cost-balance')).toBe('$42.50');
    expect(mounted.wrapper.find(byTestId('cost-sim')).exists()).toBe(false);
  });
});
