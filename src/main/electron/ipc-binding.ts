import type { IpcMain, IpcMainInvokeEvent, WebContents, WebFrameMain } from 'electron';
import { EVENT_CHANNELS, INVOKE_CHANNELS, type IpcResult } from '@shared/ipc';
import type { AppService } from '../core/app/app-service';
import { silentLog, type Logger } from '../core/log/logger';

/** Whether a frame is our own window's top frame showing our own page. */
export type SenderCheck = (frame: WebFrameMain | null) => boolean;

/**
 * Binds every invoke channel of the contract through one wrapper: the sender frame is checked,
 * the arguments are validated against the contract's schemas (in `dispatch`), and the answer is
 * always the `{ok, value} | {ok:false, code, message}` envelope. Returns an unbind function.
 */
export function bindIpc(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  service: Pick<AppService, 'dispatch'>,
  isTrusted: SenderCheck,
  log: Logger = silentLog
): () => void {
  for (const channel of INVOKE_CHANNELS) {
    ipcMain.handle(channel, async (event: IpcMainInvokeEvent, ...args: unknown[]): Promise<IpcResult<unknown>> => {
      if (!isTrusted(event.senderFrame)) {
        log.warn('IPC call refused: not from the app’s own window', { channel, url: event.senderFrame?.url });
        return { ok: false, code: 'forbidden_sender', message: 'This call did not come from the LTX Batch Studio window.' };
      }
      return service.dispatch(channel, args);
    });
  }
  return () => {
    for (const channel of INVOKE_CHANNELS) ipcMain.removeHandler(channel);
  };
}

/** Forwards the service's events to one window; returns an unsubscribe function. */
export function forwardEvents(service: Pick<AppService, 'on'>, target: () => WebContents | undefined): () => void {
  const offs = EVENT_CHANNELS.map((event) =>
    service.on(event, (payload: unknown) => {
      const contents = target();
      if (contents && !contents.isDestroyed()) contents.send(event, payload);
    })
  );
  return () => offs.forEach((off) => off());
}

/** The app's own page: the packaged renderer file, or the dev server in development. */
export function ownPageCheck(windowContents: () => WebContents | undefined, allowedOrigins: (url: URL) => boolean): SenderCheck {
  return (frame) => {
    const contents = windowContents();
    if (!frame || !contents || frame !== contents.mainFrame) return false;
    try {
      return allowedOrigins(new URL(frame.url));
    } catch {
      return false;
    }
  };
}
