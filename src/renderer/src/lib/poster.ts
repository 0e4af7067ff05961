/**
 * Poster frames made in the window: a video without a cached thumbnail is loaded offscreen,
 * seeked a little way in, and drawn to a small canvas as a JPEG `data:` URL, which the library
 * store hands to main to keep (`library:thumbnail`).
 */

/** Width of a poster frame, in pixels (cards are at most about this wide). */
export const POSTER_WIDTH = 320;
/** A video that has not given a frame by then is left with its placeholder. */
const CAPTURE_TIMEOUT_MS = 20_000;

/** Where the poster frame is taken: 1 s in, or a tenth of the way through a shorter video. */
export function posterTime(durationSec: number): number {
  if (!Number.isFinite(durationSec) || durationSec <= 0) return 0;
  return Math.min(1, durationSec * 0.1);
}

/** Captures one poster frame of the video at `url`; rejects when the video cannot give one. */
export function capturePoster(url: string, width = POSTER_WIDTH): Promise<string> {
  return new Promise((resolve, reject) => {
    const video = document.createElement('video');
    video.muted = true;
    video.preload = 'auto';
    video.crossOrigin = 'anonymous';
    video.playsInline = true;
    let finished = false;

    const finish = (error: Error | null, dataUrl?: string): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      // Let go of the file and the decoder at once.
      video.removeAttribute('src');
      video.load();
      if (error) reject(error);
      else resolve(dataUrl!);
    };

    const draw = (): void => {
      try {
        const w = video.videoWidth;
        const h = video.videoHeight;
        if (!(w > 0 && h > 0)) throw new Error('The video has no picture.');
        const canvas = document.createElement('canvas');
        canvas.width = Math.min(width, w);
        canvas.height = Math.max(1, Math.round((canvas.width * h) / w));
        const context = canvas.getContext('2d');
        if (!context) throw new Error('No canvas to draw on.');
        context.drawImage(video, 0, 0, canvas.width, canvas.height);
        finish(null, canvas.toDataURL('image/jpeg', 0.8));
      } catch (error) {
        finish(error instanceof Error ? error : new Error(String(error)));
      }
    };

    const timer = setTimeout(() => finish(new Error('The video took too long to load.')), CAPTURE_TIMEOUT_MS);
    video.addEventListener('loadedmetadata', () => (video.currentTime = posterTime(video.duration)), { once: true });
    video.addEventListener('seeked', draw, { once: true });
    video.addEventListener('error', () => finish(new Error('The video could not be loaded.')), { once: true });
    video.src = url;
  });
}
