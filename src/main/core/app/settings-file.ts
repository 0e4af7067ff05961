import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { settingsPatch } from '@shared/ipc-schemas';
import { SETTINGS_VERSION, type Settings } from '@shared/settings';
import { userDataDir } from '../paths';
import { folderPathProblem } from './folder-rules';

/**
 * Settings as read from disk, made safe: every value that fails its schema (a hand-edited file,
 * an older version) falls back to its default, so a bad file never stops the app. A library or
 * data folder that is not a full path, or is a system folder or the home folder itself
 * (folder-rules.ts), falls back too, and `onRefused` hears why.
 */
export function sanitizeSettings(stored: unknown, defaults: Settings, onRefused?: (problem: string) => void): Settings {
  const out: Settings = { ...defaults, schemaVersion: SETTINGS_VERSION };
  if (typeof stored !== 'object' || stored === null) return out;
  const shape = settingsPatch.shape;
  for (const key of Object.keys(shape) as (keyof typeof shape)[]) {
    const value = (stored as Record<string, unknown>)[key];
    if (value === undefined) continue;
    const parsed = shape[key].safeParse(value);
    if (!parsed.success || parsed.data === undefined) continue;
    if (key === 'libraryDir' || key === 'dataDir') {
      const problem = folderPathProblem(parsed.data as string);
      if (problem) {
        onRefused?.(`${key} in the settings file refused (${problem}); using ${defaults[key]}`);
        continue;
      }
    }
    (out as unknown as Record<string, unknown>)[key] = parsed.data;
  }
  return out;
}

/** The file electron-store keeps the app's settings in: `settings.json` in the app's own folder (Electron's `userData`). */
export function settingsFilePath(appDir: string = userDataDir()): string {
  return join(appDir, 'settings.json');
}

/**
 * The app's settings read straight from its file, for a process without Electron (the CLI).
 * electron-store keeps them under the `settings` key; a missing or unreadable file gives the
 * defaults, and `problem` says why when the file was there but could not be used.
 */
export async function readSettingsFile(path: string, defaults: Settings): Promise<{ settings: Settings; problem?: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT'
      ? { settings: sanitizeSettings(undefined, defaults) }
      : { settings: sanitizeSettings(undefined, defaults), problem: `${path} could not be read (${code ?? (error as Error).message})` };
  }
  try {
    const stored = JSON.parse(text) as { settings?: unknown } | null;
    return { settings: sanitizeSettings(stored?.settings, defaults) };
  } catch {
    return { settings: sanitizeSettings(undefined, defaults), problem: `${path} is not valid JSON` };
  }
}
