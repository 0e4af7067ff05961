import { defineStore } from 'pinia';
import { computed, reactive, ref, shallowReactive } from 'vue';
import { taskIdFor, type BatchSummary, type CostTotals, type QueueStatus, type TaskRecord } from '@shared/batch';
import type { QueueDelta, QueueSnapshot } from '@shared/ipc';
import { SETTINGS_LIMITS } from '@shared/settings';
import type { TaskState } from '@shared/task-state';
import { plural } from '../lib/format';
import { COUNT_GROUPS } from '../lib/task-view';
import { createActions, subscribe } from './ipc';

/** Tasks fetched per `tasks:page` call. */
export const TASK_PAGE = 500;

export type TaskFilter = 'all' | 'attention' | 'failed' | 'running' | 'queued' | 'done';

const FILTER_STATES: Record<Exclude<TaskFilter, 'all'>, ReadonlySet<TaskState>> = {
  attention: new Set(groupStates('attention')),
  failed: new Set(groupStates('failed')),
  running: new Set([...groupStates('running'), ...groupStates('downloading')]),
  queued: new Set(groupStates('queued')),
  done: new Set(groupStates('done'))
};

function groupStates(key: string): TaskState[] {
  return COUNT_GROUPS.find((g) => g.key === key)?.states ?? [];
}

/** A batch's task ids in submission order. */
function idsOf(summary: BatchSummary): readonly string[] {
  return Array.from({ length: summary.total }, (_, i) => taskIdFor(summary.batch.id, i));
}

type TaskActionKind = 'resubmit' | 'abandon' | 'retry' | 'cancel';

/**
 * The queue as the window knows it. A snapshot on start, then coalesced deltas: each delta's
 * tasks are merged into one map by id and its batches into another; nothing is fetched again
 * per event. Task pages are fetched only for rows a person scrolls to (or all of a batch, once,
 * when a filter needs them).
 */
