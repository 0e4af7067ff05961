/**
 * The whole contract between the window and the main process: every invoke channel with its
 * arguments and result, and every event with its payload. The preload builds `window.api` from
 * the channel lists, main binds one handler per invoke channel (arguments checked with the
 * schemas in `ipc-schemas.ts`), and the renderer's stores are typed by these maps — a wrong
 * argument is a type error in all three.
 */
import type { BatchDefaults } from './batch-defaults';
import type { BatchMove, BatchSummary, CostTotals, QueueStatus, TaskEdit, TaskRecord } from './batch';
import type { ImportColumn, ImportedRow, ImportResult, Field } from './import-types';
import type { ComposerDraft, ComposerRequest, DropInspection, HostingStatus, HostingTest, SourceImage } from './images';
import type {
  LibraryBulkResult,
  LibraryChange,
  LibraryStatus,
  LibraryDeleteResult,
  LibraryDetail,
  LibraryExportResult,
  LibraryUndoResult,
  LibraryPage,
  LibraryQuery,
  RerunRequest,
  Verdict
} from './library';
import type { Micros } from './pricing';
import type { SweepSpec } from './sweep';
import type { Settings, SettingsPatch } from './settings';
import type { FailureCounts, FailureGroup } from './triage';
import type { UpdateStatus } from './update';

export interface AppInfo {
  version: string;
  /** True while the built-in simulator stands in for APIXO: nothing is charged. */
  simulated: boolean;
  /** Which API: "APIXO" or "Simulator". */
  apiLabel: string;
  /** The folder holding the app's log files, when there is one. */
  logsDir?: string;
  /** Why the log is not being written, when it is not. */
  logProblem?: string;
}

/** Pushed when the API the app talks to may have changed: a key saved or cleared, the simulator turned on or off. */
export interface AppChange {
  simulated: boolean;
  apiLabel: string;
}

/** The key is never sent back: only whether one is set and its last four characters. */
export interface KeyStatus {
  set: boolean;
  hint?: string;
  /**
   * How secrets are kept on this computer: encrypted with the OS keychain, or only obscured
   * (Linux without a keyring: Electron's `basic_text` backend uses a fixed password).
   */
  protection?: 'encrypted' | 'obscured';
  /**
   * Only while the saved key is in doubt: APIXO could not be reached to check it (it is checked
   * again at the next start), or APIXO refused it at the last start (submits are held).
   */
  check?: KeyCheck;
}

export interface KeyCheck {
  state: 'unchecked' | 'refused';
  /** What happened and what to do, in words. */
  message: string;
}

export interface KeyTest {
  ok: boolean;
  /** The balance, when the key works. */
  balanceMicros?: Micros;
  message: string;
}

/** What to do with batches made on the simulator once a key is saved. */
export type LedgerChoice = 'keep' | 'cancel' | 'real';

/**
 * The question asked when a key is saved while batches made on the simulator still have queued
 * tasks: they wait (paused) until the person answers it. Nothing goes to APIXO without that answer.
 */
export interface LedgerQuestion {
  batches: { id: string; name: string; queued: number; estimateMicros: Micros }[];
  /** Queued tasks in all, and what they would cost at APIXO. */
  queued: number;
  estimateMicros: Micros;
  /** When sending them for real would pass a spending cap: which, and how far it goes. */
  capWarning?: string;
}

/** An import the main process keeps under `token`, so rows never cross IPC all at once. */
export interface ImportPreview extends Omit<ImportResult, 'rows'> {
  token: string;
  /** Takes in all (rows × count). */
  rowCount: number;
  fileName?: string;
  /** How the import was fixed in place; absent when its cells cannot be edited (a file that could not be read). */
  edits?: ImportEditState;
}

/** A cell of an import: its spreadsheet row (the header is row 1) and its 1-based column. */
export interface ImportCell {
  row: number;
  column: number;
}

