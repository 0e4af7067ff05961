/**
 * Frames of a video taken in the window: the video is loaded offscreen (with CORS, so the canvas
 * stays readable: the media protocol answers `Access-Control-Allow-Origin`), seeked, and drawn to
 * a canvas as a `data:` URL. At full size as a PNG for "Continue from the last frame" (the library
 * store hands it to main, `library:continue`); small as a JPEG for a poster (poster.ts).
 */

/** A video that has not given its frame by then is given up on. */
const CAPTURE_TIMEOUT_MS = 20_000;
/** "The last frame" is taken this far before the end: a seek to the very end may land past the last picture. */
export const LAST_FRAME_MARGIN_SEC = 0.01;

export interface CapturedFrame {
  dataUrl: string;
  width: number;
  height: number;
  /** Where the frame was taken, in seconds. */
  frameSec: number;
}

export interface GrabOptions {
  /** Where to take the frame, given the video's length in seconds. */
  at: (durationSec: number) => number;
  /** At most this wide (the height follows); the video's own size when absent. */
  maxWidth?: number;
  type: 'image/png' | 'image/jpeg';
  quality?: number;
}

/** Where the last frame is taken in a video of `durationSec`. */
export function lastFrameTime(durationSec: number): number {
  if (!Number.isFinite(durationSec) || durationSec <= 0) return 0;
  return Math.max(0, durationSec - LAST_FRAME_MARGIN_SEC);
}

/** Takes one frame of the video at `url`; rejects with a sentence when the video cannot give one. */
export function grabFrame(url: string, options: GrabOptions): Promise<CapturedFrame> {
  return new Promise((resolve, reject) => {
    const video = document.createElement('video');
    video.muted = true;
    video.preload = 'auto';
    video.crossOrigin = 'anonymous';
    video.playsInline = true;
    let finished = false;
    let frameSec = 0;

    const finish = (error: Error | null, frame?: CapturedFrame): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      // Let go of the file and the decoder at once.
      video.removeAttribute('src');
      video.load();
      if (error) reject(error);
      else resolve(frame!);
    };

    const draw = (): void => {
      try {
        const w = video.videoWidth;
        const h = video.videoHeight;
        if (!(w > 0 && h > 0)) throw new Error('The video has no picture to take a frame from.');
        const canvas = document.createElement('canvas');
        canvas.width = Math.min(options.maxWidth ?? w, w);
        canvas.height = canvas.width === w ? h : Math.max(1, Math.round((canvas.width * h) / w));
        const context = canvas.getContext('2d');
        if (!context) throw new Error('There is no canvas to draw the frame on.');
        context.drawImage(video, 0, 0, canvas.width, canvas.height);
        finish(null, { dataUrl: canvas.toDataURL(options.type, options.quality), width: canvas.width, height: canvas.height, frameSec });
      } catch (error) {
        finish(error instanceof Error ? error : new Error(String(error)));
      }
    };

    const timer = setTimeout(() => finish(new Error('The video took too long to give its frame. Try again.')), CAPTURE_TIMEOUT_MS);
    video.addEventListener(
      'loadedmetadata',
      () => {
        frameSec = options.at(video.duration);
        video.currentTime = frameSec;
      },
      { once: true }
    );
    video.addEventListener('seeked', draw, { once: true });
    video.addEventListener('error', () => finish(new Error('The video could not be loaded to take a frame from it.')), { once: true });
    video.src = url;
  });
}

/** The frame at `atSec` (`'last'`: just before the end) of the video at `url`, at its full size, as a PNG. */
export function captureFrame(url: string, atSec: number | 'last'): Promise<CapturedFrame> {
  return grabFrame(url, {
    type: 'image/png',
    at: (duration) => {
      const end = lastFrameTime(duration);
      return atSec === 'last' ? end : Math.min(Math.max(0, atSec), end);
    }
  });
}
