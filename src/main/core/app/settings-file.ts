import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { settingsPatch } from '@shared/ipc-schemas';
import { SETTINGS_VERSION, type Settings } from '@shared/settings';
import { userDataDir } from '../paths';

/**
 * Settings as read from disk, made safe: every value that fails its schema (a hand-edited file,
 * an older version) falls back to its default, so a bad file never stops the app.
 */
export function sanitizeSettings(stored: unknown, defaults: Settings): Settings {
  const out: Settings = { ...defaults, schemaVersion: SETTINGS_VERSION };
  if (typeof stored !== 'object' || stored === null) return out;
  const shape = settingsPatch.shape;
  for (const key of Object.keys(shape) as (keyof typeof shape)[]) {
    const value = (stored as Record<string, unknown>)[key];
    if (value === undefined) continue;
    const parsed = shape[key].safeParse(value);
    if (parsed.success && parsed.data !== undefined) (out as unknown as Record<string, unknown>)[key] = parsed.data;
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
