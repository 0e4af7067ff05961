/**
 * Deleting from the library, undoably (architecture.md, "The library folder is the source of
 * truth"): a video leaves the library with its sidecar and its own source image (one shared
 * with another video stays) into a holding folder inside the library, `.ltx-deleted/<token>/`,
 * which the index and the watcher never look at. It is a rename, so nothing is copied. Until
 * the grace passes, the token puts every file back; then they go to the OS trash. Nothing is
 * ever deleted for good by the app: what a quit leaves held goes to the trash at the next start.
 */
import { randomBytes } from 'node:crypto';
import { link, lstat, mkdir, readdir, rename, rmdir, stat, unlink } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, sep } from 'node:path';
import type { LibraryBulkResult, LibraryDeleteResult, LibraryEntry, LibraryUndoResult } from '@shared/library';
import { sidecarPathFor } from '../download/naming';
import { readSidecar, writeSidecar } from '../download/sidecar';
import type { Logger } from '../log/logger';
import type { Clock, Timer } from '../util/clock';
import type { FileFacts } from './library-entry';
import { LibraryError } from './library-error';
import type { LibraryIndex } from './library-index';
import type { ThumbnailStore } from './thumbnails';

/** The holding folder, inside the library folder (hidden: the index and the watcher skip it). */
export const HOLDING_FOLDER = '.ltx-deleted';
/** How long a delete can be undone. */
export const DELETE_GRACE_MS = 20_000;
/** The answer to an undo whose grace has passed, or to a token that never was. */
export const UNDO_EXPIRED = 'That delete can no longer be undone: its files are in the trash.';

export async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** What went wrong with a file, in a word when the OS gives one. */
export function reason(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message ?? String(error);
}

export interface DeleteContext {
  index: () => LibraryIndex;
  thumbs: ThumbnailStore;
  /** The OS trash. */
  trash(absPath: string): Promise<void>;
  /** The listed entry for a path as the window names it; throws a LibraryError when there is none. */
  entryOf(path: string): LibraryEntry;
  /** Tells the watcher the video is gone. */
  forget(rel: string): void;
  /** Lists a video that was put back (read again from the folder), so that the watch does not take it for news. */
  relist(rel: string, was: LibraryEntry): Promise<void>;
  /** What changed in the index, for the window. */
  changed(changed: string[], removed: string[]): void;
  clock: Clock;
  graceMs: number;
  log?: Logger;
}

interface HeldFile {
  /** Where it was, and where it is held (absolute). */
  from: string;
  held: string;
}

interface HeldVideo {
  entry: LibraryEntry;
  video: HeldFile;
  sidecar?: HeldFile;
  image?: HeldFile;
}

interface Hold {
  token: string;
  root: string;
  dir: string;
  videos: HeldVideo[];
  /** Videos that could not be held and went to the trash at once: undo cannot bring them back. */
  trashedAtOnce: string[];
  until: number;
  timer?: Timer;
  /** Being put back or sent to the trash: another undo waits its turn. */
  busy: boolean;
}

/** `clip` → `clip (restored)`, `clip (restored 2)` … */
function restoredStem(stem: string, n: number): string {
  return n === 1 ? `${stem} (restored)` : `${stem} (restored ${n})`;
}

