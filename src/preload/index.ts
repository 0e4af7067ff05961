// The renderer's only door to the main process, built from the shared contract: channels not in
// the contract are refused, and listeners never see Electron's event object. The page never
// names a file: a drop's paths are taken here, from the dropped `File` objects, and handed to
// main (architecture.md, "Security").
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import {
  EVENT_CHANNELS,
  INVOKE_CHANNELS,
  PRELOAD_CHANNELS,
  type DropResult,
  type EventChannel,
  type EventMap,
  type IpcResult,
  type WindowApi
} from '@shared/ipc';
import { MEDIA_SCHEME } from '@shared/library';

const preloadOnly = new Set<string>(PRELOAD_CHANNELS);
const invokable = new Set<string>(INVOKE_CHANNELS.filter((c) => !preloadOnly.has(c)));
const events = new Set<string>(EVENT_CHANNELS);

/** The path of a file on disk; '' for a file made in the page or dragged out of a web page (or anything that is not a File). */
function pathOf(file: unknown): string {
  try {
    return webUtils.getPathForFile(file as File);
  } catch {
    return '';
  }
}

export const api: WindowApi = {
  invoke: (channel, ...args) => {
    if (!invokable.has(channel)) return Promise.resolve({ ok: false, code: 'not_found', message: `There is no channel "${String(channel)}".` });
    return ipcRenderer.invoke(channel, ...args);
  },
  on: <E extends EventChannel>(event: E, listener: (payload: EventMap[E]) => void) => {
    if (!events.has(event)) throw new Error(`There is no event "${String(event)}".`);
    const wrapped = (_event: IpcRendererEvent, payload: EventMap[E]): void => listener(payload);
    ipcRenderer.on(event, wrapped);
    return () => {
      ipcRenderer.removeListener(event, wrapped);
    };
  },
  drop: async (files) => {
    const list = Array.isArray(files) ? files : [];
    const paths: string[] = [];
    const pathless: string[] = [];
    for (const file of list) {
      const path = pathOf(file);
      if (path) paths.push(path);
      else pathless.push(typeof (file as File | undefined)?.name === 'string' ? (file as File).name : 'a file');
    }
    if (paths.length === 0) return { ok: true, value: { images: [], csv: [], refused: [], pathless } };
    const sorted = (await ipcRenderer.invoke('drop:inspect', paths)) as IpcResult<Omit<DropResult, 'pathless'>>;
    return sorted.ok ? { ok: true, value: { ...sorted.value, pathless } } : sorted;
  },
  mediaBase: `${MEDIA_SCHEME}://`
};

contextBridge.exposeInMainWorld('api', api);
