/** Reviewing the library's videos: the verdict keys, and what a kept video cost in words. */
import type { KeptCost, LibraryItem, Verdict } from '@shared/library';
import { formatUsd } from '@shared/pricing';
import { formatCount, plural } from '../lib/format';

export const VERDICT_LABEL: Record<Verdict, string> = { keep: 'Kept', reject: 'Rejected' };

/** The verdict a key press gives (null: back to unreviewed), or undefined when it is not a verdict key. */
export function verdictOfKey(event: { key: string; ctrlKey?: boolean; metaKey?: boolean; altKey?: boolean }): Verdict | null | undefined {
  if (event.ctrlKey || event.metaKey || event.altKey) return undefined;
  switch (event.key.toLowerCase()) {
    case 'p':
      return 'keep';
    case 'x':
      return 'reject';
    case 'u':
      return null;
    default:
      return undefined;
  }
}

/**
 * Whether a video can be given a verdict: this app's videos keep it in their sidecar; one known
 * by the recipe inside its file is given a sidecar made from that recipe when it is judged.
 */
export function reviewable(item: Pick<LibraryItem, 'origin'>): boolean {
  return item.origin !== 'unknown';
}

/**
 * What a kept video cost, in words: "$0.40 per kept video (4 kept of 10)". The simulator's
 * figures say so: nothing was charged for them.
 */
export function keptWords(cost: KeptCost): string {
  const reviewed = cost.kept + cost.rejected;
  if (cost.perKeptMicros === undefined || cost.kept === 0) {
    return reviewed === 0 ? 'nothing reviewed yet' : `nothing kept yet (${plural(cost.rejected, 'rejected video')})`;
  }
  const per = `${formatUsd(cost.perKeptMicros)} per kept video`;
  const of = `${formatCount(cost.kept)} kept, ${formatUsd(cost.costMicros)} in all`;
  return cost.simulated ? `${per}, simulated (${of}; nothing charged)` : `${per} (${of})`;
}

/** Whether a set has any videos to speak of. */
export function hasVideos(cost: KeptCost): boolean {
  return cost.costMicros > 0 || cost.kept + cost.rejected > 0;
}
