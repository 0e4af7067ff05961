/**
 * What the window hears of the queue (architecture.md, "IPC"). The engine's coalesced change
 * names every task that changed; the window gets, per change, the totals and the changed
 * batches' summaries, and deltas (only the fields that changed) for the tasks it watches: the
 * rows on its screen, the task it has open, the lists it shows. Anything else it fetches when it
 * scrolls there, naming the version it holds each task at; only tasks changed since come back.
 * So an event's size is bounded by the screen, however many of 10,000 tasks moved.
 */
import { TASK_STATES } from '@shared/task-state';
import { taskIdFor, type TaskRecord } from '@shared/batch';
import type { QueueDelta, QueueWatch, QueueWatchAnswer, TaskDelta, TaskStates } from '@shared/ipc';
import type { BatchEngine, EngineChange } from '../queue/engine';
import { forWindow } from './queue-handlers';

export class QueueFeed {
  /** Changes sent so far; the window names what it holds by this number. */
  private version = 0;
  /** The version of each task's last change (tasks unchanged since the start are absent: version 0). */
  private readonly changedAt = new Map<string, number>();
  /** Each watched task as the window last got it: the base its next delta is taken against. */
  private watched = new Map<string, TaskRecord>();

  constructor(private readonly engine: () => BatchEngine) {}

  /** The engine's change as the window gets it. */
  delta(change: EngineChange): QueueDelta {
    const version = ++this.version;
    const tasks: TaskDelta[] = [];
    for (const record of change.tasks) {
      this.changedAt.set(record.id, version);
      const base = this.watched.get(record.id);
      if (!base) continue;
      const now = forWindow(record);
      const delta = diff(base, now);
      this.watched.set(record.id, now);
      if (delta) tasks.push(delta);
    }
    const { batches, status, costs, archived, failures } = change;
    // An archived batch's tasks are compacted away: nothing of them is kept here either.
    for (const summary of archived) {
      for (let i = 0; i < summary.total; i++) {
        this.changedAt.delete(taskIdFor(summary.batch.id, i));
        this.watched.delete(taskIdFor(summary.batch.id, i));
      }
    }
    return { version, tasks, batches, status, costs, archived, failures };
  }

  /** The window watches these tasks from now on (and no others): those it lacks or holds older come back whole. */
  watch({ ids, have }: QueueWatch): QueueWatchAnswer {
    // Changes not yet sent go out first: a task changed since its last event would otherwise be
    // taken as current at the version the window holds, and its next delta be taken against a
    // record the window never got (the row would keep its old state).
    this.engine().flushChanges();
    const next = new Map<string, TaskRecord>();
    const tasks: TaskRecord[] = [];
    for (const id of ids) {
      const found = this.engine().task(id);
      if (!found || next.has(id)) continue;
      const now = forWindow(found);
      next.set(id, now);
      const held = have[id];
      if (held === undefined || (this.changedAt.get(id) ?? 0) > held) tasks.push(now);
    }
    this.watched = next;
    return { version: this.version, tasks };
  }

  /** A task an action answered the window with: the window holds it so, and a watched one's deltas are taken from it. */
  sent(task: TaskRecord): void {
    if (this.watched.has(task.id)) this.watched.set(task.id, task);
  }

  /** Every task's state in one batch, one letter each. */
  states(batchId: string): TaskStates {
    const engine = this.engine();
    const total = engine.summary(batchId)?.total ?? 0;
    const codes: string[] = [];
    // By position, as the table's rows are: row i is `taskIdFor(batchId, i)`.
    for (let i = 0; i < total; i++) codes.push(String.fromCharCode(65 + TASK_STATES.indexOf(engine.task(taskIdFor(batchId, i))?.state ?? 'queued')));
    return { version: this.version, states: codes.join('') };
  }
}

/** The fields of `now` that differ from `base` (a field is compared by its JSON), or undefined when none does. */
function diff(base: TaskRecord, now: TaskRecord): TaskDelta | undefined {
  if (base === now) return undefined;
  const set: Record<string, unknown> = {};
  const unset: (keyof TaskRecord)[] = [];
  let changed = false;
  const a = base as unknown as Record<string, unknown>;
  const b = now as unknown as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    if (key === 'id' || b[key] === undefined || a[key] === b[key] || JSON.stringify(a[key]) === JSON.stringify(b[key])) continue;
    set[key] = b[key];
    changed = true;
  }
  for (const key of Object.keys(a)) {
    if (a[key] === undefined || b[key] !== undefined) continue;
    unset.push(key as keyof TaskRecord);
    changed = true;
  }
  if (!changed) return undefined;
  return unset.length > 0 ? { id: now.id, set: set as Partial<TaskRecord>, unset } : { id: now.id, set: set as Partial<TaskRecord> };
}
