/**
 * The window's title while the queue works: the same progress the dock or taskbar shows
 * (`queueProgress`, one reckoning for both), then the app's name; the plain name when idle.
 */
import type { BatchSummary } from '@shared/batch';
import { queueProgress } from '@shared/progress';

export const APP_NAME = 'LTX Batch Studio';

export function queueTitle(batches: readonly BatchSummary[]): string {
  const { title } = queueProgress({ batches });
  return title ? `${title} — ${APP_NAME}` : APP_NAME;
}
