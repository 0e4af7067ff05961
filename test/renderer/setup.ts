/** Mounting helpers shared by the renderer tests: the window, started as main.ts starts it, over a real service. */
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { setActivePinia, type Pinia } from 'pinia';
import { afterEach, vi } from 'vitest';
import type { Component } from 'vue';
import App from '../../src/renderer/src/App.vue';
import { boot, createStudio } from '../../src/renderer/src/main';
import type { StudioRouter } from '../../src/renderer/src/router';
import { Studio, type ServiceBridge, type StudioOptions } from './studio';

export { GOOD_KEY, JPEG_DATA_URL, Studio } from './studio';

export interface Mounted {
  api: ServiceBridge;
  studio: Studio;
  pinia: Pinia;
  router: StudioRouter;
  wrapper: VueWrapper;
}

const open = new Set<{ close(): Promise<void> | void }>();
afterEach(async () => {
  for (const item of [...open].reverse()) await item.close();
  open.clear();
  delete (window as Partial<Window>).api;
});

/** A studio closed after the test, started unless `start` is false (to put files in its library first). */
export async function studioFor(options: StudioOptions = {}, start = true): Promise<Studio> {
  const studio = new Studio(options);
  open.add(studio);
  return start ? studio.start() : studio;
}

/** The studio's service behind `window.api` and a fresh Pinia and router (not mounted, not started). */
export async function install(studio?: Studio | StudioOptions): Promise<Omit<Mounted, 'wrapper'>> {
  const s = studio instanceof Studio ? await studio.start() : await studioFor(studio);
  open.add(s);
  window.api = s.api;
  const { pinia, router } = createStudio();
  setActivePinia(pinia);
  return { api: s.api, studio: s, pinia, router };
}

/** The whole window, started by main.ts's start-up (settings, key, queue, info loaded; listening). */
export async function mountApp(studio?: Studio | StudioOptions): Promise<Mounted> {
  const parts = await install(studio);
  const wrapper = mount(App, { global: { plugins: [parts.pinia, parts.router] }, attachTo: document.body });
  const stop = await boot(parts);
  open.add({ close: () => (stop(), unmount(wrapper)) });
  await settle();
  return { ...parts, wrapper };
}

export async function mountWith(component: Component, studio?: Studio | StudioOptions, props: Record<string, unknown> = {}): Promise<Mounted> {
  const parts = await install(studio);
  const wrapper = mount(component, { props, global: { plugins: [parts.pinia, parts.router] }, attachTo: document.body });
  open.add({ close: () => unmount(wrapper) });
  await settle();
  return { ...parts, wrapper };
}

function unmount(wrapper: VueWrapper): void {
  try {
    wrapper.unmount();
  } catch {
    // The test unmounted it already.
  }
}

/** Lets every pending call (main's work on it included) and render finish. */
export async function settle(): Promise<void> {
  const api = window.api as ServiceBridge | undefined;
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < 5; i++) await flushPromises();
    if (!api?.inFlight?.size) return;
    await Promise.allSettled([...api.inFlight]);
  }
}

/** Waits, in real time, until `check` passes: for what the engine or the folder watch does on its own. */
export async function until(check: () => void | Promise<void>, timeout = 10_000): Promise<void> {
  await vi.waitFor(
    async () => {
      await settle();
      await check();
    },
    { timeout, interval: 20 }
  );
}

/** The screen showing. */
export const viewOf = (m: Pick<Mounted, 'router'>) => m.router.currentRoute.value.name;

export const byTestId = (id: string) => `[data-testid="${id}"]`;
