import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { AppInfo } from '@shared/ipc';
import { createActions } from './ipc';
import { useKeyStore } from './key';
import { useLibraryStore } from './library';
import { useQueueStore } from './queue';
import { useSettingsStore } from './settings';
import { useUpdateStore } from './update';

export type View = 'import' | 'compose' | 'queue' | 'library' | 'settings';

/** The window as a whole: which API it talks to, which screen is showing, start-up. */
export const useAppStore = defineStore('app', () => {
  const info = ref<AppInfo | null>(null);
  const view = ref<View>('import');
  const ready = ref(false);
  const actions = createActions();
  let unsubscribe: (() => void)[] = [];

  const simulated = computed(() => info.value?.simulated ?? false);

  async function refreshInfo(): Promise<void> {
    const value = await actions.run('info', 'app:info');
    if (value) info.value = value;
  }

  /** Loads everything the first screen needs and starts listening; the queue view if there is work. */
  async function start(): Promise<void> {
    const settings = useSettingsStore();
    const key = useKeyStore();
    const queue = useQueueStore();
    const update = useUpdateStore();
    unsubscribe = [settings.listen(), queue.listen(), useLibraryStore().listen(), update.listen()];
    await Promise.all([refreshInfo(), settings.load(), key.load(), queue.load(), update.load()]);
    view.value = queue.batches.size > 0 ? 'queue' : 'import';
    ready.value = true;
  }

  function stop(): void {
    for (const off of unsubscribe) off();
    unsubscribe = [];
  }

  function go(next: View): void {
    view.value = next;
  }

  return { info, view, ready, simulated, errors: actions.errors, refreshInfo, start, stop, go };
});
