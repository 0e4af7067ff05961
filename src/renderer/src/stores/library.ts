import { defineStore } from 'pinia';
import { computed, reactive, ref, shallowReactive, shallowRef, watch } from 'vue';
import type { LibraryBulkResult, LibraryChange, LibraryDetail, LibraryItem, LibraryPage, LibraryQuery, LibrarySort } from '@shared/library';
import { formatUsd, type Micros } from '@shared/pricing';
import { formatCount, plural } from '../lib/format';
import { capturePoster } from '../lib/poster';
import { useComposerStore } from './composer';
import { createActions, invoke, mediaUrl, subscribe } from './ipc';
import { useQueueStore } from './queue';

/** Videos fetched per `library:query` call as the grid scrolls. */
export const LIBRARY_PAGE = 200;
/** Larger pages when every match is wanted (select all). */
const BULK_PAGE = 1000;
/** Poster frames captured at once. */
const MAX_CAPTURES = 2;
const DAY_MS = 24 * 60 * 60 * 1000;

export type DateWindow = 'all' | 'today' | 'week' | 'month';

/** What a person chose to look at; turned into a `LibraryQuery` when fetched. */
export interface LibraryFilters {
  text: string;
  modes: string[];
  resolutions: string[];
  aspects: string[];
  durationMin: number | null;
  durationMax: number | null;
  batchId: string | null;
  date: DateWindow;
  favouritesOnly: boolean;
  sort: LibrarySort;
}

/** Where an action was started: errors and notices are shown there. */
export type ActionScope = 'player' | 'selection' | 'grid';

export type LibraryMeta = Omit<LibraryPage, 'items'>;

function freshFilters(sort: LibrarySort = 'newest'): LibraryFilters {
  return { text: '', modes: [], resolutions: [], aspects: [], durationMin: null, durationMax: null, batchId: null, date: 'all', favouritesOnly: false, sort };
}

/** The first moment a date window takes in (local time), or undefined for all time. */
export function windowStart(date: DateWindow, now = Date.now()): number | undefined {
  if (date === 'today') {
    const start = new Date(now);
    start.setHours(0, 0, 0, 0);
    return start.getTime();
  }
  if (date === 'week') return now - 7 * DAY_MS;
  if (date === 'month') return now - 30 * DAY_MS;
  return undefined;
}

/** The query for a set of filters (without paging). */
export function toQuery(filters: LibraryFilters, now = Date.now()): LibraryQuery {
  const query: LibraryQuery = { sort: filters.sort };
  const text = filters.text.trim();
  if (text) query.text = text.slice(0, 1000);
  if (filters.modes.length > 0) query.modes = [...filters.modes];
  if (filters.resolutions.length > 0) query.resolutions = [...filters.resolutions];
  if (filters.aspects.length > 0) query.aspects = [...filters.aspects];
  if (filters.durationMin !== null) query.durationMin = filters.durationMin;
  if (filters.durationMax !== null) query.durationMax = filters.durationMax;
  if (filters.batchId) query.batchId = filters.batchId;
  const from = windowStart(filters.date, now);
  if (from !== undefined) query.from = from;
  if (filters.favouritesOnly) query.favourite = true;
  return query;
}

function metaOf(page: LibraryPage): LibraryMeta {
  const { items: _items, ...meta } = page;
  return meta;
}

/**
 * The library as the window shows it: the filters, the matching videos fetched page by page
 * as the grid scrolls (a newer query or refresh always wins over a slower older answer), the
 * selection (by path), the video open in the player, poster frames made on demand, and every
 * action on one video or on the selection.
 */
