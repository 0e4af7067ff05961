/**
 * The library as both sides see it: the sidecar beside each video, an entry in the index, a
 * query with its counts, and what the window's grid and detail panel receive.
 */
import type { AspectRatio, MODEL_ID, Mode, Resolution } from './model';
import type { Micros } from './pricing';
import type { VideoParent } from './batch';
import type { GenerateRequest, LoraItem } from './request';

export interface VideoProbe {
  /** Display size in pixels (the track header's size, turned by a 90° rotation matrix). */
  width: number;
  height: number;
  /** Presentation length in seconds, rounded to 3 decimals. */
  durationSec: number;
  /** Frames per second of the first video track, rounded to 3 decimals (a fragmented file's from its fragments); 0 when the file does not say. */
  fps: number;
  hasAudio: boolean;
  /** The sample entry's fourcc: `avc1`, `hvc1`, `av01` … */
  videoCodec?: string;
  /** `mp4a`, `Opus`, `ac-3` … */
  audioCodec?: string;
}

/** When things happened, as ISO 8601 strings (`2025-01-31T12:34:56.789Z`). */
export interface SidecarTimings {
  queuedAt?: string;
  submittedAt: string;
  succeededAt: string;
  downloadedAt: string;
  /** How long APIXO took to generate the video. */
  generationMs?: number;
}

/**
 * The JSON file beside each video (`clip.json` beside `clip.mp4`): everything needed to
 * understand and reproduce the video without the app's own state (architecture.md, "The
 * library folder is the source of truth"). It never holds the API key.
 */
export interface Sidecar {
  schema: 1;
  app: 'LTX Batch Studio';
  model: typeof MODEL_ID;
  /** The video's file name (no folder). */
  file: string;
  /** The name the person gave the video (a CSV's `name` column), when they gave one: its title in the library. */
  name?: string;
  prompt: string;
  mode: Mode;
  resolution: Resolution;
  /** Requested seconds. */
  duration: number;
  aspectRatio?: AspectRatio;
  seed?: number;
  imageUrl?: string;
  /** File name of the copied source image, beside the video. */
  sourceImage?: string;
  /** The video this one continues from (its last frame, or another): absent for a first shot. */
  parent?: VideoParent;
  loras?: LoraItem[];
  /** The whole body as sent (it has no key in it). */
  request: GenerateRequest;
  taskId: string;
  /** The batch it was made in, with the batch's colour index (batch-colours.ts). */
  batch: { id: string; name: string; colour?: number };
  /** Where the task came from: the spreadsheet row (header = row 1), the take, and the row's raw cells. */
  sourceRow: { row: number; take: number; cells: Record<string, string>; axes?: Record<string, string> };
  estimateMicros: Micros;
  /** What APIXO charged, when known. */
  costMicros?: Micros;
  /** Made by the built-in simulator: nothing was charged, and its cost is only what APIXO would have asked. */
  simulated?: boolean;
  timings: SidecarTimings;
  probe: VideoProbe;
  favourite?: boolean;
  /** The person's review: kept or rejected; absent while unreviewed. */
  verdict?: Verdict;
  /** ISO 8601. */
  createdAt: string;
}

/** A video's review: kept, or rejected (on its way to the trash). Unreviewed videos have none. */
export type Verdict = 'keep' | 'reject';

/** What the library filters and counts by: a verdict, or none yet. */
export type VerdictFilter = Verdict | 'unreviewed';

/** Why a sidecar was not used. */
export type SidecarProblem =
  /** No such file. */
  | 'missing'
  /** It exists but could not be read (permissions, a folder …). */
  | 'unreadable'
  | 'too_large'
  /** Not valid JSON (cut short, edited by hand …). */
  | 'not_json'
  /** Valid JSON, but not written by this app for this model. */
  | 'foreign'
  /** Written by a newer version of the app. */
  | 'newer_schema'
  /** This app's, but a field is missing or wrong. */
  | 'invalid';

/**
 * The recipe written inside each video the app downloads (its MP4's `moov/udta/meta/ilst`, as a
 * freeform `----` atom, architecture.md "Downloads"): what made it, so that a copy that left the
 * library without its sidecar can still be recalled.
 */
export interface VideoRecipe
  extends
    Pick<
      Sidecar,
      'app' | 'model' | 'name' | 'prompt' | 'mode' | 'resolution' | 'duration' | 'aspectRatio' | 'seed' | 'loras' | 'taskId' | 'simulated' | 'parent'
    >,
    Partial<Pick<Sidecar, 'request' | 'estimateMicros' | 'createdAt'>> {
  schema: 1;
  /** The version of the app that wrote it. */
  version: string;
  /** The source image's public link (never a signed one, nor an inline image), for image modes. */
  imageUrl?: string;
  /** The batch it was made in. */
  batch?: { id: string; name: string };
  /** The source row (spreadsheet numbering) and take. */
  row?: number;
  take?: number;
  /** The sweep axes that made this take (axis → value as text). */
  axes?: Record<string, string>;
}

