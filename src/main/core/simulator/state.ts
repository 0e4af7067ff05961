/**
 * What the simulator remembers between processes, when it is given a state folder (the app and
 * the CLI use `<data folder>/simulator`): its tasks with their timings, the balance, the secret
 * that signs result URLs, the port it listened on and the images uploaded to it. A run stopped
 * with Ctrl-C, or a crash, then resumes on the simulator as it would on APIXO: the next process
 * finds every task, each keeps to its own clock (one whose time has passed is finished), and its
 * signed result URL still downloads (architecture.md, "Persistence and recovery").
 *
 * It is the queue's own journal (store/journal.ts): an append-only JSON-lines file with
 * snapshots, where a torn last line is dropped on open. A state that cannot be read at all is
 * moved aside and the simulator starts afresh: a simulator never refuses to start over it.
 * Result files are not stored: they are the sample clips, chosen by the task's parameters.
 * One process at a time uses a state folder (store/lock.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { IMAGE_EXT, type ImageKind } from '@shared/images';
import { usdToMicros } from '@shared/pricing';
import type { GenerateRequest } from '@shared/request';
import { validateRequest } from '@shared/validation';
import { errorText, isJournalError, isObject } from '../store/journal-format';
import { exists } from '../store/fs-durable';
import { Journal } from '../store/journal';
import { DataFolderLockedError, acquireDataLock, type DataLock } from '../store/lock';
import { DEFAULT_BALANCE_USD } from './answers';
import type { Ledger } from './ledger';
import type { SimTask, TaskStore } from './tasks';
import type { UploadStore } from './uploads';

const FILE_NAME = 'simulator.jsonl';
const SNAPSHOT_NAME = 'simulator.snapshot.json';
const UPLOADS = 'uploads';
const UPLOAD_ID = /^[0-9a-f]{64}\.(jpg|png|webp)$/;
const TASK_ID = /^[0-9a-f]{32}$/;
/** Ephemeral ports start at 32768 (Linux) or 49152 (macOS, Windows). */
const PORT_RANGE = { from: 20_000, size: 10_000 };
const KINDS: Record<string, ImageKind> = Object.fromEntries(Object.entries(IMAGE_EXT).map(([kind, ext]) => [ext, kind as ImageKind]));

/** Where the app and the CLI keep the built-in simulator's state, inside their data folder. */
export function simulatorStateDir(dataDir: string): string {
  return join(dataDir, 'simulator');
}

/** A task as the state folder holds it: everything but what is rebuilt from it (its status text). */
export type StoredTask = Omit<SimTask, 'resultJson' | 'resultUrl'>;

/** An image uploaded to the simulator; its bytes are the file `uploads/<id>`. */
export interface StoredUploadInfo {
  id: string;
  kind: ImageKind;
  name: string;
}

type SimEvent =
  /** The first line of a new state: the URL-signing secret and the starting balance. */
  | { k: 'init'; secret: string; balanceMicros: number }
  | { k: 'port'; port: number }
  /** A task accepted, and the balance after its debit. */
  | { k: 'task'; task: StoredTask; balanceMicros: number }
  /** A task's completion accounted for: refunded if it failed. */
  | { k: 'settled'; taskId: string; refunded: boolean; balanceMicros: number }
  | { k: 'balance'; balanceMicros: number }
  | { k: 'upload'; upload: StoredUploadInfo }
  | { k: 'forget'; id: string };

interface SimState {
  secret?: string;
  port?: number;
  balanceMicros?: number;
  tasks: Map<string, StoredTask>;
  /** In upload order, oldest first. */
  uploads: Map<string, StoredUploadInfo>;
}

function emptyState(): SimState {
  return { tasks: new Map(), uploads: new Map() };
}

const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const isText = (v: unknown): v is string => typeof v === 'string';
const optionalText = (v: unknown): boolean => v === undefined || isText(v);

