import { beforeAll, describe, expect, it } from 'vitest';
import { requireBuiltCli, startCli } from '../support/cli';

beforeAll(requireBuiltCli);

describe('cli simulate', () => {
  it('serves the APIXO API on loopback with the given key until interrupted', async () => {
    const { child, match, output } = await startCli(
      ['simulate', '--key', 'k-123', '--time-scale', '0.001'],
      /listening at (http:\/\/127\.0\.0\.1:\d+\/api\/v1)/
    );
    const baseUrl = match[1];
    try {
      const bad = await fetch(`${baseUrl}/apikeys/current-balance`, { headers: { authorization: 'Bearer nope' } });
      expect(bad.status).toBe(401);
      const submit = await fetch(`${baseUrl}/generateTask/ltx-2-19b`, {
        method: 'POST',
        headers: { authorization: 'Bearer k-123', 'content-type': 'application/json' },
        body: JSON.stringify({ request_type: 'async', input: { mode: 'text-to-video', prompt: 'a lighthouse', resolution: '480p', duration: 5 } })
      });
      const { data } = (await submit.json()) as { data: { taskId: string } };
      expect(data.taskId).toMatch(/^[0-9a-f]{32}$/);
      const status = await fetch(`${baseUrl}/statusTask/ltx-2-19b?taskId=${data.taskId}`, { headers: { authorization: 'Bearer k-123' } });
      expect(((await status.json()) as { code: number }).code).toBe(200);
    } finally {
      const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
      child.kill('SIGINT');
      expect(await closed).toBe(0);
    }
    expect(output()).toContain('Simulator stopped after 1 submitted task.');
  });

  it("--bill-failures keeps a failed task's cost: the balance over HTTP stays down once it has failed", async () => {
    const { child, match } = await startCli(
      ['simulate', '--bill-failures', '--balance', '10', '--time-scale', '0.002'],
      /listening at (http:\/\/127\.0\.0\.1:\d+\/api\/v1)[\s\S]*Failed tasks are billed/
    );
    const baseUrl = match[1];
    const headers = { authorization: 'Bearer sim-key', 'content-type': 'application/json' };
    const balance = async (): Promise<number> => ((await (await fetch(`${baseUrl}/apikeys/current-balance`, { headers })).json()) as { data: number }).data;
    try {
      const submit = await fetch(`${baseUrl}/generateTask/ltx-2-19b`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          request_type: 'async',
          input: { mode: 'text-to-video', prompt: 'a lighthouse [sim:fail:GENERATION_FAILED]', resolution: '720p', duration: 10 }
        })
      });
      const { data } = (await submit.json()) as { data: { taskId: string } };
      expect(await balance()).toBe(9.84);
      let state = '';
      while (state !== 'failed') {
        const status = await fetch(`${baseUrl}/statusTask/ltx-2-19b?taskId=${data.taskId}`, { headers });
        state = ((await status.json()) as { data: { state: string } }).data.state;
        expect(['pending', 'processing', 'failed']).toContain(state);
        await new Promise((r) => setTimeout(r, 20));
      }
      // Failed, and still billed: the $0.16 is not refunded.
      expect(await balance()).toBe(9.84);
    } finally {
      const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
      child.kill('SIGINT');
      expect(await closed).toBe(0);
    }
  });

  it('--real-sizes serves a 1080p × 20 s result as large as a real one (30 MB), and --link-mbps says its limit', async () => {
    const { child, match } = await startCli(
      ['simulate', '--real-sizes', '--link-mbps', '800', '--time-scale', '0.001'],
      /listening at (http:\/\/127\.0\.0\.1:\d+\/api\/v1)[\s\S]*as large as real ones[\s\S]*limited to 800 Mbit\/s/
    );
    const baseUrl = match[1];
    const headers = { authorization: 'Bearer sim-key', 'content-type': 'application/json' };
    try {
      const submit = await fetch(`${baseUrl}/generateTask/ltx-2-19b`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ request_type: 'async', input: { mode: 'text-to-video', prompt: 'a lighthouse', resolution: '1080p', duration: 20 } })
      });
      const { data } = (await submit.json()) as { data: { taskId: string } };
      let url: string | undefined;
      while (!url) {
        const status = await fetch(`${baseUrl}/statusTask/ltx-2-19b?taskId=${data.taskId}`, { headers });
        const answer = (await status.json()) as { data: { state: string; resultJson?: string } };
        url = answer.data.state === 'success' ? (JSON.parse(answer.data.resultJson!) as { resultUrls: string[] }).resultUrls[0] : undefined;
        await new Promise((r) => setTimeout(r, 20));
      }
      const head = await fetch(url, { method: 'HEAD' });
      expect(Math.abs(Number(head.headers.get('content-length')) - 30_000_000)).toBeLessThan(64 * 1024);
    } finally {
      const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
      child.kill('SIGINT');
      expect(await closed).toBe(0);
    }
  });
});