async function taken(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Moves a file to a name nobody has, never over another file: a hard link fails on a taken name, where a rename would replace it. */
async function moveNoClobber(from: string, to: string): Promise<'moved' | 'taken'> {
  try {
    await link(from, to);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return 'taken';
    // A disk without hard links (FAT, some network shares): look, then rename.
    if (await taken(to)) return 'taken';
    await rename(from, to);
    return 'moved';
  }
  await unlink(from);
  return 'moved';
}

/** Removes the empty folders below `dir`, and `dir` itself when that leaves it empty (never a file). */
async function pruneEmpty(dir: string): Promise<void> {
  let items;
  try {
    items = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const item of items) if (item.isDirectory()) await pruneEmpty(join(dir, item.name));
  await rmdir(dir).catch(() => undefined);
}

/** Every file below `dir` (absolute paths). */
async function filesBelow(dir: string): Promise<string[]> {
  const found: string[] = [];
  let items;
  try {
    items = await readdir(dir, { withFileTypes: true });
  } catch {
    return found;
  }
  for (const item of items) {
    const path = join(dir, item.name);
    if (item.isDirectory()) found.push(...(await filesBelow(path)));
    else found.push(path);
  }
  return found;
}

/** How many listed videos name each source image (absolute path): one shared by two is not taken with either. */
function sourceImageUsers(index: LibraryIndex): Map<string, number> {
  const users = new Map<string, number>();
  for (const { path, image } of index.sourceImages()) {
    const abs = join(dirname(index.resolve(path)), image);
    users.set(abs, (users.get(abs) ?? 0) + 1);
  }
  return users;
}

/** The files that go with a video: its sidecar (unless it is another program's JSON) and its own source image. */
async function companions(entry: LibraryEntry, video: string, imageUsers: Map<string, number>): Promise<{ sidecar?: string; image?: string }> {
  const found: { sidecar?: string; image?: string } = {};
  const sidecar = sidecarPathFor(video);
  if ((entry.sidecar || (entry.sidecarProblem && entry.sidecarProblem.problem !== 'foreign')) && (await isFile(sidecar))) found.sidecar = sidecar;
  const image = entry.sidecar?.sourceImage;
  if (image) {
    const abs = join(dirname(video), image);
    if ((imageUsers.get(abs) ?? 0) <= 1 && (await isFile(abs))) found.image = abs;
    imageUsers.set(abs, (imageUsers.get(abs) ?? 1) - 1);
  }
  return found;
}

function factsOf(entry: LibraryEntry, path = entry.path): FileFacts {
  return { path, name: path.split('/').pop() ?? path, sizeBytes: entry.sizeBytes, mtimeMs: entry.mtimeMs };
}

/**
 * The deletes of one library folder still within their grace, each under its token, and the
 * sweep of what an earlier run left held.
 */
export class DeleteHolds {
  private readonly holds = new Map<string, Hold>();
  /** Holds on their way to the trash after their grace. */
  private readonly expiring = new Set<Promise<void>>();

  constructor(private readonly ctx: DeleteContext) {}

  /** Takes videos out of the library into a new hold; answers its token. */
  async delete(paths: readonly string[]): Promise<LibraryDeleteResult> {
    const index = this.ctx.index();
    const token = randomBytes(12).toString('hex');
    const dir = join(index.root, HOLDING_FOLDER, token);
    const hold: Hold = { token, root: index.root, dir, videos: [], trashedAtOnce: [], until: this.ctx.clock.now() + this.ctx.graceMs, busy: false };
    const result: LibraryBulkResult = { done: 0, failed: [] };
    const removed: string[] = [];
    const imageUsers = sourceImageUsers(index);
    for (const path of paths) {
      let entry: LibraryEntry;
      try {
        entry = this.ctx.entryOf(path);
      } catch (error) {
        result.failed.push({ path, message: (error as Error).message });
        continue;
      }
      const video = index.resolve(entry.path);
      const extras = await companions(entry, video, imageUsers);
      const heldAt = (abs: string): string => join(dir, relative(index.root, abs));
      const held: HeldVideo = { entry, video: { from: video, held: heldAt(video) } };
      let atOnce = false;
      const present = await isFile(video);
      if (present) {
        try {
          await mkdir(dirname(held.video.held), { recursive: true });
          await rename(video, held.video.held);
        } catch (holdError) {
          // Not on the library's disk (another drive mounted inside it), or the holding folder cannot be made: straight to the trash.
          try {
            await this.ctx.trash(video);
            atOnce = true;
            this.ctx.log?.warn(`${entry.path} went straight to the trash: it could not be held for undo (${reason(holdError)}).`);
          } catch (error) {
            result.failed.push({
              path,
              message: `${entry.name} could not be moved to the trash (${reason(error)}). Close any program that has it open and try again.`
            });
            continue;
          }
        }
      }
      const leftovers: string[] = [];
      let why = '';
      for (const kind of ['sidecar', 'image'] as const) {
        const from = extras[kind];
        if (!from) continue;
        try {
          if (atOnce) {
            await this.ctx.trash(from);
          } else {
            held[kind] = { from, held: heldAt(from) };
            await rename(from, held[kind].held);
          }
        } catch (error) {
          delete held[kind];
          leftovers.push(basename(from));
          why = reason(error);
        }
      }
      index.remove(entry.path);
      this.ctx.forget(entry.path);
      removed.push(entry.path);
      if (atOnce) hold.trashedAtOnce.push(entry.path);
      else if (present) hold.videos.push(held);
      if (leftovers.length === 0) {
        result.done++;
      } else {
        result.failed.push({
          path,
          message:
            `${entry.name} was deleted, but ${leftovers.join(' and ')} could not be (${why}). ` +
            `Delete ${leftovers.length === 1 ? 'it' : 'them'} by hand from ${dirname(video)}.`
        });
      }
    }
    this.ctx.changed([], removed);
    if (hold.videos.length === 0) {
      await this.tidy(hold);
      return { ...result, graceMs: this.ctx.graceMs };
    }
    this.holds.set(token, hold);
    this.arm(hold);
    return { ...result, undo: token, graceMs: this.ctx.graceMs };
  }

  /** Puts back every video of a delete still within its grace. */
  async undo(token: string): Promise<LibraryUndoResult> {
    const hold = this.holds.get(token);
    if (!hold || hold.busy) throw new LibraryError('not_found', UNDO_EXPIRED);
    hold.busy = true;
    if (hold.timer) this.ctx.clock.clearTimeout(hold.timer);
    const result: LibraryUndoResult = { done: 0, failed: [], renamed: [] };
    for (const path of hold.trashedAtOnce) {
      result.failed.push({
        path,
        message: `${path.split('/').pop()} went straight to the trash (it could not be held for undo here); restore it from the trash.`
      });
    }
    hold.trashedAtOnce = [];
    const changed: string[] = [];
    const left: HeldVideo[] = [];
    for (const held of hold.videos) {
      try {
        const rel = await this.restore(hold, held);
        changed.push(rel);
        result.done++;
        if (rel !== held.entry.path) {
          const now = rel.split('/').pop()!;
          result.renamed.push({
            path: held.entry.path,
            restoredAs: rel,
            message: `${held.entry.name} was put back as ${now}: another file has taken its name since. Both are kept.`
          });
        }
      } catch (error) {
        left.push(held);
        result.failed.push({
          path: held.entry.path,
          message: `${held.entry.name} could not be put back (${reason(error)}); it goes to the trash with the rest of this delete.`
        });
      }
    }
    this.ctx.changed(changed, []);
    hold.videos = left;
    hold.busy = false;
    if (left.length === 0) {
      this.holds.delete(token);
      await this.tidy(hold);
    } else {
      this.arm(hold);
    }
    return result;
  }

  /** The videos held now, as they were listed: their thumbnails are kept for an undo. */
  heldFacts(): FileFacts[] {
    return [...this.holds.values()].flatMap((h) => h.videos.map((v) => factsOf(v.entry)));
  }

  /** Resolves once the holds whose grace has passed are in the trash. */
  async settled(): Promise<void> {
    while (this.expiring.size > 0) await Promise.all([...this.expiring]);
  }

  /** Sends every held delete to the trash now (the app quits, or the library folder changes). */
  async flush(): Promise<void> {
    await this.settled();
    for (const hold of [...this.holds.values()]) if (!hold.busy) await this.expire(hold);
  }

  /**
   * What an earlier run left held (it quit, or stopped, within a grace) goes to the trash: the
   * person deleted those videos and saw them go; they are still in the OS trash to restore.
   */
  async sweep(root: string): Promise<void> {
    const holding = join(root, HOLDING_FOLDER);
    let tokens: string[];
    try {
      tokens = await readdir(holding);
    } catch {
      return;
    }
    let sent = 0;
    for (const token of tokens) {
      if (this.holds.has(token)) continue;
      for (const file of await filesBelow(join(holding, token))) {
        try {
          await this.ctx.trash(file);
          sent++;
        } catch (error) {
          this.ctx.log?.warn(`${file} could not be moved to the trash (${reason(error)}); it is kept where it is and tried again at the next start.`);
        }
      }
      await pruneEmpty(join(holding, token));
    }
    await rmdir(holding).catch(() => undefined);
    if (sent > 0) this.ctx.log?.info(`${sent} files deleted before the app last closed were moved to the trash.`);
  }

  private arm(hold: Hold): void {
    const wait = Math.max(0, hold.until - this.ctx.clock.now());
    hold.timer = this.ctx.clock.setTimeout(() => {
      hold.timer = undefined;
      if (hold.busy) return;
      const done = this.expire(hold).catch((error: unknown) => this.ctx.log?.warn(`a delete could not be sent to the trash: ${reason(error)}`));
      this.expiring.add(done);
      void done.finally(() => this.expiring.delete(done));
    }, wait);
    hold.timer.unref?.();
  }

  /** The grace has passed: every held file goes to the OS trash. */
  private async expire(hold: Hold): Promise<void> {
    hold.busy = true;
    if (hold.timer) this.ctx.clock.clearTimeout(hold.timer);
    this.holds.delete(hold.token);
    for (const held of hold.videos) {
      for (const file of [held.video, held.sidecar, held.image]) {
        if (!file || !(await isFile(file.held))) continue;
        try {
          await this.ctx.trash(file.held);
        } catch (error) {
          this.ctx.log?.warn(
            `${file.held} could not be moved to the trash (${reason(error)}); it is kept there and tried again the next time the library opens.`
          );
        }
      }
      await this.ctx.thumbs.drop(factsOf(held.entry)).catch(() => undefined);
    }
    await this.tidy(hold);
  }

  /** Removes a hold's folders once they are empty, and the holding folder when nothing else is held. */
  private async tidy(hold: Hold): Promise<void> {
    await pruneEmpty(hold.dir);
    await rmdir(join(hold.root, HOLDING_FOLDER)).catch(() => undefined);
  }

  /**
   * Puts one video back where it was, with its sidecar and source image, never over a file that
   * took a name meanwhile (the video is then `clip (restored).mp4`). Answers its library path.
   */
  private async restore(hold: Hold, held: HeldVideo): Promise<string> {
    const index = this.ctx.index();
    if (index.root !== hold.root) throw new Error('the library folder changed since');
    const dir = dirname(held.video.from);
    await mkdir(dir, { recursive: true });
    const ext = extname(held.video.from);
    const stem = basename(held.video.from, ext);
    let target = held.video.from;
    for (let n = 1; ; n++) {
      const free = !(await taken(target)) && !(held.sidecar && (await taken(sidecarPathFor(target))));
      if (free && (await moveNoClobber(held.video.held, target)) === 'moved') break;
      if (n > 999) throw new Error('no free name');
      target = join(dir, `${restoredStem(stem, n)}${ext}`);
    }
    const sidecarPath = sidecarPathFor(target);
    if (held.sidecar && (await moveNoClobber(held.sidecar.held, sidecarPath)) === 'taken') {
      throw new Error(`${basename(sidecarPath)} was taken while it was being put back`);
    }
    let image = held.image?.from;
    if (held.image) {
      const imageExt = extname(held.image.from);
      const imageStem = basename(held.image.from, imageExt);
      for (let n = 1; (await moveNoClobber(held.image.held, image!)) === 'taken'; n++) {
        if (n > 999) throw new Error('no free name for the source image');
        image = join(dir, `${restoredStem(imageStem, n)}${imageExt}`);
      }
    }
    // A new name for the video or its image is written into the sidecar, so that it still names them.
    if (held.sidecar && (target !== held.video.from || image !== held.image?.from)) {
      const read = await readSidecar(sidecarPath);
      if (read.sidecar) {
        await writeSidecar(sidecarPath, { ...read.sidecar, file: basename(target), ...(image ? { sourceImage: basename(image) } : {}) });
      }
    }
    const rel = relative(hold.root, target).split(sep).join('/');
    if (rel !== held.entry.path) await this.ctx.thumbs.move(factsOf(held.entry), factsOf(held.entry, rel)).catch(() => undefined);
    await this.ctx.relist(rel, held.entry);
    return rel;
  }
}
