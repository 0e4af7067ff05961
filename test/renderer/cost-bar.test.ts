// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { formatUsd } from '@shared/pricing';
import { byTestId, GOOD_KEY, mountApp, settle, studioFor, until, type Mounted } from './setup';

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
      await settle();
      expect(text(mounted, 'cost-queued')).toBe('$0.00');
      expect(text(mounted, 'cost-spent')).toBe('$0.00');
    }
  });

  it('adds up queued, in flight and spent across batches as the batch runs', async () => {
    // With a key: real money (the simulator's is kept apart, below).
    const studio = await studioFor({ apiKey: GOOD_KEY });
    const slow = 'A tide pool at dusk [sim:slow]';
    const { batch: a } = await studio.heldBatch([slow, 'A calm lake at dawn', 'Fog in a forest'], 'a');
    const { batch: b } = await studio.heldBatch([slow, 'A storm at sea'], 'b');
    mounted = await mountApp(studio);
    expect(text(mounted, 'cost-queued')).toBe('$0.40');
    expect(text(mounted, 'cost-total')).toBe('$0.40');

    // Room for one video in each: both are submitted and generate.
    await studio.release(a.id, 80_000);
    await studio.release(b.id, 80_000);
    await until(() => expect(text(mounted!, 'cost-committed')).toBe('$0.16'));
    expect(text(mounted, 'cost-queued')).toBe('$0.24');
    expect(text(mounted, 'cost-spent')).toBe('$0.00');

    // Both done, and room for one more in a.
    await until(() => expect(text(mounted!, 'cost-spent')).toBe('$0.16'), 15_000);
    await studio.release(a.id, 160_000);
    await until(() => expect(text(mounted!, 'cost-spent')).toBe('$0.24'), 15_000);
    expect(text(mounted, 'cost-queued')).toBe('$0.16');
    await until(() => expect(text(mounted!, 'cost-committed')).toBe('$0.00'));
    expect(text(mounted, 'cost-total')).toBe('$0.40');
    const spentByBatch = mounted.wrapper.findAll(byTestId('batch-spent')).map((s) => s.text());
    expect(spentByBatch.sort()).toEqual(['$0.08', '$0.16']);
  });

  it('shows the balance only for the real API, and never while simulated', async () => {
    // The built-in simulator has a balance too: it is never shown.
    mounted = await mountApp();
    await until(() => expect(mounted!.api.callsOf('queue:snapshot').length).toBeGreaterThan(0));
    expect(mounted.wrapper.find(byTestId('cost-balance')).exists()).toBe(false);
    expect(text(mounted, 'cost-sim')).toBe('Simulated — nothing is charged');
    mounted.wrapper.unmount();

    mounted = await mountApp({ apiKey: GOOD_KEY, balanceUsd: 42.5 });
    await until(() => expect(text(mounted!, 'cost-balance')).toBe('$42.50'));
    expect(mounted.wrapper.find(byTestId('cost-sim')).exists()).toBe(false);
  });

  it('keeps the simulator’s money apart from what was spent', async () => {
    const studio = await studioFor();
    const { batch } = await studio.addBatch(['A calm lake at dawn', 'Fog in a forest'], 'sim');
    mounted = await mountApp(studio);
    await until(async () => expect((await studio.tasksOf(batch.id)).every((t) => t.state === 'done')).toBe(true), 15_000);
    const made = (await studio.tasksOf(batch.id)).reduce((sum, t) => sum + t.estimateMicros, 0);
    await until(() => expect(text(mounted!, 'cost-simulated-value')).toBe(formatUsd(made)));
    expect(text(mounted, 'cost-simulated')).toContain('Simulated (nothing charged)');
    expect(text(mounted, 'cost-spent')).toBe('$0.00');
    expect(text(mounted, 'cost-spent-today')).toBe('$0.00');
    expect(text(mounted, 'cost-total')).toBe('$0.00');
    expect(text(mounted, 'batch-simulated')).toBe('Simulated');
  });

  it('shows a balance that cannot be read as unknown with its reason, never $0', async () => {
    mounted = await mountApp({ apiKey: GOOD_KEY, balanceUsd: 42.5 });
    await until(() => expect(text(mounted!, 'cost-balance')).toBe('$42.50'));
    // APIXO answers every request with a server error: testing the saved key reads the balance again.
    mounted.studio.realApi.setFaults({ serverErrorRate: 1 });
    await mounted.wrapper.find(byTestId('nav-settings')).trigger('click');
    await settle();
    await mounted.wrapper.find(byTestId('key-test')).trigger('click');
    await until(() => expect(text(mounted!, 'cost-balance')).toBe('unknown'), 15_000);
    const age = text(mounted, 'cost-balance-age');
    expect(age).toMatch(/^· (just now|\d+ s ago): \S/);
    const shown = text(mounted, 'balance-value');
    expect(shown).toMatch(/^unknown · (just now|\d+ s ago): \S/);
    for (const t of [age, shown]) expect(t).not.toMatch(/\$0\.00|NaN/);
  });
});