export const useQueueStore = defineStore('queue', () => {
  const status = ref<QueueStatus | null>(null);
  const costs = ref<CostTotals | null>(null);
  // Shallow: records are replaced whole, so only the changed key re-renders.
  const batches = shallowReactive(new Map<string, BatchSummary>());
  const tasks = shallowReactive(new Map<string, TaskRecord>());
  const selectedBatchId = ref<string | null>(null);
  const selectedTaskId = ref<string | null>(null);
  const filter = ref<TaskFilter>('all');
  /** Short results of batch actions ("Canceled 12 videos …"), by batch id. */
  const notices = reactive<Record<string, string>>({});
  const deltaCount = ref(0);
  const actions = createActions();

  // Change counters, to keep a slow page or snapshot from overwriting newer data (not state).
  let taskSeq = 0;
  let statusSeq = 0;
  const taskTouched = new Map<string, number>();
  const batchTouched = new Map<string, number>();
  const pagesLoaded = new Map<string, Set<number>>();
  const pagesLoading = new Map<string, Set<number>>();

  const batchList = computed(() => [...batches.values()].sort((a, b) => b.batch.createdAt - a.batch.createdAt));
  const selectedBatch = computed(() => (selectedBatchId.value ? batches.get(selectedBatchId.value) : undefined));
  const selectedTask = computed(() => (selectedTaskId.value ? tasks.get(selectedTaskId.value) : undefined));

  /** The ids of the selected batch in order, narrowed by the filter (needs the batch loaded). */
  const visibleIds = computed<readonly string[] | null>(() => {
    const summary = selectedBatch.value;
    if (!summary) return null;
    const ids = idsOf(summary);
    if (filter.value === 'all') return ids;
    const states = FILTER_STATES[filter.value];
    return ids.filter((id) => {
      const task = tasks.get(id);
      return task !== undefined && states.has(task.state);
    });
  });

  function putBatch(summary: BatchSummary): void {
    batches.set(summary.batch.id, summary);
    batchTouched.set(summary.batch.id, ++statusSeq);
  }

  function putTask(task: TaskRecord): void {
    tasks.set(task.id, task);
    taskTouched.set(task.id, ++taskSeq);
  }

  function selectNewestIfNone(): void {
    if (selectedBatchId.value && batches.has(selectedBatchId.value)) return;
    selectedBatchId.value = batchList.value[0]?.batch.id ?? null;
  }

  function applyDelta(delta: QueueDelta): void {
    deltaCount.value++;
    statusSeq++;
    status.value = delta.status;
    costs.value = delta.costs;
    for (const summary of delta.batches) putBatch(summary);
    for (const task of delta.tasks) putTask(task);
    selectNewestIfNone();
  }

  function listen(): () => void {
    return subscribe('queue:changed', applyDelta);
  }

  /** The snapshot on start; deltas that arrived while it was on its way win. */
  async function load(): Promise<void> {
    const since = statusSeq;
    const snap = await actions.run('snapshot', 'queue:snapshot');
    if (!snap) return;
    mergeSnapshot(snap, since);
  }

  /** A snapshot an action answered with (e.g. the ledger choice): newer than anything before it. */
  function applySnapshot(snap: QueueSnapshot): void {
    statusSeq++;
    status.value = snap.status;
    costs.value = snap.costs;
    for (const summary of snap.batches) putBatch(summary);
    selectNewestIfNone();
  }

  function mergeSnapshot(snap: QueueSnapshot, since: number): void {
    if (statusSeq === since) {
      status.value = snap.status;
      costs.value = snap.costs;
    }
    for (const summary of snap.batches) {
      if ((batchTouched.get(summary.batch.id) ?? 0) <= since) batches.set(summary.batch.id, summary);
    }
    selectNewestIfNone();
  }

  async function loadPage(batchId: string, page: number): Promise<void> {
    const loaded = pagesLoaded.get(batchId) ?? new Set<number>();
    const loading = pagesLoading.get(batchId) ?? new Set<number>();
    pagesLoaded.set(batchId, loaded);
    pagesLoading.set(batchId, loading);
    if (loaded.has(page) || loading.has(page)) return;
    // Deltas may already have brought every task of this page: nothing to fetch.
    const total = batches.get(batchId)?.total ?? 0;
    const first = page * TASK_PAGE;
    const held = (i: number): boolean => tasks.has(taskIdFor(batchId, i));
    if (Array.from({ length: Math.max(0, Math.min(TASK_PAGE, total - first)) }, (_, i) => first + i).every(held)) {
      loaded.add(page);
      return;
    }
    loading.add(page);
    const since = taskSeq;
    const result = await actions.run(`page:${batchId}`, 'tasks:page', batchId, { offset: page * TASK_PAGE, limit: TASK_PAGE });
    loading.delete(page);
    if (!result) return;
    loaded.add(page);
    for (const task of result.items) {
      // A delta that came while the page was on its way is newer than the page.
      if ((taskTouched.get(task.id) ?? 0) <= since) tasks.set(task.id, task);
    }
  }

  /** Fetches the pages holding rows [start, end) of a batch that are not here yet. */
  async function ensureTasks(batchId: string, start: number, end: number): Promise<void> {
    const total = batches.get(batchId)?.total ?? 0;
    const last = Math.min(end, total) - 1;
    if (last < start) return;
    const pages: Promise<void>[] = [];
    for (let p = Math.floor(start / TASK_PAGE); p <= Math.floor(last / TASK_PAGE); p++) pages.push(loadPage(batchId, p));
    await Promise.all(pages);
  }

  /** Fetches every task of a batch once (a filter needs them); deltas keep them fresh after. */
  async function ensureAllTasks(batchId: string): Promise<void> {
    const total = batches.get(batchId)?.total ?? 0;
    for (let p = 0; p * TASK_PAGE < total; p++) await loadPage(batchId, p);
  }

  function selectBatch(batchId: string): void {
    if (selectedBatchId.value === batchId) return;
    selectedBatchId.value = batchId;
    selectedTaskId.value = null;
    filter.value = 'all';
  }

  function selectTask(taskId: string | null): void {
    selectedTaskId.value = taskId;
  }

  async function setFilter(next: TaskFilter): Promise<void> {
    filter.value = next;
    if (next !== 'all' && selectedBatchId.value) await ensureAllTasks(selectedBatchId.value);
  }

  /** A batch just created here: shown and selected at once, before its first delta. */
  function addCreated(summary: BatchSummary): void {
    putBatch(summary);
    selectedBatchId.value = summary.batch.id;
    selectedTaskId.value = null;
    filter.value = 'all';
  }

  // ── Batch actions ───────────────────────────────────────────────────────────────────────

  async function pauseBatch(batchId: string): Promise<void> {
    const value = await actions.run(`batch:${batchId}`, 'batches:pause', batchId);
    if (value) putBatch(value);
  }

  async function resumeBatch(batchId: string): Promise<void> {
    const value = await actions.run(`batch:${batchId}`, 'batches:resume', batchId);
    if (value) putBatch(value);
  }

  async function cancelBatch(batchId: string): Promise<void> {
    const n = await actions.run(`batch:${batchId}`, 'batches:cancel', batchId);
    if (n === undefined) return;
    notices[batchId] =
      n === 0 ? 'Nothing to cancel: every video was already submitted.' : `Canceled ${plural(n, 'video')} not yet submitted: nothing was charged for them.`;
  }

  async function retryFailed(batchId: string): Promise<void> {
    const n = await actions.run(`batch:${batchId}`, 'batches:retry-failed', batchId);
    if (n === undefined) return;
    notices[batchId] = n === 0 ? 'No failed videos to retry.' : `Queued ${plural(n, 'failed video')} again; each is a new, paid submit.`;
  }

  function dismissNotice(batchId: string): void {
    delete notices[batchId];
  }

  // ── Task actions ────────────────────────────────────────────────────────────────────────

  async function taskAction(kind: TaskActionKind, taskId: string): Promise<boolean> {
    const channel = `tasks:${kind}` as const;
    const value = await actions.run(`task:${taskId}`, channel, taskId);
    if (value) putTask(value);
    return value !== undefined;
  }

  async function attach(taskId: string, apixoTaskId: string): Promise<boolean> {
    const clean = apixoTaskId.trim();
    if (!clean) {
      actions.fail(`task:${taskId}`, 'Paste the task ID from your APIXO dashboard first.');
      return false;
    }
    if (clean.length > 256) {
      actions.fail(`task:${taskId}`, 'That is too long to be an APIXO task ID.');
      return false;
    }
    const value = await actions.run(`task:${taskId}`, 'tasks:attach', taskId, clean);
    if (value) putTask(value);
    return value !== undefined;
  }

  // ── The queue as a whole ────────────────────────────────────────────────────────────────

  async function setConcurrency(limit: number): Promise<boolean> {
    if (!Number.isInteger(limit) || limit < 1 || limit > SETTINGS_LIMITS.concurrencyMax) {
      actions.fail('concurrency', `Videos at once must be a whole number from 1 to ${SETTINGS_LIMITS.concurrencyMax}.`);
      return false;
    }
    const value = await actions.run('concurrency', 'queue:set-concurrency', limit);
    if (value) {
      statusSeq++;
      status.value = value;
    }
    return value !== undefined;
  }

  async function resumeAccount(): Promise<void> {
    const value = await actions.run('account', 'queue:resume-account');
    if (value) {
      statusSeq++;
      status.value = value;
    }
  }

  return {
    status,
    costs,
    batches,
    tasks,
    selectedBatchId,
    selectedTaskId,
    filter,
    notices,
    deltaCount,
    errors: actions.errors,
    busy: actions.busy,
    batchList,
    selectedBatch,
    selectedTask,
    visibleIds,
    applyDelta,
    applySnapshot,
    listen,
    load,
    ensureTasks,
    ensureAllTasks,
    selectBatch,
    selectTask,
    setFilter,
    addCreated,
    pauseBatch,
    resumeBatch,
    cancelBatch,
    retryFailed,
    dismissNotice,
    taskAction,
    attach,
    setConcurrency,
    resumeAccount
  };
});
