import type { BatchRecord, BatchSummary, TaskRecord } from '@shared/batch';
import { chargeFor, type SpendWindow, type WindowShare } from '@shared/money';
import type { TaskState } from '@shared/task-state';
import { describeIssue, queueSnapshotSchema } from './queue-schema';

/**
 * Fields a transition may change; the row never changes. The request is frozen at creation and
 * changes only by the person's "edit and retry" (architecture.md, "Triage").
 */
export type TaskPatch = Partial<Omit<TaskRecord, 'id' | 'batchId' | 'position' | 'source' | 'times'>>;

/**
 * A finished batch put away (architecture.md, "Triage"): its summary frozen as it was, and its
 * tasks' shares of spend windows still open then, so those windows still measure them.
 */
export interface ArchivedBatch {
  summary: BatchSummary & { archivedAt: number };
  /** By window id: the estimates of its tasks that ended in a window not yet closed. */
  openShares?: Record<string, WindowShare>;
}

/** One line of the journal: everything that ever happens to batches and tasks. */
export type QueueEvent =
  | { type: 'batch_added'; batch: BatchRecord; tasks: TaskRecord[] }
  | {
      type: 'batch_changed';
      id: string;
      patch: Partial<Pick<BatchRecord, 'name' | 'paused' | 'capMicros' | 'simulated' | 'simulatedKept' | 'breakerSince' | 'colour'>>;
      unset?: ('paused' | 'capMicros' | 'simulated')[];
    }
  /** The order batches are submitted in, as the person set it: every batch in the queue, first first. */
  | { type: 'batch_order'; ids: string[] }
  /** A finished batch put away: it leaves the queue with its tasks; its frozen summary stays. */
  | { type: 'batch_archived'; id: string; archived: ArchivedBatch }
  /** A spend window opened (its opening balance read) or closed: closing settles the charge of every task in it. */
  | { type: 'spend_window'; window: SpendWindow }
  | { type: 'task_changed'; id: string; at: number; state?: TaskState; patch?: TaskPatch; unset?: (keyof TaskPatch)[] };

export interface QueueState {
  batches: Map<string, BatchRecord>;
  tasks: Map<string, TaskRecord>;
  /** Spend windows by id (money.ts): few, one per stretch of submits between quiet moments. */
  windows: Map<number, SpendWindow>;
  /** The batches in the queue in submission order (the person can reorder them). */
  order: string[];
  /** Archived batches by id, in the order they were archived. */
  archived: Map<string, ArchivedBatch>;
}

export function emptyQueueState(): QueueState {
  return { batches: new Map(), tasks: new Map(), windows: new Map(), order: [], archived: new Map() };
}

/**
 * The reducer the journal replays: applies one event to the state. The state's maps change in
 * place, but a record that changes is replaced by a new object, never edited: whoever holds the
 * old record keeps what it was, and reads the new one from the state (the engine's `change()`
 * returns it).
 */
export function applyQueueEvent(state: QueueState, event: QueueEvent): void {
  switch (event.type) {
    case 'batch_added': {
      if (state.batches.has(event.batch.id)) throw new Error(`batch ${event.batch.id} exists already`);
      state.batches.set(event.batch.id, event.batch);
      state.order.push(event.batch.id);
      for (const task of event.tasks) state.tasks.set(task.id, task);
      return;
    }
    case 'batch_order': {
      // Every batch in the queue keeps a place: those the event does not name (none, normally) follow in their old order.
      const named = event.ids.filter((id, i) => state.batches.has(id) && event.ids.indexOf(id) === i);
      const rest = state.order.filter((id) => !named.includes(id));
      state.order = [...named, ...rest];
      return;
    }
    case 'batch_archived': {
      const batch = state.batches.get(event.id);
      if (!batch) throw new Error(`no batch ${event.id}`);
      for (const id of batch.taskIds) state.tasks.delete(id);
      state.batches.delete(event.id);
      state.order = state.order.filter((id) => id !== event.id);
      state.archived.set(event.id, event.archived);
      return;
    }
    case 'batch_changed': {
      const batch = state.batches.get(event.id);
      if (!batch) throw new Error(`no batch ${event.id}`);
      const next: BatchRecord = { ...batch, ...event.patch };
      for (const key of event.unset ?? []) delete next[key];
      state.batches.set(event.id, next);
      return;
    }
    case 'task_changed': {
      const task = state.tasks.get(event.id);
      if (!task) throw new Error(`no task ${event.id}`);
      const next: TaskRecord = { ...task, ...event.patch, times: { ...task.times } };
      for (const key of event.unset ?? []) delete next[key];
      if (event.state) {
        next.state = event.state;
        next.times[event.state] = event.at;
      }
      state.tasks.set(event.id, next);
      return;
    }
    case 'spend_window': {
      const { window } = event;
      state.windows.set(window.id, window);
      const { verdict } = window;
      if (!verdict) return;
      for (const task of state.tasks.values()) {
        if (task.window === window.id && task.ledger === 'real') state.tasks.set(task.id, { ...task, charge: chargeFor(task, verdict) });
      }
      return;
    }
  }
}

export function queueStateToJson(state: QueueState): unknown {
  return {
    batches: [...state.batches.values()],
    tasks: [...state.tasks.values()],
    windows: [...state.windows.values()],
    order: state.order,
    archived: [...state.archived.values()]
  };
}

/** The state a snapshot holds, checked; throws, naming the first damaged field, when it is not one. */
export function queueStateFromJson(json: unknown): QueueState {
  const result = queueSnapshotSchema.safeParse(json);
  if (!result.success) throw new Error(`the queue state is damaged: ${describeIssue(result.error)}`);
  const { batches, tasks, windows, order, archived } = result.data;
  // A snapshot from before the order was kept: batches go in the order they were added.
  const byAge = [...batches].sort((a, b) => a.createdAt - b.createdAt).map((b) => b.id);
  const known = new Set(batches.map((b) => b.id));
  const kept = (order ?? []).filter((id) => known.has(id));
  return {
    batches: new Map(batches.map((b) => [b.id, b])),
    tasks: new Map(tasks.map((t) => [t.id, t])),
    windows: new Map((windows ?? []).map((w) => [w.id, w])),
    order: [...kept, ...byAge.filter((id) => !kept.includes(id))],
    archived: new Map((archived ?? []).map((a) => [a.summary.batch.id, a]))
  };
}
