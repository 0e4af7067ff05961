import { describe, expect, it } from 'vitest';
import { parseInvokeArgs } from '@shared/ipc-schemas';

describe('sweep specs across IPC', () => {
  it('accepts the axes on both import doors and the composer', () => {
    const sweep = { seeds: { count: 3 }, durations: [5, 10], resolutions: ['480p'], aspectRatios: ['9:16'], loraScales: [0.5, 1] };
    expect(parseInvokeArgs('import:text', [{ text: 'prompt\nA fox\n', sweep }]).ok).toBe(true);
    expect(parseInvokeArgs('import:file', [{ file: 'a'.repeat(24), sweep: { seeds: { list: [1, 2, 3] } } }]).ok).toBe(true);
  });

  it.each([
    [{ durations: [30] }, 'a duration is 5 to 20 seconds'],
    [{ seeds: { count: 0 } }, 'ask for at least one new seed'],
    [{ seeds: { list: [1.5] } }, 'a seed is a whole number'],
    [{ resolutions: ['4k'] }, 'a resolution is one of 480p, 720p, 1080p'],
    [{ loraScales: [9] }, 'a LoRA scale is 0 to 4'],
    [{ durations: Array.from({ length: 101 }, () => 5) }, 'a sweep tries at most 100 durations']
  ])('refuses %j in words', (sweep, words) => {
    const parsed = parseInvokeArgs('import:text', [{ text: 'prompt\nA fox\n', sweep }]);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.message).toContain(words);
  });
});

describe('sweep seeds', () => {
  it('are a count or a list, not both', () => {
    const parsed = parseInvokeArgs('import:text', [{ text: 'p', sweep: { seeds: { count: 2, list: [1] } } }]);
    expect(!parsed.ok && parsed.message).toContain('either a number of new seeds or a list');
    const ok = parseInvokeArgs('import:text', [{ text: 'p', sweep: { seeds: { list: [7] } } }]);
    expect(ok.ok && ok.args[0].sweep).toEqual({ seeds: { list: [7] } });
  });
});
