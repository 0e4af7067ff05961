import { describe, expect, it } from 'vitest';
import {
  DEFAULT_POOL_LIMITS,
  MEASURE_WINDOWS,
  PoolController,
  RETRY_ROUNDS,
  SETTLE_WINDOWS,
  type PoolDecision
} from '../../src/main/core/download/pool-controller';

// The download pool's decisions, fed the bytes a modelled link carries at each size and the
// failed attempts; no clock (architecture.md, "Downloads").

const WINDOW_MS = 1000;
const MB = 1024 * 1024;
/** Windows one size takes to be measured. */
const ROUND = SETTLE_WINDOWS + MEASURE_WINDOWS;

/** A link whose streams carry `perStream` each, `total` together. */
function link(perStream: number, total = Infinity): (size: number) => number {
  return (size) => Math.min(size * perStream, total);
}

/** Runs `windows` windows of a saturated pool on the link; the decisions in order. */
function run(pool: PoolController, carry: (size: number) => number, windows: number, errors: (i: number) => number = () => 0): PoolDecision[] {
  const out: PoolDecision[] = [];
  for (let i = 0; i < windows; i++) out.push(pool.observe({ bytes: carry(pool.size) * (WINDOW_MS / 1000), ms: WINDOW_MS, errors: errors(i), saturated: true }));
  return out;
}

/** The decisions that changed the size, as "grow 6". */
function changes(decisions: PoolDecision[]): string[] {
  return decisions.filter((d) => d.change !== 'hold').map((d) => `${d.change} ${d.size}`);
}

describe('the download pool controller', () => {
  it('starts at 3, within 1 and 32', () => {
    const pool = new PoolController();
    expect(pool.size).toBe(3);
    expect(DEFAULT_POOL_LIMITS).toEqual({ start: 3, min: 1, max: 32 });
  });

  it('doubles while the throughput doubles, steps back from a size that carried no more, and holds', () => {
    // Ten streams fill the line.
    const pool = new PoolController();
    const decisions = run(pool, link(10 * MB, 100 * MB), ROUND * 6);
    expect(changes(decisions)).toEqual(['grow 6', 'grow 12', 'grow 24', 'back 12']);
    // Each size is measured before the next step.
    expect(decisions.findIndex((d) => d.change === 'grow')).toBe(ROUND - 1);
    expect(pool.size).toBe(12);
  });

  it('tries one more every few measurements on a plateau, and keeps it when the link got faster', () => {
    const pool = new PoolController();
    run(pool, link(10 * MB, 100 * MB), ROUND * 4); // back at 12
    const flat = run(pool, link(10 * MB, 100 * MB), ROUND * (RETRY_ROUNDS + 2));
    expect(changes(flat)).toEqual(['grow 13', 'back 12']);
    // The line is now wider: the next try is kept, and the pool climbs one at a time.
    const wider = run(pool, link(10 * MB, 200 * MB), ROUND * (RETRY_ROUNDS + 4));
    expect(changes(wider).slice(0, 3)).toEqual(['grow 13', 'grow 14', 'grow 15']);
  });

  it('never grows past its bound on a link with no limit', () => {
    const pool = new PoolController();
    const decisions = run(pool, link(10 * MB), ROUND * 60);
    expect(Math.max(...decisions.map((d) => d.size))).toBe(32);
    expect(pool.size).toBe(32);
    expect(decisions.at(-1)!.change).toBe('hold');
  });

  it('does not grow while no download waits for a slot', () => {
    const pool = new PoolController();
    for (let i = 0; i < 30; i++) expect(pool.observe({ bytes: 30 * MB, ms: WINDOW_MS, errors: 0, saturated: false }).change).toBe('hold');
    expect(pool.size).toBe(3);
  });

  it('shrinks to 70 % on failed attempts, once for a run of failures, never below its least', () => {
    const pool = new PoolController({ start: 20 });
    const [first, second, third] = run(pool, link(10 * MB), 3, () => 2);
    expect(first).toMatchObject({ change: 'shrink', size: 14 });
    // The window right after a shrink: its failures began before it.
    expect(second).toMatchObject({ change: 'hold', size: 14 });
    expect(third).toMatchObject({ change: 'shrink', size: 9 });
    const tiny = new PoolController({ start: 1 });
    expect(run(tiny, link(10 * MB), 1, () => 5)[0]).toMatchObject({ change: 'shrink', size: 1 });
  });

  it('grows again one at a time after a shrink, each step measured', () => {
    const pool = new PoolController({ start: 20 });
    run(pool, link(10 * MB), 1, () => 1); // 14
    expect(changes(run(pool, link(10 * MB), ROUND * 6))).toEqual(['grow 15', 'grow 16', 'grow 17', 'grow 18', 'grow 19', 'grow 20']);
  });

  it('steps back to 3 when 6 carry no more than 3 (one slow line)', () => {
    const pool = new PoolController();
    expect(changes(run(pool, link(10 * MB, 30 * MB), ROUND * 3))).toEqual(['grow 6', 'back 3']);
  });

  it('reads a step by its measured windows, not by one noisy window', () => {
    // The link carries 3 × 10 MB/s at 3, and 6 × 10 at 6, but one window in two carries half.
    const pool = new PoolController();
    let i = 0;
    const noisy = (size: number): number => (i++ % 2 === 0 ? size * 10 * MB : size * 5 * MB);
    expect(changes(run(pool, noisy, ROUND * 2))).toEqual(['grow 6', 'grow 12']);
  });

  it('keeps its limits in order whatever it is given', () => {
    expect(new PoolController({ start: 50, max: 8 }).size).toBe(8);
    expect(new PoolController({ start: 0, min: 2 }).size).toBe(2);
  });
});