export interface ImportEditState {
  /** Edits that can be undone, and redone. */
  undo: number;
  redo: number;
  /** Cells whose text differs from the file's. */
  cells: ImportCell[];
  /** It came from a file on disk, which "Save" may replace (after asking). */
  original: boolean;
  /** The original file's name, for "Save" and its question. */
  originalName?: string;
  /** The header's spreadsheet row, whose cells rename (and so remap) the columns; absent for pasted prompts. */
  headerRow?: number;
}

/** A cell changed to `text` (trimmed, as the reader trims cells). */
export interface ImportEdit extends ImportCell {
  text: string;
}

/** What an edit, undo or redo answers: the import as it is now, and the takes of the row it changed. */
export interface ImportEditResult {
  preview: ImportPreview;
  /** The cell changed; null when there was nothing to undo or redo. */
  cell: ImportCell | null;
  /** That row's takes now (none for the header, or a row left blank). */
  takes: ImportedRow[];
}

/** The choices an edited import is imported again with. */
export interface ImportChoices {
  defaults?: Partial<BatchDefaults>;
  mapping?: Record<string, Field | null>;
  sweep?: SweepSpec;
}

/** Save as: where the person chooses; replace: over the file it came from (the window asked first). */
export interface ImportSaveRequest {
  /** A CSV (the one format written over in place), or a one-sheet XLSX workbook. */
  format: ImportSaveFormat;
  replace: boolean;
}

export type ImportSaveFormat = 'csv' | 'xlsx';

export interface ImportSaved {
  /** The saved file's name. */
  name: string;
  /** Where the original was kept before it was replaced, by name. */
  backupName?: string;
}

export interface ImportTextRequest {
  text: string;
  fileName?: string;
  /** Pasted prompts, one per line, instead of CSV. */
  lines?: boolean;
  defaults?: Partial<BatchDefaults>;
  mapping?: Record<string, Field | null>;
  /** Every take tried across these axes (sweep.ts). */
  sweep?: SweepSpec;
}

/**
 * A file or folder the person chose in one of main's dialogs, or dropped on the window: main
 * keeps its path and the window names it by `token` (random, unguessable) in later calls, so the
 * window never hands main a path of its own.
 */
export interface ChosenFile {
  token: string;
  /** The file's or folder's name, for the window to show. */
  name: string;
}

/** A folder chosen in main's folder dialog; its full path is shown beside the Browse button. */
export interface ChosenFolder extends ChosenFile {
  path: string;
}

/** What a folder is chosen for: where an export goes, the library folder, the data folder. */
export type FolderPurpose = 'export' | 'library' | 'data';

/** A drop sorted by main: CSV files come back as tokens, never as paths. */
export interface DroppedFiles extends Omit<DropInspection, 'csv'> {
  csv: ChosenFile[];
}

/** What the preload answers for a drop: main's sorting, and the names of files that have no path on disk. */
export interface DropResult extends DroppedFiles {
  /** Files with no place on disk (dragged out of a web page, made in the page): the window may read their text. */
  pathless: string[];
}

/**
 * What `settings:update` takes from the window: any setting but the version and the two
 * folders, which arrive as tokens of folders chosen with `dialog:choose-folder`.
 */
export interface SettingsUpdate extends Omit<SettingsPatch, 'libraryDir' | 'dataDir'> {
  /** A token from `dialog:choose-folder('library')`. */
  libraryFolder?: string;
  /** A token from `dialog:choose-folder('data')`. */
  dataFolder?: string;
}

export interface ImportFileRequest {
  /** A token from `dialog:choose-csv` or a drop. */
  file: string;
  defaults?: Partial<BatchDefaults>;
  mapping?: Record<string, Field | null>;
  /** Every take tried across these axes (sweep.ts). */
  sweep?: SweepSpec;
  /** For a workbook: the sheet to read, by name (the first visible sheet with data when absent). */
  sheet?: string;
}

export interface PageRequest {
  offset: number;
  limit: number;
}

export interface CreateBatchRequest {
  token: string;
  name: string;
  /** Leave out invalid rows instead of refusing the batch. */
  skipInvalid: boolean;
  capMicros?: Micros;
}

export interface Page<T> {
  total: number;
  items: T[];
}

