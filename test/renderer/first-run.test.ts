// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { byTestId, GOOD_KEY, mountApp, settle, studioFor, type Mounted } from './setup';

let mounted: Mounted | undefined;

describe('first run', () => {
  it('without a key: labelled as simulated, with both actions side by side', async () => {
    mounted = await mountApp();
    const { wrapper } = mounted;
    expect(wrapper.find(byTestId('sim-badge')).text()).toBe('Simulated — nothing is charged');
    expect(wrapper.find(byTestId('cost-sim')).text()).toBe('Simulated — nothing is charged');
    expect(wrapper.find(byTestId('cost-balance')).exists()).toBe(false);
    const tryExample = wrapper.find(byTestId('try-example'));
    const addKey = wrapper.find(byTestId('add-key'));
    expect(tryExample.element.tagName).toBe('BUTTON');
    expect(addKey.element.tagName).toBe('BUTTON');
    expect(tryExample.text()).toContain('Try the example batch');
    expect(addKey.text()).toContain('Add your APIXO key');
    expect(tryExample.element.parentElement).toBe(addKey.element.parentElement);
    expect(wrapper.find(byTestId('drop-zone')).exists()).toBe(true);
  });

  it('"Try the example batch" opens its preview with the cost, ready to add', async () => {
    mounted = await mountApp();
    const { wrapper, api } = mounted;
    await wrapper.find(byTestId('try-example')).trigger('click');
    await settle();
    expect(api.callsOf('import:example')).toHaveLength(1);
    expect(wrapper.find(byTestId('import-title')).text()).toBe('example.csv');
    expect(wrapper.find(byTestId('estimate-videos')).text()).toBe('13 videos');
    expect(wrapper.find(byTestId('estimate-total')).text()).toBe('$1.184');
    expect(wrapper.findAll(byTestId('import-row')).length).toBe(13);
    expect(wrapper.find(byTestId('add-to-queue')).attributes('disabled')).toBeUndefined();
    expect(wrapper.find(byTestId('batch-name')).element).toHaveProperty('value', 'example');
  });

  it('"Add your APIXO key" goes to the key in settings', async () => {
    mounted = await mountApp();
    const { wrapper } = mounted;
    await wrapper.find(byTestId('add-key')).trigger('click');
    await settle();
    expect(wrapper.find(byTestId('key-input')).exists()).toBe(true);
    expect(wrapper.find(byTestId('key-status')).text()).toMatch(/No key set/);
  });

  it('with a key: no first-run choices, no simulated label', async () => {
    mounted = await mountApp({ apiKey: GOOD_KEY });
    const { wrapper } = mounted;
    expect(wrapper.find(byTestId('first-run')).exists()).toBe(false);
    expect(wrapper.find(byTestId('add-key')).exists()).toBe(false);
    expect(wrapper.find(byTestId('sim-badge')).exists()).toBe(false);
    expect(wrapper.find(byTestId('cost-sim')).exists()).toBe(false);
    expect(wrapper.find(byTestId('drop-zone')).exists()).toBe(true);
  });

  it('opens on the queue when there are batches already', async () => {
    const studio = await studioFor();
    await studio.addBatch(3, 'yesterday');
    mounted = await mountApp(studio);
    expect(mounted.wrapper.findAll(byTestId('batch-row'))).toHaveLength(1);
    expect(mounted.wrapper.find(byTestId('nav-queue')).attributes('aria-current')).toBe('page');
  });
});
