/**
 * Poster frames made in the window: a video without a cached thumbnail gives one small frame a
 * little way in (frame.ts), as a JPEG `data:` URL, which the library store hands to main to keep
 * (`library:thumbnail`).
 */
import { grabFrame } from './frame';

/** Width of a poster frame, in pixels (cards are at most about this wide). */
export const POSTER_WIDTH = 320;

/** Where the poster frame is taken: 1 s in, or a tenth of the way through a shorter video. */
export function posterTime(durationSec: number): number {
  if (!Number.isFinite(durationSec) || durationSec <= 0) return 0;
  return Math.min(1, durationSec * 0.1);
}

/** Captures one poster frame of the video at `url`; rejects when the video cannot give one. */
export async function capturePoster(url: string, width = POSTER_WIDTH): Promise<string> {
  return (await grabFrame(url, { at: posterTime, maxWidth: width, type: 'image/jpeg', quality: 0.8 })).dataUrl;
}
