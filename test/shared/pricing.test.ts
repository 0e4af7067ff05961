import { describe, expect, it } from 'vitest';
import { estimateBatch, formatUsd, parseUsd, taskCost, usdToMicros } from '@shared/pricing';
import type { Mode, Resolution } from '@shared/model';

describe('pricing: the billing table × duration, in integer micro-dollars', () => {
  const table: [Resolution, number, number][] = [
    ['480p', 0.012, 0.015],
    ['720p', 0.016, 0.02],
    ['1080p', 0.024, 0.03]
  ];
  it.each(table)('%s costs $%s/s in base modes and $%s/s in LoRA modes', (resolution, base, loraPrice) => {
    for (const mode of ['text-to-video', 'image-to-video'] as Mode[]) {
      expect(taskCost({ mode, resolution, duration: 1 })).toBe(usdToMicros(base));
    }
    for (const mode of ['text-to-video-LoRA', 'image-to-video-LoRA'] as Mode[]) {
      expect(taskCost({ mode, resolution, duration: 1 })).toBe(usdToMicros(loraPrice));
    }
  });

  it('matches the minimum 5 s costs of the table', () => {
    const five = (mode: Mode, resolution: Resolution): string => formatUsd(taskCost({ mode, resolution, duration: 5 }));
    expect(five('text-to-video', '480p')).toBe('$0.06');
    expect(five('text-to-video-LoRA', '480p')).toBe('$0.075');
    expect(five('text-to-video', '720p')).toBe('$0.08');
    expect(five('image-to-video-LoRA', '720p')).toBe('$0.10');
    expect(five('image-to-video', '1080p')).toBe('$0.12');
    expect(five('text-to-video-LoRA', '1080p')).toBe('$0.15');
  });

  it('sums a large batch without drift', () => {
    const tasks = Array.from({ length: 100_000 }, () => ({ mode: 'text-to-video' as Mode, resolution: '480p' as Resolution, duration: 7 }));
    const estimate = estimateBatch(tasks);
    // 100,000 × 7 s × $0.012 = $8,400 exactly; summing floats would not land on it.
    expect(estimate.micros).toBe(8_400_000_000);
    expect(formatUsd(estimate.micros)).toBe('$8,400.00');
    expect(estimate).toMatchObject({ count: 100_000, seconds: 700_000 });
  });

  it('breaks a batch down by resolution', () => {
    const estimate = estimateBatch([
      { mode: 'text-to-video', resolution: '720p', duration: 10 },
      { mode: 'text-to-video-LoRA', resolution: '720p', duration: 5 },
      { mode: 'image-to-video', resolution: '1080p', duration: 20 }
    ]);
    expect(estimate.byResolution['720p']).toEqual({ count: 2, seconds: 15, micros: 160_000 + 100_000 });
    expect(estimate.byResolution['1080p']).toEqual({ count: 1, seconds: 20, micros: 480_000 });
    expect(estimate.byResolution['480p']).toEqual({ count: 0, seconds: 0, micros: 0 });
    expect(formatUsd(estimate.micros)).toBe('$0.74');
  });

  it('formats and parses dollars the way people write them', () => {
    expect(formatUsd(0)).toBe('$0.00');
    expect(formatUsd(84_000)).toBe('$0.084');
    expect(formatUsd(1_234_567_000)).toBe('$1,234.567');
    expect(parseUsd('$12.50')).toBe(12_500_000);
    expect(parseUsd('0.084')).toBe(84_000);
    expect(parseUsd('12')).toBe(12_000_000);
    expect(parseUsd('twelve')).toBeUndefined();
    expect(parseUsd('-3')).toBeUndefined();
    expect(usdToMicros(74.87)).toBe(74_870_000);
  });
});