/**
 * `app`: the video has a valid sidecar written by this app; `file`: no sidecar, but the recipe
 * written inside the MP4 ("recipe from the file"); `unknown`: only the file itself is known.
 */
export type EntryOrigin = 'app' | 'file' | 'unknown';

/** One video in the library, with what its sidecar (or the file itself) says, ready to query. */
export interface LibraryEntry {
  /** Path from the library folder, with `/` separators: `batch-a/2025-01-31_robot_seed-42_0a1b2c3d.mp4`. */
  path: string;
  /** The file name. */
  name: string;
  sizeBytes: number;
  mtimeMs: number;
  origin: EntryOrigin;
  sidecar?: Sidecar;
  /** The recipe read from inside the MP4, for videos without a sidecar (`origin: 'file'`). */
  recipe?: VideoRecipe;
  /** A sidecar that exists but was not used, and why (absent when there is simply none). */
  sidecarProblem?: { problem: SidecarProblem; reason: string };
  /** From the sidecar for app videos; read from the file for unknown ones (absent if that failed or was deferred). */
  probe?: VideoProbe;
  /** Why the file could not be probed. */
  probeError?: string;

  // Derived, for querying and display.
  /** The name the person gave the video (the sidecar's `name`): the card's title, and searched. */
  title?: string;
  /** The prompt; empty for unknown videos. */
  prompt: string;
  mode?: Mode;
  resolution?: Resolution;
  /** `16:9`, `9:16` …: the requested ratio, else the file's. */
  aspect?: string;
  /** The requested seconds for app videos (the clean number people chose), the measured length otherwise. */
  durationSec?: number;
  batchId?: string;
  batchName?: string;
  /** The video this one continues from, as its sidecar names it (it may no longer be in the library). */
  parent?: VideoParent;
  /** Epoch ms: the sidecar's `createdAt`, else the file's modification time. */
  createdAt: number;
  favourite: boolean;
  /** Kept or rejected by the person (the sidecar's `verdict`); absent while unreviewed. */
  verdict?: Verdict;
  /** The source row (spreadsheet numbering) and take it came from, for app videos. */
  row?: number;
  take?: number;
  /** The sweep axes that made this take (the sidecar's `sourceRow.axes`): `{ seed: '42', duration: '10' }`. */
  axes?: Record<string, string>;
  /** What APIXO charged, else the estimate made before submitting. */
  costMicros?: Micros;
  /** Made by the built-in simulator (the sidecar's `simulated`): its cost is shown as simulated, never as spent. */
  simulated?: boolean;
}

/** `row`: a batch's videos by source row and take, so the takes of one prompt (a swept row) sit together. */
export type LibrarySort = 'newest' | 'oldest' | 'duration' | 'cost' | 'row';

export interface LibraryQuery {
  /** Words that must all appear (case- and accent-insensitive) in the video's name, its prompt or its file name. */
  text?: string;
  /** Keep videos whose mode is one of these (unknown videos have none). */
  modes?: readonly string[];
  resolutions?: readonly string[];
  /** `16:9`, `9:16` … */
  aspects?: readonly string[];
  /** Seconds, both ends included. */
  durationMin?: number;
  durationMax?: number;
  batchId?: string;
  /** Creation time window, epoch ms, both ends included. */
  from?: number;
  to?: number;
  /** true: favourites only; false: all but favourites. */
  favourite?: boolean;
  /** Keep videos whose verdict is one of these (`unreviewed`: no verdict yet). */
  verdicts?: readonly VerdictFilter[];
  /** Keep videos whose sweep axes have one of the listed values, for every axis named: `{ duration: ['10', '20'] }`. */
  axes?: Readonly<Record<string, readonly string[]>>;
  /** Default `newest`. `duration` and `cost` put the largest first (videos without one last); ties newest first. */
  sort?: LibrarySort;
  offset?: number;
  /** Default: all. */
  limit?: number;
}

/**
 * Counts by value. Each dimension is counted over the videos that match the text and every
 * other filter, but not its own: ticking "720p" still shows how many 1080p videos there are.
 */
export interface LibraryFacets {
  modes: Record<string, number>;
  resolutions: Record<string, number>;
  aspects: Record<string, number>;
  /** By verdict: `keep`, `reject`, `unreviewed`. */
  verdicts: Record<string, number>;
  /** By sweep axis, then value: `{ duration: { '10': 60, '20': 60 } }` (videos without axes are not counted). */
  axes: Record<string, Record<string, number>>;
}

export interface LibraryQueryResult {
  /** Videos matching, before paging. */
  total: number;
  items: LibraryEntry[];
  facets: LibraryFacets;
}

/** A video as the grid shows it: the entry without its sidecar, plus where its pictures are. */
export interface LibraryItem extends Omit<LibraryEntry, 'sidecar' | 'recipe'> {
  /** Media reference of the video: `library/<path>` (see `mediaRef`). */
  video: string;
  /** Media reference of its cached poster frame, once one was made (`cache/thumbs/…`). */
  thumb?: string;
  seed?: number;
  /** Videos in the library from the same batch and source row (the takes of one prompt), this one included: 1 when alone. */
  takes: number;
  /** The sweep axes that vary among those takes, with how many values each has: `{ seed: 3, duration: 2 }`. */
  rowAxes?: Record<string, number>;
  /** Media reference of the source image beside an image-to-video video, to show small on its card. */
  sourceImage?: string;
}

