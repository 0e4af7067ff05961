import { settingsPatch } from '@shared/ipc-schemas';
import { SETTINGS_VERSION, type Settings } from '@shared/settings';

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
