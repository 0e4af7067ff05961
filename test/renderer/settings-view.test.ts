// @vitest-environment happy-dom
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Studio, type StudioOptions } from './studio';
import { useQueueStore } from '../../src/renderer/src/stores/queue';
import { byTestId, GOOD_KEY as KEY, mountApp, settle, until, type Mounted } from './setup';

async function openSettings(options: StudioOptions | Studio = {}): Promise<Mounted> {
  const mounted = await mountApp(options);
  await mounted.wrapper.find(byTestId('nav-settings')).trigger('click');
  await settle();
  return mounted;
}

describe('settings', () => {
  it('sets the key without ever showing it: only "set, ends in …1a2b"', async () => {
    const { wrapper, studio } = await openSettings();
    const input = wrapper.find(byTestId('key-input'));
    expect(input.attributes('type')).toBe('password');
    await input.setValue(KEY);
    await wrapper.find(byTestId('key-save')).trigger('submit');
    await settle();
    expect(studio.key).toBe(KEY);
    expect(wrapper.find(byTestId('key-status')).text()).toBe('Set, ends in …1a2b.');
    expect((wrapper.find(byTestId('key-input')).element as HTMLInputElement).value).toBe('');
    expect(document.body.innerHTML).not.toContain(KEY);
    expect(document.body.textContent).not.toContain(KEY);
    // Saving the key leaves the simulator.
    expect(wrapper.find(byTestId('sim-badge')).exists()).toBe(false);
  });

  it('tests a key and shows the result with the balance; a bad key says so', async () => {
    const { wrapper } = await openSettings();
    await wrapper.find(byTestId('key-input')).setValue('wrong-key-9999');
    await wrapper.find(byTestId('key-test')).trigger('click');
    await settle();
    expect(wrapper.find(byTestId('key-result')).text()).toMatch(/did not accept the API key/);
    await wrapper.find(byTestId('key-input')).setValue(KEY);
    await wrapper.find(byTestId('key-test')).trigger('click');
    await settle();
    expect(wrapper.find(byTestId('key-result')).text()).toBe('The key works. Balance: $100.00.');
    // A key only tested is not the account's: the balance shown is the engine's one reading, of a saved key.
    expect(wrapper.find(byTestId('balance-value')).text()).toBe('No key saved: the simulator has no real balance.');
    await wrapper.find(byTestId('key-save')).trigger('submit');
    await settle();
    await wrapper.find(byTestId('key-test')).trigger('click');
    await settle();
    expect(wrapper.find(byTestId('key-result')).text()).toBe('The key works. Balance: $100.00.');
    // Settings and the cost bar show the same reading, with its age.
    await until(() => expect(wrapper.find(byTestId('balance-value')).text()).toBe('$100.00 · just now'));
    expect(wrapper.find(byTestId('cost-balance')).text()).toBe('$100.00');
    expect(wrapper.find(byTestId('cost-balance-age')).text()).toBe('· just now');
    expect(document.body.textContent).not.toContain(KEY);
  });

  it('does not save a key APIXO refuses: the simulator stays on, and the answer says why and what to do', async () => {
    const { wrapper, studio } = await openSettings();
    await wrapper.find(byTestId('key-input')).setValue('wrong-key-9999');
    await wrapper.find(byTestId('key-save')).trigger('submit');
    await settle();
    expect(studio.key).toBeUndefined();
    const refusal = wrapper.find(byTestId('key-error-set'));
    expect(refusal.isVisible()).toBe(true);
    expect(refusal.text()).toMatch(/^Not saved: APIXO did not accept this key \(HTTP 401: “Invalid or missing API key”\)\. The simulator stays on/);
    expect(refusal.text()).toContain('Copy the whole key again from your APIXO account');
    expect(wrapper.find(byTestId('key-saved')).exists()).toBe(false);
    expect(wrapper.find(byTestId('key-status')).text()).toMatch(/No key set/);
    expect(wrapper.find(byTestId('sim-badge')).exists()).toBe(true);
    expect(document.body.textContent).not.toContain('wrong-key-9999');
  });

  it('saves a key APIXO cannot be asked about, with a warning that it is checked again at the next start', async () => {
    const { wrapper, studio } = await openSettings();
    await studio.realApi.close(); // APIXO out of reach
    await wrapper.find(byTestId('key-input')).setValue(KEY);
    await wrapper.find(byTestId('key-save')).trigger('submit');
    await settle();
    expect(studio.key).toBe(KEY);
    const warning = wrapper.find(byTestId('key-check'));
    expect(warning.classes()).toContain('notice-warn');
    expect(warning.text()).toMatch(/^Saved, but not checked: could not reach APIXO at .+; it is checked again at the next start\.$/);
    expect(wrapper.find(byTestId('key-saved')).exists()).toBe(false);
    expect(wrapper.find(byTestId('key-status')).text()).toBe('Set, ends in …1a2b.');
  });

  it('offers "Test the saved key" only when a key is saved', async () => {
    const { wrapper } = await openSettings();
    expect(wrapper.find(byTestId('key-test')).exists()).toBe(false);
    await wrapper.find(byTestId('key-input')).setValue(KEY);
    expect(wrapper.find(byTestId('key-test')).text()).toBe('Test this key');
    await wrapper.find(byTestId('key-save')).trigger('submit');
    await settle();
    expect(wrapper.find(byTestId('key-test')).text()).toBe('Test the saved key');
    await wrapper.find(byTestId('key-clear')).trigger('click');
    await settle();
    expect(wrapper.find(byTestId('key-test')).exists()).toBe(false);
  });

  it('says prominently when the saved key left unchecked is refused at the next start, and holds submits', async () => {
    const studio = new Studio({ apiKey: 'wrong-key-0000' });
    // The last run saved this key while APIXO could not be reached.
    mkdirSync(studio.dataDir, { recursive: true });
    writeFileSync(join(studio.dataDir, 'key-check.json'), JSON.stringify({ state: 'unchecked', message: 'Saved, but not checked.' }));
    const { wrapper } = await openSettings(studio);
    await until(() => expect(wrapper.find(byTestId('key-check')).classes()).toContain('notice-bad'));
    await until(() => expect(useQueueStore().status?.account?.reason).toBe('auth'));
    expect(useQueueStore().status?.account).toMatchObject({
      reason: 'auth',
      message: expect.stringContaining('APIXO did not accept the saved key …0000 at start')
    });
    const check = wrapper.find(byTestId('key-check'));
    expect(check.classes()).toContain('notice-bad');
    expect(check.text()).toMatch(/^APIXO did not accept the saved key …0000 at start \(HTTP 401.*The key is kept, but submits are held\./);
    expect(studio.key).toBe('wrong-key-0000');
  });

  it('clears the key and goes back to the simulator', async () => {
    const { wrapper, studio } = await openSettings({ apiKey: KEY });
    expect(wrapper.find(byTestId('sim-badge')).exists()).toBe(false);
    await wrapper.find(byTestId('key-clear')).trigger('click');
    await settle();
    expect(studio.key).toBeUndefined();
    expect(wrapper.find(byTestId('key-status')).text()).toMatch(/No key set/);
    expect(wrapper.find(byTestId('sim-badge')).exists()).toBe(true);
  });

  it('takes caps in dollars and saves micros; a wrong amount is explained next to it', async () => {
    const { wrapper, studio } = await openSettings();
    await wrapper.find(byTestId('settings-cap-batch')).setValue('12.50');
    await settle();
    expect(studio.stored.caps).toEqual({ perBatchMicros: 12_500_000 });
    await wrapper.find(byTestId('settings-cap-overall')).setValue('lots');
    await settle();
    expect(wrapper.find(byTestId('settings-caps-error')).text()).toMatch(/amount in dollars/);
    expect(studio.stored.caps).toEqual({ perBatchMicros: 12_500_000 });
    await wrapper.find(byTestId('settings-cap-overall')).setValue('$100');
    await settle();
    expect(studio.stored.caps).toEqual({ perBatchMicros: 12_500_000, overallMicros: 100_000_000 });
    expect(wrapper.find(byTestId('settings-caps-error')).exists()).toBe(false);
    expect(wrapper.find(byTestId('cost-cap')).text()).toBe('$100.00');
  });

  it('saves concurrency, theme and the simulator mode, and applies the theme', async () => {
    const { wrapper, studio } = await openSettings();
    await wrapper.find(byTestId('settings-concurrency')).setValue('16');
    await wrapper.find(byTestId('settings-theme')).setValue('dark');
    await settle();
    expect(studio.stored).toMatchObject({ concurrency: 16, theme: 'dark' });
    expect(document.documentElement.dataset.theme).toBe('dark');
    await wrapper.find(byTestId('settings-theme')).setValue('system');
    await settle();
    // "system" follows the OS: happy-dom reports a light one.
    expect(document.documentElement.dataset.theme).toBe('light');

    // With a key the app talks to APIXO; "on" puts the simulator back, and main says so.
    await studio.call('key:set', KEY);
    await until(() => expect(wrapper.find(byTestId('sim-badge')).exists()).toBe(false));
    await wrapper.find(byTestId('settings-simulator')).setValue('on');
    await until(() => expect(wrapper.find(byTestId('sim-badge')).exists()).toBe(true));
  });

  it('keeps the computer awake by default, and the checkbox turns it off', async () => {
    const { wrapper, studio } = await openSettings();
    const box = wrapper.find(byTestId('settings-keep-awake'));
    expect((box.element as HTMLInputElement).checked).toBe(true);
    await box.setValue(false);
    await settle();
    expect(studio.stored.keepAwake).toBe(false);
    expect((wrapper.find(byTestId('settings-keep-awake')).element as HTMLInputElement).checked).toBe(false);
  });

  it('saves batch defaults', async () => {
    const { wrapper, studio } = await openSettings();
    await wrapper.find(byTestId('settings-defaults-resolution')).setValue('480p');
    await settle();
    expect(studio.stored.defaults).toMatchObject({ resolution: '480p', duration: 5, aspectRatio: '16:9', seed: { kind: 'random' } });
  });
});
