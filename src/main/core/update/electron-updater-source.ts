/**
 * electron-updater as an `UpdateSource`. Typed against the few members used, so this file never
 * imports electron: the app hands in `autoUpdater`, the tests an updater on a loopback feed.
 */
import { notesText, type FoundUpdate, type UpdateSource } from './update-coordinator';

export interface AppUpdaterLike {
  autoDownload: boolean;
  autoInstallOnAppQuit: boolean;
  checkForUpdates(): Promise<{ isUpdateAvailable?: boolean; updateInfo: { version: string; releaseNotes?: unknown } } | null>;
  downloadUpdate(): Promise<unknown>;
  on(event: 'download-progress', listener: (progress: { percent: number }) => void): unknown;
  off(event: 'download-progress', listener: (progress: { percent: number }) => void): unknown;
}

/** `restart` closes the app cleanly, then calls the updater's quitAndInstall. */
export function electronUpdaterSource(updater: AppUpdaterLike, restart: () => Promise<void>): UpdateSource {
  // Downloads are started here, once a newer version is known.
  updater.autoDownload = false;
  // A download not installed by a restart is installed when the app quits (which asks first while tasks run).
  updater.autoInstallOnAppQuit = true;
  return {
    async check(): Promise<FoundUpdate | undefined> {
      const result = await updater.checkForUpdates();
      if (!result || result.isUpdateAvailable === false) return undefined;
      return { version: result.updateInfo.version, notes: notesText(result.updateInfo.releaseNotes) };
    },
    async download(onProgress) {
      const listener = (progress: { percent: number }): void => onProgress(progress.percent);
      updater.on('download-progress', listener);
      try {
        await updater.downloadUpdate();
      } finally {
        updater.off('download-progress', listener);
      }
    },
    install: restart
  };
}
