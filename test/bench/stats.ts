// Small numeric helpers shared by the benchmarks.

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** A seeded PRNG: the bench's engine and client draw their jitter from it, so a run is repeatable. */
export { mulberry32 as seededRandom } from '../../src/main/core/simulator/random';

/**
 * Makespan of greedy list scheduling: jobs in order, each to the slot free first, no overhead at
 * all. What a perfect client could reach with these exact generation times and `slots`.
 */
export function listScheduleMakespan(durations: readonly number[], slots: number): number {
  const free = new Array<number>(Math.max(1, slots)).fill(0);
  for (const d of durations) {
    let k = 0;
    for (let j = 1; j < free.length; j++) if (free[j] < free[k]) k = j;
    free[k] += d;
  }
  return Math.max(...free);
}

export const seconds = (ms: number, digits = 1): string => `${(ms / 1000).toFixed(digits)} s`;
export const pct = (share: number, digits = 1): string => `${(share * 100).toFixed(digits)} %`;
export const mb = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(0)} MB`;