/** The queue as a whole: what the window shows on start, before deltas arrive. */
export interface QueueSnapshot {
  status: QueueStatus;
  /** Every batch's money, the archived ones' included. */
  costs: CostTotals;
  /** The batches in the queue, in the order they are submitted (the person can reorder them). */
  batches: BatchSummary[];
  /** Finished batches put away, newest first: their counts and money, without their tasks. */
  archived: BatchSummary[];
  /** Failures by cause over the batches in the queue (not the archived ones). */
  failures: FailureCounts;
}

/** The fields of one task that changed since the window last had it: set these, remove `unset`. */
export interface TaskDelta {
  id: string;
  set: Partial<TaskRecord>;
  unset?: (keyof TaskRecord)[];
}

/**
 * A coalesced change, a few per second at most (architecture.md, "IPC"). Its size does not grow
 * with the tasks that changed: the totals and the changed batches' summaries always, task deltas
 * only for the tasks the window watches (`queue:watch`).
 */
export interface QueueDelta extends QueueSnapshot {
  /** Counts the changes sent to the window: 1, 2, 3 … from the app's start. */
  version: number;
  /** The watched tasks that changed since the last delta: only their changed fields. */
  tasks: TaskDelta[];
}

/** The most tasks one window watches: a few screens of rows and the lists open beside them. */
export const WATCH_MAX = 1_000;

/** Tasks the window watches; the window holds each at the version (`QueueDelta.version`) given in `have`, or not at all. */
export interface QueueWatch {
  ids: string[];
  have: Record<string, number>;
}

/** What `queue:watch` answers: the watched tasks the window lacked or held older, whole, as of `version`. */
export interface QueueWatchAnswer {
  version: number;
  tasks: TaskRecord[];
}

/** Every task's state in one batch, one letter each in queue order (`TASK_STATES[code - 65]`), as of `version`. */
export interface TaskStates {
  version: number;
  states: string;
}

