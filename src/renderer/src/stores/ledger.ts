import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { LedgerChoice, LedgerQuestion } from '@shared/ipc';
import { createActions, subscribe } from './ipc';
import { useQueueStore } from './queue';

/**
 * The question about batches made on the simulator once a key is saved (docs/architecture.md,
 * "Money"): they wait, paused, until the person keeps them simulated, cancels them, or sends
 * them to APIXO. Asked at start, after a key is saved, and from a batch waiting for it.
 */
export const useLedgerStore = defineStore('ledger', () => {
  const question = ref<LedgerQuestion | null>(null);
  /** The dialog is shown; "decide later" hides it and leaves the batches waiting. */
  const open = ref(false);
  const actions = createActions();

  /** Asks main whether there is a question; opens the dialog when there is. */
  async function load(): Promise<LedgerQuestion | null> {
    const value = await actions.run('question', 'queue:ledger-question');
    if (value === undefined) return question.value;
    question.value = value;
    open.value = value !== null;
    return value;
  }

  function later(): void {
    open.value = false;
  }

  /** Answers the question for all its batches (or those named); the queue takes the new snapshot. */
  async function choose(choice: LedgerChoice, batchIds?: string[]): Promise<boolean> {
    const snap = batchIds ? await actions.run('choice', 'queue:ledger-choice', choice, batchIds) : await actions.run('choice', 'queue:ledger-choice', choice);
    if (!snap) return false;
    useQueueStore().applySnapshot(snap);
    const next = await actions.run('question', 'queue:ledger-question');
    question.value = next ?? null;
    open.value = question.value !== null;
    return true;
  }

  /** A key saved or removed elsewhere may raise the question. */
  function listen(): () => void {
    return subscribe('app:changed', () => void load());
  }

  return { question, open, errors: actions.errors, busy: actions.busy, load, later, choose, listen };
});
