import type { LibraryEntry, LibraryFacets, LibraryQuery, LibraryQueryResult, LibrarySort } from '@shared/library';

export type { LibraryFacets, LibraryQuery, LibraryQueryResult, LibrarySort } from '@shared/library';

/** Text folded for search: accents dropped, lower case. */
export function foldText(text: string): string {
  return text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

/** What a query's text is looked for in. */
export function searchableText(entry: LibraryEntry): string {
  return foldText(`${entry.prompt}\n${entry.name}`);
}

function inList(list: readonly string[] | undefined, value: string | undefined): boolean {
  return list === undefined || list.length === 0 || (value !== undefined && list.includes(value));
}

function bump(counts: Record<string, number>, key: string | undefined): void {
  if (key !== undefined) counts[key] = (counts[key] ?? 0) + 1;
}

function compareBy(sort: LibrarySort): (a: LibraryEntry, b: LibraryEntry) => number {
  const newest = (a: LibraryEntry, b: LibraryEntry): number => b.createdAt - a.createdAt || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  const largestFirst =
    (pick: (e: LibraryEntry) => number | undefined) =>
    (a: LibraryEntry, b: LibraryEntry): number => {
      const x = pick(a);
      const y = pick(b);
      if (x === undefined || y === undefined) return x === y ? newest(a, b) : x === undefined ? 1 : -1;
      return y - x || newest(a, b);
    };
  switch (sort) {
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

/** An entry with its folded search text (`searchableText`), computed once when it is indexed. */
export interface Searchable {
  entry: LibraryEntry;
  haystack: string;
}

/** Filters, counts, sorts and pages entries. */
export function runQuery(items: Iterable<Searchable>, query: LibraryQuery = {}): LibraryQueryResult {
  const words = foldText(query.text ?? '')
    .split(/\s+/)
    .filter((w) => w.length > 0);
  const facets: LibraryFacets = { modes: {}, resolutions: {}, aspects: {} };
  const matches: LibraryEntry[] = [];
  for (const { entry, haystack } of items) {
    if (query.batchId !== undefined && entry.batchId !== query.batchId) continue;
    if (query.favourite !== undefined && entry.favourite !== query.favourite) continue;
    if (query.from !== undefined && entry.createdAt < query.from) continue;
    if (query.to !== undefined && entry.createdAt > query.to) continue;
    if (query.durationMin !== undefined && !(entry.durationSec !== undefined && entry.durationSec >= query.durationMin)) continue;
    if (query.durationMax !== undefined && !(entry.durationSec !== undefined && entry.durationSec <= query.durationMax)) continue;
    if (words.length > 0) {
      if (!words.every((w) => haystack.includes(w))) continue;
    }
    const modeOk = inList(query.modes, entry.mode);
    const resolutionOk = inList(query.resolutions, entry.resolution);
    const aspectOk = inList(query.aspects, entry.aspect);
    if (resolutionOk && aspectOk) bump(facets.modes, entry.mode);
    if (modeOk && aspectOk) bump(facets.resolutions, entry.resolution);
    if (modeOk && resolutionOk) bump(facets.aspects, entry.aspect);
    if (modeOk && resolutionOk && aspectOk) matches.push(entry);
  }
  matches.sort(compareBy(query.sort ?? 'newest'));
  const offset = Math.max(0, Math.floor(query.offset ?? 0));
  const limit = query.limit === undefined ? matches.length : Math.max(0, Math.floor(query.limit));
  return { total: matches.length, items: matches.slice(offset, offset + limit), facets };
}