/** A task read back from disk, or undefined when the line does not hold a whole, valid one. */
function readTask(json: unknown): StoredTask | undefined {
  if (!isObject(json)) return undefined;
  const t = json;
  const whole =
    isText(t.taskId) &&
    TASK_ID.test(t.taskId) &&
    isInt(t.createTime) &&
    isInt(t.processingTime) &&
    isInt(t.completeTime) &&
    isInt(t.urlExpires) &&
    isInt(t.costMicros) &&
    (t.clip === '16:9' || t.clip === '9:16') &&
    optionalText(t.customState) &&
    optionalText(t.failCode) &&
    optionalText(t.callbackUrl) &&
    typeof t.expiredUrl === 'boolean' &&
    typeof t.settled === 'boolean' &&
    typeof t.refunded === 'boolean' &&
    validateRequest(t.body).length === 0;
  if (!whole) return undefined;
  return {
    taskId: t.taskId as string,
    body: t.body as GenerateRequest,
    createTime: t.createTime as number,
    processingTime: t.processingTime as number,
    completeTime: t.completeTime as number,
    urlExpires: t.urlExpires as number,
    costMicros: t.costMicros as number,
    clip: t.clip as StoredTask['clip'],
    customState: t.customState as string | undefined,
    failCode: t.failCode as string | undefined,
    expiredUrl: t.expiredUrl as boolean,
    callbackUrl: t.callbackUrl as string | undefined,
    settled: t.settled as boolean,
    refunded: t.refunded as boolean
  };
}

function readUploadInfo(json: unknown): StoredUploadInfo | undefined {
  if (!isObject(json) || !isText(json.id) || !UPLOAD_ID.test(json.id) || !isText(json.name)) return undefined;
  const kind = KINDS[json.id.slice(json.id.lastIndexOf('.') + 1)];
  return json.kind === kind ? { id: json.id, kind, name: json.name } : undefined;
}

/** Checks a line read back; throwing makes replay skip it (and count it). */
function parseEvent(json: unknown): SimEvent {
  if (isObject(json)) {
    const balance = json.balanceMicros;
    switch (json.k) {
      case 'init':
        if (isText(json.secret) && /^[0-9a-f]{64}$/.test(json.secret) && isInt(balance)) return { k: 'init', secret: json.secret, balanceMicros: balance };
        break;
      case 'port':
        if (isInt(json.port) && json.port > 0 && json.port < 65536) return { k: 'port', port: json.port };
        break;
      case 'task': {
        const task = readTask(json.task);
        if (task && isInt(balance)) return { k: 'task', task, balanceMicros: balance };
        break;
      }
      case 'settled':
        if (isText(json.taskId) && typeof json.refunded === 'boolean' && isInt(balance))
          return { k: 'settled', taskId: json.taskId, refunded: json.refunded, balanceMicros: balance };
        break;
      case 'balance':
        if (isInt(balance)) return { k: 'balance', balanceMicros: balance };
        break;
      case 'upload': {
        const upload = readUploadInfo(json.upload);
        if (upload) return { k: 'upload', upload };
        break;
      }
      case 'forget':
        if (isText(json.id)) return { k: 'forget', id: json.id };
        break;
    }
  }
  throw new Error('not a simulator event');
}

function apply(state: SimState, event: SimEvent): void {
  switch (event.k) {
    case 'init':
      state.secret = event.secret;
      state.balanceMicros = event.balanceMicros;
      break;
    case 'port':
      state.port = event.port;
      break;
    case 'task':
      state.tasks.set(event.task.taskId, event.task);
      state.balanceMicros = event.balanceMicros;
      break;
    case 'settled': {
      const task = state.tasks.get(event.taskId);
      if (task) {
        task.settled = true;
        task.refunded = event.refunded;
      }
      state.balanceMicros = event.balanceMicros;
      break;
    }
    case 'balance':
      state.balanceMicros = event.balanceMicros;
      break;
    case 'upload':
      state.uploads.delete(event.upload.id);
      state.uploads.set(event.upload.id, event.upload);
      break;
    case 'forget':
      state.uploads.delete(event.id);
      break;
  }
}

/** The fields a task is stored with: a live task also carries its status text, rebuilt on demand. */
const STORED_FIELDS = [
  'taskId',
  'body',
  'createTime',
  'processingTime',
  'completeTime',
  'urlExpires',
  'costMicros',
  'clip',
  'customState',
  'failCode',
  'expiredUrl',
  'callbackUrl',
  'settled',
  'refunded'
] as const satisfies readonly (keyof StoredTask)[];

/** Only the stored fields of a task. */
function storedFields(t: StoredTask): StoredTask {
  return Object.fromEntries(STORED_FIELDS.map((key) => [key, t[key]])) as unknown as StoredTask;
}

function toSnapshot(state: SimState): unknown {
  return {
    secret: state.secret,
    port: state.port,
    balanceMicros: state.balanceMicros,
    tasks: [...state.tasks.values()].map(storedFields),
    uploads: [...state.uploads.values()]
  };
}

