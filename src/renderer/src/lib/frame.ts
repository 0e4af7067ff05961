/**
 * One frame of a video at its full size, for "Continue from the last frame": the video is loaded
 * offscreen (with CORS, so the canvas stays readable: the media protocol answers
 * `Access-Control-Allow-Origin`), seeked, and drawn at `videoWidth × videoHeight` as a PNG
 * `data:` URL, which the library store hands to main (`library:continue`).
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

/** Where the last frame is taken in a video of `durationSec`. */
export function lastFrameTime(durationSec: number): number {
  if (!Number.isFinite(durationSec) || durationSec <= 0) return 0;
  return Math.max(0, durationSec - LAST_FRAME_MARGIN_SEC);
}

/** Captures the frame at `atSec` (`'last'`: just before the end) of the video at `url`; rejects with a sentence. */
export function captureFrame(url: string, atSec: number | 'last'): Promise<CapturedFrame> {
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
      video.removeAttribute('src');
      video.load();
      if (error) reject(error);
      else resolve(frame!);
    };

    const draw = (): void => {
      try {
        const width = video.videoWidth;
        const height = video.videoHeight;
        if (!(width > 0 && height > 0)) throw new Error('The video has no picture to take a frame from.');
        const canvas = document.createElement('canvas');
        canvas.width = width;
        canvas.height = height;
        const context = canvas.getContext('2d');
        if (!context) throw new Error('There is no canvas to draw the frame on.');
        context.drawImage(video, 0, 0, width, height);
        finish(null, { dataUrl: canvas.toDataURL('image/png'), width, height, frameSec });
      } catch (error) {
        finish(error instanceof Error ? error : new Error(String(error)));
      }
    };

    const timer = setTimeout(() => finish(new Error('The video took too long to give its frame. Try again.')), CAPTURE_TIMEOUT_MS);
    video.addEventListener(
      'loadedmetadata',
      () => {
        const end = lastFrameTime(video.duration);
        frameSec = atSec === 'last' ? end : Math.min(Math.max(0, atSec), end);
        video.currentTime = frameSec;
      },
      { once: true }
    );
    video.addEventListener('seeked', draw, { once: true });
    video.addEventListener('error', () => finish(new Error('The video could not be loaded to take a frame from it.')), { once: true });
    video.src = url;
  });
}