export interface InvokeMap {
  'app:info': { args: []; result: AppInfo };
  /** The text "Copy diagnostics" puts on the clipboard: versions, settings without secrets, the queue, the log's tail. */
  'app:diagnostics': { args: []; result: string };
  /** Opens the logs folder in the file manager. */
  'app:open-logs': { args: []; result: void };
  'settings:get': { args: []; result: Settings };
  /** Folders arrive as tokens (`libraryFolder`, `dataFolder`); a system folder, a missing one or a file is refused. */
  'settings:update': { args: [patch: SettingsUpdate]; result: Settings };
  'key:status': { args: []; result: KeyStatus };
  'key:set': { args: [key: string]; result: KeyStatus };
  'key:clear': { args: []; result: KeyStatus };
  /** Tests the given key, or the stored one, against the API. */
  'key:test': { args: [key?: string]; result: KeyTest };
  'import:text': { args: [request: ImportTextRequest]; result: ImportPreview };
  'import:file': { args: [request: ImportFileRequest]; result: ImportPreview };
  'import:example': { args: []; result: ImportPreview };
  'import:rows': { args: [token: string, page: PageRequest]; result: Page<ImportedRow> };
  'import:columns': { args: [token: string]; result: ImportColumn[] };
  /** Changes one cell of a kept import and checks the import again (the other rows keep their seeds). */
  'import:edit': { args: [token: string, edit: ImportEdit]; result: ImportEditResult };
  'import:undo': { args: [token: string]; result: ImportEditResult };
  'import:redo': { args: [token: string]; result: ImportEditResult };
  /** Imports a kept import again with other defaults or mapping, keeping its edits. */
  'import:choices': { args: [token: string, choices: ImportChoices]; result: ImportPreview };
  /** Writes the edited import: where the person chooses in main's save dialog, or over its file; null when cancelled. */
  'import:save': { args: [token: string, request: ImportSaveRequest]; result: ImportSaved | null };
  'batches:create': { args: [request: CreateBatchRequest]; result: BatchSummary };
  'batches:pause': { args: [batchId: string]; result: BatchSummary };
  'batches:resume': { args: [batchId: string]; result: BatchSummary };
  'batches:cancel': { args: [batchId: string]; result: number };
  'batches:retry-failed': { args: [batchId: string]; result: number };
  'batches:set-cap': { args: [batchId: string, capMicros: Micros | null]; result: BatchSummary };
  /** Moves a batch in the submission order: one place up or down, to the top or bottom, or to an index (a drop). */
  'batches:move': { args: [batchId: string, to: BatchMove]; result: QueueSnapshot };
  /** Puts finished batches away (every task ended): the queue lists them apart, their tasks are compacted away. */
  'batches:archive': { args: [batchIds: string[]]; result: QueueSnapshot };
  /** Retries the tasks of one failure group, in one batch or (null) every batch; answers how many were queued again. */
  'batches:retry-group': { args: [batchId: string | null, group: FailureGroup]; result: number };
  /** Gives up on the tasks of one failure group, in one batch or (null) every batch; answers how many. */
  'batches:abandon-group': { args: [batchId: string | null, group: FailureGroup]; result: number };
  'tasks:page': { args: [batchId: string, page: PageRequest]; result: Page<TaskRecord> };
  /** Every task's state in a batch, compact: what the task table's filters need, fetched when the batch changed. */
  'tasks:states': { args: [batchId: string]; result: TaskStates };
  /** The tasks the window shows (the task table's rows on screen, the one selected, open lists): deltas come for these only. */
  'queue:watch': { args: [watch: QueueWatch]; result: QueueWatchAnswer };
  'tasks:resubmit': { args: [taskId: string]; result: TaskRecord };
  'tasks:abandon': { args: [taskId: string]; result: TaskRecord };
  'tasks:retry': { args: [taskId: string]; result: TaskRecord };
  'tasks:cancel': { args: [taskId: string]; result: TaskRecord };
  'tasks:attach': { args: [taskId: string, apixoTaskId: string]; result: TaskRecord };
  /** The tasks of one failure group, in one batch or (null) every batch, in queue order. */
  'tasks:failures': { args: [batchId: string | null, group: FailureGroup, page: PageRequest]; result: Page<TaskRecord> };
  /** Changes a failed task's request (checked as an import's row is) and queues it again: a new submit, a new cost. */
  'tasks:edit-retry': { args: [taskId: string, edit: TaskEdit]; result: TaskRecord };
  /** Moves queued tasks to the front of their batches, in the order given; answers how many moved. */
  'tasks:to-front': { args: [taskIds: string[]]; result: number };
  'queue:snapshot': { args: []; result: QueueSnapshot };
  'queue:set-concurrency': { args: [limit: number]; result: QueueStatus };
  'queue:resume-account': { args: []; result: QueueStatus };
  /** Pauses every batch that has tasks to submit. */
  'queue:pause-all': { args: []; result: QueueSnapshot };
  /** Resumes every batch the person or the breaker paused (not those waiting on a cap or the ledger question). */
  'queue:resume-all': { args: []; result: QueueSnapshot };
  /** The question about batches made on the simulator, when a key is saved and some still have queued tasks; null when there is none. */
  'queue:ledger-question': { args: []; result: LedgerQuestion | null };
  /** Answers it for the batches named (all of them in the question when none are): keep them simulated, cancel their queued tasks, or send those to APIXO. */
  'queue:ledger-choice': { args: [choice: LedgerChoice, batchIds?: string[]]; result: QueueSnapshot };
  'library:query': { args: [query: LibraryQuery]; result: LibraryPage };
  'library:get': { args: [path: string]; result: LibraryDetail };
  'library:favourite': { args: [paths: string[], on: boolean]; result: LibraryBulkResult };
  /** Keeps or rejects videos (null: back to unreviewed), in their sidecars. */
  'library:verdict': { args: [paths: string[], verdict: Verdict | null]; result: LibraryBulkResult };
  /** Moves videos (with their sidecars and source images) out of the library: to the OS trash once the undo's grace passes. */
  'library:delete': { args: [paths: string[]]; result: LibraryDeleteResult };
  /** Every rejected video of one batch, deleted as `library:delete` does. */
  'library:trash-rejected': { args: [batchId: string]; result: LibraryDeleteResult };
  /** Puts back what a delete took, while its grace lasts; a name taken meanwhile gets a new one (`renamed`). */
  'library:undo-delete': { args: [undo: string]; result: LibraryUndoResult };
  /** Starts dragging a video out of the window into another app (the OS drag, with its poster); false when it cannot. */
  'library:drag-out': { args: [path: string]; result: boolean };
  /** Shows the video in the file manager. */
  'library:reveal': { args: [path: string]; result: boolean };
  /** Copies videos, sidecars and source images into the folder `folder` names (a token from `dialog:choose-folder('export')`), with a manifest CSV. */
  'library:export': { args: [paths: string[], folder: string]; result: LibraryExportResult };
  /** Saves a poster frame the window captured (a JPEG `data:` URL); answers its media reference. */
  'library:thumbnail': { args: [path: string, jpegDataUrl: string]; result: string };
  'library:rerun': { args: [request: RerunRequest]; result: BatchSummary };
  /** A composer prefilled with a video's prompt, settings, seed and source image. */
  'library:use': { args: [path: string]; result: ComposerDraft };
  /**
   * "Continue from this frame": a frame of a library video the window captured at the video's
   * full size (a PNG `data:` URL), checked as a dropped image is and cached; answers a composer
   * with one image-to-video row from it, the prompt and settings of the video, and its parent.
   */
  'library:continue': { args: [path: string, frameSec: number, pngDataUrl: string]; result: ComposerDraft };
  /** Asks for a folder in main's dialog; null when the person cancels. */
  'dialog:choose-folder': { args: [purpose: FolderPurpose]; result: ChosenFolder | null };
  /** Asks for a CSV file in main's dialog; null when the person cancels. */
  'dialog:choose-csv': { args: []; result: ChosenFile | null };
  /** Asks for images in main's dialog and sorts them as a drop; null when the person cancels. */
  'dialog:choose-images': { args: []; result: DroppedFiles | null };
  /**
   * Sorts dropped files: images (checked and cached), CSV files (as tokens), and what is refused
   * with why. Only the preload calls it, with the paths it took from the dropped `File` objects
   * (`window.api.drop`); the page's `invoke` refuses it.
   */
  'drop:inspect': { args: [paths: string[]]; result: DroppedFiles };
  /** Checks an image on the web (dragged from a page) and caches a copy; the URL itself is sent to APIXO. */
  'images:from-url': { args: [url: string]; result: SourceImage };
  'composer:create': { args: [request: ComposerRequest]; result: BatchSummary };
  'hosting:status': { args: []; result: HostingStatus };
  'hosting:set-secret': { args: [secret: string]; result: HostingStatus };
  'hosting:clear-secret': { args: []; result: HostingStatus };
  /** Uploads a tiny image and fetches it back through its URL. */
  'hosting:test': { args: []; result: HostingTest };
  'update:status': { args: []; result: UpdateStatus };
  /** Looks for a new version now. */
  'update:check': { args: []; result: UpdateStatus };
  /** Restarts into the downloaded version: once the queue is done, or `now`. */
  'update:install': { args: [now: boolean]; result: UpdateStatus };
  /** No longer restart when the queue is done. */
  'update:cancel': { args: []; result: UpdateStatus };
}

