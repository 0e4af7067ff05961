import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { SettingsUpdate } from '@shared/ipc';
import type { Settings } from '@shared/settings';
import { createActions, subscribe } from './ipc';

/** Settings as main keeps them: seeded on start, kept fresh by `settings:changed`. */
export const useSettingsStore = defineStore('settings', () => {
  const settings = ref<Settings | null>(null);
  const actions = createActions();

  function accept(next: Settings): void {
    settings.value = next;
  }

  async function load(): Promise<void> {
    const value = await actions.run('load', 'settings:get');
    if (value) settings.value = value;
  }

  function listen(): () => void {
    return subscribe('settings:changed', accept);
  }

  /** Saves a change; an error is kept under `field`, shown next to that control. */
  async function update(field: string, patch: SettingsUpdate): Promise<boolean> {
    const value = await actions.run(field, 'settings:update', patch);
    if (value) accept(value);
    return value !== undefined;
  }

  /**
   * Browse…: main's folder dialog, then the folder by its token; main checks it (not a system
   * folder, a folder that exists) before it is used. False when cancelled or refused.
   */
  async function chooseFolder(field: 'libraryDir' | 'dataDir'): Promise<boolean> {
    const folder = await actions.run(field, 'dialog:choose-folder', field === 'libraryDir' ? 'library' : 'data');
    if (!folder) return false;
    return update(field, field === 'libraryDir' ? { libraryFolder: folder.token } : { dataFolder: folder.token });
  }

  function fail(field: string, message: string): void {
    actions.fail(field, message);
  }

  return { settings, errors: actions.errors, busy: actions.busy, load, listen, update, chooseFolder, fail };
});
