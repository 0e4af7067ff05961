/**
 * Which screen shows, through vue-router with hash history: the page is served at
 * `app://studio` under a strict CSP (see src/shared/page-security.ts), so the screen lives in
 * the `#` part and the page itself never changes. Stores never navigate: a view moves on when
 * a store's action says it worked.
 */
import { createRouter, createWebHashHistory, type RouteRecordRaw, type Router, type RouterHistory } from 'vue-router';
import { STARTING, type View } from './navigation';
import ComposerView from './views/ComposerView.vue';
import ImportView from './views/ImportView.vue';
import LibraryView from './views/LibraryView.vue';
import QueueView from './views/QueueView.vue';
import SettingsView from './views/SettingsView.vue';

const routes: RouteRecordRaw[] = [
  { path: '/', name: STARTING, component: { render: () => null } },
  { path: '/import', name: 'import', component: ImportView },
  { path: '/compose', name: 'compose', component: ComposerView },
  { path: '/queue', name: 'queue', component: QueueView },
  { path: '/library', name: 'library', component: LibraryView },
  { path: '/settings', name: 'settings', component: SettingsView },
  { path: '/:rest(.*)*', redirect: '/' }
];

export interface StudioRouter extends Router {
  /** The window has loaded: the screens open, starting with `first`. */
  started(first: View): Promise<void>;
}

/** Until `started`, every screen waits behind "Starting…" (a reload on `#/library` too). */
export function createStudioRouter(history: RouterHistory = createWebHashHistory()): StudioRouter {
  const router = createRouter({ history, routes }) as StudioRouter;
  let ready = false;
  router.beforeEach((to) => (ready || to.name === STARTING ? true : { name: STARTING, replace: true }));
  router.started = async (first) => {
    // The first navigation (to wherever the page was) must have settled on "starting" first.
    await router.isReady();
    ready = true;
    await router.replace({ name: first });
  };
  return router;
}
