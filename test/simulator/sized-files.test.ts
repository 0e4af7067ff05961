import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadVideo } from '../../src/main/core/download/downloader';
import { probeMp4 } from '../../src/main/core/download/mp4-probe';
import { maxVideoBytes } from '../../src/main/core/download/video-size';
import { startSimulator, type Simulator } from '../../src/main/core/simulator';
import { REAL_BYTES_PER_SECOND } from '../../src/main/core/simulator/sized-clip';
import { FFMPEG_SKIP_REASON, decodeErrors, ffprobeFormat, hasFfmpeg } from '../download/ffmpeg';
import { Api, body, resultUrl, untilComplete } from './helpers';

// `fileSizes: 'real'`: result files as large as real ones, made on the fly, over loopback.

let sim: Simulator;
let api: Api;
let dir: string;
/** A 1080p × 20 s task's result URL, and the file it downloaded to. */
let url: string;
let file: string;

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0.001, seed: 5, fileSizes: 'real' });
  api = new Api(sim);
  dir = await mkdtemp(join(tmpdir(), 'ltx-sized-'));
  const taskId = await api.create(body({ resolution: '1080p', duration: 20 }));
  await untilComplete(sim, taskId);
  url = await resultUrl(api, taskId);
  file = join(dir, 'big.mp4');
  await downloadVideo(url, file, { maxBytes: maxVideoBytes({ resolution: '1080p', duration: 20 }) });
});
afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

async function fetchBytes(target: string, headers: Record<string, string> = {}): Promise<{ res: Response; bytes: Buffer }> {
  const res = await fetch(target, { headers });
  return { res, bytes: Buffer.from(await res.arrayBuffer()) };
}

describe('result files of real sizes', () => {
  it('makes a 1080p × 20 s result 30 MB, and the downloader takes it whole', async () => {
    const size = (await stat(file)).size;
    expect(Math.abs(size - REAL_BYTES_PER_SECOND['1080p'] * 20)).toBeLessThan(64 * 1024);
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe(String(size));
  });

  it('is an MP4 the probe reads at the task’s duration, with audio', async () => {
    const probe = await probeMp4(file);
    expect(probe.durationSec).toBe(20);
    expect(probe.fps).toBe(24);
    expect(probe.hasAudio).toBe(true);
    expect(probe.width).toBeGreaterThan(0);
  });

  it.skipIf(!hasFfmpeg)('is a file ffmpeg decodes without an error, 20 s long', () => {
    expect(Number(ffprobeFormat(file).format.duration)).toBeCloseTo(20, 2);
    expect(decodeErrors(file)).toBe('');
  });
  if (!hasFfmpeg) it.skip(FFMPEG_SKIP_REASON, () => undefined);

  it('answers any Range with the same bytes as the whole file', async () => {
    const { readFile } = await import('node:fs/promises');
    const whole = await readFile(file);
    for (const [from, to] of [
      [0, 99],
      [4000, 300_000],
      [whole.length - 5000, whole.length - 1],
      [12_345_678, 12_345_678 + 2_000_000]
    ]) {
      const { res, bytes } = await fetchBytes(url, { range: `bytes=${from}-${to}` });
      expect(res.status).toBe(206);
      expect(res.headers.get('content-range')).toBe(`bytes ${from}-${to}/${whole.length}`);
      expect(bytes.equals(whole.subarray(from, to + 1))).toBe(true);
    }
  });

  it('makes a shorter, smaller file for a 480p × 5 s task', async () => {
    const taskId = await api.create(body({ resolution: '480p', duration: 5 }));
    await untilComplete(sim, taskId);
    const target = join(dir, 'small.mp4');
    await downloadVideo(await resultUrl(api, taskId), target);
    expect(Math.abs((await stat(target)).size - REAL_BYTES_PER_SECOND['480p'] * 5)).toBeLessThan(64 * 1024);
    expect((await probeMp4(target)).durationSec).toBe(5);
  });

  it('resumes a download a fault cut short, ending with the same file', async () => {
    sim.setFaults({ truncateDownloadRate: 1 });
    const target = join(dir, 'resumed.mp4');
    let cuts = 0;
    const download = downloadVideo(url, target, {
      timeScale: 0.001,
      onRetry: () => {
        // Let the third attempt through.
        if (++cuts === 2) sim.setFaults({ truncateDownloadRate: 0 });
      }
    });
    const result = await download;
    expect(result.resumed).toBe(true);
    const { readFile } = await import('node:fs/promises');
    expect((await readFile(target)).equals(await readFile(file))).toBe(true);
  });
});

describe('a modelled link', () => {
  it('holds each download to its per-connection speed', async () => {
    const slow = await startSimulator({ timeScale: 0.001, seed: 6, fileSizes: 'real', link: { perConnectionBytesPerSecond: 2_000_000 } });
    try {
      const a = new Api(slow);
      const taskId = await a.create(body({ resolution: '480p', duration: 5 }));
      await untilComplete(slow, taskId);
      const link = await resultUrl(a, taskId);
      // 1 MB at 2 MB/s takes at least half a second: the pace is kept by the bytes, so it is counted, not timed.
      const started = performance.now();
      const { bytes } = await fetchBytes(link, { range: 'bytes=0-999999' });
      expect(bytes.length).toBe(1_000_000);
      expect(performance.now() - started).toBeGreaterThanOrEqual(450);
    } finally {
      await slow.close();
    }
  });
});
