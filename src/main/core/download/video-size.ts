import type { Resolution } from '@shared/model';

/**
 * What a finished video weighs, from its request alone: the expected size (what free-space checks
 * reserve for a task in flight) and a generous but finite cap (a download past it is refused and
 * its `.part` removed), both from bitrates per resolution. LTX 2 19B's MP4s run well under the
 * expected figures; the cap leaves room for a model update several times heavier.
 */
const EXPECTED_BITS_PER_SECOND: Record<Resolution, number> = { '480p': 3e6, '720p': 6e6, '1080p': 12e6 };
const CAP_BITS_PER_SECOND: Record<Resolution, number> = { '480p': 40e6, '720p': 60e6, '1080p': 100e6 };
/** Headers and audio: added to both figures, so that even a short video has room. */
const FIXED_BYTES = 2 * 1024 * 1024;

export interface VideoShape {
  resolution: Resolution;
  duration: number;
}

export function expectedVideoBytes(shape: VideoShape): number {
  return Math.ceil(((EXPECTED_BITS_PER_SECOND[shape.resolution] ?? EXPECTED_BITS_PER_SECOND['1080p']) * shape.duration) / 8) + FIXED_BYTES;
}

export function maxVideoBytes(shape: VideoShape): number {
  return Math.ceil(((CAP_BITS_PER_SECOND[shape.resolution] ?? CAP_BITS_PER_SECOND['1080p']) * shape.duration) / 8) + FIXED_BYTES;
}
