import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter } from '../../src/main/core/queue/concurrency-limiter';
import { PollScheduler } from '../../src/main/core/queue/poll-scheduler';
import { firstPollDelayMs, overdueAfterMs, pollIntervalMs } from '../../src/main/core/queue/schedule-policy';
import { buildRequest } from '@shared/request-builder';
import { TestClock } from '../support/test-clock';

describe('concurrency limiter', () => {
  it('halves on a 429, but not below what the server holds, once per cooldown', () => {
    const limiter = new ConcurrencyLimiter(32, 1000);
    limiter.onRateLimited(0, 10);
    expect(limiter.slots).toBe(16);
    limiter.onRateLimited(500, 2); // same wave: ignored
    expect(limiter.slots).toBe(16);
    limiter.onRateLimited(2000, 12); // the server held 12: halving to 8 would waste 4 slots
    expect(limiter.slots).toBe(12);
    limiter.onRateLimited(4000, 0);
    expect(limiter.slots).toBe(6);
  });

  it('grows back additively, and only while the lowered limit is in use', () => {
    const limiter = new ConcurrencyLimiter(8, 1000);
    limiter.onRateLimited(0, 0);
    expect(limiter.slots).toBe(4);
    for (let i = 0; i < 100; i++) limiter.onAccepted(2); // idle: half the slots used
    expect(limiter.slots).toBe(4);
    for (let i = 0; i < 16; i++) limiter.onAccepted(4); // 4 × 4 accepted at the limit: +1
    expect(limiter.slots).toBe(5);
    for (let i = 0; i < 1000; i++) limiter.onAccepted(8);
    expect(limiter.slots).toBe(8); // never past the person's limit
  });

  it('takes a new limit from the person at once', () => {
    const limiter = new ConcurrencyLimiter(4, 1000);
    limiter.setLimit(10);
    expect(limiter).toMatchObject({ limit: 10, slots: 10 });
  });
});

describe('schedule policy', () => {
  const request = (resolution: '480p' | '720p' | '1080p', lora = false) =>
    buildRequest({
      mode: lora ? 'text-to-video-LoRA' : 'text-to-video',
      prompt: 'p',
      resolution,
      duration: 5,
      loras: lora ? [{ path: 'https://x/l.safetensors', scale: 1 }] : undefined
    });

  it('first polls one interval into the typical generation time for the resolution, +10 s for LoRA', () => {
    expect(firstPollDelayMs(request('480p'))).toBe(45_000);
    expect(firstPollDelayMs(request('720p'))).toBe(65_000);
    expect(firstPollDelayMs(request('1080p'))).toBe(95_000);
    expect(firstPollDelayMs(request('720p', true))).toBe(75_000);
  });

  it('polls every 5 s ± 10 %, half as often while pending', () => {
    expect(pollIntervalMs('processing', () => 0)).toBe(4_500);
    expect(pollIntervalMs('processing', () => 1)).toBe(5_500);
    expect(pollIntervalMs('pending', () => 0.5)).toBe(10_000);
  });

  it('flags a task as overdue at three times its longest typical time', () => {
    expect(overdueAfterMs(request('1080p'))).toBe(360_000);
    expect(overdueAfterMs(request('480p', true))).toBe(240_000);
  });
});

describe('poll scheduler', () => {
  it('keeps every poll inside the request budget by letting due polls wait', async () => {
    const clock = new TestClock();
    const times: number[] = [];
    // 6,000 requests a minute: 100 a second, with at most a second's worth at once.
    const scheduler = new PollScheduler({ budgetPerMinute: 6_000, timeScale: 1, maxConcurrent: 1000, clock, poll: async () => void times.push(clock.now()) });
    const start = clock.now();
    for (let i = 0; i < 400; i++) scheduler.schedule(`t${i}`, start);
    await clock.advance(1_000);
    scheduler.stop();
    const elapsed = clock.now() - start;
    expect(times.length).toBeLessThanOrEqual(100 + Math.ceil((elapsed / 1000) * 100) + 1);
    expect(times.length).toBeGreaterThan(100);
  });

  it('polls each task once per schedule, the latest schedule winning', async () => {
    const clock = new TestClock();
    const polled: string[] = [];
    const scheduler = new PollScheduler({ budgetPerMinute: 60_000, timeScale: 1, clock, poll: async (id) => void polled.push(id) });
    const now = clock.now();
    scheduler.schedule('a', now + 50);
    scheduler.schedule('a', now + 10);
    scheduler.schedule('b', now + 20);
    scheduler.schedule('c', now + 30);
    scheduler.remove('c');
    await clock.advance(120);
    scheduler.stop();
    expect(polled).toEqual(['a', 'b']);
  });
});

describe('poll scheduler budget changes', () => {
  it('takes a lower budget at once', async () => {
    const clock = new TestClock();
    const times: number[] = [];
    const scheduler = new PollScheduler({ budgetPerMinute: 60_000, timeScale: 1, maxConcurrent: 1000, clock, poll: async () => void times.push(clock.now()) });
    scheduler.setBudget(600); // 10 a second, 10 at once
    const start = clock.now();
    for (let i = 0; i < 100; i++) scheduler.schedule(`t${i}`, start);
    await clock.advance(500);
    scheduler.stop();
    const elapsed = clock.now() - start;
    expect(times.length).toBeLessThanOrEqual(10 + Math.ceil((elapsed / 1000) * 10) + 1);
    // And it did poll at the lower rate: the burst of 10 at once, then one every 100 ms.
    expect(times.length).toBeGreaterThanOrEqual(10 + Math.floor((elapsed / 1000) * 10) - 1);
    expect(times.slice(0, 10).every((t) => t === start)).toBe(true);
    const gaps = times.slice(10).map((t, i) => t - times[9 + i]);
    expect(gaps.every((gap) => gap >= 99)).toBe(true);
  });
});
