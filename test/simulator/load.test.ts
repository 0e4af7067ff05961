import { Agent, request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/main/core/simulator';
import { body } from './helpers';

describe('load', () => {
  it('takes thousands of submits and polls quickly, keeping exact books', async () => {
    const sim = await startSimulator({ timeScale: 0.001, seed: 1, balanceUsd: 1_000, concurrencyLimit: 100_000 });
    const agent = new Agent({ keepAlive: true, maxSockets: 32 });
    const call = (method: string, path: string, data?: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = request(`${sim.baseUrl}${path}`, { method, agent, headers: { authorization: `Bearer ${sim.apiKey}` } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end(data);
      });
    try {
      const n = 2000;
      const payload = JSON.stringify(body({ resolution: '720p', duration: 10 }));
      const started = performance.now();
      const submits = await Promise.all(Array.from({ length: n }, () => call('POST', '/generateTask/ltx-2-19b', payload)));
      expect(submits.every((s) => s === 200)).toBe(true);
      const polls = await Promise.all(sim.submissions.map((s) => call('GET', `/statusTask/ltx-2-19b?taskId=${s.taskId}`)));
      expect(polls.every((s) => s === 200)).toBe(true);
      expect(performance.now() - started).toBeLessThan(5000);
      expect(new Set(sim.submissions.map((s) => s.taskId)).size).toBe(n);
      expect(sim.balanceUsd()).toBe(680); // 1000 − 2000 × $0.16, exactly: the books are kept in micros
      expect(sim.counts().requests).toBe(2 * n);
    } finally {
      agent.destroy();
      await sim.close();
    }
  });
});