export interface EventMap {
  'queue:changed': QueueDelta;
  'settings:changed': Settings;
  'library:changed': LibraryChange;
  /** The library's background work (reading or checking the folder) and its notices, a few times a second at most. */
  'library:status': LibraryStatus;
  'update:changed': UpdateStatus;
  'app:changed': AppChange;
}

export type InvokeChannel = keyof InvokeMap;
export type EventChannel = keyof EventMap;
export type InvokeArgs<C extends InvokeChannel> = InvokeMap[C]['args'];
export type InvokeResult<C extends InvokeChannel> = InvokeMap[C]['result'];

/** Why a call failed, for code; `message` is for people. */
export type IpcErrorCode = 'invalid_argument' | 'forbidden_sender' | 'not_allowed' | 'not_found' | 'unavailable' | 'internal';

/** Every invoke answers this envelope: Electron carries only `error.message` across `invoke`. */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; code: IpcErrorCode; message: string };

/** Every channel, listed once: the preload refuses anything else. */
export const INVOKE_CHANNELS = [
  'app:info',
  'app:diagnostics',
  'app:open-logs',
  'settings:get',
  'settings:update',
  'key:status',
  'key:set',
  'key:clear',
  'key:test',
  'import:text',
  'import:file',
  'import:example',
  'import:rows',
  'import:columns',
  'import:edit',
  'import:undo',
  'import:redo',
  'import:choices',
  'import:save',
  'batches:create',
  'batches:pause',
  'batches:resume',
  'batches:cancel',
  'batches:retry-failed',
  'batches:set-cap',
  'batches:move',
  'batches:archive',
  'batches:retry-group',
  'batches:abandon-group',
  'tasks:page',
  'tasks:states',
  'queue:watch',
  'tasks:resubmit',
  'tasks:abandon',
  'tasks:retry',
  'tasks:cancel',
  'tasks:attach',
  'tasks:failures',
  'tasks:edit-retry',
  'tasks:to-front',
  'queue:snapshot',
  'queue:set-concurrency',
  'queue:resume-account',
  'queue:pause-all',
  'queue:resume-all',
  'queue:ledger-question',
  'queue:ledger-choice',
  'library:query',
  'library:get',
  'library:favourite',
  'library:verdict',
  'library:delete',
  'library:trash-rejected',
  'library:undo-delete',
  'library:drag-out',
  'library:reveal',
  'library:export',
  'library:thumbnail',
  'library:rerun',
  'library:use',
  'library:continue',
  'dialog:choose-folder',
  'dialog:choose-csv',
  'dialog:choose-images',
  'drop:inspect',
  'images:from-url',
  'composer:create',
  'hosting:status',
  'hosting:set-secret',
  'hosting:clear-secret',
  'hosting:test',
  'update:status',
  'update:check',
  'update:install',
  'update:cancel'
] as const satisfies readonly InvokeChannel[];

