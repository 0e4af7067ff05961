import { defineStore } from 'pinia';
import { ref } from 'vue';
import { createActions } from './ipc';

/** Help for when something goes wrong: the logs folder, and diagnostics to paste into a bug report. */
export const useSupportStore = defineStore('support', () => {
  const actions = createActions();
  const copied = ref(false);

  async function copyDiagnostics(): Promise<boolean> {
    copied.value = false;
    const text = await actions.run('diagnostics', 'app:diagnostics');
    if (text === undefined) return false;
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      actions.fail('diagnostics', 'The clipboard could not be written. Open the logs folder and attach main.log to your report instead.');
      return false;
    }
    copied.value = true;
    return true;
  }

  async function openLogs(): Promise<void> {
    await actions.run('logs', 'app:open-logs');
  }

  return { copied, errors: actions.errors, busy: actions.busy, copyDiagnostics, openLogs };
});
