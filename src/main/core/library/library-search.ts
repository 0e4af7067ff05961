import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { LibraryQuery } from '@shared/library';
import { foldText, type LibraryGroup } from './library-query';

/**
 * What a text search reads, held in memory beside the index database (architecture.md, "The
 * library index"): each video's folded search text, the facets it is counted by (as the number
 * of its group, one per distinct mode, resolution, aspect, verdict, favourite and axes) and the
 * columns the rest of a search filters on. Loaded from the database once, then kept in step by
 * the index as it writes each row, so that a search reads no row of the database until its page:
 * every word is looked for as a substring (what the trigram index finds, and the short words it
 * cannot) and the facets are counted from the group numbers in the same pass.
 */
export class SearchMirror {
  /** By slot: the video's id, or -1 once it is gone. */
  private readonly ids: number[] = [];
  private readonly hay: string[] = [];
  private readonly path: string[] = [];
  private readonly group: number[] = [];
  private readonly batch: (string | null)[] = [];
  private readonly created: number[] = [];
  /** NaN for a video without a length. */
  private readonly duration: number[] = [];
  private readonly slotOf = new Map<number, number>();
  /** The distinct facet groups, by number, and their numbers by key. */
  private readonly groups: Omit<LibraryGroup, 'n'>[] = [];
  private readonly groupOf = new Map<string, number>();
  private dead = 0;
  /** Every text joined (see `join`), the slot each starts at, how many slots it holds, and the slots changed since. */
  private joined: string | undefined;
  private starts = new Int32Array(1);
  private joinedSlots = 0;
  private readonly since = new Set<number>();

  /** Loads the mirror from the database, a slice at a time (so that 100,000 rows are never all in memory at once as objects). */
  static load(db: DatabaseSync): SearchMirror {
    const mirror = new SearchMirror();
    const slice = sliceStatement(db);
    for (let last = 0; last >= 0;) last = mirror.addSlice(slice, last);
    mirror.join();
    return mirror;
  }

  /** Adds the next `LOAD_SLICE` videos after id `last`; answers the last id read, or -1 once the table is read to its end. */
  addSlice(slice: StatementSync, last: number): number {
    const rows = slice.all(last, LOAD_SLICE) as unknown as MirrorRow[];
    for (const row of rows) this.set(row);
    return rows.length < LOAD_SLICE ? -1 : Number(rows[rows.length - 1].id);
  }

  /** Notes a video written (new or changed). */
  set(row: MirrorRow): void {
    const group = this.groupNumber(row);
    let slot = this.slotOf.get(row.id);
    if (slot === undefined) {
      slot = this.ids.length;
      this.slotOf.set(row.id, slot);
      this.ids.push(row.id);
      this.hay.push(row.haystack);
      this.path.push(row.path);
      this.group.push(group);
      this.batch.push(row.batch_id);
      this.created.push(row.created_at);
      this.duration.push(row.duration ?? NaN);
      return;
    }
    this.hay[slot] = row.haystack;
    this.changed(slot);
    this.path[slot] = row.path;
    this.group[slot] = group;
    this.batch[slot] = row.batch_id;
    this.created[slot] = row.created_at;
    this.duration[slot] = row.duration ?? NaN;
  }

  /** Notes a video forgotten. */
  delete(id: number): void {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return;
    this.slotOf.delete(id);
    this.ids[slot] = -1;
    this.hay[slot] = '';
    this.dead++;
    this.changed(slot);
  }

  /** A slot's text no longer is what the joined text holds: it is read on its own until the text is joined again. */
  private changed(slot: number): void {
    if (this.joined === undefined || slot >= this.joinedSlots) return;
    this.since.add(slot);
    if (this.since.size > JOIN_AGAIN) this.join();
  }

  /** Every slot's text in one string, each followed by a separator, and where each starts: a word is looked for in it at once. */
  join(): void {
    const texts = this.hay.map((_, slot) => this.textAt(slot));
    const starts = new Int32Array(texts.length + 1);
    let at = 0;
    for (let slot = 0; slot < texts.length; slot++) {
      starts[slot] = at;
      at += texts[slot].length + 1;
    }
    starts[texts.length] = at;
    this.joined = texts.join(SEPARATOR) + SEPARATOR;
    this.starts = starts;
    this.joinedSlots = texts.length;
    this.since.clear();
    // From now on each text is read from the joined one: the library's search text is held once.
    this.hay.fill('');
  }

  /** A slot's search text: its own when it changed since the texts were joined (or came after), else read from the joined text. */
  private textAt(slot: number): string {
    if (this.joined === undefined || slot >= this.joinedSlots || this.since.has(slot)) return this.hay[slot];
    return this.joined.slice(this.starts[slot], this.starts[slot + 1] - 1);
  }

  /** Whether so many videos were forgotten that loading again is worth it. */
  get stale(): boolean {
    return this.dead > 1000 && this.dead > this.ids.length / 4;
  }

