import { describe, expect, it } from 'vitest';
import { validateRequest } from '@shared/validation';
import { MinHeap } from '../../src/main/core/util/min-heap';
import { mulberry32, randomHex32, substream } from '../../src/main/core/simulator/random';
import { parseRange } from '../../src/main/core/simulator/range';
import { SlidingWindowLimiter } from '../../src/main/core/simulator/rate-limiter';
import { splitTarget } from '../../src/main/core/simulator/http-io';
import { serverStyleError } from '../../src/main/core/simulator/validation-errors';
import { failMessage, GENERIC_FAIL_MESSAGE } from '../../src/main/core/simulator';

describe('parseRange', () => {
  it.each([
    [undefined, undefined],
    ['bytes=0-9', { start: 0, end: 9 }],
    ['bytes=5-', { start: 5, end: 99 }],
    ['bytes=-10', { start: 90, end: 99 }],
    ['bytes=-1000', { start: 0, end: 99 }],
    ['bytes=90-500', { start: 90, end: 99 }],
    ['BYTES = 1 - 2', { start: 1, end: 2 }],
    ['bytes=100-', 'unsatisfiable'],
    ['bytes=100-200', 'unsatisfiable'],
    ['bytes=-0', 'unsatisfiable'],
    ['bytes=9-1', undefined],
    ['bytes=-', undefined],
    ['bytes=0-1,3-4', undefined],
    ['lines=0-1', undefined]
  ])('%s → %j', (header, expected) => {
    expect(parseRange(header, 100)).toEqual(expected);
  });
});

describe('SlidingWindowLimiter', () => {
  it('allows `limit` requests per window and says when the next one may come', () => {
    const limiter = new SlidingWindowLimiter(3, 1000);
    expect([limiter.take(0), limiter.take(100), limiter.take(200)]).toEqual([0, 0, 0]);
    expect(limiter.take(300)).toBe(700);
    expect(limiter.take(999)).toBe(1);
    expect(limiter.take(1000)).toBe(0);
    expect(limiter.take(1050)).toBe(50);
    expect(limiter.take(1100)).toBe(0);
  });
});

describe('MinHeap', () => {
  it('pops in key order', () => {
    const heap = new MinHeap<number>((n) => n);
    const random = mulberry32(3);
    const values = Array.from({ length: 500 }, () => Math.floor(random() * 1000));
    for (const v of values) heap.push(v);
    const out: number[] = [];
    while (heap.size > 0) out.push(heap.pop()!);
    expect(out).toEqual([...values].sort((a, b) => a - b));
    expect(heap.pop()).toBeUndefined();
  });
});

describe('random', () => {
  it('is reproducible and makes 32-hex IDs', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    expect(Array.from({ length: 5 }, a)).toEqual(Array.from({ length: 5 }, b));
    expect(randomHex32(mulberry32(1))).toMatch(/^[0-9a-f]{32}$/);
    expect(substream(1, 2)()).not.toBe(substream(1, 3)());
  });
});

describe('splitTarget', () => {
  it('splits paths and queries of any shape', () => {
    expect(splitTarget('/a/b?x=1&y=%zz')).toMatchObject({ path: '/a/b' });
    expect(splitTarget('/a/b?x=1&y=%zz').query.get('y')).toBe('%zz');
    expect(splitTarget('http://h:1/p?q=2')).toMatchObject({ path: '/p' });
    expect(splitTarget('/p#frag?x').path).toBe('/p');
    expect(splitTarget(undefined).path).toBe('/');
  });
});

describe('serverStyleError', () => {
  const first = (b: unknown): string => serverStyleError(validateRequest(b)[0], b);
  const input = { mode: 'text-to-video-LoRA', prompt: 'x', resolution: '720p', duration: 5 };

  it('names absent fields by path, like the documented example', () => {
    expect(first({ request_type: 'async', input: { ...input, prompt: undefined } })).toBe('Missing required field: input.prompt');
    expect(first({ request_type: 'async', input })).toBe('Missing required field: input.loras');
    expect(first({ request_type: 'async', input: { ...input, loras: [{ path: 'p' }] } })).toBe('Missing required field: input.loras[0].scale');
  });

  it('calls a present but unusable field invalid, with the validator sentence', () => {
    const b = { request_type: 'async', input: { ...input, loras: [] } };
    expect(first(b)).toBe(`Invalid loras: ${validateRequest(b)[0].message}`);
  });
});

describe('failMessage', () => {
  it('knows the documented codes and falls back for others', () => {
    expect(failMessage('SensitiveContent')).toBe('Content violates provider policy, please adjust the prompt');
    expect(failMessage('toString')).toBe(GENERIC_FAIL_MESSAGE);
  });
});
