// @vitest-environment happy-dom
import { mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import type { Studio } from './studio';
import { DEFAULT_HOSTING, type HostingKind, type S3Hosting } from '@shared/settings';
import HostingSettings from '../../src/renderer/src/components/HostingSettings.vue';
import { useSettingsStore } from '../../src/renderer/src/stores/settings';
import { byTestId, install, settle } from './setup';
import type { ServiceBridge } from './studio';

let wrapper: VueWrapper | undefined;
let unlisten: (() => void) | undefined;
afterEach(() => {
  wrapper?.unmount();
  wrapper = undefined;
  unlisten?.();
  unlisten = undefined;
});

/** The hosting card on its own, with the settings loaded and kept fresh as the window does. */
async function mountHosting(
  hosting: { kind?: HostingKind; s3?: Partial<S3Hosting> } = {}
): Promise<{ api: ServiceBridge; studio: Studio; wrapper: VueWrapper }> {
  const { pinia, api, studio } = await install({ settings: { hosting: { kind: hosting.kind ?? 's3', s3: { ...DEFAULT_HOSTING.s3, ...hosting.s3 } } } });
  const settings = useSettingsStore();
  await settings.load();
  unlisten = settings.listen();
  wrapper = mount(HostingSettings, { global: { plugins: [pinia] }, attachTo: document.body });
  await settle();
  return { api, studio, wrapper };
}

/** A change made elsewhere (another part of the app): saved, and pushed as `settings:changed`. */
async function changeElsewhere(studio: Studio, s3: Partial<S3Hosting>, kind = studio.stored.hosting.kind): Promise<void> {
  await studio.call('settings:update', { hosting: { kind, s3: { ...studio.stored.hosting.s3, ...s3 } } });
  await settle();
}

const input = (w: VueWrapper, id: string) => w.find(byTestId(id)).element as HTMLInputElement;
const value = (w: VueWrapper, id: string) => input(w, id).value;

describe('hosting settings form', () => {
  it('keeps a field being edited when the stored settings change underneath it; untouched fields follow', async () => {
    const { studio, wrapper } = await mountHosting({ s3: { endpoint: 'https://s3.eu-west-1.amazonaws.com' } });
    expect(value(wrapper, 's3-endpoint')).toBe('https://s3.eu-west-1.amazonaws.com');
    expect(wrapper.find(byTestId('s3-save')).attributes('disabled')).toBeDefined();
    expect(wrapper.find(byTestId('s3-save-state')).text()).toBe('');

    input(wrapper, 's3-bucket').focus();
    await wrapper.find(byTestId('s3-bucket')).setValue('my-buck');
    expect(wrapper.find(byTestId('s3-save-state')).text()).toBe('Unsaved changes');
    expect(wrapper.find(byTestId('s3-save')).attributes('disabled')).toBeUndefined();

    await changeElsewhere(studio, { bucket: 'their-bucket', region: 'eu-west-1' });
    expect(value(wrapper, 's3-bucket')).toBe('my-buck');
    expect(value(wrapper, 's3-region')).toBe('eu-west-1');

    // In a field without having changed it: it is not overwritten either, and catches up on leaving it.
    input(wrapper, 's3-prefix').focus();
    await changeElsewhere(studio, { prefix: 'theirs/', bucket: 'their-other-bucket' });
    expect(value(wrapper, 's3-prefix')).toBe('ltx-batch-studio/');
    // Left, but changed and not saved: still the person's.
    expect(value(wrapper, 's3-bucket')).toBe('my-buck');
    input(wrapper, 's3-access-key').focus();
    await settle();
    expect(value(wrapper, 's3-prefix')).toBe('theirs/');
    expect(value(wrapper, 's3-bucket')).toBe('my-buck');

    input(wrapper, 's3-bucket').focus();
    await wrapper.find(byTestId('s3-bucket')).setValue('my-bucket');
    await wrapper.find(byTestId('s3-form')).trigger('submit');
    await settle();
    // Exactly what was typed, and only that: the changes from elsewhere stay.
    expect(studio.stored.hosting.s3).toMatchObject({
      bucket: 'my-bucket',
      region: 'eu-west-1',
      prefix: 'theirs/',
      endpoint: 'https://s3.eu-west-1.amazonaws.com'
    });
    expect(wrapper.find(byTestId('s3-save-state')).text()).toBe('Saved');
    expect(wrapper.find(byTestId('s3-save')).attributes('disabled')).toBeDefined();
  });

  it('keeps what is typed while a save is on its way, and saves it next', async () => {
    const { api, studio, wrapper } = await mountHosting();
    input(wrapper, 's3-endpoint').focus();
    await wrapper.find(byTestId('s3-endpoint')).setValue('https://s3.eu-west-1.amazonaws.com/');
    api.hold();
    await wrapper.find(byTestId('s3-form')).trigger('submit');
    await settle();
    expect(wrapper.find(byTestId('s3-save-state')).text()).toBe('Saving…');
    expect(wrapper.find(byTestId('s3-form')).attributes('aria-busy')).toBe('true');
    expect(wrapper.find(byTestId('s3-save')).attributes('disabled')).toBeDefined();

    input(wrapper, 's3-bucket').focus();
    await wrapper.find(byTestId('s3-bucket')).setValue('my');
    expect(wrapper.find(byTestId('s3-save-state')).text()).toBe('Unsaved changes');
    api.release();
    await settle();
    expect(studio.stored.hosting.s3).toMatchObject({ endpoint: 'https://s3.eu-west-1.amazonaws.com', bucket: '' });
    // The endpoint, left since, shows what was stored; the bucket what is being typed.
    expect(value(wrapper, 's3-endpoint')).toBe('https://s3.eu-west-1.amazonaws.com');
    expect(value(wrapper, 's3-bucket')).toBe('my');
    expect(wrapper.find(byTestId('s3-save-state')).text()).toBe('Unsaved changes');

    await wrapper.find(byTestId('s3-bucket')).setValue('my-bucket');
    await wrapper.find(byTestId('s3-form')).trigger('submit');
    await settle();
    expect(studio.stored.hosting.s3.bucket).toBe('my-bucket');
    expect(wrapper.find(byTestId('s3-save-state')).text()).toBe('Saved');
  });

  it('shows the chosen kind at once and keeps it while it saves; a refused choice goes back and says why', async () => {
    const { api, studio, wrapper } = await mountHosting({ kind: 'none' });
    const radio = (kind: string) => input(wrapper, `hosting-kind-${kind}`);
    expect(radio('none').checked).toBe(true);

    api.hold();
    await wrapper.find(byTestId('hosting-kind-data-url')).setValue(true);
    expect(radio('data-url').checked).toBe(true);
    // A change from elsewhere arrives while the choice is saving, with the kind still "none".
    await studio.call('settings:update', { theme: 'dark' });
    await settle();
    expect(radio('data-url').checked).toBe(true);
    expect(radio('none').checked).toBe(false);
    expect(wrapper.find('.kind.chosen').text()).toMatch(/Inline in the request/);
    api.release();
    await settle();
    expect(studio.stored.hosting.kind).toBe('data-url');
    expect(radio('data-url').checked).toBe(true);

    studio.diskFull = true;
    await wrapper.find(byTestId('hosting-kind-s3')).setValue(true);
    await settle();
    studio.diskFull = false;
    expect(studio.stored.hosting.kind).toBe('data-url');
    expect(radio('data-url').checked).toBe(true);
    expect(radio('s3').checked).toBe(false);
    expect(wrapper.find(byTestId('s3-form')).exists()).toBe(false);
    expect(wrapper.find(byTestId('hosting-kind-error')).text()).toBe(
      '“S3-compatible bucket” could not be saved, so this stays “Inline in the request (experimental)”. Something went wrong: ENOSPC: no space left on device, write'
    );

    // Choosing again clears the message.
    await wrapper.find(byTestId('hosting-kind-s3')).setValue(true);
    await settle();
    expect(studio.stored.hosting.kind).toBe('s3');
    expect(wrapper.find(byTestId('hosting-kind-error')).exists()).toBe(false);
  });

  it('saves a bucket change and a kind chosen right after it, one after the other, keeping both', async () => {
    const { api, studio, wrapper } = await mountHosting();
    await wrapper.find(byTestId('s3-access-key')).setValue('AKIAEXAMPLE');
    api.hold();
    await wrapper.find(byTestId('s3-form')).trigger('submit');
    await wrapper.find(byTestId('hosting-kind-data-url')).setValue(true);
    await settle();
    expect(api.callsOf('settings:update')).toHaveLength(1);
    api.release();
    await settle();
    expect(api.callsOf('settings:update')).toHaveLength(2);
    expect(studio.stored.hosting.kind).toBe('data-url');
    expect(studio.stored.hosting.s3.accessKeyId).toBe('AKIAEXAMPLE');
    expect(input(wrapper, 'hosting-kind-data-url').checked).toBe(true);
  });

  it('explains hours and an endpoint it cannot take, and saves nothing', async () => {
    const { api, studio, wrapper } = await mountHosting();
    await wrapper.find(byTestId('s3-hours')).setValue('0');
    await wrapper.find(byTestId('s3-form')).trigger('submit');
    await settle();
    expect(wrapper.find(byTestId('hosting-error')).text()).toBe('Links stay valid for a whole number of hours from 1 to 168 (a week, the most S3 allows).');
    await wrapper.find(byTestId('s3-hours')).setValue('24');
    await wrapper.find(byTestId('s3-endpoint')).setValue('s3.eu-west-1.amazonaws.com');
    await wrapper.find(byTestId('s3-form')).trigger('submit');
    await settle();
    expect(wrapper.find(byTestId('hosting-error')).text()).toBe('The endpoint is a web address, like https://s3.eu-west-1.amazonaws.com.');
    expect(api.callsOf('settings:update')).toHaveLength(0);
    expect(wrapper.find(byTestId('s3-save-state')).text()).toBe('Unsaved changes');

    await wrapper.find(byTestId('s3-endpoint')).setValue('https://s3.eu-west-1.amazonaws.com');
    await wrapper.find(byTestId('s3-form')).trigger('submit');
    await settle();
    expect(wrapper.find(byTestId('hosting-error')).exists()).toBe(false);
    expect(studio.stored.hosting.s3).toMatchObject({ urlHours: 24, endpoint: 'https://s3.eu-west-1.amazonaws.com' });
    expect(value(wrapper, 's3-hours')).toBe('24');
  });
});
