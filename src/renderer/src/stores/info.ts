import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { AppInfo } from '@shared/ipc';
import { createActions, subscribe } from './ipc';

/**
 * What main says about itself: the version, the logs folder, and which API it talks to. Main
 * pushes `app:changed` when a key is saved or cleared or the simulator is switched, and this
 * store asks again then; no other store has to.
 */
export const useInfoStore = defineStore('info', () => {
  const info = ref<AppInfo | null>(null);
  const actions = createActions();

  const simulated = computed(() => info.value?.simulated ?? false);

  async function refresh(): Promise<void> {
    const value = await actions.run('info', 'app:info');
    if (value) info.value = value;
  }

  function listen(): () => void {
    return subscribe('app:changed', () => void refresh());
  }

  return { info, simulated, errors: actions.errors, refresh, listen };
});
