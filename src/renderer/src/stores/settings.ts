import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { Settings, SettingsPatch } from '@shared/settings';
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
  async function update(field: string, patch: SettingsPatch): Promise<boolean> {
    const value = await actions.run(field, 'settings:update', patch);
    if (value) accept(value);
    return value !== undefined;
  }

  function fail(field: string, message: string): void {
    actions.fail(field, message);
  }

  return { settings, errors: actions.errors, busy: actions.busy, load, listen, update, fail };
});
