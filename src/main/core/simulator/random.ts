/**
 * A small seeded PRNG (mulberry32) so that a simulator run is reproducible: the same seed and
 * the same sequence of requests give the same task IDs, latencies and injected faults.
 */

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/** mulberry32: 32 bits of state, fast, good enough for simulation (not for secrets). */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * An independent stream for one purpose, derived from the run's seed. Separate streams keep
 * purposes from disturbing each other: turning a fault on does not change task IDs or latencies.
 */
export function substream(seed: number, salt: number): Random {
  return mulberry32(Math.imul(seed ^ salt, 0x9e3779b1) ^ (seed >>> 16));
}

/** Uniform in [min, max]. */
export function uniform(random: Random, min: number, max: number): number {
  return min + (max - min) * random();
}

/** 32 lowercase hex characters, the shape of APIXO's task IDs in the wild. */
export function randomHex32(random: Random): string {
  let out = '';
  for (let i = 0; i < 4; i++)
    out += Math.floor(random() * 4_294_967_296)
      .toString(16)
      .padStart(8, '0');
  return out;
}