export const useLibraryStore = defineStore('library', () => {
  const filters = reactive<LibraryFilters>(freshFilters());
  const meta = shallowRef<LibraryMeta | null>(null);
  // Shallow: pages are replaced whole.
  const pages = shallowReactive(new Map<number, LibraryItem[]>());
  /** Selected videos by path, with what is known of each (for prompts and estimates). */
  const selection = shallowReactive(new Map<string, LibraryItem>());
  const anchor = ref<number | null>(null);
  const openIndex = ref<number | null>(null);
  const openPath = ref<string | null>(null);
  const detail = shallowRef<LibraryDetail | null>(null);
  /** Poster frames made in this session, by path (the items' own `thumb` until a refresh brings it). */
  const thumbs = shallowReactive(new Map<string, string>());
  /** Short results of actions ("Copied 3 videos to …"), by scope. */
  const notices = reactive<Partial<Record<ActionScope, string>>>({});
  /** Bumped on every change of the query (not on refreshes): the grid goes back to the top. */
  const queryVersion = ref(0);
  const actions = createActions();

  // Not state: the newest request generation, pages on their way, what the grid shows.
  let gen = 0;
  let reloading = false;
  let active = false;
  let stale = false;
  let shown: [number, number] = [0, LIBRARY_PAGE];
  const pagesLoading = new Map<number, Promise<void>>();
  const thumbTried = new Set<string>();
  // The selection before the current Shift range: the next Shift range replaces that range, as in a file manager.
  let rangeBase: Map<string, LibraryItem> | null = null;
  let thumbQueue: LibraryItem[] = [];
  let capturing = 0;

  const total = computed(() => meta.value?.total ?? 0);
  const librarySize = computed(() => meta.value?.librarySize ?? 0);
  const filtersActive = computed(() => {
    const f = filters;
    return (
      f.text.trim() !== '' ||
      f.modes.length + f.resolutions.length + f.aspects.length > 0 ||
      f.durationMin !== null ||
      f.durationMax !== null ||
      Boolean(f.batchId) ||
      f.date !== 'all' ||
      f.favouritesOnly
    );
  });
  /** "1,234 of 10,000 videos", or "10,000 videos" when nothing narrows the view. */
  /** Whether the counts held were asked with filters: the count line changes its words with its numbers, not before. */
  const metaFiltered = ref(false);
  const countText = computed(() => {
    const m = meta.value;
    if (!m) return '';
    return metaFiltered.value ? `${formatCount(m.total)} of ${plural(m.librarySize, 'video')}` : plural(m.total, 'video');
  });

  function itemAt(index: number): LibraryItem | undefined {
    return pages.get(Math.floor(index / LIBRARY_PAGE))?.[index % LIBRARY_PAGE];
  }

  function thumbOf(item: LibraryItem): string | undefined {
    return thumbs.get(item.path) ?? item.thumb;
  }

  // ── Fetching ────────────────────────────────────────────────────────────────────────────

  function pageQuery(page: number): LibraryQuery {
    return { ...toQuery(filters), offset: page * LIBRARY_PAGE, limit: LIBRARY_PAGE };
  }

  /**
   * Fetches the pages on screen again for the current query and replaces what is held when
   * they arrive (the old cards stay until then). An older reload's answer is dropped.
   */
  async function reload(): Promise<void> {
    const g = ++gen;
    reloading = true;
    pagesLoading.clear();
    const first = Math.floor(shown[0] / LIBRARY_PAGE);
    const last = Math.max(first, Math.floor(Math.max(shown[0], shown[1] - 1) / LIBRARY_PAGE));
    const wanted: number[] = [];
    for (let p = first; p <= last; p++) wanted.push(p);
    const filtered = filtersActive.value;
    const results = await Promise.all(wanted.map((p) => actions.run('load', 'library:query', pageQuery(p))));
    if (g !== gen) return;
    reloading = false;
    if (results.some((r) => r === undefined)) return;
    pages.clear();
    results.forEach((r, i) => pages.set(wanted[i], r!.items));
    meta.value = metaOf(results[0]!);
    metaFiltered.value = filtered;
    stale = false;
    afterReload();
    void ensureRange(...shown);
  }

  /** The player's index follows its video when the list moved; selected videos take their fresh details. */
  function afterReload(): void {
    const held = new Map<string, number>();
    for (const [page, items] of pages) items.forEach((item, i) => held.set(item.path, page * LIBRARY_PAGE + i));
    if (openPath.value !== null) {
      const at = held.get(openPath.value);
      if (at !== undefined) openIndex.value = at;
    }
    for (const [path, at] of held) if (selection.has(path)) selection.set(path, itemAt(at)!);
  }

  function loadPage(page: number): Promise<void> {
    const pending = pagesLoading.get(page);
    if (pending) return pending;
    const g = gen;
    const promise = actions.run('page', 'library:query', pageQuery(page)).then((result) => {
      if (g !== gen) return;
      pagesLoading.delete(page);
      if (result) pages.set(page, result.items);
    });
    pagesLoading.set(page, promise);
    return promise;
  }

  /** Fetches what is missing of the videos [start, end) and waits for it. */
  async function ensureLoaded(start: number, end: number): Promise<void> {
    const last = Math.min(end, total.value) - 1;
    const loads: Promise<void>[] = [];
    for (let p = Math.floor(start / LIBRARY_PAGE); p <= Math.floor(last / LIBRARY_PAGE); p++) {
      if (!pages.has(p)) loads.push(loadPage(p));
    }
    await Promise.all(loads);
  }

  /** The grid shows videos [start, end): fetch what is missing and make poster frames for them. */
  async function ensureRange(start: number, end: number): Promise<void> {
    shown = [start, end];
    if (reloading) return; // the reload fetches the range it ends with
    if (!meta.value) {
      await reload();
      return;
    }
    await ensureLoaded(start, end);
    requestThumbs();
  }

  function onQueryChanged(): void {
    queryVersion.value++;
    clearSelection();
    anchor.value = null;
    // Back to the top with as many cards as the grid shows (the grid's own range report may not
    // come when it was already at the top): posters are made for those only.
    shown = [0, shown[1] - shown[0] || LIBRARY_PAGE];
    void reload();
  }

  watch(() => JSON.stringify(filters), onQueryChanged);

  /** The screen is showing: load it, or catch up on changes that came while it was not. */
  function activate(): void {
    active = true;
    if (!meta.value || stale) void reload();
  }

  function deactivate(): void {
    active = false;
  }

  function clearFilters(): void {
    Object.assign(filters, freshFilters(filters.sort));
  }

  // ── Poster frames ───────────────────────────────────────────────────────────────────────

  /** Queues the videos on screen that have no poster frame yet (each is tried once). */
  function requestThumbs(): void {
    const wanted: LibraryItem[] = [];
    for (let i = shown[0]; i < Math.min(shown[1], total.value); i++) {
      const item = itemAt(i);
      if (item && !thumbOf(item) && !thumbTried.has(item.path)) wanted.push(item);
    }
    // Only what is on screen now: what scrolled away waits until it comes back.
    thumbQueue = wanted;
    pumpThumbs();
  }

  function pumpThumbs(): void {
    while (capturing < MAX_CAPTURES && thumbQueue.length > 0) {
      const item = thumbQueue.shift()!;
      if (thumbTried.has(item.path)) continue;
      thumbTried.add(item.path);
      capturing++;
      void captureThumb(item).finally(() => {
        capturing--;
        pumpThumbs();
      });
    }
  }

  async function captureThumb(item: LibraryItem): Promise<void> {
    let dataUrl: string;
    try {
      dataUrl = await capturePoster(mediaUrl(item.video));
    } catch {
      return; // the placeholder stays
    }
    const result = await invoke('library:thumbnail', item.path, dataUrl);
    if (result.ok) thumbs.set(item.path, result.value);
  }

  // ── Changes pushed by main ──────────────────────────────────────────────────────────────

  function forget(paths: Iterable<string>): void {
    for (const path of paths) {
      selection.delete(path);
      rangeBase?.delete(path);
      thumbs.delete(path);
      thumbTried.delete(path);
      if (openPath.value === path) close();
    }
  }

  function applyChange(change: LibraryChange): void {
    forget(change.removed);
    // A video changed in place gets a new poster: the reload brings the one main holds, if any.
    for (const path of change.changed) {
      thumbs.delete(path);
      thumbTried.delete(path);
    }
    if (openPath.value !== null && change.changed.includes(openPath.value)) void loadDetail(openPath.value);
    if (!meta.value) return;
    if (!active) {
      stale = true;
      meta.value = { ...meta.value, librarySize: change.librarySize };
      return;
    }
    void reload();
  }

  function listen(): () => void {
    return subscribe('library:changed', applyChange);
  }

  // ── Selection ───────────────────────────────────────────────────────────────────────────

  function isSelected(path: string): boolean {
    return selection.has(path);
  }

  function toggle(index: number): void {
    const item = itemAt(index);
    if (!item) return;
    if (selection.has(item.path)) selection.delete(item.path);
    else selection.set(item.path, item);
    setAnchor(index);
  }

  /** Selects every video from the anchor (the last one clicked) to `index`. */
  async function selectRange(index: number): Promise<void> {
    const from = anchor.value ?? index;
    const lo = Math.min(from, index);
    const hi = Math.max(from, index);
    const version = queryVersion.value;
    await ensureLoaded(lo, hi + 1);
    if (version !== queryVersion.value) return; // another query: that range means nothing now
    rangeBase ??= new Map(selection);
    selection.clear();
    for (const [path, item] of rangeBase) selection.set(path, item);
    for (let i = lo; i <= hi; i++) {
      const item = itemAt(i);
      if (item) selection.set(item.path, item);
    }
  }

  /** Selects every video matching the query (fetched in large pages, which also fill the grid). */
  async function selectAll(): Promise<boolean> {
    const version = queryVersion.value;
    const g = gen;
    const count = total.value;
    const found: LibraryItem[] = [];
    for (let offset = 0; offset < count; offset += BULK_PAGE) {
      const result = await actions.run('grid', 'library:query', { ...toQuery(filters), offset, limit: BULK_PAGE });
      if (!result || version !== queryVersion.value) return false;
      if (g === gen) {
        for (let i = 0; i < result.items.length; i += LIBRARY_PAGE) pages.set((offset + i) / LIBRARY_PAGE, result.items.slice(i, i + LIBRARY_PAGE));
      }
      found.push(...result.items);
    }
    for (const item of found) selection.set(item.path, item);
    return true;
  }

  function clearSelection(): void {
    selection.clear();
    rangeBase = null;
  }

  /** Where the next Shift range starts (the last video clicked). */
  function setAnchor(index: number): void {
    anchor.value = index;
    rangeBase = null;
  }

  // ── The player ──────────────────────────────────────────────────────────────────────────

  async function loadDetail(path: string): Promise<void> {
    const value = await actions.run('detail', 'library:get', path);
    if (value && openPath.value === path) detail.value = value;
  }

  /** Opens the video at `index` in the player; what the grid knows shows at once, the rest follows. */
  async function open(index: number): Promise<void> {
    const item = itemAt(index);
    if (!item) return;
    openIndex.value = index;
    openPath.value = item.path;
    setAnchor(index);
    detail.value = { ...item };
    actions.clear('player');
    delete notices.player;
    await loadDetail(item.path);
  }

  /** The next (1) or previous (-1) video of the list, if there is one. */
  async function step(by: 1 | -1): Promise<void> {
    if (openIndex.value === null) return;
    const next = openIndex.value + by;
    if (next < 0 || next >= total.value) return;
    await ensureLoaded(next, next + 1);
    await open(next);
  }

  function close(): void {
    openIndex.value = null;
    openPath.value = null;
    detail.value = null;
  }

  // ── Actions ─────────────────────────────────────────────────────────────────────────────

  /** The videos an action applies to: the one in the player, or the selection. */
  function targets(scope: ActionScope): string[] {
    if (scope === 'player') return openPath.value ? [openPath.value] : [];
    return [...selection.keys()];
  }

  function itemsOf(scope: ActionScope): LibraryItem[] {
    if (scope === 'player') return detail.value ? [detail.value] : [];
    return [...selection.values()];
  }

  /** What generating these videos again would cost, when every one has a known cost. */
  function estimate(scope: ActionScope, takes = 1): Micros | undefined {
    const items = itemsOf(scope);
    if (items.length === 0 || items.some((i) => i.costMicros === undefined)) return undefined;
    return items.reduce((sum, i) => sum + i.costMicros!, 0) * takes;
  }

  function startAction(scope: ActionScope): void {
    delete notices[scope];
  }

  /** Says which videos an action could not do, in the place it was started. */
  function reportFailures(scope: ActionScope, verb: string, result: LibraryBulkResult): void {
    if (result.failed.length === 0) return;
    const first = result.failed[0];
    const name = first.path.split('/').pop();
    const more = result.failed.length > 1 ? ` (and ${plural(result.failed.length - 1, 'other')})` : '';
    actions.fail(scope, `${plural(result.failed.length, 'video')} could not be ${verb}: “${name}”: ${first.message}${more}`);
  }

  function patchItems(paths: Set<string>, patch: Partial<LibraryItem>): void {
    for (const [page, items] of pages) {
      if (items.some((i) => paths.has(i.path)))
        pages.set(
          page,
          items.map((i) => (paths.has(i.path) ? { ...i, ...patch } : i))
        );
    }
    for (const path of paths) {
      const held = selection.get(path);
      if (held) selection.set(path, { ...held, ...patch });
    }
    if (detail.value && paths.has(detail.value.path)) detail.value = { ...detail.value, ...patch };
  }

  async function setFavourite(scope: ActionScope, on: boolean, paths = targets(scope)): Promise<boolean> {
    if (paths.length === 0) return false;
    startAction(scope);
    const result = await actions.run(scope, 'library:favourite', paths, on);
    if (!result) return false;
    const failed = new Set(result.failed.map((f) => f.path));
    patchItems(new Set(paths.filter((p) => !failed.has(p))), { favourite: on });
    reportFailures(scope, on ? 'marked as favourites' : 'unmarked', result);
    return result.failed.length === 0;
  }

  async function copyPrompts(scope: ActionScope): Promise<boolean> {
    startAction(scope);
    actions.clear(scope);
    const prompts = itemsOf(scope)
      .map((i) => i.prompt)
      .filter((p) => p.trim() !== '');
    if (prompts.length === 0) {
      actions.fail(scope, 'There is no prompt to copy: this video was not made by LTX Batch Studio, so its prompt is unknown.');
      return false;
    }
    try {
      await navigator.clipboard.writeText(prompts.join('\n'));
    } catch {
      actions.fail(scope, 'The clipboard could not be written. Select the prompt and copy it by hand.');
      return false;
    }
    notices[scope] = prompts.length === 1 ? 'Copied the prompt.' : `Copied ${plural(prompts.length, 'prompt')}, one per line.`;
    return true;
  }

  /** Fills the composer with a video's prompt, settings, seed and source image; true when it did. */
  async function useSettings(scope: ActionScope): Promise<boolean> {
    const [path] = targets(scope);
    if (!path) return false;
    startAction(scope);
    const draft = await actions.run(scope, 'library:use', path);
    if (!draft) return false;
    useComposerStore().prefill(draft);
    close();
    return true;
  }

  /** Generates the videos again as a new batch (same seeds, or `takes` new ones each); true when it was added. */
  async function rerun(scope: ActionScope, seeds: 'same' | 'new', takes = 1): Promise<boolean> {
    const paths = targets(scope);
    if (paths.length === 0) return false;
    if (seeds === 'new' && !(Number.isInteger(takes) && takes >= 1 && takes <= 10)) {
      actions.fail(scope, 'Takes must be a whole number from 1 to 10.');
      return false;
    }
    startAction(scope);
    const summary = await actions.run(scope, 'library:rerun', { paths, seeds, takes: seeds === 'same' ? 1 : takes });
    if (!summary) return false;
    useQueueStore().addCreated(summary);
    close();
    return true;
  }

  async function reveal(scope: ActionScope): Promise<boolean> {
    const [path] = targets(scope);
    if (!path) return false;
    startAction(scope);
    const shownInFolder = await actions.run(scope, 'library:reveal', path);
    if (shownInFolder === false) actions.fail(scope, 'The file could not be shown: it may have been moved or deleted outside the app.');
    return shownInFolder === true;
  }

  /** Moves the videos (with their sidecars and source images) to the trash. */
  async function remove(scope: ActionScope): Promise<boolean> {
    const paths = targets(scope);
    if (paths.length === 0) return false;
    startAction(scope);
    const result = await actions.run(scope, 'library:delete', paths);
    if (!result) return false;
    const failed = new Set(result.failed.map((f) => f.path));
    forget(paths.filter((p) => !failed.has(p)));
    if (result.done > 0) notices.grid = `Moved ${plural(result.done, 'video')} to the trash.`;
    reportFailures(scope, 'moved to the trash', result);
    void reload();
    return failed.size === 0;
  }

  /** Asks for a folder and copies the videos there with a manifest; false when cancelled or failed. */
  async function exportTo(scope: ActionScope): Promise<boolean> {
    const paths = targets(scope);
    if (paths.length === 0) return false;
    startAction(scope);
    const folder = await actions.run(scope, 'dialog:choose-folder', 'Export videos to…');
    if (!folder) return false;
    const result = await actions.run(scope, 'library:export', paths, folder);
    if (!result) return false;
    notices[scope] = `Copied ${plural(result.done, 'video')} to ${result.folder}. The manifest is ${result.manifest}.`;
    reportFailures(scope, 'copied', result);
    return result.failed.length === 0;
  }

  function dismissNotice(scope: ActionScope): void {
    delete notices[scope];
  }

  function clearError(scope: ActionScope): void {
    actions.clear(scope);
  }

  /** The estimate of a re-run in words, or '' when a cost is unknown. */
  function estimateText(scope: ActionScope, takes = 1): string {
    const micros = estimate(scope, takes);
    return micros === undefined ? '' : formatUsd(micros);
  }

  return {
    filters,
    meta,
    pages,
    selection,
    anchor,
    openIndex,
    openPath,
    detail,
    thumbs,
    notices,
    queryVersion,
    errors: actions.errors,
    busy: actions.busy,
    total,
    librarySize,
    filtersActive,
    countText,
    itemAt,
    thumbOf,
    mediaUrl,
    reload,
    ensureRange,
    activate,
    deactivate,
    clearFilters,
    listen,
    applyChange,
    isSelected,
    toggle,
    selectRange,
    selectAll,
    clearSelection,
    setAnchor,
    open,
    step,
    close,
    estimate,
    estimateText,
    setFavourite,
    copyPrompts,
    useSettings,
    rerun,
    reveal,
    remove,
    exportTo,
    dismissNotice,
    clearError
  };
});
