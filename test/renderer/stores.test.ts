// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { useComposerStore } from '../../src/renderer/src/stores/composer';
import { useInfoStore } from '../../src/renderer/src/stores/info';
import { useImportStore } from '../../src/renderer/src/stores/import';
import { useKeyStore } from '../../src/renderer/src/stores/key';
import { useSettingsStore } from '../../src/renderer/src/stores/settings';
import { GOOD_KEY, install, settle } from './setup';

describe('stores unwrap results and keep an error per action', () => {
  it('unwraps a value and keeps nothing as an error', async () => {
    await install();
    const settings = useSettingsStore();
    await settings.load();
    expect(settings.settings?.concurrency).toBe(4);
    expect(settings.errors).toEqual({});
  });

  it('keeps the message of a failed call under its action, and clears it when the action works', async () => {
    await install();
    const key = useKeyStore();
    // Main refuses a key longer than any APIXO key: the call fails as a whole.
    expect(await key.test('k'.repeat(600))).toBeUndefined();
    expect(key.errors.test).toBe('key:test was called with a wrong argument (argument 0): Too big: expected string to have <=512 characters.');
    expect(key.errors.set).toBeUndefined();
    const result = await key.test(GOOD_KEY);
    expect(result).toMatchObject({ ok: true, balanceMicros: 100_000_000 });
    expect(key.errors.test).toBeUndefined();
    expect(key.lastTest?.balanceMicros).toBe(100_000_000);
  });

  it('keeps errors of different actions apart: a settings field’s error stays with that field', async () => {
    await install();
    const settings = useSettingsStore();
    await settings.load();
    expect(await settings.update('libraryDir', { libraryFolder: 'not-a-token' })).toBe(false);
    expect(await settings.update('theme', { theme: 'dark' })).toBe(true);
    expect(settings.errors).toEqual({
      libraryDir:
        'That library folder was not chosen in this window, or the app no longer remembers it. Click Browse… beside the library folder in Settings and choose it again.'
    });
    expect(settings.settings?.theme).toBe('dark');
  });

  it('says in words when the bridge is missing, instead of throwing', async () => {
    await install();
    delete (window as Partial<Window>).api;
    const info = useInfoStore();
    await info.refresh();
    expect(info.errors.info).toMatch(/not reachable/);
  });

  it('turns a bridge that throws into an error, not a crash', async () => {
    const { api } = await install();
    api.invoke = () => Promise.reject(new Error('socket closed'));
    const settings = useSettingsStore();
    await settings.load();
    expect(settings.errors.load).toMatch(/socket closed/);
  });

  it('refuses a too-short key before it crosses the bridge, and never keeps the key', async () => {
    const { api, studio } = await install();
    const key = useKeyStore();
    expect(await key.save('abc')).toBe(false);
    expect(key.errors.set).toMatch(/too short/);
    expect(api.callsOf('key:set')).toHaveLength(0);
    expect(await key.save('  good-key-1a2b  ')).toBe(true);
    expect(api.callsOf('key:set')[0].args).toEqual(['good-key-1a2b']);
    expect(key.status).toMatchObject({ set: true, hint: '…1a2b' });
    expect(studio.key).toBe(GOOD_KEY);
    expect(JSON.stringify(key.$state)).not.toContain('good-key');
  });

  it('follows settings:changed from main', async () => {
    const { api, studio } = await install();
    const settings = useSettingsStore();
    await settings.load();
    const off = settings.listen();
    // Changed elsewhere (the queue's concurrency field, another window): main says so.
    await studio.call('settings:update', { concurrency: 12 });
    expect(settings.settings?.concurrency).toBe(12);
    off();
    expect(api.listenerCount('settings:changed')).toBe(0);
  });

  it('keeps an import error where the import happened', async () => {
    // Main reports a missing example as a problem of the file, in the preview: a call that fails
    // as a whole cannot be caused from here, so the bridge answers this one.
    const { api } = await install();
    const importer = useImportStore();
    api.failNext('import:example', 'The example file is missing: reinstall the app.');
    expect(await importer.importExample()).toBe(false);
    expect(importer.errors.import).toBe('The example file is missing: reinstall the app.');
    expect(importer.preview).toBeNull();
    await settle();
  });
});

describe('the composer counts what it will make', () => {
  it('counts one take per {a|b} alternative, and prices them, before anything is sent', async () => {
    await install();
    await useSettingsStore().load();
    const composer = useComposerStore();
    composer.addRow();
    composer.addRow();
    composer.rows[0].prompt = 'a kite over {a beach|a lake|a field}';
    composer.rows[1].prompt = 'a heron at dawn';
    composer.takes = 2;
    expect(composer.videoCount).toBe(8);
    expect(composer.estimate.count).toBe(8);
    await settle();
  });
});
