import { join } from 'node:path';
import { BrowserWindow, screen, shell, type Rectangle } from 'electron';
import Store from 'electron-store';

/** Hosts the window may open in the browser: https only, APIXO's own pages. */
const EXTERNAL_HOSTS = new Set(['apixo.ai', 'www.apixo.ai', 'docs.apixo.ai']);

export function isAllowedExternal(url: string): boolean {
  try {
    const target = new URL(url);
    return target.protocol === 'https:' && EXTERNAL_HOSTS.has(target.hostname);
  } catch {
    return false;
  }
}

/** The one secure window: sandboxed, isolated, no Node, no navigation, no popups, no permissions. */
export function createMainWindow(options: { preload: string; rendererFile: string; devUrl?: string }): BrowserWindow {
  const bounds = new Store<{ bounds?: Rectangle }>({ name: 'window' });
  const saved = bounds.get('bounds');
  const visible = saved && screen.getAllDisplays().some((d) => intersects(d.workArea, saved));
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    ...(visible ? saved : {}),
    minWidth: 960,
    minHeight: 620,
    show: false,
    title: 'LTX Batch Studio',
    backgroundColor: '#111318',
    webPreferences: {
      preload: options.preload,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false
    }
  });
  win.once('ready-to-show', () => win.show());
  win.on('close', () => bounds.set('bounds', win.getNormalBounds()));
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternal(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (event) => event.preventDefault());
  win.webContents.on('will-attach-webview', (event) => event.preventDefault());
  win.webContents.session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  win.webContents.session.setPermissionCheckHandler(() => false);
  if (options.devUrl) void win.loadURL(options.devUrl);
  else void win.loadFile(options.rendererFile);
  return win;
}

function intersects(a: Rectangle, b: Rectangle): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

export const rendererPaths = (dir: string): { preload: string; rendererFile: string } => ({
  preload: join(dir, '../preload/index.cjs'),
  rendererFile: join(dir, '../renderer/index.html')
});
