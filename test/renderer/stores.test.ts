// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { useAppStore } from '../../src/renderer/src/stores/app';
import { useImportStore } from '../../src/renderer/src/stores/import';
import { useKeyStore } from '../../src/renderer/src/stores/key';
import { useSettingsStore } from '../../src/renderer/src/stores/settings';
import { install, settle } from './setup';

afterEach(() => {
  delete (window as Partial<Window>).api;
});

describe('stores unwrap results and keep an error per action', () => {
  it('unwraps a value and keeps nothing as an error', async () => {
    install();
    const settings = useSettingsStore();
    await settings.load();
    expect(settings.settings?.concurrency).toBe(4);
    expect(settings.errors).toEqual({});
  });

  it('keeps the message of a failed call under its action, and clears it when the action works', async () => {
    const { api } = install();
    const key = useKeyStore();
    api.failNext('key:test', 'APIXO could not be reached: check the connection.', 'unavailable');
    expect(await key.test('good-key-1a2b')).toBeUndefined();
    expect(key.errors.test).toBe('APIXO could not be reached: check the connection.');
    expect(key.errors.set).toBeUndefined();
    const result = await key.test('good-key-1a2b');
    expect(result).toMatchObject({ ok: true, balanceMicros: 100_000_000 });
    expect(key.errors.test).toBeUndefined();
    expect(key.balanceMicros).toBe(100_000_000);
  });

  it('keeps errors of different actions apart: a settings field’s error stays with that field', async () => {
    const { api } = install();
    const settings = useSettingsStore();
    await settings.load();
    api.failNext('settings:update', 'The library folder cannot be written: choose another folder.');
    expect(await settings.update('libraryDir', { libraryDir: '/nope' })).toBe(false);
    expect(await settings.update('theme', { theme: 'dark' })).toBe(true);
    expect(settings.errors).toEqual({ libraryDir: 'The library folder cannot be written: choose another folder.' });
    expect(settings.settings?.theme).toBe('dark');
  });

  it('says in words when the bridge is missing, instead of throwing', async () => {
    install();
    delete (window as Partial<Window>).api;
    const app = useAppStore();
    await app.refreshInfo();
    expect(app.errors.info).toMatch(/not reachable/);
  });

  it('turns a bridge that throws into an error, not a crash', async () => {
    const { api } = install();
    api.invoke = () => Promise.reject(new Error('socket closed'));
    const settings = useSettingsStore();
    await settings.load();
    expect(settings.errors.load).toMatch(/socket closed/);
  });

  it('refuses a too-short key before it crosses the bridge, and never keeps the key', async () => {
    const { api } = install();
    const key = useKeyStore();
    expect(await key.save('abc')).toBe(false);
    expect(key.errors.set).toMatch(/too short/);
    expect(api.callsOf('key:set')).toHaveLength(0);
    expect(await key.save('  good-key-1a2b  ')).toBe(true);
    expect(api.callsOf('key:set')[0].args).toEqual(['good-key-1a2b']);
    expect(key.status).toEqual({ set: true, hint: '…1a2b' });
    expect(JSON.stringify(key.$state)).not.toContain('good-key');
  });

  it('follows settings:changed from main', async () => {
    const { api } = install();
    const settings = useSettingsStore();
    await settings.load();
    const off = settings.listen();
    api.emit('settings:changed', { ...api.settings, concurrency: 12 });
    expect(settings.settings?.concurrency).toBe(12);
    off();
    expect(api.listenerCount('settings:changed')).toBe(0);
  });

  it('keeps an import error where the import happened', async () => {
    const { api } = install();
    const importer = useImportStore();
    api.failNext('import:example', 'The example file is missing: reinstall the app.');
    expect(await importer.importExample()).toBe(false);
    expect(importer.errors.import).toBe('The example file is missing: reinstall the app.');
    expect(importer.preview).toBeNull();
    await settle();
  });
});