  /**
   * The videos matching a query's words, batch, dates and lengths: how many of each facet group
   * (for `tallyGroups`), and the slots of the matches with each one's group number.
   */
  match(query: LibraryQuery): { groups: LibraryGroup[]; hits: number[]; hitGroups: number[] } {
    const words = foldText(query.text ?? '')
      .split(/\s+/)
      .filter((w) => w.length > 0);
    const counts = new Array<number>(this.groups.length).fill(0);
    const hits: number[] = [];
    const hitGroups: number[] = [];
    const { batchId, from, to, durationMin, durationMax } = query;
    const byLength = durationMin !== undefined || durationMax !== undefined;
    const { ids, group, batch, created, duration } = this;
    /** Whether a slot matches the words after the first `skip`, and the other filters; counted if so. */
    const consider = (slot: number, skip: number): void => {
      const id = ids[slot];
      if (id < 0) return;
      if (skip < words.length) {
        const text = this.textAt(slot);
        for (let w = skip; w < words.length; w++) if (!text.includes(words[w])) return;
      }
      if (batchId !== undefined && batch[slot] !== batchId) return;
      if (from !== undefined && !(created[slot] >= from)) return;
      if (to !== undefined && !(created[slot] <= to)) return;
      if (byLength) {
        // A video without a length is in no range (SQL's NULL comparisons).
        const d = duration[slot];
        if (Number.isNaN(d) || (durationMin !== undefined && d < durationMin) || (durationMax !== undefined && d > durationMax)) return;
      }
      const g = group[slot];
      counts[g]++;
      hits.push(slot);
      hitGroups.push(g);
    };
    if (words.length === 0 || words.some((word) => word.includes(SEPARATOR))) {
      for (let slot = 0; slot < ids.length; slot++) consider(slot, 0);
    } else {
      // The first word is looked for in every text at once; the rest in the texts it is found in.
      if (this.joined === undefined) this.join();
      const joined = this.joined!;
      const { starts, joinedSlots, since } = this;
      // The word found least often in a sample of the texts is looked for first: it rules out the most.
      const sample = joined.slice(0, Math.max(SAMPLE_CHARS, joined.length >> 6));
      const seen = words.map((word) => occurrences(sample, word));
      const rarest = seen.indexOf(Math.min(...seen));
      [words[0], words[rarest]] = [words[rarest], words[0]];
      const first = words[0];
      let slot = 0;
      for (let at = joined.indexOf(first); at >= 0;) {
        while (starts[slot + 1] <= at) slot++;
        if (!since.has(slot)) consider(slot, 1);
        at = joined.indexOf(first, starts[slot + 1]);
      }
      for (const changed of since) consider(changed, 0);
      for (let added = joinedSlots; added < ids.length; added++) consider(added, 0);
    }
    const groups: LibraryGroup[] = [];
    for (let g = 0; g < counts.length; g++) if (counts[g] > 0) groups.push({ ...this.groups[g], n: counts[g] });
    return { groups, hits, hitGroups };
  }

  /** The id of the video in a slot. */
  idAt(slot: number): number {
    return this.ids[slot];
  }

  /**
   * One page of the videos in `slots`, as ids, newest first (`newest`) or oldest first, ties
   * broken as the database's `SORT_SQL` breaks them (by path, in byte order for the paths
   * anyone names: ASCII).
   */
  page(slots: number[], sort: 'newest' | 'oldest', offset: number, limit: number): number[] {
    const { created, path } = this;
    const sign = sort === 'newest' ? 1 : -1;
    const sorted = slots.sort((a, b) => sign * (created[b] - created[a]) || (path[a] < path[b] ? -sign : path[a] > path[b] ? sign : 0));
    return sorted.slice(offset, limit < 0 ? undefined : offset + limit).map((slot) => this.ids[slot]);
  }

  /** A facet group by its number. */
  groupAt(g: number): Omit<LibraryGroup, 'n'> {
    return this.groups[g];
  }

  private groupNumber(row: MirrorRow): number {
    const favourite = Number(row.favourite) === 1;
    const key = JSON.stringify([row.mode, row.resolution, row.aspect, row.verdict, favourite, row.axes]);
    let g = this.groupOf.get(key);
    if (g === undefined) {
      g = this.groups.length;
      this.groupOf.set(key, g);
      this.groups.push({ mode: row.mode, resolution: row.resolution, aspect: row.aspect, verdict: row.verdict, favourite, axes: row.axes });
    }
    return g;
  }
}

/** What ends each text in the joined text: no word holds it (words are split at white space, and this is a control character no one types). */
const SEPARATOR = '\u0000';

/** The least of the joined text a word's frequency is estimated from. */
const SAMPLE_CHARS = 1 << 16;

/** How many times a word is in a text (stopping at 1,000: enough to tell words apart). */
function occurrences(text: string, word: string): number {
  let n = 0;
  for (let at = text.indexOf(word); at >= 0 && n < 1000; at = text.indexOf(word, at + word.length)) n++;
  return n;
}

/** Videos read into the mirror at a time. */
export const LOAD_SLICE = 5000;

/** The statement `addSlice` reads with: the videos after an id, in id order. */
export function sliceStatement(db: DatabaseSync): StatementSync {
  return db.prepare(`SELECT ${MIRROR_COLUMNS} FROM videos WHERE id > ? ORDER BY id LIMIT ?`);
}

/** Slots changed since the texts were joined, past which they are joined again at the next search. */
const JOIN_AGAIN = 2000;

/** The columns of a video the mirror holds, as the database has them. */
export interface MirrorRow {
  id: number;
  haystack: string;
  path: string;
  mode: string | null;
  resolution: string | null;
  aspect: string | null;
  verdict: LibraryGroup['verdict'];
  favourite: number;
  axes: string | null;
  batch_id: string | null;
  created_at: number;
  duration: number | null;
}

/** The columns `SearchMirror.set` takes, for a statement that reads one video's. */
export const MIRROR_COLUMNS = 'id, haystack, path, mode, resolution, aspect, verdict, favourite, axes, batch_id, created_at, duration';
