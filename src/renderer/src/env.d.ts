/// <reference types="vite/client" />

// A global script (no top-level import), so the tests' type check can reference it too.
interface Window {
  /** Built by the preload from the shared IPC contract; only the Pinia stores call it. */
  api: import('@shared/ipc').WindowApi;
}

declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}
