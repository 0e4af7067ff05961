// The desktop app's composition root: builds the services, binds them to one window. Product
// logic lives in ./core and never imports Electron; this file and ./electron only adapt.
import { release, type as osType } from 'node:os';
import { join } from 'node:path';
import { app, BrowserWindow, clipboard, dialog, ipcMain, net, Notification, powerMonitor, powerSaveBlocker, shell } from 'electron';
import updaterPkg from 'electron-updater';
import { defaultSettings } from '@shared/settings';
import { PAGE_HOST, PAGE_ORIGIN, PAGE_SCHEME } from '@shared/page-security';
import { AppService } from './core/app/app-service';
import { AttentionTracker } from './core/app/attention';
import { openFileLog } from './core/log/file-log';
import { APP_NAME } from './core/paths';
import { electronUpdaterSource } from './core/update/electron-updater-source';
import { dragPort } from './electron/drag';
import { bindIpc, forwardEvents, ownPageCheck } from './electron/ipc-binding';
import { installMenu } from './electron/menu';
import { showProgress } from './electron/progress';
import { watchPower } from './electron/power';
import { handleMediaProtocol, handlePageProtocol, registerSchemes } from './electron/protocols';
import { createSettingsStore, openSecretStore } from './electron/settings-store';
import { createMainWindow, rendererPaths } from './electron/window';

app.setName(APP_NAME);
// The page comes from app://studio/, local videos and images from ltx-media://, never file://.
registerSchemes();
const dev = !app.isPackaged;
const devUrl = dev ? process.env.ELECTRON_RENDERER_URL : undefined;
const pageUrl = devUrl ?? `${PAGE_ORIGIN}/index.html`;

const logsDir = app.getPath('logs');
const fileLog = openFileLog({ dir: logsDir, fileName: 'main.log', level: dev ? 'debug' : 'info', onProblem: (message) => console.warn(message) });
const log = fileLog.logger;
process.on('uncaughtException', (error) => log.error('uncaught exception', { error }));
process.on('unhandledRejection', (error) => log.error('unhandled rejection', { error }));

let win: BrowserWindow | undefined;
let service: AppService | undefined;
let quitting = false;

/** Closes the queue and the library cleanly (the journal flushed), then lets electron-updater restart into the new version. */
async function restartIntoUpdate(): Promise<void> {
  quitting = true;
  await service?.close();
  updaterPkg.autoUpdater.quitAndInstall();
}

/** Updates come with the installed app: a development build has no feed. */
function updateSource() {
  if (dev) return undefined;
  const { autoUpdater } = updaterPkg;
  const updaterLog = log.child('updater');
  autoUpdater.logger = {
    info: (m: unknown) => updaterLog.info(String(m)),
    warn: (m: unknown) => updaterLog.warn(String(m)),
    error: (m: unknown) => updaterLog.error(String(m)),
    debug: (m: unknown) => updaterLog.debug(String(m))
  };
  return electronUpdaterSource(autoUpdater, restartIntoUpdate);
}

/** Main's save dialog, over the window when there is one. */
async function showSave(options: Electron.SaveDialogOptions): Promise<string | null> {
  const chosen = win && !win.isDestroyed() ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
  return chosen.canceled || !chosen.filePath ? null : chosen.filePath;
}

/** Main's open dialog, over the window when there is one. */
async function showOpen(options: Electron.OpenDialogOptions): Promise<string[] | null> {
  const chosen = win && !win.isDestroyed() ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
  return chosen.canceled || chosen.filePaths.length === 0 ? null : chosen.filePaths;
}

const openFolder = async (path: string): Promise<void> => {
  const failed = await shell.openPath(path);
  if (failed) throw new Error(`The folder ${path} could not be opened: ${failed}`);
};

