import { homedir } from 'node:os';
import { join } from 'node:path';

export const APP_NAME = 'LTX Batch Studio';

/**
 * The app's own folder, where Electron's `userData` is, so the desktop app and the CLI share
 * one data folder: ~/.config/… on Linux, ~/Library/Application Support/… on macOS, %APPDATA%\… on Windows.
 */
export function userDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', APP_NAME);
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), APP_NAME);
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), APP_NAME);
}

/** Where the queue's journal lives by default. */
export function defaultDataDir(): string {
  return join(userDataDir(), 'data');
}
