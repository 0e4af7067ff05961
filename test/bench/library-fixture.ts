// A library folder as LTX Batch Studio leaves it: videos with their sidecars, in batch folders.
// One sample MP4 hard-linked (or copied, across devices) as every video. Used by the library
// benchmark (library-bench.ts) and the library grid's (library-grid-bench.ts).
import { copyFileSync, linkSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sidecar } from '@shared/library';
import { benchPrompt } from './csv-bench';
import { makeClip } from '../download/ffmpeg';

/** Batch folders the videos are spread over. */
export const FOLDERS = 20;

const root = fileURLToPath(new URL('../..', import.meta.url));
const SAMPLE = join(root, 'resources/sim/sample-16x9.mp4');

const MODES = ['text-to-video', 'image-to-video', 'text-to-video-LoRA'] as const;
const RESOLUTIONS = ['480p', '720p', '1080p'] as const;

/** A valid sidecar for video `i`: mixed modes, resolutions, durations, ratios, batches; one in ten a favourite. */
function sidecarFor(i: number, file: string): Sidecar {
  const mode = MODES[i % 3];
  const resolution = RESOLUTIONS[(i >> 2) % 3];
  const duration = 5 + (i % 16);
  const prompt = benchPrompt(i);
  const aspectRatio = mode === 'image-to-video' ? undefined : i % 4 === 0 ? '9:16' : '16:9';
  const loras = mode === 'text-to-video-LoRA' ? [{ path: 'https://example.com/style.safetensors', scale: 0.8 }] : undefined;
  const input: Record<string, unknown> = { mode, prompt, resolution, duration, seed: 1000 + i };
  if (aspectRatio) input.aspect_ratio = aspectRatio;
  if (mode === 'image-to-video') input.image_urls = ['https://example.com/source.jpg'];
  if (loras) input.loras = loras;
  const created = new Date(Date.UTC(2025, 0, 1) + i * 3_600_000).toISOString();
  return {
    schema: 1,
    app: 'LTX Batch Studio',
    model: 'ltx-2-19b',
    file,
    prompt,
    mode,
    resolution,
    duration,
    ...(aspectRatio ? { aspectRatio } : {}),
    seed: 1000 + i,
    ...(mode === 'image-to-video' ? { imageUrl: 'https://example.com/source.jpg' } : {}),
    ...(loras ? { loras } : {}),
    request: { request_type: 'async', input } as unknown as Sidecar['request'],
    taskId: i.toString(16).padStart(32, '0'),
    batch: { id: `batch-${i % FOLDERS}`, name: `Batch ${i % FOLDERS}` },
    sourceRow: { row: i + 2, take: 1, cells: { prompt } },
    estimateMicros: 12_000 * duration,
    costMicros: 12_000 * duration,
    timings: { submittedAt: created, succeededAt: created, downloadedAt: created, generationMs: 60_000 },
    probe: { width: 640, height: 360, durationSec: duration, fps: 24, hasAudio: true, videoCodec: 'avc1', audioCodec: 'mp4a' },
    ...(i % 10 === 0 ? { favourite: true } : {}),
    createdAt: created
  };
}

/** One sample MP4, hard-linked (or copied, across devices) as every video. */
function placeVideo(path: string): void {
  try {
    linkSync(SAMPLE, path);
  } catch {
    copyFileSync(SAMPLE, path);
  }
}

/** Writes `count` videos with sidecars into `FOLDERS` folders below `dir`. */
export function writeLibrary(dir: string, count: number, from = 0, folder = (i: number): string => `batch-${String(i % FOLDERS).padStart(2, '0')}`): string[] {
  const paths: string[] = [];
  for (let i = from; i < from + count; i++) {
    const sub = join(dir, folder(i));
    mkdirSync(sub, { recursive: true });
    const file = `clip-${String(i).padStart(5, '0')}.mp4`;
    placeVideo(join(sub, file));
    writeFileSync(join(sub, file.replace(/\.mp4$/, '.json')), `${JSON.stringify(sidecarFor(i, file), null, 2)}\n`);
    paths.push(`${folder(i)}/${file}`);
  }
  return paths;
}

/** Videos that are not what the library usually finds, for the library benchmark's odd cases. */
export interface OddVideos {
  /** Files named `.mp4` that are not MP4s (no sidecar): unknown origin, with the probe's reason. */
  notMp4?: number;
  /** Good MP4s whose sidecar is cut short: listed with the reason their sidecar cannot be used. */
  brokenSidecars?: number;
  /** Fragmented MP4s (`-movflags frag_keyframe+empty_moov`, no sidecar): unknown origin, their length read from the fragments. */
  fragmented?: number;
}

/** Where each kind of odd video was written (library paths), in `odd/<kind>/`. */
export interface OddPaths {
  notMp4: string[];
  brokenSidecars: string[];
  fragmented: string[];
}

/**
 * Writes odd videos into `odd/<kind>/` below `dir`: one fragmented MP4 is made with ffmpeg and
 * hard-linked (or copied) as every fragmented one.
 */
export function writeOddVideos(dir: string, odd: OddVideos): OddPaths {
  const paths: OddPaths = { notMp4: [], brokenSidecars: [], fragmented: [] };
  const place = (kind: keyof OddPaths, count: number, write: (path: string, file: string, i: number) => void): void => {
    if (count <= 0) return;
    const sub = join(dir, 'odd', kind);
    mkdirSync(sub, { recursive: true });
    for (let i = 0; i < count; i++) {
      const file = `${kind}-${String(i).padStart(5, '0')}.mp4`;
      write(join(sub, file), file, i);
      paths[kind].push(`odd/${kind}/${file}`);
    }
  };
  place('notMp4', odd.notMp4 ?? 0, (path, _file, i) => writeFileSync(path, `not a video, only text named like one (${i})\n`));
  place('brokenSidecars', odd.brokenSidecars ?? 0, (path, file, i) => {
    placeVideo(path);
    const whole = JSON.stringify(sidecarFor(1_000_000 + i, file), null, 2);
    writeFileSync(path.replace(/\.mp4$/, '.json'), whole.slice(0, Math.floor(whole.length / 2)));
  });
  if ((odd.fragmented ?? 0) > 0) {
    const made = join(dir, 'odd', '.fragmented-source.mp4');
    mkdirSync(join(dir, 'odd'), { recursive: true });
    makeClip(made, { faststart: false, seconds: 2, fragmented: ['-movflags', 'frag_keyframe+empty_moov'] });
    place('fragmented', odd.fragmented ?? 0, (path) => {
      try {
        linkSync(made, path);
      } catch {
        copyFileSync(made, path);
      }
    });
  }
  return paths;
}
