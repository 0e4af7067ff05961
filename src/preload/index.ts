// The renderer's only door to the main process, built from the shared contract: channels not in
// the contract are refused, and listeners never see Electron's event object.
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { EVENT_CHANNELS, INVOKE_CHANNELS, type EventChannel, type EventMap, type WindowApi } from '@shared/ipc';
import { MEDIA_SCHEME } from '@shared/library';

const invokable = new Set<string>(INVOKE_CHANNELS);
const events = new Set<string>(EVENT_CHANNELS);

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
  pathForFile: (file) => webUtils.getPathForFile(file),
  mediaBase: `${MEDIA_SCHEME}://`
};

contextBridge.exposeInMainWorld('api', api);
