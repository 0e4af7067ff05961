import type { CostTotals, MoneyByStage } from '@shared/batch';
import { spendCheckWords } from '@shared/money';
import { formatUsd } from '@shared/pricing';

/**
 * A batch's money in one phrase, each ledger under its own label (docs/architecture.md, "Money"):
 * "spent $0.40 (+$0.08 committed)" for APIXO, "simulated $0.40, nothing charged" for the
 * built-in simulator, both when a batch has tasks on each. Simulated money never reads "spent".
 */
export function moneyWords(costs: CostTotals, simulatedBatch: boolean | undefined): string {
  const parts: string[] = [];
  const sim = costs.simulated;
  if (!simulatedBatch || costs.spentMicros > 0 || costs.committedMicros > 0) {
    parts.push(`spent ${formatUsd(costs.spentMicros)}${costs.committedMicros > 0 ? ` (+${formatUsd(costs.committedMicros)} committed)` : ''}`);
  }
  if (simulatedBatch || sim.spentMicros > 0 || sim.committedMicros > 0) {
    parts.push(`simulated ${formatUsd(sim.spentMicros)}${sim.committedMicros > 0 ? ` (+${formatUsd(sim.committedMicros)} running)` : ''}, nothing charged`);
  }
  return parts.join(' · ');
}

/** "queued $0.00 · committed $0.00 · spent $0.40": one ledger's stages. */
export function stageWords(money: MoneyByStage): string {
  return `queued ${formatUsd(money.queuedMicros)} · committed ${formatUsd(money.committedMicros)} · spent ${formatUsd(money.spentMicros)}`;
}

/** True when any of the simulator's money shows in these totals. */
export function hasSimulated(money: MoneyByStage): boolean {
  return money.queuedMicros > 0 || money.committedMicros > 0 || money.spentMicros > 0;
}

/** Estimated against measured spend, in words, or undefined when nothing was measured or waits to be. */
export function spendWords(costs: CostTotals): string | undefined {
  return spendCheckWords(costs.spend);
}
