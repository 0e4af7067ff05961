import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRequest } from '@shared/request-builder';
import type { TaskDraft } from '@shared/request';
import { findResourcesDir } from '../../src/main/core/simulator';
import type { Sidecar } from '../../src/main/core/download';

export const SAMPLE_WIDE = join(findResourcesDir(), 'sample-16x9.mp4');
export const SAMPLE_TALL = join(findResourcesDir(), 'sample-9x16.mp4');

export function readSample(which: 'wide' | 'tall' = 'wide'): Promise<Buffer> {
  return readFile(which === 'wide' ? SAMPLE_WIDE : SAMPLE_TALL);
}

/** Temporary folders, removed by `cleanup()`. */
export class TempDirs {
  private readonly made: string[] = [];

  async make(prefix = 'ltx-library-'): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    this.made.push(dir);
    return dir;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

/** The top-level boxes of an MP4 in memory. */
export function topLevelBoxes(file: Buffer): { type: string; bytes: Buffer }[] {
  const boxes: { type: string; bytes: Buffer }[] = [];
  for (let at = 0; at < file.length;) {
    const size = file.readUInt32BE(at);
    boxes.push({ type: file.toString('latin1', at + 4, at + 8), bytes: file.subarray(at, at + size) });
    at += size;
  }
  return boxes;
}

/**
 * Whether a downloaded file is `sample` whole: byte for byte, or with only its movie box changed,
 * by the recipe the download stage writes into it (mp4-recipe.ts; it is left out when the disk
 * has no room for the rewrite).
 */
export function sameVideo(file: Buffer, sample: Buffer): boolean {
  if (file.equals(sample)) return true;
  const got = topLevelBoxes(file);
  const want = topLevelBoxes(sample);
  if (got.map((b) => b.type).join() !== want.map((b) => b.type).join()) return false;
  return got.every((b, i) => (b.type === 'moov' ? b.bytes.includes('com.ltxbatch.studio') : b.bytes.equals(want[i].bytes)));
}

/** The same file with its movie box moved to the end (as a camera or a non-"faststart" encoder writes it). */
export function moovAtEnd(file: Buffer): Buffer {
  const boxes = topLevelBoxes(file);
  const moov = boxes.filter((b) => b.type === 'moov');
  const rest = boxes.filter((b) => b.type !== 'moov');
  return Buffer.concat([...rest, ...moov].map((b) => b.bytes));
}

/** A box: 32-bit size, type, payload. */
export function box(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
}

export const FTYP = box('ftyp', Buffer.from('isom\0\0\x02\0isomiso2avc1mp41', 'latin1'));

let counter = 0;

/** A valid sidecar for a video file name, with any fields changed. */
export function makeSidecar(file: string, overrides: Partial<Sidecar> = {}, draft: Partial<TaskDraft> = {}): Sidecar {
  counter++;
  const full: TaskDraft = { mode: 'text-to-video', prompt: 'a small robot walking through a rainy neon street', resolution: '480p', duration: 5, ...draft };
  const request = buildRequest(full);
  const taskId = (counter.toString(16).padStart(8, '0') + 'ab'.repeat(12)).slice(0, 32);
  return {
    schema: 1,
    app: 'LTX Batch Studio',
    model: 'ltx-2-19b',
    file,
    prompt: full.prompt,
    mode: full.mode,
    resolution: full.resolution,
    duration: full.duration,
    ...(full.mode === 'text-to-video' || full.mode === 'text-to-video-LoRA' ? { aspectRatio: full.aspectRatio ?? '16:9' } : {}),
    ...(full.seed !== undefined ? { seed: full.seed } : {}),
    request,
    taskId,
    batch: { id: 'batch-1', name: 'First batch' },
    sourceRow: { row: 2, take: 1, cells: { prompt: full.prompt, resolution: full.resolution } },
    estimateMicros: 60_000,
    costMicros: 60_000,
    timings: {
      queuedAt: '2025-01-31T10:00:00.000Z',
      submittedAt: '2025-01-31T10:00:01.000Z',
      succeededAt: '2025-01-31T10:00:50.000Z',
      downloadedAt: '2025-01-31T10:00:51.000Z',
      generationMs: 49_000
    },
    probe: { width: 640, height: 360, durationSec: 4, fps: 24, hasAudio: true, videoCodec: 'avc1', audioCodec: 'mp4a' },
    createdAt: '2025-01-31T10:00:51.000Z',
    ...overrides
  };
}

/** A loopback HTTP server whose every answer is written by the test. */
export class FileServer {
  readonly seen: { url: string; range?: string }[] = [];
  private server?: Server;

  constructor(private readonly handler: (req: IncomingMessage, res: ServerResponse, n: number) => void) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.seen.push({ url: req.url ?? '', range: req.headers.range });
      this.handler(req, res, this.seen.length);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/video.mp4`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

/** A handler serving `file`, honouring `Range: bytes=N-` as object storage does. */
export function rangedFile(file: Buffer): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const from = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
    if (from > 0) {
      res.writeHead(206, {
        'content-type': 'video/mp4',
        'content-length': file.length - from,
        'content-range': `bytes ${from}-${file.length - 1}/${file.length}`
      });
      res.end(file.subarray(from));
    } else {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': file.length });
      res.end(file);
    }
  };
}
