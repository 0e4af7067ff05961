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

function inList(list: readonly string[] | undefined, value: string | undefined): boolean {
  return list === undefined || list.length === 0 || (value !== undefined && list.includes(value));
}

function bump(counts: Record<string, number>, key: string | undefined): void {
  if (key !== undefined) counts[key] = (counts[key] ?? 0) + 1;
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
function bumpAxes(counts: Record<string, Record<string, number>>, axes: Record<string, string>, filters: [string, readonly string[]][], failed: number): void {
  const failedKey = failed >= 0 ? filters[failed][0] : undefined;
  for (const key of Object.keys(axes)) {
    if (failedKey !== undefined && key !== failedKey) continue;
    // Axis names and values come from files anyone may edit: counted in objects with no prototype, `__proto__` is a key like any other.
    bump(Object.hasOwn(counts, key) ? counts[key] : (counts[key] = Object.create(null) as Record<string, number>), axes[key]);
  }
}

/** What sorting looks at: an entry, or its `Searchable` (faster, all of one shape). */
type Sortable = Pick<LibraryEntry, 'path' | 'createdAt' | 'durationSec' | 'costMicros' | 'batchId' | 'row' | 'take'>;

function compareBy(sort: LibrarySort): (a: Sortable, b: Sortable) => number {
  const newest = (a: Sortable, b: Sortable): number => b.createdAt - a.createdAt || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  const largestFirst =
    (pick: (e: Sortable) => number | undefined) =>
    (a: Sortable, b: Sortable): number => {
      const x = pick(a);
      const y = pick(b);
      if (x === undefined || y === undefined) return x === y ? newest(a, b) : x === undefined ? 1 : -1;
      return y - x || newest(a, b);
    };
  switch (sort) {
    case 'row':
      // Batches newest first (by their id, which starts with the time it was made), then rows and takes in order.
      return (a, b) =>
        (a.batchId === b.batchId ? 0 : a.batchId === undefined ? 1 : b.batchId === undefined ? -1 : a.batchId < b.batchId ? 1 : -1) ||
        (a.row ?? Infinity) - (b.row ?? Infinity) ||
        (a.take ?? 0) - (b.take ?? 0) ||
        newest(a, b);
    case 'oldest':
      return (a, b) => -newest(a, b);
    case 'duration':
      return largestFirst((e) => e.durationSec);
    case 'cost':
      return largestFirst((e) => e.costMicros);
    default:
      return newest;
  }
}

/**
 * An entry with its folded search text (`searchableText`), computed once when it is indexed,
 * and copies of the fields queries filter on. Every one is made by `searchable`, so all share
 * one shape: a pass over 10,000 of them stays fast where entries (whose optional fields vary)
 * would not.
 */
export interface Searchable {
  entry: LibraryEntry;
  haystack: string;
  path: string;
  mode: string | undefined;
  resolution: string | undefined;
  aspect: string | undefined;
  durationSec: number | undefined;
  costMicros: number | undefined;
  batchId: string | undefined;
  row: number | undefined;
  take: number | undefined;
  createdAt: number;
  favourite: boolean;
  verdict: VerdictFilter;
  axes: Record<string, string> | undefined;
}

/** What a video's review is, for filtering and counting: its verdict, or `unreviewed`. */
export function verdictOf(entry: Pick<LibraryEntry, 'verdict'>): VerdictFilter {
  return entry.verdict ?? 'unreviewed';
}

export function searchable(entry: LibraryEntry): Searchable {
  return {
    entry,
    haystack: searchableText(entry),
    path: entry.path,
    mode: entry.mode,
    resolution: entry.resolution,
    aspect: entry.aspect,
    durationSec: entry.durationSec,
    costMicros: entry.costMicros,
    batchId: entry.batchId,
    row: entry.row,
    take: entry.take,
    createdAt: entry.createdAt,
    favourite: entry.favourite,
    verdict: verdictOf(entry),
    axes: entry.axes
  };
}

/** Entries in the order a sort asks for (a new array). */
export function sortItems(items: Iterable<Searchable>, sort: LibrarySort = 'newest'): Searchable[] {
  return [...items].sort(compareBy(sort));
}

/** Filters, counts, sorts and pages entries. */
export function runQuery(items: Iterable<Searchable>, query: LibraryQuery = {}, sorted = false): LibraryQueryResult {
  const { favourites: _favourites, ...result } = runSearch(items, query, sorted);
  return result;
}

/**
 * `runQuery`, also counting favourites over the query without its favourite filter (in the same
 * pass). `sorted`: the items already come in the query's order (see `sortItems`), so the
 * matches need no sorting.
 */
export function runSearch(items: Iterable<Searchable>, query: LibraryQuery = {}, sorted = false): LibrarySearchResult {
  const words = foldText(query.text ?? '')
    .split(/\s+/)
    .filter((w) => w.length > 0);
  const facets: LibraryFacets = {
    modes: {},
    resolutions: {},
    aspects: {},
    verdicts: { keep: 0, reject: 0, unreviewed: 0 },
    axes: Object.create(null) as Record<string, Record<string, number>>
  };
  const axes = axisFilters(query);
  const matches: LibraryEntry[] = [];
  let favourites = 0;
  for (const item of items) {
    if (query.batchId !== undefined && item.batchId !== query.batchId) continue;
    if (query.from !== undefined && item.createdAt < query.from) continue;
    if (query.to !== undefined && item.createdAt > query.to) continue;
    if (query.durationMin !== undefined && !(item.durationSec !== undefined && item.durationSec >= query.durationMin)) continue;
    if (query.durationMax !== undefined && !(item.durationSec !== undefined && item.durationSec <= query.durationMax)) continue;
    if (words.length > 0) {
      const haystack = item.haystack;
      if (!words.every((w) => haystack.includes(w))) continue;
    }
    // Axis filters count as one more dimension for the other facets: a video failing any axis is in none of them.
    const failed = axes.length === 0 ? -1 : failedAxis(axes, item.axes);
    if (failed === -2) continue;
    const axesOk = failed === -1;
    const modeOk = inList(query.modes, item.mode);
    const resolutionOk = inList(query.resolutions, item.resolution);
    const aspectOk = inList(query.aspects, item.aspect);
    const verdictOk = inList(query.verdicts, item.verdict);
    if (axesOk && modeOk && resolutionOk && aspectOk && verdictOk && item.favourite) favourites++;
    // Last: the favourites count above ignores this filter, the facets and matches do not.
    if (query.favourite !== undefined && item.favourite !== query.favourite) continue;
    if (item.axes && modeOk && resolutionOk && aspectOk && verdictOk) bumpAxes(facets.axes, item.axes, axes, failed);
    if (!axesOk) continue;
    if (resolutionOk && aspectOk && verdictOk) bump(facets.modes, item.mode);
    if (modeOk && aspectOk && verdictOk) bump(facets.resolutions, item.resolution);
    if (modeOk && resolutionOk && verdictOk) bump(facets.aspects, item.aspect);
    if (modeOk && resolutionOk && aspectOk) {
      bump(facets.verdicts, item.verdict);
      if (verdictOk) matches.push(item.entry);
    }
  }
  if (!sorted) matches.sort(compareBy(query.sort ?? 'newest'));
  const offset = Math.max(0, Math.floor(query.offset ?? 0));
  const limit = query.limit === undefined ? matches.length : Math.max(0, Math.floor(query.limit));
  return { total: matches.length, items: matches.slice(offset, offset + limit), facets, favourites };
}

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