/** Rebuilds the state from a snapshot, keeping every part that reads back whole. */
function fromSnapshot(json: unknown): SimState {
  const state = emptyState();
  if (!isObject(json)) return state;
  if (isText(json.secret) && /^[0-9a-f]{64}$/.test(json.secret)) state.secret = json.secret;
  if (isInt(json.port)) state.port = json.port;
  if (isInt(json.balanceMicros)) state.balanceMicros = json.balanceMicros;
  for (const raw of Array.isArray(json.tasks) ? json.tasks : []) {
    const task = readTask(raw);
    if (task) state.tasks.set(task.taskId, task);
  }
  for (const raw of Array.isArray(json.uploads) ? json.uploads : []) {
    const upload = readUploadInfo(raw);
    if (upload) state.uploads.set(upload.id, upload);
  }
  return state;
}

const JOURNAL = { initial: emptyState, apply, parseEvent, toSnapshot, fromSnapshot, fileName: FILE_NAME, snapshotFileName: SNAPSHOT_NAME };

/**
 * Opens the journal. A damaged one (its snapshot unreadable or missing) is moved aside, with a
 * warning, and a new one begun; any other trouble (a newer version's file, a disk error) is
 * thrown, and the simulator runs without memory, leaving the files as they are.
 */
async function openJournal(dir: string, warn: (message: string) => void): Promise<Journal<SimEvent, SimState>> {
  const options = { ...JOURNAL, onWarning: warn };
  try {
    return await Journal.open<SimEvent, SimState>(dir, options);
  } catch (error) {
    if (!isJournalError(error, 'unreadable_snapshot') && !isJournalError(error, 'missing_snapshot')) throw error;
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    for (const name of [FILE_NAME, SNAPSHOT_NAME]) {
      const path = join(dir, name);
      if (await exists(path)) await rename(path, `${path}.unreadable-${stamp}`);
    }
    warn(`The simulator's saved tasks in ${dir} could not be read (${errorText(error)}); they were set aside and it starts afresh.`);
    return Journal.open<SimEvent, SimState>(dir, options);
  }
}

/** The state folder of one running simulator. */
export class SimulatorState {
  private broken = false;
  private closed = false;
  /** The secret result URLs are signed with. */
  readonly secret: Buffer;

  private constructor(
    readonly dir: string,
    private readonly journal: Journal<SimEvent, SimState>,
    private readonly lock: DataLock,
    private readonly warn: (message: string) => void,
    initialBalance: number
  ) {
    const secret = journal.state.secret ?? randomBytes(32).toString('hex');
    this.secret = Buffer.from(secret, 'hex');
    if (journal.state.secret === undefined) this.record({ k: 'init', secret, balanceMicros: initialBalance }, true);
  }

