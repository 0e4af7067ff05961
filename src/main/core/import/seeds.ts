import { randomInt } from 'node:crypto';
import { LIMITS } from '@shared/model';
import { drawSeed } from '@shared/request-builder';
import type { SeedPolicy } from '@shared/batch-defaults';

/** Steps of `cryptoRandom` in [0, 1): 2^47, within what `randomInt` draws at once. */
const CRYPTO_STEPS = 2 ** 47;

/** A number in [0, 1) from the system's cryptographic generator: the default source of random seeds. */
export function cryptoRandom(): number {
  return randomInt(0, CRYPTO_STEPS) / CRYPTO_STEPS;
}

export { drawSeed };

export interface TakeSeedInput {
  /** The row's seed cell: undefined when empty or "random", a number, or text the validator refuses. */
  cell: number | string | undefined;
  count: number;
  policy: SeedPolicy;
  /** Position of the row's first take among all takes of the batch (0-based). */
  firstTakeIndex: number;
  random: () => number;
}

/**
 * The seed of each take of a row. Every take gets a concrete seed, so every video can be made
 * again exactly (the app never leaves the choice to the API, which does not report it):
 * - a row with its own seed: seed, seed + 1, … (one per take);
 * - a row with -1 (random), or without a seed under a random policy: distinct drawn seeds, one
 *   per take (`random` makes them reproducible);
 * - a row without a seed, by the batch policy: fixed → its value, counting on for further takes;
 *   sequential → start + the take's position in the whole batch.
 * Text the validator refuses is kept as it is, so the row reports the same error as ever.
 */
export function takeSeeds({ cell, count, policy, firstTakeIndex, random }: TakeSeedInput): (number | string | undefined)[] {
  const seeds: (number | string | undefined)[] = new Array(count);
  if (typeof cell === 'string' || (typeof cell === 'number' && !Number.isInteger(cell))) return seeds.fill(cell);
  if (cell === LIMITS.randomSeed) return distinctSeeds(count, random);
  if (cell !== undefined) return countOn(seeds, cell);
  if (policy.kind === 'sequential') return countOn(seeds, policy.start + firstTakeIndex);
  if (policy.kind === 'fixed') return countOn(seeds, policy.value);
  return distinctSeeds(count, random);
}

function countOn(seeds: (number | string | undefined)[], first: number): (number | string | undefined)[] {
  for (let t = 0; t < seeds.length; t++) seeds[t] = first + t;
  return seeds;
}

/** `count` different drawn seeds (a repeat moves on to the next free seed, so a poor `random` still ends). */
export function distinctSeeds(count: number, random: () => number): number[] {
  const drawn = new Set<number>();
  while (drawn.size < count) {
    let seed = drawSeed(random);
    while (drawn.has(seed)) seed = seed >= LIMITS.seedMax ? LIMITS.seedMin : seed + 1;
    drawn.add(seed);
  }
  return [...drawn];
}
