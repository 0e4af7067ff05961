import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { UpdateStatus } from '@shared/update';
import { createActions, subscribe } from './ipc';

/** The app's own updates, as main reports them: found, downloaded, waiting for the queue. */
export const useUpdateStore = defineStore('update', () => {
  const status = ref<UpdateStatus>({ state: 'unsupported' });
  /** "Later": the offer stays out of the way until the next start. */
  const dismissed = ref(false);
  const actions = createActions();

  async function load(): Promise<void> {
    const value = await actions.run('status', 'update:status');
    if (value) status.value = value;
  }

  function listen(): () => void {
    return subscribe('update:changed', (next) => {
      status.value = next;
    });
  }

  async function apply(answer: Promise<UpdateStatus | undefined>): Promise<void> {
    const value = await answer;
    if (value) status.value = value;
  }

  const check = () => apply(actions.run('check', 'update:check'));
  /** Restart into the update: once the queue is done, or `now`. */
  const install = (now: boolean) => apply(actions.run('install', 'update:install', now));
  const cancel = () => apply(actions.run('cancel', 'update:cancel'));

  return { status, dismissed, errors: actions.errors, busy: actions.busy, load, listen, check, install, cancel };
});
