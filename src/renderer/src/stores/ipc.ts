/**
 * The one module that touches `window.api`; only the Pinia stores import it. Every call comes
 * back as the contract's envelope, even when the bridge itself is missing or throws.
 */
import { reactive, toRaw } from 'vue';
import type { DropResult, EventChannel, EventMap, InvokeArgs, InvokeResult, IpcResult, PageChannel } from '@shared/ipc';

const UNREACHABLE = 'The app’s background service is not reachable. Restart LTX Batch Studio; if it keeps happening, reinstall it.';

/**
 * A copy without Vue's reactive proxies, which IPC's structured clone refuses ("An object could
 * not be cloned"): a store's state often ends up inside an argument.
 */
export function plain<T>(value: T): T {
  const raw = toRaw(value);
  if (Array.isArray(raw)) return raw.map((item) => plain(item)) as T;
  if (raw !== null && typeof raw === 'object' && Object.getPrototypeOf(raw) === Object.prototype) {
    return Object.fromEntries(Object.entries(raw).map(([key, item]) => [key, plain(item)])) as T;
  }
  return raw;
}

export async function invoke<C extends PageChannel>(channel: C, ...args: InvokeArgs<C>): Promise<IpcResult<InvokeResult<C>>> {
  const api = window.api;
  if (!api) return { ok: false, code: 'unavailable', message: UNREACHABLE };
  try {
    return await api.invoke(channel, ...(plain(args) as InvokeArgs<C>));
  } catch (error) {
    return {
      ok: false,
      code: 'internal',
      message: `Something went wrong talking to the app’s background service: ${(error as Error)?.message ?? String(error)}`
    };
  }
}

export function subscribe<E extends EventChannel>(event: E, listener: (payload: EventMap[E]) => void): () => void {
  return window.api?.on(event, listener) ?? (() => {});
}

/**
 * Hands dropped files to main through the preload, which takes their paths itself: the page
 * never names a path. Files with no place on disk come back by name in `pathless`.
 */
export async function dropFiles(files: File[]): Promise<IpcResult<DropResult>> {
  const api = window.api;
  if (!api) return { ok: false, code: 'unavailable', message: UNREACHABLE };
  try {
    return await api.drop(files);
  } catch (error) {
    return {
      ok: false,
      code: 'internal',
      message: `Something went wrong talking to the app’s background service: ${(error as Error)?.message ?? String(error)}`
    };
  }
}

/** A failed call in words a person reads. */
export function describeError(result: { code: string; message: string }): string {
  if (result.message) return result.message;
  switch (result.code) {
    case 'not_found':
      return 'That no longer exists. Reload the list and try again.';
    case 'unavailable':
      return 'APIXO could not be reached. Check the connection and try again.';
    default:
      return 'Something went wrong. Try again; if it keeps happening, restart the app.';
  }
}

/**
 * Per-action state for a store: the last error of each action (by key, e.g. "test" or
 * "task:abc-3"), shown next to the control that started it, and which actions are running.
 */
export function createActions() {
  const errors = reactive<Record<string, string>>({});
  const busy = reactive<Record<string, boolean>>({});

  async function run<C extends PageChannel>(key: string, channel: C, ...args: InvokeArgs<C>): Promise<InvokeResult<C> | undefined> {
    busy[key] = true;
    delete errors[key];
    try {
      const result = await invoke(channel, ...args);
      if (!result.ok) {
        errors[key] = describeError(result);
        return undefined;
      }
      return result.value;
    } finally {
      delete busy[key];
    }
  }

  function fail(key: string, message: string): void {
    errors[key] = message;
  }

  function clear(key: string): void {
    delete errors[key];
  }

  return { errors, busy, run, fail, clear };
}

/** The URL of a local media reference (`library/a%20b/c.mp4`, `cache/thumbs/x.jpg`) through the app's own protocol. */
export function mediaUrl(ref: string): string {
  return `${window.api?.mediaBase ?? ''}${ref}`;
}
