import { defineStore } from 'pinia';
import { computed, reactive, ref, shallowReactive, watch, watchEffect } from 'vue';
import { taskIdFor, type BatchMove, type BatchSummary, type CostTotals, type QueueStatus, type TaskEdit, type TaskRecord } from '@shared/batch';
import { WATCH_MAX, type Page, type PageRequest, type QueueDelta, type QueueSnapshot, type TaskDelta } from '@shared/ipc';
import { FAILURE_GROUPS, FAILURE_GROUP_WORDS, type FailureCounts, type FailureGroup } from '@shared/triage';
import { SETTINGS_LIMITS } from '@shared/settings';
import { TASK_STATES, type TaskState } from '@shared/task-state';
import { plural } from '../lib/format';
import { queueTitle } from '../lib/queue-progress';
import { COUNT_GROUPS, isFinished } from '../lib/task-view';
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

/** A state's letter in a `tasks:states` answer. */
const stateCode = (state: TaskState): string => String.fromCharCode(65 + TASK_STATES.indexOf(state));

/** Rows either side of the screen the window also watches, so a short scroll finds them fresh. */
const WATCH_MARGIN = 20;

/** A batch's task ids in submission order. */
function idsOf(summary: BatchSummary): readonly string[] {
  return Array.from({ length: summary.total }, (_, i) => taskIdFor(summary.batch.id, i));
}

type TaskActionKind = 'resubmit' | 'abandon' | 'retry' | 'cancel';

/** Where the failures panel looks: one batch, or (null) every batch in the queue. */
export type FailureScope = string | null;