  /**
   * Takes the folder for this process (a second process is refused with a message naming the
   * one using it) and reads what it holds. A new folder gets a signing secret and `balanceMicros`.
   */
  static async open(dir: string, balanceMicros: number, warn: (message: string) => void): Promise<SimulatorState> {
    const lock = await acquireDataLock(dir);
    try {
      const journal = await openJournal(dir, warn);
      return new SimulatorState(dir, journal, lock, warn, balanceMicros);
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  /**
   * Hands what the folder holds to a starting simulator: its tasks (each on its own clock), its
   * uploads and its balance, and follows its uploads from then on. The balance carries on, as an
   * account does; with `refill` (no starting balance was asked for) one that has fallen below the
   * default is refilled to it, so the built-in simulator never runs dry across runs.
   */
  restore(to: { store: TaskStore; uploads: UploadStore; ledger: Ledger }, refill: boolean): void {
    for (const task of this.journal.state.tasks.values()) to.store.add(task as SimTask);
    for (const upload of this.uploads()) to.uploads.put(upload.bytes, upload.kind, upload.name);
    to.uploads.hooks = { kept: (upload) => this.uploaded(upload, upload.bytes), forgotten: (id) => this.forgotten(id) };
    const stored = this.journal.state.balanceMicros;
    if (stored !== undefined) to.ledger.restore(refill ? Math.max(stored, usdToMicros(DEFAULT_BALANCE_USD)) : stored);
    if (to.ledger.balanceMicros !== stored) this.balanceSet(to.ledger.balanceMicros);
  }

  /**
   * The port to listen on: the last process's, so that the result and upload URLs clients kept
   * stay valid. A new folder gets one from its path, below every system's ephemeral range, where
   * no outgoing connection takes it in the meantime.
   */
  get port(): number {
    return this.journal.state.port ?? PORT_RANGE.from + (createHash('sha256').update(this.dir).digest().readUInt32BE(0) % PORT_RANGE.size);
  }

  /** Uploaded images with their bytes, oldest first; one whose file is gone is left out. */
  private uploads(): Array<StoredUploadInfo & { bytes: Buffer }> {
    const out: Array<StoredUploadInfo & { bytes: Buffer }> = [];
    for (const upload of this.journal.state.uploads.values()) {
      try {
        out.push({ ...upload, bytes: readFileSync(join(this.dir, UPLOADS, upload.id)) });
      } catch {
        // The file went away: the task that needs it fails as APIXO fails an image it cannot fetch.
      }
    }
    return out;
  }

  listened(port: number): void {
    if (port !== this.journal.state.port) this.record({ k: 'port', port });
  }

  /** Before the submit is answered, and synced: a task ID the client holds is always found again. */
  accepted(task: SimTask, balanceMicros: number): void {
    this.record({ k: 'task', task, balanceMicros }, true);
  }

  settled(task: SimTask, balanceMicros: number): void {
    this.record({ k: 'settled', taskId: task.taskId, refunded: task.refunded, balanceMicros });
  }

  balanceSet(balanceMicros: number): void {
    this.record({ k: 'balance', balanceMicros });
  }

  uploaded(upload: StoredUploadInfo, bytes: Buffer): void {
    if (this.broken || this.closed) return;
    const folder = join(this.dir, UPLOADS);
    const path = join(folder, upload.id);
    try {
      mkdirSync(folder, { recursive: true });
      writeFileSync(`${path}.tmp`, bytes);
      renameSync(`${path}.tmp`, path);
    } catch (error) {
      this.failed(error);
      return;
    }
    this.record({ k: 'upload', upload: { id: upload.id, kind: upload.kind, name: upload.name } });
  }

  forgotten(id: string): void {
    this.record({ k: 'forget', id });
    if (UPLOAD_ID.test(id)) rmSync(join(this.dir, UPLOADS, id), { force: true });
  }

  /** Syncs what is written and lets the folder go. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.journal.close();
    } catch (error) {
      this.failed(error);
    } finally {
      await this.lock.release();
    }
  }

  /**
   * A state that cannot be written (a full or read-only disk) does not stop the simulator: APIXO
   * does not stop when the person's disk is full. It says so once and carries on in memory.
   */
  private record(event: SimEvent, durable = false): void {
    if (this.broken || this.closed) {
      // Keep the live state current all the same: it is what this process answers from.
      apply(this.journal.state, event);
      return;
    }
    try {
      this.journal.append(event, { durable });
    } catch (error) {
      this.failed(error);
      apply(this.journal.state, event);
    }
  }

  private failed(error: unknown): void {
    if (this.broken) return;
    this.broken = true;
    // The journal's own words are about the queue; the system's reason (ENOSPC …) is what matters here.
    const reason = isJournalError(error) && error.cause !== undefined ? error.cause : error;
    this.warn(
      `The simulator could not save its tasks in ${this.dir} (${errorText(reason)}). It carries on, but what it accepts from now on ` +
        'is forgotten when it stops: free disk space, then restart.'
    );
  }
}

/**
 * Opens a state folder for a starting simulator. One that another process uses is refused (two
 * simulators would answer for the same tasks); one that cannot be made or read (a read-only or
 * missing disk) leaves the simulator without memory, saying so, rather than not starting.
 */
export async function openSimulatorState(dir: string, balanceMicros: number, warn: (message: string) => void): Promise<SimulatorState | undefined> {
  try {
    return await SimulatorState.open(dir, balanceMicros, warn);
  } catch (error) {
    if (error instanceof DataFolderLockedError) throw error;
    warn(`The simulator cannot keep its tasks in ${dir} (${errorText(error)}): it runs on, but forgets them when it stops.`);
    return undefined;
  }
}

/** The tasks a state folder holds, oldest first (for tests and tools; not while a simulator uses the folder). */
export async function readSimulatorTasks(dir: string): Promise<StoredTask[]> {
  const journal = await Journal.open<SimEvent, SimState>(dir, { ...JOURNAL, onWarning: () => undefined });
  try {
    return [...journal.state.tasks.values()].map(storedFields).sort((a, b) => a.createTime - b.createTime);
  } finally {
    await journal.close();
  }
}
