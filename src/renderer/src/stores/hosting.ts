import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { HostingStatus, HostingTest } from '@shared/images';
import { createActions } from './ipc';

/** Image hosting as main reports it: whether local images can be hosted, the bucket's secret, the test. */
export const useHostingStore = defineStore('hosting', () => {
  const status = ref<HostingStatus | null>(null);
  const lastTest = ref<HostingTest | null>(null);
  const actions = createActions();

  async function load(): Promise<void> {
    const value = await actions.run('status', 'hosting:status');
    if (value) status.value = value;
  }

  async function setSecret(secret: string): Promise<boolean> {
    if (!secret.trim()) {
      actions.fail('secret', 'Paste the bucket’s secret access key first.');
      return false;
    }
    const value = await actions.run('secret', 'hosting:set-secret', secret);
    if (value) status.value = value;
    return value !== undefined;
  }

  async function clearSecret(): Promise<void> {
    const value = await actions.run('secret', 'hosting:clear-secret');
    if (value) status.value = value;
  }

  async function test(): Promise<void> {
    lastTest.value = null;
    const value = await actions.run('test', 'hosting:test');
    if (value) lastTest.value = value;
  }

  return { status, lastTest, errors: actions.errors, busy: actions.busy, load, setSecret, clearSecret, test };
});
