import type { TaskRecord } from '@shared/batch';
import type { LogFields } from './logger';

/** What finds a task again in the log: its batch, its own id, its CSV row (and take), APIXO's taskId. */
export function taskFields(task: TaskRecord): LogFields {
  return { batch: task.batchId, task: task.id, row: task.source.row, take: task.source.take > 1 ? task.source.take : undefined, taskId: task.taskId };
}