export const EVENT_CHANNELS = [
  'queue:changed',
  'settings:changed',
  'library:changed',
  'library:status',
  'update:changed',
  'app:changed'
] as const satisfies readonly EventChannel[];

/** Channels only the preload calls, with what it gathered itself: `window.api.invoke` refuses them. */
export const PRELOAD_CHANNELS = ['drop:inspect'] as const satisfies readonly InvokeChannel[];

/** Channels the page may call through `window.api.invoke`. */
export type PageChannel = Exclude<InvokeChannel, (typeof PRELOAD_CHANNELS)[number]>;

/** `window.api`: the renderer's only door to the main process. */
export interface WindowApi {
  invoke<C extends PageChannel>(channel: C, ...args: InvokeArgs<C>): Promise<IpcResult<InvokeResult<C>>>;
  /** Subscribes to an event; returns the unsubscribe function. */
  on<E extends EventChannel>(event: E, listener: (payload: EventMap[E]) => void): () => void;
  /**
   * Hands dropped files to main: the preload takes their paths from the `File` objects itself
   * (Electron's `webUtils.getPathForFile`), so the page never names a path.
   */
  drop(files: File[]): Promise<IpcResult<DropResult>>;
  /** Prefix of local media URLs: `ltx-media://` in the app; a media reference (`library/…`) follows. */
  readonly mediaBase: string;
}

/** Every invoke handler, as the app service implements them. */
export type InvokeHandlers = { [C in InvokeChannel]: (...args: InvokeArgs<C>) => Promise<InvokeResult<C>> | InvokeResult<C> };

type Unlisted<T, L extends readonly T[]> = Exclude<T, L[number]>;
/** Compile-time check that the lists above name every channel of the maps. */
export const CHANNELS_COMPLETE: [Unlisted<InvokeChannel, typeof INVOKE_CHANNELS>, Unlisted<EventChannel, typeof EVENT_CHANNELS>] extends [never, never]
  ? true
  : false = true;
