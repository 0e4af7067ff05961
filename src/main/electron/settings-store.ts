import Store from 'electron-store';
import type { Settings } from '@shared/settings';
import type { SecretStore, SettingsStore } from '../core/app/app-service';
import { sanitizeSettings } from '../core/app/settings-file';
import { TaskActionError } from '../core/queue/engine';
import { safeStorage } from 'electron';

/** Settings in electron-store (`settings.json` in the app's folder), checked on every read. */
export function createSettingsStore(defaults: Settings): SettingsStore {
  const store = new Store<{ settings: Settings }>({
    name: 'settings',
    defaults: { settings: defaults },
    migrations: {
      // Version 0.1.0 wrote the first schema; later versions add their steps here.
      '0.1.0': () => undefined
    }
  });
  return {
    read: () => sanitizeSettings(store.get('settings'), defaults),
    write: (next) => store.set('settings', next)
  };
}

/** A secret (the API key, the bucket's secret key), encrypted with the OS keychain through safeStorage; never written in clear. */
export function createSecretStore(name: 'apiKey' | 'hostingSecret' = 'apiKey', what = 'the API key'): SecretStore {
  const store = new Store<Record<string, string | undefined>>({ name: 'secrets' });
  return {
    get: () => {
      const sealed = store.get(name);
      if (!sealed || !safeStorage.isEncryptionAvailable()) return undefined;
      try {
        return safeStorage.decryptString(Buffer.from(sealed, 'base64'));
      } catch {
        return undefined;
      }
    },
    set: (value) => {
      if (!safeStorage.isEncryptionAvailable()) {
        throw new TaskActionError(`This system offers no secure storage for ${what} (no keychain or keyring is available), so it was not saved.`);
      }
      store.set(name, safeStorage.encryptString(value).toString('base64'));
    },
    clear: () => store.delete(name)
  };
}
