/** Mounting helpers shared by the renderer tests. */
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { createPinia, setActivePinia, type Pinia } from 'pinia';
import type { Component } from 'vue';
import App from '../../src/renderer/src/App.vue';
import { FakeApi } from './fake-api';

export interface Mounted {
  api: FakeApi;
  pinia: Pinia;
  wrapper: VueWrapper;
}

/** A fresh fake behind `window.api` and a fresh Pinia. */
export function install(api = new FakeApi()): { api: FakeApi; pinia: Pinia } {
  window.api = api;
  const pinia = createPinia();
  setActivePinia(pinia);
  return { api, pinia };
}

/** The whole window, started (snapshot, settings, key status loaded). */
export async function mountApp(api = new FakeApi()): Promise<Mounted> {
  const { pinia } = install(api);
  const wrapper = mount(App, { global: { plugins: [pinia] }, attachTo: document.body });
  await settle();
  return { api, pinia, wrapper };
}

export async function mountWith(component: Component, api = new FakeApi(), props: Record<string, unknown> = {}): Promise<Mounted> {
  const { pinia } = install(api);
  const wrapper = mount(component, { props, global: { plugins: [pinia] }, attachTo: document.body });
  await settle();
  return { api, pinia, wrapper };
}

/** Lets every pending call and render finish. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await flushPromises();
}

export const byTestId = (id: string) => `[data-testid="${id}"]`;