/**
 * The queue as the window knows it (architecture.md, "IPC"). A snapshot on start, then coalesced
 * deltas: each carries the totals, the changed batches' summaries, and the changed fields of the
 * tasks the window watches (`queue:watch`: the rows on screen, the task open, the lists shown),
 * merged into one map by id. Task pages are fetched only for rows a person scrolls to; a task
 * held from before comes back only if it changed since the version it is held at. A filter reads
 * every task's state in one letter (`tasks:states`), fetched again when its batch changes.
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
  /** The batches in the queue's order, as the engine last told it (a batch new since then comes last). */
  const order = ref<string[]>([]);
  /** Finished batches put away, newest first. */
  const archived = ref<BatchSummary[]>([]);
  /** Tasks of the selected batch ticked in the table (for "Move to front"), and the last one clicked (Shift-click ranges). */
  const checked = ref<ReadonlySet<string>>(new Set());
  const checkAnchor = ref<string | null>(null);
  /** What the right-hand side shows: the selected batch's videos, or a failures panel. */
  const pane = ref<'tasks' | 'failures'>('tasks');
  const failureScope = ref<FailureScope>(null);
  /** Short results of queue-wide actions ("Paused 3 batches"). */
  const queueNotice = ref('');
  const deltaCount = ref(0);
  const actions = createActions();

  // Change counters, to keep a slow page or snapshot from overwriting newer data (not state).
  let taskSeq = 0;
  let statusSeq = 0;
  const taskTouched = new Map<string, number>();
  const batchTouched = new Map<string, number>();
  const pagesLoaded = new Map<string, Set<number>>();
  const pagesLoading = new Map<string, Set<number>>();
  /** The last delta's version, and the version each held task is known to be current at. */
  let version = 0;
  const heldAt = new Map<string, number>();
  /** The task table's rows on screen; other tasks shown, by who shows them (the failures panel, a dialog). */
  const screen = ref<{ batchId: string; start: number; end: number } | null>(null);
  const followed = shallowReactive(new Map<string, readonly string[]>());
  /** Every task's state of a batch, one letter each (what a filter reads). */
  const states = shallowReactive(new Map<string, string>());

  const batchList = computed(() => {
    const known = new Set(order.value);
    const listed = order.value.map((id) => batches.get(id)).filter((s): s is BatchSummary => s !== undefined && s.archivedAt === undefined);
    // Batches the order does not know yet (added since): last, oldest first, as the engine appends them.
    const fresh = [...batches.values()]
      .filter((s) => !known.has(s.batch.id) && s.archivedAt === undefined)
      .sort((a, b) => a.batch.createdAt - b.batch.createdAt);
    return [...listed, ...fresh];
  });
  /** Failures by cause over the batches in the queue, from their summaries (always as fresh as they are). */
  const failures = computed<FailureCounts>(() => {
    const total: FailureCounts = {};
    for (const summary of batchList.value) {
      for (const group of FAILURE_GROUPS) {
        const n = summary.failures?.[group] ?? 0;
        if (n > 0) total[group] = (total[group] ?? 0) + n;
      }
    }
    return total;
  });
  /** Batches whose every task ended: they may be archived. */
  const finishedIds = computed(() => batchList.value.filter((s) => isFinished(s)).map((s) => s.batch.id));
  const selectedBatch = computed(() => (selectedBatchId.value ? batches.get(selectedBatchId.value) : undefined));
  const selectedTask = computed(() => (selectedTaskId.value ? tasks.get(selectedTaskId.value) : undefined));

  /** The ids of the selected batch in order, narrowed by the filter (needs the batch loaded). */
  const visibleIds = computed<readonly string[] | null>(() => {
    const summary = selectedBatch.value;
    if (!summary) return null;
    const ids = idsOf(summary);
    if (filter.value === 'all') return ids;
    const wanted = FILTER_STATES[filter.value];
    const codes = states.get(summary.batch.id);
    if (codes !== undefined) {
      const letters = new Set([...wanted].map(stateCode));
      return ids.filter((_, i) => letters.has(codes[i]));
    }
    return ids.filter((id) => {
      const task = tasks.get(id);
      return task !== undefined && wanted.has(task.state);
    });
  });

  /** The tasks the window shows: rows on screen (and a margin), the selected task, the lists followed. */
  const watchedIds = computed<string[]>(() => {
    const out = new Set<string>();
    const rows = screen.value;
    const summary = rows ? batches.get(rows.batchId) : undefined;
    if (rows && summary) {
      const from = Math.max(0, rows.start - WATCH_MARGIN);
      if (filter.value === 'all' || rows.batchId !== selectedBatchId.value) {
        for (let i = from; i < Math.min(summary.total, rows.end + WATCH_MARGIN); i++) out.add(taskIdFor(rows.batchId, i));
      } else {
        const ids = visibleIds.value ?? [];
        for (let i = from; i < Math.min(ids.length, rows.end + WATCH_MARGIN); i++) out.add(ids[i]);
      }
    }
    if (selectedTaskId.value) out.add(selectedTaskId.value);
    for (const ids of followed.values()) for (const id of ids) out.add(id);
    return [...out].slice(0, WATCH_MAX);
  });

  function putBatch(summary: BatchSummary): void {
    batches.set(summary.batch.id, summary);
    batchTouched.set(summary.batch.id, ++statusSeq);
    if (summary.archivedAt !== undefined) putArchived(summary);
  }

  /** A batch put away: out of the queue's list, into the archived one (newest first). */
  function putArchived(summary: BatchSummary): void {
    batches.delete(summary.batch.id);
    order.value = order.value.filter((id) => id !== summary.batch.id);
    archived.value = [summary, ...archived.value.filter((s) => s.batch.id !== summary.batch.id)].sort((a, b) => (b.archivedAt ?? 0) - (a.archivedAt ?? 0));
    if (selectedBatchId.value === summary.batch.id) selectedBatchId.value = null;
  }

  /** The queue's order and its archived batches, from a snapshot. */
  function takeOrder(snap: QueueSnapshot): void {
    order.value = snap.batches.map((s) => s.batch.id);
    const inQueue = new Set(order.value);
    for (const id of [...batches.keys()]) if (!inQueue.has(id) && snap.archived?.some((s) => s.batch.id === id)) batches.delete(id);
    archived.value = [...(snap.archived ?? [])];
  }

  function putTask(task: TaskRecord, at = version): void {
    tasks.set(task.id, task);
    heldAt.set(task.id, at);
    taskTouched.set(task.id, ++taskSeq);
    const codes = states.get(task.batchId);
    if (codes !== undefined && task.position < codes.length && codes[task.position] !== stateCode(task.state)) {
      states.set(task.batchId, codes.slice(0, task.position) + stateCode(task.state) + codes.slice(task.position + 1));
    }
  }

  // ── What the window watches ─────────────────────────────────────────────────────────────

  let watching: Promise<void> | undefined;
  let watchAgain = false;
  /** Tasks to ask for whole at the next watch: a delta came for one not held (main watched it for an earlier page). */
  const refetch = new Set<string>();
  /**
   * While a watch call is on its way, the deltas for the tasks it names: main takes the deltas
   * after it against what it answers, so those newer than the answer are applied to it again
   * (events and answers need not arrive in the order main sent them).
   */
  let inFlight: { ids: ReadonlySet<string>; deltas: { version: number; change: TaskDelta }[] } | undefined;

  /** Tells main which tasks the window shows, and takes those it lacks; one call at a time, the last word wins. */
  function syncWatch(): Promise<void> {
    watchAgain = true;
    watching ??= (async () => {
      try {
        while (watchAgain) {
          watchAgain = false;
          const ids = watchedIds.value;
          const have: Record<string, number> = {};
          for (const id of ids) {
            const at = heldAt.get(id);
            if (at !== undefined && tasks.has(id) && !refetch.has(id)) have[id] = at;
          }
          refetch.clear();
          const call = { ids: new Set(ids), deltas: [] as { version: number; change: TaskDelta }[] };
          inFlight = call;
          const answer = await actions.run('watch', 'queue:watch', { ids, have });
          inFlight = undefined;
          if (!answer) return;
          const whole = new Set<string>();
          for (const task of answer.tasks) {
            putTask(task, answer.version);
            whole.add(task.id);
          }
          for (const { version: at, change } of call.deltas) if (at > answer.version && whole.has(change.id)) applyChange(change, at);
          if (refetch.size > 0) watchAgain = true;
        }
      } finally {
        watching = undefined;
      }
    })();
    return watching;
  }

  watch(
    () => watchedIds.value.join(','),
    () => void syncWatch()
  );

  /** Tasks shown outside the table (the failures panel's lists, a dialog), by who shows them; none stops it. */
  function follow(key: string, ids: readonly string[]): void {
    if (ids.length === 0) followed.delete(key);
    else followed.set(key, [...ids]);
  }

  /** Every task's state of a batch, fetched again while a newer fetch is wanted. */
  const statesLoading = new Map<string, Promise<void>>();
  const statesAgain = new Set<string>();
  function loadStates(batchId: string): Promise<void> {
    statesAgain.add(batchId);
    let loading = statesLoading.get(batchId);
    if (!loading) {
      loading = (async () => {
        try {
          while (statesAgain.delete(batchId)) {
            const answer = await actions.run(`states:${batchId}`, 'tasks:states', batchId);
            if (!answer) return;
            states.set(batchId, answer.states);
            // Watched tasks held newer than the answer keep their letters.
            for (const id of watchedIds.value) {
              const task = tasks.get(id);
              if (task?.batchId === batchId && (heldAt.get(id) ?? 0) > answer.version) putTask(task, heldAt.get(id));
            }
          }
        } finally {
          statesLoading.delete(batchId);
        }
      })();
      statesLoading.set(batchId, loading);
    }
    return loading;
  }

  /** Keeps a batch selected: the newest that still has work, else the newest. */
  function selectNewestIfNone(): void {
    if (selectedBatchId.value && batches.has(selectedBatchId.value)) return;
    const list = [...batchList.value].sort((a, b) => b.batch.createdAt - a.batch.createdAt);
    selectedBatchId.value = (list.find((s) => !isFinished(s)) ?? list[0])?.batch.id ?? null;
    selectedTaskId.value = null;
    checked.value = new Set();
  }

  /** One task's changed fields, as of `at`, onto the record held. */
  function applyChange(change: TaskDelta, at: number): void {
    const held = tasks.get(change.id);
    if (!held) {
      // On its way whole in a watch answer, or else asked for at the next.
      if (!inFlight?.ids.has(change.id)) refetch.add(change.id);
      return;
    }
    // Held from an answer newer than this delta.
    if ((heldAt.get(change.id) ?? -1) >= at) return;
    const next = { ...held, ...change.set } as TaskRecord;
    for (const key of change.unset ?? []) delete next[key];
    putTask(next, at);
  }

  function applyDelta(delta: QueueDelta): void {
    deltaCount.value++;
    statusSeq++;
    version = delta.version;
    status.value = delta.status;
    costs.value = delta.costs;
    for (const summary of delta.batches) putBatch(summary);
    for (const summary of delta.archived ?? []) putArchived(summary);
    for (const change of delta.tasks) {
      if (inFlight?.ids.has(change.id)) inFlight.deltas.push({ version: delta.version, change });
      applyChange(change, delta.version);
    }
    if (refetch.size > 0) void syncWatch();
    // A filter's rows follow the states of its batch.
    const shown = selectedBatchId.value;
    if (shown && filter.value !== 'all' && delta.batches.some((b) => b.batch.id === shown)) void loadStates(shown);
    selectNewestIfNone();
  }

  function listen(): () => void {
    const off = subscribe('queue:changed', applyDelta);
    // The window's title says how far the queue is, while anything runs (architecture.md, "Triage").
    const stopTitle = watchEffect(() => {
      if (typeof document !== 'undefined') document.title = queueTitle(batchList.value);
    });
    return () => {
      off();
      stopTitle();
    };
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
    takeOrder(snap);
    for (const summary of snap.batches) putBatch(summary);
    selectNewestIfNone();
  }

  function mergeSnapshot(snap: QueueSnapshot, since: number): void {
    if (statusSeq === since) {
      status.value = snap.status;
      costs.value = snap.costs;
    }
    takeOrder(snap);
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
    const at = version;
    const result = await actions.run(`page:${batchId}`, 'tasks:page', batchId, { offset: page * TASK_PAGE, limit: TASK_PAGE });
    loading.delete(page);
    if (!result) return;
    loaded.add(page);
    for (const task of result.items) {
      // A delta or a watch answer that came while the page was on its way is newer than the page.
      if ((taskTouched.get(task.id) ?? 0) <= since) putTask(task, at);
    }
  }

  /**
   * The task table's rows [start, end) are on screen (rows of the filtered list while a filter is
   * on): they are watched from now on, and, unfiltered, the pages holding them fetched if not here.
   */
  let screenSeq = 0;
  async function ensureTasks(batchId: string, start: number, end: number): Promise<void> {
    const seq = ++screenSeq;
    const pages: Promise<void>[] = [];
    const total = batches.get(batchId)?.total ?? 0;
    const last = Math.min(end, total) - 1;
    if (filter.value === 'all' || batchId !== selectedBatchId.value) {
      for (let p = Math.floor(start / TASK_PAGE); p <= Math.floor(last / TASK_PAGE) && last >= start; p++) pages.push(loadPage(batchId, p));
    }
    // The pages first: the watch then asks only for what changed since they were read. A later screen wins.
    await Promise.all(pages);
    if (seq !== screenSeq) return;
    screen.value = { batchId, start, end };
    await syncWatch();
  }

  function selectBatch(batchId: string): void {
    pane.value = 'tasks';
    if (selectedBatchId.value === batchId) return;
    selectedBatchId.value = batchId;
    selectedTaskId.value = null;
    filter.value = 'all';
    checked.value = new Set();
    checkAnchor.value = null;
  }

  /** The failures panel, for one batch or (null) every batch. */
  function showFailures(scope: FailureScope): void {
    failureScope.value = scope;
    if (scope) selectBatch(scope);
    pane.value = 'failures';
  }

  function showTasks(): void {
    pane.value = 'tasks';
  }

  function selectTask(taskId: string | null): void {
    selectedTaskId.value = taskId;
  }

  async function setFilter(next: TaskFilter): Promise<void> {
    filter.value = next;
    if (next !== 'all' && selectedBatchId.value) await loadStates(selectedBatchId.value);
  }

  /** A batch just created (from any door: import, compose, the library): shown and selected at once, before its first delta. */
  function addCreated(summary: BatchSummary): void {
    putBatch(summary);
    if (!order.value.includes(summary.batch.id)) order.value = [...order.value, summary.batch.id];
    selectBatch(summary.batch.id);
  }

  // ── Queue order and archive ─────────────────────────────────────────────────────────────

  async function moveBatch(batchId: string, to: BatchMove): Promise<boolean> {
    const snap = await actions.run(`batch:${batchId}`, 'batches:move', batchId, to);
    if (snap) applySnapshot(snap);
    return snap !== undefined;
  }

  async function archive(batchIds: string[]): Promise<boolean> {
    if (batchIds.length === 0) return false;
    const snap = await actions.run(batchIds.length === 1 ? `batch:${batchIds[0]}` : 'archive', 'batches:archive', batchIds);
    if (!snap) return false;
    applySnapshot(snap);
    queueNotice.value = `Archived ${plural(batchIds.length, 'finished batch', 'finished batches')}: their videos stay in the library, their money in the totals.`;
    return true;
  }

  function archiveFinished(): Promise<boolean> {
    return archive(finishedIds.value);
  }

  async function pauseAll(): Promise<void> {
    const snap = await actions.run('all', 'queue:pause-all');
    if (snap) applySnapshot(snap);
  }

  async function resumeAll(): Promise<void> {
    const snap = await actions.run('all', 'queue:resume-all');
    if (snap) applySnapshot(snap);
  }

  // ── Failure triage ──────────────────────────────────────────────────────────────────────

  const scopeKey = (scope: FailureScope, group: FailureGroup): string => `group:${scope ?? 'all'}:${group}`;

  /** One page of a failure group's tasks; they join the task map, so deltas keep them fresh. */
  async function failurePage(scope: FailureScope, group: FailureGroup, page: PageRequest): Promise<Page<TaskRecord> | undefined> {
    const since = taskSeq;
    const at = version;
    const value = await actions.run(`${scopeKey(scope, group)}:page`, 'tasks:failures', scope, group, page);
    if (!value) return undefined;
    for (const task of value.items) if ((taskTouched.get(task.id) ?? 0) <= since) putTask(task, at);
    return value;
  }

  /** One notice per panel: the last group action's result replaces the one before. */
  function groupNotice(scope: FailureScope, group: FailureGroup, words: string): void {
    const prefix = `group:${scope ?? 'all'}:`;
    for (const key of Object.keys(notices)) if (key.startsWith(prefix)) delete notices[key];
    notices[scopeKey(scope, group)] = words;
  }

  async function retryGroup(scope: FailureScope, group: FailureGroup): Promise<number | undefined> {
    const n = await actions.run(scopeKey(scope, group), 'batches:retry-group', scope, group);
    if (n !== undefined) groupNotice(scope, group, n === 0 ? 'Nothing to retry.' : `Queued ${plural(n, 'video')} again; each is a new, paid submit.`);
    return n;
  }

  async function abandonGroup(scope: FailureScope, group: FailureGroup): Promise<number | undefined> {
    const n = await actions.run(scopeKey(scope, group), 'batches:abandon-group', scope, group);
    if (n !== undefined)
      groupNotice(scope, group, n === 0 ? 'Nothing to abandon.' : `Gave up on ${plural(n, 'video')}: ${FAILURE_GROUP_WORDS[group].label.toLowerCase()}.`);
    return n;
  }

  /** Changes a failed task's request and queues it again; the edited task comes back. */
  async function editRetry(taskId: string, edit: TaskEdit): Promise<TaskRecord | undefined> {
    const value = await actions.run(`edit:${taskId}`, 'tasks:edit-retry', taskId, edit);
    if (value) putTask(value);
    return value;
  }

  /** Shows a finished video in the file manager (its library path). */
  async function reveal(taskId: string, path: string): Promise<boolean> {
    const shown = await actions.run(`task:${taskId}`, 'library:reveal', path);
    return shown === true;
  }

  // ── Ticked tasks ────────────────────────────────────────────────────────────────────────

  /** Ticks or unticks a task; with `range`, every task from the last one clicked to this one takes its new state. */
  function toggleChecked(taskId: string, range = false): void {
    const next = new Set(checked.value);
    const on = !next.has(taskId);
    const ids = visibleIds.value ?? [];
    const from = checkAnchor.value ? ids.indexOf(checkAnchor.value) : -1;
    const to = ids.indexOf(taskId);
    if (range && from >= 0 && to >= 0) {
      for (let i = Math.min(from, to); i <= Math.max(from, to); i++) {
        if (on) next.add(ids[i]);
        else next.delete(ids[i]);
      }
    } else if (on) next.add(taskId);
    else next.delete(taskId);
    checkAnchor.value = taskId;
    checked.value = next;
  }

  function checkAll(): void {
    checked.value = new Set(visibleIds.value ?? []);
  }

  function clearChecked(): void {
    checked.value = new Set();
    checkAnchor.value = null;
  }

  /** Moves the ticked tasks that still wait to the front of their batch, in table order. */
  async function toFront(): Promise<number | undefined> {
    // Under a filter, by the batch's state letters (ticked rows need not be held, nor on screen), else by the records.
    const codes = filter.value !== 'all' && selectedBatchId.value ? states.get(selectedBatchId.value) : undefined;
    const queued = (id: string): boolean =>
      codes === undefined ? tasks.get(id)?.state === 'queued' : codes[Number(id.slice(id.lastIndexOf('-') + 1))] === stateCode('queued');
    const ids = (visibleIds.value ?? []).filter((id) => checked.value.has(id) && queued(id));
    const key = `front:${selectedBatchId.value ?? ''}`;
    if (ids.length === 0) {
      actions.fail(key, 'Tick videos that still wait (queued) to move them to the front.');
      return undefined;
    }
    const n = await actions.run(key, 'tasks:to-front', ids);
    if (n === undefined) return undefined;
    if (selectedBatchId.value) notices[key] = `Moved ${plural(n, 'video')} to the front of the batch: they are submitted next.`;
    clearChecked();
    return n;
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

  function dismissNotice(key: string): void {
    delete notices[key];
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
    order,
    archived,
    checked,
    pane,
    failureScope,
    queueNotice,
    failures,
    finishedIds,
    deltaCount,
    errors: actions.errors,
    busy: actions.busy,
    batchList,
    selectedBatch,
    selectedTask,
    visibleIds,
    watchedIds,
    applyDelta,
    applySnapshot,
    listen,
    load,
    ensureTasks,
    follow,
    selectBatch,
    selectTask,
    setFilter,
    addCreated,
    showFailures,
    showTasks,
    moveBatch,
    archive,
    archiveFinished,
    pauseAll,
    resumeAll,
    failurePage,
    retryGroup,
    abandonGroup,
    editRetry,
    reveal,
    toggleChecked,
    checkAll,
    clearChecked,
    toFront,
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
