import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { HostingStatus, HostingTest } from '@shared/images';
import type { HostingSettings } from '@shared/settings';
import { createActions } from './ipc';
import { useSettingsStore } from './settings';

/** Image hosting as main reports it: whether local images can be hosted, the bucket's secret, the test. */
export const useHostingStore = defineStore('hosting', () => {
  const status = ref<HostingStatus | null>(null);
  const lastTest = ref<HostingTest | null>(null);
  const actions = createActions();
  /** The save whose turn is last: the next one waits for it. */
  let lastSave: Promise<unknown> = Promise.resolve();

  async function load(): Promise<void> {
    const value = await actions.run('status', 'hosting:status');
    if (value) status.value = value;
  }

  /**
   * Saves the hosting settings, one save at a time. Each save is built when its turn comes, from the
   * settings as the save before it left them, and changes only what it is about (the kind, or the
   * bucket fields a person edited), so saves made close together never undo each other. `build`
   * answering undefined means there is nothing to change. An error is kept under `field` in the
   * settings store. Answers whether the settings now hold what `build` asked for.
   */
  function save(field: string, build: (stored: HostingSettings) => HostingSettings | undefined): Promise<boolean> {
    const settings = useSettingsStore();
    const turn = lastSave.then(async () => {
      if (!settings.settings) return false;
      // A plain copy: the store's settings are reactive proxies, which IPC cannot clone.
      const next = build(JSON.parse(JSON.stringify(settings.settings.hosting)) as HostingSettings);
      if (!next) return true;
      if (!(await settings.update(field, { hosting: next }))) return false;
      await load();
      return true;
    });
    lastSave = turn.catch(() => undefined);
    return turn;
  }

  async function setSecret(secret: string): Promise<boolean> {
    if (!secret.trim()) {
      actions.fail('secret', 'Paste the bucket’s secret access key first.');
      return false;
    }
    const value = await actions.run('secret', 'hosting:set-secret', secret);
    if (value) status.value = value;
    return value !== undefined;
  }

  async function clearSecret(): Promise<void> {
    const value = await actions.run('secret', 'hosting:clear-secret');
    if (value) status.value = value;
  }

  async function test(): Promise<void> {
    lastTest.value = null;
    const value = await actions.run('test', 'hosting:test');
    if (value) lastTest.value = value;
  }

  /** Drops the last test's answer (and its error): it was about settings that have changed since. */
  function forgetTest(): void {
    lastTest.value = null;
    actions.clear('test');
  }

  return { status, lastTest, errors: actions.errors, busy: actions.busy, load, save, setSecret, clearSecret, test, forgetTest };
});
