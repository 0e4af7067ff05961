import type { KeptCost, LibraryBatch, LibraryEntry, LibraryFacets, LibraryQuery, LibraryQueryResult, LibrarySort, VerdictFilter } from '@shared/library';

export type { LibraryBatch, LibraryFacets, LibraryQuery, LibraryQueryResult, LibrarySort } from '@shared/library';

/** A query's result plus the favourites among the videos matching everything but the favourite filter. */
export interface LibrarySearchResult extends LibraryQueryResult {
  favourites: number;
}

/** Text folded for search: accents dropped, lower case. */
export function foldText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
}

/** What a query's text is looked for in. */
export function searchableText(entry: LibraryEntry): string {
  return foldText(`${entry.title ?? ''}\n${entry.prompt}\n${entry.name}`);
}

function bump(counts: Record<string, number>, key: string | null | undefined, n = 1): void {
  if (key !== undefined && key !== null) counts[key] = (counts[key] ?? 0) + n;
}

/** The axes a query filters on, those with at least one value ticked. */
function axisFilters(query: LibraryQuery): [string, readonly string[]][] {
  return query.axes ? Object.entries(query.axes).filter(([, values]) => values.length > 0) : [];
}

/** Which of the axis filters a video's axes fail: -1 none, -2 more than one, else the one's position. */
function failedAxis(filters: [string, readonly string[]][], axes: Record<string, string> | undefined): number {
  let failed = -1;
  for (let i = 0; i < filters.length; i++) {
    const [key, values] = filters[i];
    const value = axes && Object.prototype.hasOwnProperty.call(axes, key) ? axes[key] : undefined;
    if (value !== undefined && values.includes(value)) continue;
    if (failed !== -1) return -2;
    failed = i;
  }
  return failed;
}

/** Counts a video's axis values, each within the filters of the other axes (`failed` from `failedAxis`). */
function bumpAxes(
  counts: Record<string, Record<string, number>>,
  axes: Record<string, string>,
  filters: [string, readonly string[]][],
  failed: number,
  n: number
): void {
  const failedKey = failed >= 0 ? filters[failed][0] : undefined;
  for (const key of Object.keys(axes)) {
    if (failedKey !== undefined && key !== failedKey) continue;
    // Axis names and values come from files anyone may edit: counted in objects with no prototype, `__proto__` is a key like any other.
    bump(Object.hasOwn(counts, key) ? counts[key] : (counts[key] = Object.create(null) as Record<string, number>), axes[key], n);
  }
}

/** What a video's review is, for filtering and counting: its verdict, or `unreviewed`. */
export function verdictOf(entry: Pick<LibraryEntry, 'verdict'>): VerdictFilter {
  return entry.verdict ?? 'unreviewed';
}

/**
 * The videos matching a query's batch, dates, lengths and text, counted by everything else the
 * query filters on (the database's `GROUP BY`): every facet is counted from these groups.
 */
export interface LibraryGroup {
  mode: string | null;
  resolution: string | null;
  aspect: string | null;
  verdict: VerdictFilter;
  favourite: boolean;
  /** The video's sweep axes as JSON, null when it has none. */
  axes: string | null;
  /** How many videos are in the group. */
  n: number;
}

/** What the groups of a query add up to: the facets, the favourites, how many match, and the axes JSON that pass its axis filters. */
export interface LibraryTally {
  facets: LibraryFacets;
  favourites: number;
  total: number;
  /** The axes (as stored) of the videos that pass every axis filter; undefined when the query has none. */
  passingAxes?: string[];
}

function inList(list: readonly string[] | undefined, value: string | null): boolean {
  return list === undefined || list.length === 0 || (value !== null && list.includes(value));
}

/**
 * Counts the facets from a query's groups: each facet within every other filter but its own,
 * the axis filters counting as one more; the favourites over the query without its favourite filter.
 */
export function tallyGroups(groups: Iterable<LibraryGroup>, query: LibraryQuery = {}): LibraryTally {
  const facets: LibraryFacets = {
    modes: {},
    resolutions: {},
    aspects: {},
    verdicts: { keep: 0, reject: 0, unreviewed: 0 },
    axes: Object.create(null) as Record<string, Record<string, number>>
  };
  const axes = axisFilters(query);
  const passing = new Set<string>();
  let favourites = 0;
  let total = 0;
  for (const group of groups) {
    const n = group.n;
    const groupAxes = group.axes === null ? undefined : (JSON.parse(group.axes) as Record<string, string>);
    // Axis filters count as one more dimension for the other facets: a video failing any axis is in none of them.
    const failed = axes.length === 0 ? -1 : failedAxis(axes, groupAxes);
    if (failed === -2) continue;
    const axesOk = failed === -1;
    if (axesOk && group.axes !== null && axes.length > 0) passing.add(group.axes);
    const modeOk = inList(query.modes, group.mode);
    const resolutionOk = inList(query.resolutions, group.resolution);
    const aspectOk = inList(query.aspects, group.aspect);
    const verdictOk = inList(query.verdicts, group.verdict);
    if (axesOk && modeOk && resolutionOk && aspectOk && verdictOk && group.favourite) favourites += n;
    // Last: the favourites count above ignores this filter, the facets and matches do not.
    if (query.favourite !== undefined && group.favourite !== query.favourite) continue;
    if (groupAxes && modeOk && resolutionOk && aspectOk && verdictOk) bumpAxes(facets.axes, groupAxes, axes, failed, n);
    if (!axesOk) continue;
    if (resolutionOk && aspectOk && verdictOk) bump(facets.modes, group.mode, n);
    if (modeOk && aspectOk && verdictOk) bump(facets.resolutions, group.resolution, n);
    if (modeOk && resolutionOk && verdictOk) bump(facets.aspects, group.aspect, n);
    if (modeOk && resolutionOk && aspectOk) {
      bump(facets.verdicts, group.verdict, n);
      if (verdictOk) total += n;
    }
  }
  return { facets, favourites, total, ...(axes.length > 0 ? { passingAxes: [...passing] } : {}) };
}

