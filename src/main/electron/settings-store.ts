import Store from 'electron-store';
import type { Settings } from '@shared/settings';
import type { SecretStore, SettingsStore } from '../core/app/app-service';
import { sanitizeSettings } from '../core/app/settings-file';
import { TaskActionError } from '../core/queue/engine';
import { safeStorage } from 'electron';
import type { Logger } from '../core/log/logger';

/** Settings in electron-store (`settings.json` in the app's folder), checked on every read; a refused folder is logged once. */
export function createSettingsStore(defaults: Settings, log?: Logger): SettingsStore {
  const said = new Set<string>();
  const refused = (problem: string): void => {
    if (said.has(problem)) return;
    said.add(problem);
    log?.warn(problem);
  };
  const store = new Store<{ settings: Settings }>({
    name: 'settings',
    defaults: { settings: defaults },
    migrations: {
      // Version 0.1.0 wrote the first schema; later versions add their steps here.
      '0.1.0': () => undefined
    }
  });
  return {
    read: () => sanitizeSettings(store.get('settings'), defaults, refused),
    write: (next) => store.set('settings', next)
  };
}

/**
 * A secret (the API key, the bucket's secret key), encrypted through safeStorage and never
 * written in clear. It is decrypted once when opened (after the app is ready) and kept in
 * memory for the main process; a new value is encrypted before it is kept.
 */
export async function openSecretStore(name: 'apiKey' | 'hostingSecret' = 'apiKey', what = 'the API key'): Promise<SecretStore> {
  const store = new Store<Record<string, string | undefined>>({ name: 'secrets' });
  const seal = async (plain: string): Promise<string> => (await safeStorage.encryptStringAsync(plain)).toString('base64');
  let value: string | undefined;
  const sealed = store.get(name);
  if (sealed && (await safeStorage.isAsyncEncryptionAvailable())) {
    try {
      const { result, shouldReEncrypt } = await safeStorage.decryptStringAsync(Buffer.from(sealed, 'base64'));
      value = result;
      if (shouldReEncrypt) store.set(name, await seal(result));
    } catch {
      value = undefined; // sealed on another machine or by another user: as if none was saved
    }
  }
  return {
    get: () => value,
    set: async (next) => {
      if (!(await safeStorage.isAsyncEncryptionAvailable())) {
        throw new TaskActionError(`This system offers no secure storage for ${what} (no keychain or keyring is available), so it was not saved.`);
      }
      store.set(name, await seal(next));
      value = next;
    },
    clear: () => {
      store.delete(name);
      value = undefined;
    },
    // Linux without a keyring: Electron falls back to a fixed password, which only obscures.
    protection: () => (process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text' ? 'obscured' : 'encrypted')
  };
}
