import { contextBridge, ipcRenderer } from 'electron';

// The renderer's only door to the main process. The full typed contract comes with the IPC map.
const api = {
  appInfo: (): Promise<{ ok: true; value: { version: string } }> => ipcRenderer.invoke('app:info')
};

export type WindowApi = typeof api;

contextBridge.exposeInMainWorld('api', api);
