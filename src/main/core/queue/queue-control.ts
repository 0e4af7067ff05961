/**
 * The person's control of the queue as a whole (architecture.md, "Triage"): the batches' order,
 * their distinct names, and archiving finished ones with their money kept.
 */
import type { BatchMove, BatchSummary, CostTotals, MoneyByStage, TaskRecord } from '@shared/batch';
import type { SpendWindow } from '@shared/money';
import { TaskActionError } from './engine-types';
import type { ArchivedBatch } from './queue-state';
import { openShares } from './spend-meter';

/** The order after moving `batchId` one place up or down, to the top or bottom, or to an index (clamped). */
export function movedOrder(order: readonly string[], batchId: string, to: BatchMove): string[] {
  const from = order.indexOf(batchId);
  if (from < 0) throw new TaskActionError(`There is no batch ${batchId} in the queue.`);
  const last = order.length - 1;
  const target = to === 'up' ? from - 1 : to === 'down' ? from + 1 : to === 'top' ? 0 : to === 'bottom' ? last : Math.trunc(to);
  const place = Math.max(0, Math.min(last, target));
  const next = order.filter((id) => id !== batchId);
  next.splice(place, 0, batchId);
  return next;
}

/** `name`, or `name (2)`, `name (3)`… : the first no batch in `used` has. */
export function distinctName(name: string, used: Iterable<string>): string {
  const taken = new Set(used);
  if (!taken.has(name)) return name;
  // A name that already ends in a number of copies counts on from its stem.
  const stem = name.replace(/ \(\d+\)$/, '');
  for (let n = 2; ; n++) {
    const candidate = `${stem} (${n})`;
    if (!taken.has(candidate)) return candidate;
  }
}

const STATE_WORDS: Partial<Record<TaskRecord['state'], string>> = {
  queued: 'waiting to be submitted',
  submitting: 'being submitted',
  submitted: 'at APIXO',
  pending: 'at APIXO',
  processing: 'at APIXO',
  succeeded: 'waiting to download',
  downloading: 'downloading',
  needs_review: 'needing review',
  download_failed: 'with a failed download'
};

/** Why a batch cannot be archived yet: which tasks are unfinished, and what to do. */
export function unfinishedWords(name: string, open: TaskRecord[]): string {
  const byState = new Map<string, number[]>();
  for (const task of open) {
    const words = STATE_WORDS[task.state] ?? task.state.replace('_', ' ');
    byState.set(words, [...(byState.get(words) ?? []), task.source.row]);
  }
  const parts = [...byState.entries()].map(([words, rows]) => {
    const shown = rows.slice(0, 5).join(', ') + (rows.length > 5 ? ` and ${rows.length - 5} more` : '');
    return `${rows.length} ${words} (row${rows.length === 1 ? '' : 's'} ${shown})`;
  });
  return (
    `"${name}" cannot be archived yet: ${open.length} task${open.length === 1 ? ' is' : 's are'} unfinished: ${parts.join('; ')}. ` +
    'Let them finish, or cancel, retry or abandon them, then archive it.'
  );
}

/** A finished batch as the archive keeps it: its summary frozen now, and its parts of spend windows still open. */
export function archiveRecord(summary: BatchSummary, tasks: TaskRecord[], windows: ReadonlyMap<number, SpendWindow>, now: number): ArchivedBatch {
  const shares = openShares(tasks, windows);
  return { summary: { ...summary, archivedAt: now }, ...(shares ? { openShares: shares } : {}) };
}

/**
 * The queue's money with the archived batches' added: what they spent stays counted. Today's
 * spend counts an archived batch's only if it was archived today (it was reckoned then).
 */
export function archivedCosts(costs: CostTotals, archived: Iterable<ArchivedBatch>, now: Date): CostTotals {
  const midnight = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
  const real: MoneyByStage = { ...costs };
  const simulated: MoneyByStage = { ...costs.simulated };
  let any = false;
  for (const { summary } of archived) {
    any = true;
    const today = summary.archivedAt >= midnight;
    real.spentMicros += summary.costs.spentMicros;
    simulated.spentMicros += summary.costs.simulated.spentMicros;
    if (today) {
      real.spentTodayMicros += summary.costs.spentTodayMicros ?? 0;
      simulated.spentTodayMicros += summary.costs.simulated.spentTodayMicros ?? 0;
    }
  }
  if (!any) return costs;
  return {
    ...costs,
    spentMicros: real.spentMicros,
    spentTodayMicros: real.spentTodayMicros,
    simulated: { ...costs.simulated, spentMicros: simulated.spentMicros, spentTodayMicros: simulated.spentTodayMicros }
  };
}
