import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultSettings } from '@shared/settings';
import { readSettingsFile, settingsFilePath } from '../../src/main/core/app/settings-file';
import { tempDirs } from '../support/temp-dirs';

const defaults = defaultSettings({ libraryDir: '/videos/LTX Batch Studio', dataDir: '/config/data' });
const makeDir = tempDirs('ltx-settings-file-');

describe('the settings file read without Electron', () => {
  it('reads what electron-store wrote under its settings key, checked like every read', async () => {
    const dir = makeDir();
    const path = settingsFilePath(dir);
    expect(path).toBe(join(dir, 'settings.json'));
    writeFileSync(
      path,
      JSON.stringify({ settings: { hosting: { ...defaults.hosting, kind: 'data-url' }, theme: 'neon' }, __internal__: { migrations: { version: '0.1.0' } } })
    );
    const { settings, problem } = await readSettingsFile(path, defaults);
    expect(problem).toBeUndefined();
    expect(settings.hosting.kind).toBe('data-url');
    expect(settings.theme).toBe('system');
  });

  it('gives the defaults for a missing file, and says why for a file it cannot use', async () => {
    const dir = makeDir();
    expect(await readSettingsFile(join(dir, 'settings.json'), defaults)).toEqual({ settings: defaults });
    writeFileSync(join(dir, 'settings.json'), '{ not json');
    expect(await readSettingsFile(join(dir, 'settings.json'), defaults)).toEqual({
      settings: defaults,
      problem: `${join(dir, 'settings.json')} is not valid JSON`
    });
    mkdirSync(join(dir, 'folder.json'));
    const folder = await readSettingsFile(join(dir, 'folder.json'), defaults);
    expect(folder.settings).toEqual(defaults);
    expect(folder.problem).toMatch(/could not be read \(EISDIR\)/);
  });
});
