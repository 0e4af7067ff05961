import { createApp, type App as VueApp } from 'vue';
import { createPinia, type Pinia } from 'pinia';
import type { RouterHistory } from 'vue-router';
import App from './App.vue';
import { applyTheme } from './lib/theme';
import { createStudioRouter, type StudioRouter } from './router';
import { useInfoStore } from './stores/info';
import { useKeyStore } from './stores/key';
import { useLedgerStore } from './stores/ledger';
import { useLibraryStore } from './stores/library';
import { useQueueStore } from './stores/queue';
import { useSettingsStore } from './stores/settings';
import { useUpdateStore } from './stores/update';
import './styles/base.css';

export interface Studio {
  app: VueApp;
  pinia: Pinia;
  router: StudioRouter;
}

/** The window's parts, not yet mounted: the stores' Pinia and the router. */
export function createStudio(history?: RouterHistory): Studio {
  const pinia = createPinia();
  const router = createStudioRouter(history);
  const app = createApp(App).use(pinia).use(router);
  return { app, pinia, router };
}

/**
 * Start-up: listens to main's events first (so nothing that follows the first answers is missed),
 * loads what the first screen needs, then opens the queue if there is work, else the import.
 * Answers the function that stops listening.
 */
export async function boot({ pinia, router }: Pick<Studio, 'pinia' | 'router'>): Promise<() => void> {
  const info = useInfoStore(pinia);
  const settings = useSettingsStore(pinia);
  const key = useKeyStore(pinia);
  const queue = useQueueStore(pinia);
  const update = useUpdateStore(pinia);
  const ledger = useLedgerStore(pinia);
  const listening = [info.listen(), settings.listen(), queue.listen(), useLibraryStore(pinia).listen(), update.listen(), ledger.listen()];
  // The question about batches made on the simulator is asked at start too, when there is one.
  await Promise.all([info.refresh(), settings.load(), key.load(), queue.load(), update.load(), ledger.load()]);
  await router.started(queue.batches.size > 0 ? 'queue' : 'import');
  return () => listening.forEach((off) => off());
}

const root = document.getElementById('app');
if (root) {
  // Before the first paint, so a dark desktop never flashes light.
  applyTheme('system');
  const studio = createStudio();
  studio.app.mount(root);
  void boot(studio);
}
