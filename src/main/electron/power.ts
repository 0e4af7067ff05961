import type { PowerMonitor, PowerSaveBlocker } from 'electron';
import type { QueueStatus } from '@shared/batch';
import type { AppService } from '../core/app/app-service';
import { silentLog, type Logger } from '../core/log/logger';

export interface PowerDeps {
  service: Pick<AppService, 'on' | 'snapshot' | 'suspend' | 'resume'>;
  /** The person's setting (Settings → keepAwake), read at each change. */
  keepAwake: () => boolean;
  blocker: Pick<PowerSaveBlocker, 'start' | 'stop'>;
  monitor: Pick<PowerMonitor, 'on' | 'off'>;
  log?: Logger;
}

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
 * unless the person turned it off), and when it sleeps anyway, or wakes, the app service hears
 * of it (powerMonitor's 'suspend' and 'resume'). Returns the function that undoes all of it.
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
  update();
  return () => {
    offQueue();
    offSettings();
    d.monitor.off('suspend', suspend);
    d.monitor.off('resume', resume);
    if (blocker !== undefined) d.blocker.stop(blocker);
    blocker = undefined;
  };
}
