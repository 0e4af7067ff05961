import type { LedgerQuestion } from '@shared/ipc';
import type { Ledger } from '@shared/money';
import { formatUsd } from '@shared/pricing';
import type { QueueState } from './queue-state';
import type { SpendLedger } from './spend-ledger';

/** Why a simulated batch waits once a key is saved. */
export const LEDGER_WAIT_MESSAGE =
  'Made on the built-in simulator before your APIXO key was saved: choose to keep it simulated (nothing charged), cancel its queued videos, or send them to APIXO.';
/** Why a batch made with the APIXO key waits while the simulator is the API (no key, or the simulator switched on). */
export const NO_KEY_MESSAGE =
  'Made with your APIXO key, but the simulator is the API now: save the key again (or turn the simulator off) to go on, or cancel the batch. Its videos are never sent to the simulator.';
/** Why a simulated batch waits where the simulator is not running beside APIXO. */
export const NO_SIMULATOR_MESSAGE = 'Made on the built-in simulator, which is not running now: its videos are never sent to APIXO without your choice.';

/**
 * The question asked when a key is saved while simulated batches still have queued tasks: which
 * batches, what their queued tasks would cost at APIXO, and whether a spending cap would stop
 * them (docs/architecture.md, "Money").
 */
export function ledgerQuestion(state: QueueState, ledger: SpendLedger, current: Ledger): LedgerQuestion | undefined {
  // Only APIXO being the API asks: while simulating, a simulated batch simply runs.
  if (current !== 'real') return undefined;
  const batches: LedgerQuestion['batches'] = [];
  const caps: string[] = [];
  for (const batch of state.batches.values()) {
    if (!batch.simulated || batch.simulatedKept || batch.paused?.reason !== 'ledger') continue;
    let queued = 0;
    let estimateMicros = 0;
    for (const id of batch.taskIds) {
      const task = state.tasks.get(id)!;
      if (task.state !== 'queued') continue;
      queued++;
      estimateMicros += task.estimateMicros;
    }
    if (queued === 0) continue;
    batches.push({ id: batch.id, name: batch.name, queued, estimateMicros });
    if (batch.capMicros !== undefined && estimateMicros > batch.capMicros) {
      caps.push(`"${batch.name}" has a cap of ${formatUsd(batch.capMicros)}, so it stops before all ${queued} are made.`);
    }
  }
  if (batches.length === 0) return undefined;
  const queued = batches.reduce((n, b) => n + b.queued, 0);
  const estimateMicros = batches.reduce((n, b) => n + b.estimateMicros, 0);
  const cap = ledger.overallCapMicros;
  if (cap !== undefined && ledger.realMicros + estimateMicros > cap) {
    const room = Math.max(0, cap - ledger.realMicros);
    caps.unshift(
      `Your overall cap is ${formatUsd(cap)} and ${formatUsd(ledger.realMicros)} is spent or committed: only ${formatUsd(room)} of the ${formatUsd(estimateMicros)} fits, and the queue stops there.`
    );
  }
  return { batches, queued, estimateMicros, ...(caps.length > 0 ? { capWarning: caps.join(' ') } : {}) };
}
