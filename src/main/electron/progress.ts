import type { App, BrowserWindow } from 'electron';
import { queueProgress } from '@shared/progress';
import type { AppService } from '../core/app/app-service';

export interface ProgressDeps {
  service: Pick<AppService, 'on' | 'snapshot'>;
  window: () => BrowserWindow | undefined;
  app: Pick<App, 'setBadgeCount'>;
  platform: NodeJS.Platform;
}

/**
 * The queue's progress outside the window (progress.ts reckons it): the window's progress bar in
 * the dock or taskbar, and the count of videos left as the app's badge, on macOS's Dock and on
 * Linux docks and taskbars that take the LauncherEntry D-Bus API (matched by `desktopName` in
 * package.json to the app's .desktop file). Only changes are passed on. Returns the undo.
 */
export function showProgress(d: ProgressDeps): () => void {
  const badge = d.platform === 'darwin' || d.platform === 'linux';
  let shownFraction: number | undefined | null = null;
  let shownIn: BrowserWindow | undefined;
  let shownBadge: number | undefined;
  const update = (): void => {
    const { fraction, remaining } = queueProgress(d.service.snapshot());
    const win = d.window();
    // A new window (macOS reopens one) is told afresh.
    if (win && !win.isDestroyed() && (fraction !== shownFraction || win !== shownIn)) {
      win.setProgressBar(fraction ?? -1);
      shownFraction = fraction;
      shownIn = win;
    }
    if (badge && remaining !== shownBadge) {
      d.app.setBadgeCount(remaining);
      shownBadge = remaining;
    }
  };
  const off = d.service.on('queue:changed', update);
  update();
  return off;
}