/** A video of a chain of continued shots, as the player links to it. */
export interface LineageLink {
  path: string;
  /** Its name, else the start of its prompt, else its file name. */
  title: string;
}

/** Where a video stands in its chain of continued shots. */
export interface Lineage {
  /** The video it continues from, at `frameSec`; `video` is absent when that video is no longer in the library. */
  parent?: { frameSec: number; video?: LineageLink };
  /** The videos that continue from it, oldest first. */
  children: LineageLink[];
  /** The chain through it, to play back to back: its root, …, itself, then its first child's first child and so on. */
  chain: LineageLink[];
}

/** One video with everything known about it, for the detail panel. */
export interface LibraryDetail extends LibraryItem {
  sidecar?: Sidecar;
  lineage?: Lineage;
  /** The recipe read from inside the file, for a video without a sidecar (`origin: 'file'`). */
  recipe?: VideoRecipe;
}

/** What the kept videos of a set cost: everything its videos cost, over the kept ones. */
export interface KeptCost {
  kept: number;
  rejected: number;
  /** Every video's cost (charged, else estimated) in the set. */
  costMicros: Micros;
  /** `costMicros / kept`, when anything is kept. */
  perKeptMicros?: Micros;
  /** The set's videos were made on the simulator: the figures are what APIXO would have asked. */
  simulated: boolean;
}

/** A batch the library holds videos of, for the batch filter, with what its kept videos cost. */
export interface LibraryBatch {
  id: string;
  name: string;
  count: number;
  /** Its colour index (batch-colours.ts), from the sidecar when it has one. */
  colour?: number;
  kept: KeptCost;
}

/**
 * What the library does behind the grid (architecture.md, "The library index"): reading the
 * folder whole into a new index (`building`), checking each video against the index
 * (`checking`), or nothing; and a notice about the index, in words, when something happened to it.
 */
export interface LibraryStatus {
  work: 'idle' | 'building' | 'checking';
  /** Videos read or checked, of `total` (0 while the folder is still being listed). */
  done: number;
  total: number;
  notice?: string;
}

/** `library:query`'s answer: one page, the counts for the filters, and the whole library's size. */
export interface LibraryPage extends Omit<LibraryQueryResult, 'items'> {
  items: LibraryItem[];
  /** Videos in the library, whatever the query. */
  librarySize: number;
  /** Favourites among the videos matching everything but the favourite filter. */
  favourites: number;
  batches: LibraryBatch[];
  /** What a kept video cost over the whole library: the real videos, and the simulator's apart. */
  kept: { real: KeptCost; simulated: KeptCost };
  status: LibraryStatus;
}

/** Pushed (coalesced) when videos appear, change or disappear: the window re-asks for its page. */
export interface LibraryChange {
  /** Library paths added or changed, and removed. */
  changed: string[];
  removed: string[];
  librarySize: number;
}

/** The app's own protocol for local media: `ltx-media://library/…` (never `file://`). */
export const MEDIA_SCHEME = 'ltx-media';

/** Media roots the window may load from, through the app's own protocol. */
export type MediaRoot = 'library' | 'cache';

/** `library/a b/c.mp4` → each segment percent-encoded, for a URL. */
export function mediaRef(root: MediaRoot, relPath: string): string {
  return `${root}/${relPath.split('/').map(encodeURIComponent).join('/')}`;
}

/** What a bulk action did: how many it did, and each one it could not do with the reason. */
export interface LibraryBulkResult {
  done: number;
  failed: { path: string; message: string }[];
}

/**
 * Videos moved out of the library by a delete: held aside for `graceMs`, then sent to the OS
 * trash. Until then `library:undo-delete` with `undo` puts every one back where it was.
 */
export interface LibraryDeleteResult extends LibraryBulkResult {
  /** The token that undoes this delete; absent when nothing was deleted. */
  undo?: string;
  graceMs: number;
}

/**
 * What `library:undo-delete` put back. A video whose name another file took meanwhile is put
 * back beside it under a new name (`clip (restored).mp4`): both are kept, and `renamed` says so.
 */
export interface LibraryUndoResult extends LibraryBulkResult {
  renamed: { path: string; restoredAs: string; message: string }[];
}

/** Videos copied out of the library, with their sidecars and source images, plus `manifest.csv` and `manifest.xlsx`. */
export interface LibraryExportResult extends LibraryBulkResult {
  folder: string;
  /** Path of the manifest CSV written in `folder`. */
  manifest: string;
  /** Path of the same manifest as an XLSX workbook, beside the CSV. */
  manifestXlsx: string;
}

/** Generating again from library videos: the same seed (the same video again, e.g. after a model change) or new seeds. */
export interface RerunRequest {
  paths: string[];
  seeds: 'same' | 'new';
  /** Videos per source video (new seeds only; `same` makes one). */
  takes: number;
}
