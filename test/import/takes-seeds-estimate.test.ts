import { describe, expect, it } from 'vitest';
import { formatUsd } from '../../src/shared/pricing';
import { importCsvText, validDrafts, validRows, type ImportResult } from '../../src/main/core/import';
import { seeded } from './helpers';

const seedsOf = (r: ImportResult): (number | undefined)[] => r.rows.map((row) => row.draft.seed);

describe('count', () => {
  it('makes one ImportedRow per take, all pointing at the same spreadsheet row', () => {
    const r = importCsvText('name,prompt,count\nfox,A fox,3\ncat,A cat,\n', { random: seeded(1) });
    expect(r.rows.map((row) => [row.row, row.take, row.name])).toEqual([
      [2, 1, 'fox'],
      [2, 2, 'fox'],
      [2, 3, 'fox'],
      [3, 1, 'cat']
    ]);
    expect(r.rows[0].source).toBe(r.rows[2].source);
    expect(r.validCount).toBe(4);
    expect(r.estimate.count).toBe(4);
  });

  it.each([
    ['0', 'out_of_range', '(got 0)'],
    ['101', 'out_of_range', '(got 101)'],
    ['2.5', 'not_integer', '(got 2.5)'],
    ['two', 'not_integer', '(got "two")']
  ])('refuses count %s as a row problem and keeps one take', (cell, code, got) => {
    const r = importCsvText(`prompt,takes\nA fox,${cell}\n`);
    expect(r.rows).toHaveLength(1);
    expect(r.problems).toEqual([{ row: 2, column: 'takes', field: 'count', code, message: `The count must be a whole number of takes from 1 to 100 ${got}.` }]);
  });

  it('accepts up to 100 takes', () => {
    expect(importCsvText('prompt,count\nA fox,100\n').validCount).toBe(100);
  });

  it('reports a problem shared by all takes once, and each take still carries it', () => {
    const r = importCsvText('prompt,duration,count\nA fox,7.5,3\n', { random: seeded(2) });
    expect(r.problems).toHaveLength(1);
    expect(r.rows.map((row) => row.problems.length)).toEqual([1, 1, 1]);
    expect(r.invalidRowCount).toBe(1);
    expect(r.validCount).toBe(0);
  });
});

