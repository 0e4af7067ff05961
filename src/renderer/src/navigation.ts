/**
 * Moving between screens, for views and components (never for stores): which screen shows and
 * how to open another. It imports no screen, so any screen can use it; the routes themselves
 * are in router.ts.
 */
import { computed, type ComputedRef } from 'vue';
import { useRoute, useRouter } from 'vue-router';

export type View = 'import' | 'compose' | 'queue' | 'library' | 'settings';

/** Shown while the window loads what the first screen needs. */
export const STARTING = 'starting';

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

/**
 * Opens the library on one video in its player: `#/library?video=<library path>`. The library
 * screen reads the query when it opens; closing the player leaves the library showing.
 */
export function useOpenVideo(): (path: string) => Promise<void> {
  const router = useRouter();
  return async (path) => {
    await router.push({ name: 'library', query: { video: path } });
  };
}
