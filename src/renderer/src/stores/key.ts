import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { KeyStatus, KeyTest } from '@shared/ipc';
import { createActions } from './ipc';
import { useLedgerStore } from './ledger';
import { useQueueStore } from './queue';

const KEY_MIN = 8;

/**
 * The APIXO key: the window can set, test or clear it, never read it back. The key passes
 * through an action's argument and is not kept in any state.
 */
export const useKeyStore = defineStore('key', () => {
  const status = ref<KeyStatus | null>(null);
  const lastTest = ref<KeyTest | null>(null);
  const actions = createActions();

  const isSet = computed(() => status.value?.set ?? false);

  async function load(): Promise<void> {
    const value = await actions.run('status', 'key:status');
    if (value) status.value = value;
  }

  async function save(key: string): Promise<boolean> {
    const clean = key.trim();
    if (clean.length < KEY_MIN) {
      actions.fail('set', `That is too short to be an APIXO key: paste the whole key (at least ${KEY_MIN} characters).`);
      return false;
    }
    const value = await actions.run('set', 'key:set', clean);
    if (!value) return false;
    status.value = value;
    lastTest.value = null;
    // Batches made on the simulator may now wait for a choice.
    void useLedgerStore().load();
    return true;
  }

  async function clear(): Promise<boolean> {
    const value = await actions.run('clear', 'key:clear');
    if (!value) return false;
    status.value = value;
    lastTest.value = null;
    return true;
  }

  /** Tests the typed key, or the stored one when nothing is typed. */
  async function test(key?: string): Promise<KeyTest | undefined> {
    const clean = key?.trim();
    const value = clean ? await actions.run('test', 'key:test', clean) : await actions.run('test', 'key:test');
    if (value) lastTest.value = value;
    // Testing the saved key may settle a doubt about it ("saved, but not checked").
    if (value?.ok && !clean && status.value?.check) await load();
    // Testing the saved key refreshes the engine's one balance reading: show that one.
    if (value && !clean) await useQueueStore().load();
    return value;
  }

  return { status, lastTest, isSet, errors: actions.errors, busy: actions.busy, load, save, clear, test };
});
