// The desktop app's composition root: builds the services, binds them to one window. Product
// logic lives in ./core and never imports Electron; this file and ./electron only adapt.
import { join } from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, Notification, shell } from 'electron';
import { defaultSettings } from '@shared/settings';
import { AppService } from './core/app/app-service';
import { AttentionTracker, overallProgress } from './core/app/attention';
import { APP_NAME } from './core/paths';
import { bindIpc, forwardEvents, ownPageCheck } from './electron/ipc-binding';
import { handleMediaProtocol, registerMediaScheme } from './electron/media-protocol';
import { installMenu } from './electron/menu';
import { createSecretStore, createSettingsStore } from './electron/settings-store';
import { createMainWindow, rendererPaths } from './electron/window';

app.setName(APP_NAME);
// Local videos and images reach the window only through this scheme, confined to these folders.
registerMediaScheme();
let win: BrowserWindow | undefined;
let service: AppService | undefined;
let quitting = false;

async function start(): Promise<void> {
  const settings = createSettingsStore(
    defaultSettings({ libraryDir: join(app.getPath('videos'), APP_NAME), dataDir: join(app.getPath('userData'), 'data') })
  );
  handleMediaProtocol(() => ({ library: settings.read().libraryDir, cache: join(settings.read().dataDir, 'cache') }));
  service = await AppService.start({
    settings,
    secrets: createSecretStore(),
    hostingSecret: createSecretStore('hostingSecret', 'the bucket’s secret key'),
    desktop: {
      trash: (path) => shell.trashItem(path),
      reveal: (path) => shell.showItemInFolder(path),
      chooseFolder: async (title) => {
        const options = { title, properties: ['openDirectory', 'createDirectory'] as ('openDirectory' | 'createDirectory')[] };
        const chosen = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
        return chosen.canceled ? null : (chosen.filePaths[0] ?? null);
      }
    },
    version: app.getVersion(),
    resourcesDir: app.isPackaged ? process.resourcesPath : join(import.meta.dirname, '../../resources')
  });
  installMenu(APP_NAME);
  const devUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
  win = createMainWindow({ ...rendererPaths(import.meta.dirname), devUrl });
  const contents = () => (win && !win.isDestroyed() ? win.webContents : undefined);
  const rendererFile = rendererPaths(import.meta.dirname).rendererFile;
  bindIpc(
    ipcMain,
    service,
    ownPageCheck(contents, (url) => (devUrl ? url.origin === new URL(devUrl).origin : url.protocol === 'file:' && decodeURIComponent(url.pathname).endsWith(rendererFile.replaceAll('\\', '/'))))
  );
  forwardEvents(service, contents);

  const attention = new AttentionTracker(service.snapshot());
  service.on('queue:changed', () => {
    const now = service!.snapshot();
    win?.setProgressBar(overallProgress(now) ?? -1);
    if (!settings.read().notifications || !Notification.isSupported()) return;
    for (const notice of attention.update(now)) new Notification(notice).show();
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (e) => e.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
  void app.whenReady().then(start).catch((error: unknown) => {
    dialog.showErrorBox('LTX Batch Studio could not start', (error as Error).message);
    app.quit();
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0 && service) win = createMainWindow({ ...rendererPaths(import.meta.dirname) });
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('before-quit', (event) => {
    if (quitting || !service) return;
    const { status } = service.snapshot();
    if (status.inFlight > 0 && win) {
      const choice = dialog.showMessageBoxSync(win, {
        type: 'question',
        buttons: ['Quit', 'Keep running'],
        defaultId: 1,
        message: `${status.inFlight} videos are still being generated.`,
        detail: 'They keep going at APIXO and are collected the next time you open LTX Batch Studio. Nothing is submitted twice.'
      });
      if (choice === 1) {
        event.preventDefault();
        return;
      }
    }
    event.preventDefault();
    quitting = true;
    void service.close().finally(() => app.quit());
  });
}
