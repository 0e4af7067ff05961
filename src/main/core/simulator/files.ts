import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { parseRange } from './range';
import { SAMPLE_FILES } from './resources';
import type { ClipShape } from './tasks';

/** The sample clips, held in memory (a few hundred KB): serving them costs no disk I/O. */
export type SampleClips = Record<ClipShape, Buffer>;

export async function loadSampleClips(dir: string): Promise<SampleClips> {
  const [wide, tall] = await Promise.all([readFile(join(dir, SAMPLE_FILES['16:9'])), readFile(join(dir, SAMPLE_FILES['9:16']))]);
  return { '16:9': wide, '9:16': tall };
}

/** A broken download: the body stops at about half, then the socket closes or hangs. */
export type DownloadFault = { kind: 'truncate' } | { kind: 'stall'; ms: number };

/** Timers of stalled downloads, so that closing the simulator can end them at once. */
export type StallTimers = Set<NodeJS.Timeout>;

/** A result file's bytes: held whole (a sample clip) or made piece by piece (sized-clip.ts). */
export interface ClipBody {
  size: number;
  pieces(start: number, end: number): Iterable<Buffer>;
}

export function heldBody(clip: Buffer): ClipBody {
  return { size: clip.length, pieces: (start, end) => [clip.subarray(start, end + 1)] };
}

/** How long to wait before sending the next `n` bytes on this connection (link.ts); none: at once. */
export type Pacer = (n: number) => number;

/**
 * Serves a clip as object storage does: `Accept-Ranges: bytes`, one `Range` (`a-b`, `a-`, `-n`)
 * answered 206 with `Content-Range`, an unsatisfiable one 416 with `Content-Range: bytes *\/size`.
 * A made body is streamed with backpressure, at the pace of the link when one is given.
 * Returns the HTTP status sent.
 */
export function serveClip(
  req: IncomingMessage,
  res: ServerResponse,
  clip: Buffer | ClipBody,
  fault: DownloadFault | undefined,
  stalls: StallTimers,
  pacer?: Pacer
): number {
  const body = Buffer.isBuffer(clip) ? heldBody(clip) : clip;
  const size = body.size;
  const range = parseRange(req.headers.range, size);
  const common = { 'content-type': 'video/mp4', 'accept-ranges': 'bytes', 'cache-control': 'private, max-age=0' };
  if (range === 'unsatisfiable') {
    res.writeHead(416, { ...common, 'content-range': `bytes */${size}`, 'content-length': 0 });
    res.end();
    return 416;
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? size - 1;
  const status = range ? 206 : 200;
  const headers: Record<string, string | number> = { ...common, 'content-length': end - start + 1 };
  if (range) headers['content-range'] = `bytes ${start}-${end}/${size}`;
  res.writeHead(status, headers);
  if (req.method === 'HEAD') {
    res.end();
    return status;
  }
  // With a fault, the full Content-Length was announced; only about half of it is sent.
  const last = fault ? start + Math.floor((end - start + 1) / 2) - 1 : end;
  const socket = res.socket;
  const afterHalf = (): void => {
    if (fault!.kind === 'truncate') {
      socket?.destroy();
      return;
    }
    const timer = setTimeout(() => {
      stalls.delete(timer);
      socket?.destroy();
    }, fault!.ms);
    stalls.add(timer);
  };
  if (Buffer.isBuffer(clip) && !pacer) {
    const bytes = clip.subarray(start, last + 1);
    if (fault) res.write(bytes, afterHalf);
    else res.end(bytes);
    return status;
  }
  void stream(res, body.pieces(start, last), pacer).then((whole) => {
    if (!whole) return;
    if (fault) afterHalf();
    else res.end();
  });
  return status;
}

/** Writes the pieces, waiting for the socket to drain and for the link's pace; false if the connection closed first. */
async function stream(res: ServerResponse, pieces: Iterable<Buffer>, pacer: Pacer | undefined): Promise<boolean> {
  const closed = new Promise<void>((resolve) => res.once('close', resolve));
  for (const piece of pieces) {
    if (res.destroyed) return false;
    const wait = pacer?.(piece.length) ?? 0;
    if (wait >= 1) await Promise.race([sleep(wait), closed]);
    if (res.destroyed) return false;
    if (!res.write(piece)) await Promise.race([once(res, 'drain').catch(() => undefined), closed]);
  }
  return !res.destroyed;
}
