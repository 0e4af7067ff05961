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

/** The one secure window: sandboxed, isolated, no Node, no navigation, no popups, no permission but writing the clipboard. */
export function createMainWindow(options: { preload: string; pageUrl: string; dev: boolean }): BrowserWindow {
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
      spellcheck: false,
      devTools: options.dev
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
  // Nothing but writing to the clipboard ("Copy prompt", "Copy diagnostics"); never reading it.
  win.webContents.session.setPermissionRequestHandler((_contents, permission, callback) => callback(permission === 'clipboard-sanitized-write'));
  win.webContents.session.setPermissionCheckHandler((_contents, permission) => permission === 'clipboard-sanitized-write');
  void win.loadURL(options.pageUrl);
  return win;
}

function intersects(a: Rectangle, b: Rectangle): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

export const rendererPaths = (dir: string): { preload: string; rendererDir: string } => ({
  preload: join(dir, '../preload/index.cjs'),
  rendererDir: join(dir, '../renderer')
});