async function start(): Promise<void> {
  log.info('starting', { version: app.getVersion(), electron: process.versions.electron, packaged: app.isPackaged });
  const settings = createSettingsStore(
    defaultSettings({ libraryDir: join(app.getPath('videos'), APP_NAME), dataDir: join(app.getPath('userData'), 'data') }),
    log.child('settings')
  );
  const secrets = await openSecretStore();
  const hostingSecret = await openSecretStore('hostingSecret', 'the bucket’s secret key');
  fileLog.redactor.keep(() => [secrets.get(), hostingSecret.get()]);
  const { preload, rendererDir } = rendererPaths(import.meta.dirname);
  if (!devUrl) await handlePageProtocol(rendererDir);
  handleMediaProtocol(() => ({ library: settings.read().libraryDir, cache: join(settings.read().dataDir, 'cache') }));
  // out/main → resources/, in the checkout and inside app.asar alike.
  const resourcesDir = join(import.meta.dirname, '../../resources');
  const contents = () => (win && !win.isDestroyed() ? win.webContents : undefined);
  service = await AppService.start({
    settings,
    secrets,
    hostingSecret,
    desktop: {
      trash: (path) => shell.trashItem(path),
      reveal: (path) => shell.showItemInFolder(path),
      openFolder,
      // The only way, with a drop, that a path reaches main: the person picks it here.
      chooseFolder: async (title) => (await showOpen({ title, properties: ['openDirectory', 'createDirectory'] }))?.[0] ?? null,
      chooseFiles: async ({ title, filters, multiple }) => showOpen({ title, filters, properties: multiple ? ['openFile', 'multiSelections'] : ['openFile'] }),
      chooseSaveFile: async ({ title, defaultName, filters }) =>
        showSave({ title, defaultPath: join(app.getPath('documents'), defaultName), filters, properties: ['createDirectory', 'showOverwriteConfirmation'] })
    },
    // A video dragged out of the window, with its poster under the pointer.
    // The app's icon, for a video with no poster yet: beside app.asar once packaged (electron-builder.yml).
    startDrag: dragPort(contents, app.isPackaged ? join(process.resourcesPath, 'drag-icon.png') : join(resourcesDir, 'icons', 'png', '64x64.png')),
    version: app.getVersion(),
    resourcesDir,
    // The library's index is read from its database at once; a folder with none yet is read behind the window.
    libraryInBackground: true,
    log,
    updates: updateSource(),
    logs: { dir: logsDir, path: fileLog.path, tail: fileLog.tail, problem: fileLog.problem },
    runtime: {
      app: app.getVersion(),
      electron: process.versions.electron,
      chromium: process.versions.chrome,
      node: process.versions.node,
      v8: process.versions.v8,
      os: `${osType()} ${release()} ${process.arch}`
    }
  });
  installMenu(APP_NAME, {
    dev,
    actions: {
      openLogs: () => void openFolder(logsDir).catch((error: unknown) => log.warn((error as Error).message)),
      copyDiagnostics: () =>
        void clipboard.writeText(service!.diagnostics()).catch((error: unknown) => log.warn(`diagnostics not copied: ${(error as Error).message}`)),
      checkForUpdates: dev ? undefined : () => void service!.dispatch('update:check', [])
    }
  });
  win = createMainWindow({ preload, pageUrl, dev });
  bindIpc(
    ipcMain,
    service,
    ownPageCheck(contents, (url) => (devUrl ? url.origin === new URL(devUrl).origin : url.protocol === `${PAGE_SCHEME}:` && url.host === PAGE_HOST)),
    log.child('ipc')
  );
  forwardEvents(service, contents);

  // Overnight runs: the system stays awake while videos are in the works; sleep and wake reach the queue.
  watchPower({ service, keepAwake: () => settings.read().keepAwake !== false, blocker: powerSaveBlocker, monitor: powerMonitor, net, log: log.child('power') });

  const attention = new AttentionTracker(service.snapshot());
  // Progress in the dock or taskbar, and the videos left as the app's badge.
  showProgress({ service, window: () => win, app, platform: process.platform });
  service.on('queue:changed', () => {
    const now = service!.snapshot();
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
  void app
    .whenReady()
    .then(start)
    .catch((error: unknown) => {
      log.error('could not start', { error });
      dialog.showErrorBox('LTX Batch Studio could not start', `${(error as Error).message}\n\nThe log is in ${logsDir}.`);
      app.quit();
    });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0 && service) win = createMainWindow({ preload: rendererPaths(import.meta.dirname).preload, pageUrl, dev });
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
    log.info('quitting');
    void service.close().finally(() => app.quit());
  });
}