describe('seeds', () => {
  it('counts on from a fixed seed: seed, seed + 1, …', () => {
    const r = importCsvText('prompt,seed,count\nA fox,42,3\n');
    expect(seedsOf(r)).toEqual([42, 43, 44]);
  });

  it('gives the takes of a row without a seed distinct random seeds, reproducibly', () => {
    const csv = 'prompt,count\nA fox,5\nA cat,5\n';
    const a = importCsvText(csv, { random: seeded(7) });
    const b = importCsvText(csv, { random: seeded(7) });
    const c = importCsvText(csv, { random: seeded(8) });
    const seeds = seedsOf(a) as number[];
    expect(seeds).toEqual(seedsOf(b));
    expect(seeds).not.toEqual(seedsOf(c));
    expect(new Set(seeds.slice(0, 5)).size).toBe(5);
    for (const seed of seeds) {
      expect(Number.isInteger(seed)).toBe(true);
      expect(seed).toBeGreaterThanOrEqual(1);
      expect(seed).toBeLessThanOrEqual(2_147_483_647);
    }
    expect(a.validCount).toBe(10);
  });

  it('still gives distinct seeds when random repeats itself', () => {
    const r = importCsvText('prompt,count\nA fox,4\n', { random: () => 0.999999999999 });
    expect(seedsOf(r)).toEqual([2_147_483_647, 1, 2, 3]);
  });

  it('treats seed -1 as random: a drawn seed for one take, distinct drawn seeds for several', () => {
    const r = importCsvText('prompt,seed,count\nOne,-1,\nThree,-1,3\n', { random: seeded(3) });
    const seeds = seedsOf(r);
    expect(new Set(seeds).size).toBe(4);
    expect(seeds.every((s) => s !== undefined && Number.isInteger(s) && s >= 1 && s <= 2_147_483_647)).toBe(true);
    expect(seedsOf(importCsvText('prompt,seed,count\nOne,-1,\nThree,-1,3\n', { random: seeded(3) }))).toEqual(seeds);
  });

  it('gives a single take without a seed, under the random policy, a concrete drawn seed', () => {
    const a = seedsOf(importCsvText('prompt\nA\nB\n', { random: seeded(9) }));
    expect(a).toEqual(seedsOf(importCsvText('prompt\nA\nB\n', { random: seeded(9) })));
    expect(a.every((s) => s !== undefined && Number.isInteger(s) && s >= 1 && s <= 2_147_483_647)).toBe(true);
    // Without an injected source the system's cryptographic generator draws them: still concrete, still in range.
    const drawn = seedsOf(importCsvText('prompt,count\nA,\nB,3\n'));
    expect(drawn.every((s) => s !== undefined && Number.isInteger(s) && s >= 1 && s <= 2_147_483_647)).toBe(true);
  });

  it('keeps a seed cell outside the range the same validation error', () => {
    const r = importCsvText('prompt,seed\nA,0\nB,2147483648\nC,-2\nD,abc\n', { random: seeded(10) });
    expect(r.problems.map((p) => [p.row, p.column, p.code])).toEqual([
      [2, 'seed', 'out_of_range'],
      [3, 'seed', 'out_of_range'],
      [4, 'seed', 'out_of_range'],
      [5, 'seed', expect.any(String)]
    ]);
    expect(r.validCount).toBe(0);
  });

  it('leaves a single take without a seed to the batch policy: fixed → its value', () => {
    const r = importCsvText('prompt,seed\nA,\nB,7\nC,\n', { defaults: { seed: { kind: 'fixed', value: 1234 } } });
    expect(seedsOf(r)).toEqual([1234, 7, 1234]);
  });

  it('numbers sequential seeds by the take’s place in the whole batch', () => {
    const r = importCsvText('prompt,seed,count\nA,,\nB,,2\nC,99,\nD,,\n', {
      defaults: { seed: { kind: 'sequential', start: 100 } }
    });
    expect(seedsOf(r)).toEqual([100, 101, 102, 99, 104]);
  });

  it('reports a take whose counted-on seed passes the limit', () => {
    const r = importCsvText('prompt,seed,count\nA fox,2147483647,2\n');
    expect(r.rows.map((row) => row.problems.map((p) => p.code))).toEqual([[], ['out_of_range']]);
    expect(r.problems).toEqual([expect.objectContaining({ row: 2, column: 'seed', message: expect.stringContaining('(got 2147483648)') })]);
    expect(r.validCount).toBe(1);
    expect(r.invalidRowCount).toBe(1);
  });
});

describe('estimate', () => {
  it('prices the valid takes only, against hand-computed dollars', () => {
    const csv = [
      'prompt,resolution,duration,mode,lora1_path,lora1_scale,count',
      'A,720p,5,,,,', //                                  5 s × $0.016 = $0.080
      'B,480p,10,,,,', //                                10 s × $0.012 = $0.120
      'C,1080p,8,,https://example.com/l.safetensors,1,', // 8 s × $0.030 = $0.240 (LoRA)
      'D,720p,6,,,,2', //                            2 × 6 s × $0.016 = $0.192
      'E,720p,7.5,,,,' //                                invalid: not priced
    ].join('\n');
    const r = importCsvText(csv, { random: seeded(4) });
    expect(r.validCount).toBe(5);
    expect(r.invalidRowCount).toBe(1);
    expect(r.estimate).toEqual({
      count: 5,
      seconds: 35,
      micros: 632_000,
      byResolution: {
        '480p': { count: 1, seconds: 10, micros: 120_000 },
        '720p': { count: 3, seconds: 17, micros: 272_000 },
        '1080p': { count: 1, seconds: 8, micros: 240_000 }
      }
    });
    expect(formatUsd(r.estimate.micros)).toBe('$0.632');
    expect(validRows(r).map((row) => row.draft.prompt)).toEqual(['A', 'B', 'C', 'D', 'D']);
    expect(validDrafts(r)).toEqual(validRows(r).map((row) => row.draft));
  });

  it('is a plain object that survives structured cloning (it crosses IPC)', () => {
    const r = importCsvText('prompt,count\nA,2\n', { random: seeded(5) });
    expect(structuredClone(r)).toEqual(r);
  });
});