/** The `ORDER BY` of each sort, ties broken newest first, then by path. */
export const SORT_SQL: Record<LibrarySort, string> = {
  newest: 'created_at DESC, path ASC',
  oldest: 'created_at ASC, path DESC',
  // Videos without a length (or a cost) last.
  duration: 'duration IS NULL, duration DESC, created_at DESC, path ASC',
  cost: 'cost IS NULL, cost DESC, created_at DESC, path ASC',
  // Batches newest first (by their id, which starts with the time it was made), then rows and takes in order.
  row: 'batch_id IS NULL, batch_id DESC, row IS NULL, row ASC, COALESCE(take, 0) ASC, created_at DESC, path ASC'
};

/** What the kept videos of a set cost, counted as entries are added (see `keptCost`). */
export class KeptTally {
  private kept = 0;
  private rejected = 0;
  private cost = 0;
  private videos = 0;
  private simulatedVideos = 0;

  constructor(private readonly simulatedWhenEmpty = false) {}

  add(entry: Pick<LibraryEntry, 'verdict' | 'costMicros' | 'simulated'>): void {
    this.videos++;
    if (entry.simulated === true) this.simulatedVideos++;
    if (entry.verdict === 'keep') this.kept++;
    else if (entry.verdict === 'reject') this.rejected++;
    this.cost += entry.costMicros ?? 0;
  }

  result(): KeptCost {
    const simulated = this.videos === 0 ? this.simulatedWhenEmpty : this.simulatedVideos === this.videos;
    const cost: KeptCost = { kept: this.kept, rejected: this.rejected, costMicros: this.cost, simulated };
    if (this.kept > 0) cost.perKeptMicros = Math.round(this.cost / this.kept);
    return cost;
  }
}

/**
 * What a kept video cost over a set of videos: every video's cost (charged, else estimated), the
 * rejected and unreviewed ones included, over the kept ones (architecture.md, "The library
 * folder is the source of truth").
 */
export function keptCost(entries: Iterable<Pick<LibraryEntry, 'verdict' | 'costMicros' | 'simulated'>>, simulatedWhenEmpty = false): KeptCost {
  const tally = new KeptTally(simulatedWhenEmpty);
  for (const entry of entries) tally.add(entry);
  return tally.result();
}

/** The whole library's kept cost, the real videos and the simulator's apart (videos without a sidecar cost nothing and are never kept). */
export function libraryKept(entries: Iterable<LibraryEntry>): { real: KeptCost; simulated: KeptCost } {
  const real = new KeptTally(false);
  const simulated = new KeptTally(true);
  for (const entry of entries) {
    if (entry.origin !== 'app') continue;
    (entry.simulated === true ? simulated : real).add(entry);
  }
  return { real: real.result(), simulated: simulated.result() };
}

/** The batches the entries belong to, newest first (by their newest video), named and coloured as their newest video says. */
export function listBatches(entries: Iterable<LibraryEntry>): LibraryBatch[] {
  const byId = new Map<string, { id: string; name: string; colour?: number; count: number; newest: number; tally: KeptTally }>();
  for (const entry of entries) {
    if (entry.batchId === undefined) continue;
    let batch = byId.get(entry.batchId);
    if (!batch) {
      batch = { id: entry.batchId, name: entry.batchName ?? '', count: 0, newest: -Infinity, tally: new KeptTally() };
      byId.set(entry.batchId, batch);
    }
    batch.count++;
    batch.tally.add(entry);
    if (entry.createdAt > batch.newest) {
      batch.newest = entry.createdAt;
      batch.name = entry.batchName ?? batch.name;
      batch.colour = entry.sidecar?.batch.colour;
    }
  }
  return [...byId.values()]
    .sort((a, b) => b.newest - a.newest || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map(({ id, name, colour, count, tally }) => ({ id, name, count, ...(colour === undefined ? {} : { colour }), kept: tally.result() }));
}
