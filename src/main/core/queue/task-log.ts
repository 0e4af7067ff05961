import type { TaskRecord } from '@shared/batch';
import type { TaskState } from '@shared/task-state';
import type { Logger } from '../log/logger';
import { taskFields } from '../log/task-fields';

/** States a person or a bug report cares about; the rest (pending, processing …) are debug lines. */
const NOTABLE = new Set<TaskState>([
  'submitted',
  'succeeded',
  'done',
  'failed',
  'rejected',
  'needs_review',
  'download_failed',
  'expired',
  'canceled',
  'abandoned'
]);
const TROUBLE = new Set<TaskState>(['failed', 'rejected', 'needs_review', 'download_failed', 'expired']);

/** One line per task transition, with everything that finds the task again. */
export function logTransition(log: Logger, task: TaskRecord, from: TaskState): void {
  const fields = { ...taskFields(task), from, failCode: task.failCode, note: TROUBLE.has(task.state) ? task.note : undefined };
  const message = `task ${task.state.replace('_', ' ')}`;
  if (TROUBLE.has(task.state)) log.warn(message, fields);
  else if (NOTABLE.has(task.state)) log.info(message, fields);
  else log.debug(message, fields);
}
