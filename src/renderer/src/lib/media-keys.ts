/**
 * The player's keyboard, as video editors have it: space, arrows, J/K/L, frame steps, mute,
 * fullscreen, and moving to the next or previous video. `mediaCommand` maps a key to a
 * command; `applyMediaCommand` does it to a video element.
 */

export type MediaCommand =
  | { kind: 'toggle' }
  | { kind: 'pause' }
  | { kind: 'seek'; by: number }
  | { kind: 'frame'; direction: 1 | -1 }
  | { kind: 'start' }
  | { kind: 'end' }
  | { kind: 'mute' }
  | { kind: 'fullscreen' }
  | { kind: 'close' }
  | { kind: 'next' }
  | { kind: 'previous' };

/** The frame rate assumed when a file does not say. */
export const DEFAULT_FPS = 30;

export interface KeyLike {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
}

/** The command for a key press, or null when the player does not use it. */
export function mediaCommand(event: KeyLike): MediaCommand | null {
  if (event.ctrlKey || event.metaKey || event.altKey) return null;
  switch (event.key) {
    case ' ':
    case 'Spacebar':
      return { kind: 'toggle' };
    case 'ArrowLeft':
      return { kind: 'seek', by: -5 };
    case 'ArrowRight':
      return { kind: 'seek', by: 5 };
    case 'j':
    case 'J':
      return { kind: 'seek', by: -10 };
    case 'k':
    case 'K':
      return { kind: 'pause' };
    case 'l':
    case 'L':
      return { kind: 'seek', by: 10 };
    case ',':
      return { kind: 'frame', direction: -1 };
    case '.':
      return { kind: 'frame', direction: 1 };
    case 'Home':
      return { kind: 'start' };
    case 'End':
      return { kind: 'end' };
    case 'm':
    case 'M':
      return { kind: 'mute' };
    case 'f':
    case 'F':
      return { kind: 'fullscreen' };
    case 'Escape':
      return { kind: 'close' };
    case 'ArrowDown':
    case 'PageDown':
      return { kind: 'next' };
    case 'ArrowUp':
    case 'PageUp':
      return { kind: 'previous' };
    default:
      return null;
  }
}

function seekTo(video: HTMLVideoElement, time: number): void {
  const end = Number.isFinite(video.duration) ? video.duration : Infinity;
  video.currentTime = Math.min(end, Math.max(0, time));
}

/**
 * Does a playback command to `video` (the others — close, next, previous — are the caller's).
 * Returns whether it was one of the playback commands.
 */
export function applyMediaCommand(video: HTMLVideoElement, command: MediaCommand, fps = DEFAULT_FPS): boolean {
  switch (command.kind) {
    case 'toggle':
      if (video.paused || video.ended) {
        // At the very end (a seek there may not have set `ended` yet), playing starts over.
        if (Number.isFinite(video.duration) && video.duration - video.currentTime < 0.05) video.currentTime = 0;
        void video.play()?.catch(() => {});
      } else {
        video.pause();
      }
      return true;
    case 'pause':
      video.pause();
      return true;
    case 'seek':
      seekTo(video, video.currentTime + command.by);
      return true;
    case 'frame':
      // A frame step only makes sense on a still picture.
      video.pause();
      seekTo(video, video.currentTime + command.direction / (fps > 0 ? fps : DEFAULT_FPS));
      return true;
    case 'start':
      seekTo(video, 0);
      return true;
    case 'end':
      if (Number.isFinite(video.duration)) seekTo(video, video.duration);
      return true;
    case 'mute':
      video.muted = !video.muted;
      return true;
    case 'fullscreen':
      if (document.fullscreenElement) void document.exitFullscreen?.()?.catch(() => {});
      else void video.requestFullscreen?.()?.catch(() => {});
      return true;
    default:
      return false;
  }
}
