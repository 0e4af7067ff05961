/** What the library screen asks main for: the filters a person chose, and the query they make. */
import type { LibraryPage, LibraryQuery, LibrarySort, VerdictFilter } from '@shared/library';

/** Videos fetched per `library:query` call as the grid scrolls. */
export const LIBRARY_PAGE = 200;
/** Larger pages when every match is wanted (select all). */
export const BULK_PAGE = 1000;
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
  /** Keep, reject, unreviewed: none ticked shows every video. */
  verdicts: VerdictFilter[];
  /** Sweep axis → the values ticked (any of them); an axis with none ticked narrows nothing. */
  axes: Record<string, string[]>;
  sort: LibrarySort;
}

export type LibraryMeta = Omit<LibraryPage, 'items'>;

export function freshFilters(sort: LibrarySort = 'newest'): LibraryFilters {
  return {
    text: '',
    modes: [],
    resolutions: [],
    aspects: [],
    durationMin: null,
    durationMax: null,
    batchId: null,
    date: 'all',
    favouritesOnly: false,
    verdicts: [],
    axes: {},
    sort
  };
}

/** Whether anything narrows the view. */
export function narrows(f: LibraryFilters): boolean {
  return (
    f.text.trim() !== '' ||
    f.modes.length + f.resolutions.length + f.aspects.length + f.verdicts.length > 0 ||
    f.durationMin !== null ||
    f.durationMax !== null ||
    Boolean(f.batchId) ||
    f.date !== 'all' ||
    f.favouritesOnly ||
    Object.values(f.axes).some((values) => values.length > 0)
  );
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
  if (filters.verdicts.length > 0) query.verdicts = [...filters.verdicts];
  const axes = Object.entries(filters.axes).filter(([, values]) => values.length > 0);
  if (axes.length > 0) query.axes = Object.fromEntries(axes.map(([axis, values]) => [axis, [...values]]));
  return query;
}

export function metaOf(page: LibraryPage): LibraryMeta {
  const { items: _items, ...meta } = page;
  return meta;
}
