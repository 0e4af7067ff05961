import { readFile } from 'node:fs/promises';
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

/**
 * Serves a clip as object storage does: `Accept-Ranges: bytes`, one `Range` (`a-b`, `a-`, `-n`)
 * answered 206 with `Content-Range`, an unsatisfiable one 416 with `Content-Range: bytes *\/size`.
 * Returns the HTTP status sent.
 */
export function serveClip(req: IncomingMessage, res: ServerResponse, clip: Buffer, fault: DownloadFault | undefined, stalls: StallTimers): number {
  const size = clip.length;
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
  const body = clip.subarray(start, end + 1);
  if (!fault) {
    res.end(body);
    return status;
  }
  // The full Content-Length was announced; only about half of it is sent.
  const half = body.subarray(0, Math.floor(body.length / 2));
  const socket = res.socket;
  res.write(half, () => {
    if (fault.kind === 'truncate') {
      socket?.destroy();
      return;
    }
    const timer = setTimeout(() => {
      stalls.delete(timer);
      socket?.destroy();
    }, fault.ms);
    stalls.add(timer);
  });
  return status;
}
