import type { Net, PowerMonitor, PowerSaveBlocker } from 'electron';
import type { QueueStatus } from '@shared/batch';
import type { AppService } from '../core/app/app-service';
import { silentLog, type Logger } from '../core/log/logger';

export interface PowerDeps {
  service: Pick<AppService, 'on' | 'snapshot' | 'suspend' | 'resume' | 'networkChanged'>;
  /** The person's setting (Settings → keepAwake), read at each change. */
  keepAwake: () => boolean;
  blocker: Pick<PowerSaveBlocker, 'start' | 'stop'>;
  monitor: Pick<PowerMonitor, 'on' | 'off'>;
  /** The system's own word on the network (Electron's `net`), asked every `onlineCheckMs`. */
  net?: Pick<Net, 'isOnline'>;
  onlineCheckMs?: number;
  log?: Logger;
}

/** How often the system is asked whether it has a network at all (real ms). */
const ONLINE_CHECK_MS = 15_000;

/**
 * Whether the queue has work a sleeping computer would hold up: tasks being submitted, at APIXO,
 * or downloading. Tasks that only wait (a paused batch, a spending cap) do not keep it awake.
 */
export function queueBusy(status: QueueStatus): boolean {
  return status.running && status.inFlight + status.downloading > 0;
}

/**
 * The computer's own life for an overnight run (architecture.md, "Time"): while videos are in
 * the works the system is kept from sleeping (powerSaveBlocker's 'prevent-app-suspension',
 * unless the person turned it off), and when it sleeps anyway, or wakes, or the system loses its
 * network, the app service hears of it (powerMonitor's 'suspend' and 'resume', `net.isOnline()`).
 * Returns the function that undoes all of it.
 */
export function watchPower(d: PowerDeps): () => void {
  const log = d.log ?? silentLog;
  let blocker: number | undefined;
  const update = (): void => {
    const want = d.keepAwake() && queueBusy(d.service.snapshot().status);
    if (want && blocker === undefined) {
      blocker = d.blocker.start('prevent-app-suspension');
      log.info('keeping the computer awake while videos are generated');
    } else if (!want && blocker !== undefined) {
      d.blocker.stop(blocker);
      blocker = undefined;
      log.info('the computer may sleep again');
    }
  };
  const suspend = (): void => {
    log.info('the computer is going to sleep');
    d.service.suspend();
  };
  const resume = (): void => {
    log.info('the computer woke up');
    d.service.resume();
  };
  const offQueue = d.service.on('queue:changed', update);
  const offSettings = d.service.on('settings:changed', update);
  d.monitor.on('suspend', suspend);
  d.monitor.on('resume', resume);
  // The system knowing it has no network at all is said at once; the queue's own requests prove it back.
  let online = true;
  const net = d.net;
  const check = net
    ? setInterval(() => {
        const now = net.isOnline();
        if (now !== online) d.service.networkChanged(now);
        online = now;
      }, d.onlineCheckMs ?? ONLINE_CHECK_MS)
    : undefined;
  check?.unref();
  update();
  return () => {
    if (check) clearInterval(check);
    offQueue();
    offSettings();
    d.monitor.off('suspend', suspend);
    d.monitor.off('resume', resume);
    if (blocker !== undefined) d.blocker.stop(blocker);
    blocker = undefined;
  };
}
