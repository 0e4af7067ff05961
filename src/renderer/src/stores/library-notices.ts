/**
 * The library's notices go away on their own: an action's result ("Copied the prompt.") after a
 * few seconds, and a delete's undo offer once its grace has passed (after that the videos are in
 * the OS trash, and Undo could no longer put them back).
 */
import { reactive, shallowRef } from 'vue';

/** How long an action's result stays on screen. */
export const NOTICE_MS = 6000;

/** A delete that can still be undone: what was done, the token that undoes it, and until when. */
export interface UndoOffer {
  text: string;
  token: string;
  graceMs: number;
  /** How many videos it would put back. */
  count: number;
}

/** The clock the notices run on (a test's fake one, or the window's). */
export interface NoticeTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const windowTimers: NoticeTimers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>)
};

export function useTimedNotices<K extends string>(timers: NoticeTimers = windowTimers) {
  /** Short results of actions, by where they were started. */
  const notices = reactive<Partial<Record<K, string>>>({}) as Partial<Record<K, string>>;
  const undoOffer = shallowRef<UndoOffer | null>(null);
  const handles = new Map<K | 'undo', unknown>();

  function restart(key: K | 'undo', ms: number, done: () => void): void {
    const held = handles.get(key);
    if (held !== undefined) timers.clear(held);
    handles.set(
      key,
      timers.set(() => {
        handles.delete(key);
        done();
      }, ms)
    );
  }

  function stop(key: K | 'undo'): void {
    const held = handles.get(key);
    if (held !== undefined) timers.clear(held);
    handles.delete(key);
  }

  /** Shows a notice where the action was started, for NOTICE_MS. */
  function say(key: K, text: string): void {
    notices[key] = text;
    restart(key, NOTICE_MS, () => delete notices[key]);
  }

  function dismissNotice(key: K): void {
    stop(key);
    delete notices[key];
  }

  /** Offers to undo a delete for as long as it can be undone. */
  function offerUndo(offer: UndoOffer): void {
    undoOffer.value = offer;
    restart('undo', offer.graceMs, () => {
      if (undoOffer.value === offer) undoOffer.value = null;
    });
  }

  function dismissUndo(): void {
    stop('undo');
    undoOffer.value = null;
  }

  /** Esc: every notice goes (an undo offer stays: it has its own close button). */
  function dismissAll(): void {
    for (const key of Object.keys(notices) as K[]) dismissNotice(key);
  }

  return { notices, undoOffer, say, dismissNotice, offerUndo, dismissUndo, dismissAll };
}
