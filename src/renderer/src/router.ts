/**
 * Which screen shows, through vue-router with hash history: the page is served at
 * `app://studio` under a strict CSP (see src/shared/page-security.ts), so the screen lives in
 * the `#` part and the page itself never changes. Stores never navigate: a view moves on when
 * a store's action says it worked.
 */
import { computed, type ComputedRef } from 'vue';
import { createRouter, createWebHashHistory, useRoute, useRouter, type RouteRecordRaw, type Router, type RouterHistory } from 'vue-router';
import ComposerView from './views/ComposerView.vue';
import ImportView from './views/ImportView.vue';
import LibraryView from './views/LibraryView.vue';
import QueueView from './views/QueueView.vue';
import SettingsView from './views/SettingsView.vue';

export type View = 'import' | 'compose' | 'queue' | 'library' | 'settings';

/** Shown while the window loads what the first screen needs. */
export const STARTING = 'starting';

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

/** The screen a route shows, or undefined while starting. */
export function viewOf(name: unknown): View | undefined {
  return typeof name === 'string' && name !== STARTING ? (name as View) : undefined;
}

/** The screen showing; "import" while starting, as the header has always shown it. */
export function useView(): ComputedRef<View> {
  const route = useRoute();
  return computed(() => viewOf(route.name) ?? 'import');
}

/** Opens a screen; for views and components, never for stores. */
export function useNavigate(): (view: View) => Promise<void> {
  const router = useRouter();
  return async (view) => {
    await router.push({ name: view });
  };
}
