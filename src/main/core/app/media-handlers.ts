/**
 * The window's doors to the library, drag and drop, the composer and re-runs: the handlers of
 * those channels, over the library service and the batch use case (create-batch.ts).
 */
import { join, posix } from 'node:path';
import { PNG_DATA_URL_PREFIX, type ComposerDraft, type SourceImage } from '@shared/images';
import { modeFor } from '@shared/model';
import type { InvokeHandlers } from '@shared/ipc';
import type { LibraryDetail, RerunRequest, Sidecar } from '@shared/library';
import type { BatchSummary } from '@shared/batch';
import type { Settings } from '@shared/settings';
import { fetchRemoteImage } from '../images';
import type { NetPolicy } from '../net';
import type { LibraryService } from '../library/library-service';
import { sidecarFromRecipe } from '../library/library-entry';
import { TaskActionError, type NewTask } from '../queue/engine';
import { createBatch, hostedUrls, type BatchContext } from './create-batch';
import type { FileChooser } from './chooser-handlers';
import type { ChosenFiles } from './chosen-files';
import { checkChosenFolder } from './folder-rules';
import type { SeenImages } from './seen-images';
import { cryptoRandom } from '../import/seeds';
import { composerTasks, defaultsFromSidecar, draftFromSidecar, freshSeeds, type CachedImage } from './compose';

/** The bytes of a captured frame's `data:image/png;base64,…` URL; refused in words when it is not one. */
function pngBytes(dataUrl: string, video: string): Buffer {
  const base64 = dataUrl.startsWith(PNG_DATA_URL_PREFIX) ? dataUrl.slice(PNG_DATA_URL_PREFIX.length) : '';
  if (!base64 || base64.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) {
    throw new TaskActionError(`The frame of “${video}” did not arrive as a PNG picture, so nothing was added. Pause the video and try again.`);
  }
  const bytes = Buffer.from(base64, 'base64');
  if (!bytes.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE)) {
    throw new TaskActionError(`The frame of “${video}” is not a PNG picture, so nothing was added. Pause the video and try again.`);
  }
  return bytes;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A drag of one file out of the window into another app: the file and the picture under the pointer (absolute paths). */
export interface DragOut {
  file: string;
  icon: string;
}

/** Starts the OS drag of a file from the window (Electron's `webContents.startDrag`); false when it could not start. */
export type StartDrag = (drag: DragOut) => boolean;

/** What only the desktop can do: the OS trash, the file manager, main's open dialogs. */
export interface DesktopAdapters extends FileChooser {
  trash(absPath: string): Promise<void>;
  reveal(absPath: string): void;
  /** Opens a folder in the file manager. */
  openFolder(absPath: string): Promise<void>;
}

export interface MediaContext {
  library: () => LibraryService;
  /** How rows become a batch: the engine, the image cache and the image host (create-batch.ts). */
  batches: BatchContext;
  /** The window's images and where each came from. */
  seen: SeenImages;
  settings: () => Settings;
  desktop: DesktopAdapters;
  /** Folders the person chose: an export goes only to one of them. */
  chosen: ChosenFiles;
  random?: () => number;
  imagePolicy?: NetPolicy;
  /** Drags a video out of the window; absent where the door cannot drag (the harness records them). */
  startDrag?: StartDrag;
  /** The picture under the pointer for a video with no poster frame yet: the app's icon. */
  dragIcon: string;
}

export type MediaChannel =
  | 'library:query'
  | 'library:get'
  | 'library:favourite'
  | 'library:delete'
  | 'library:verdict'
  | 'library:trash-rejected'
  | 'library:undo-delete'
  | 'library:drag-out'
  | 'library:reveal'
  | 'library:export'
  | 'library:thumbnail'
  | 'library:rerun'
  | 'library:use'
  | 'library:continue'
  | 'images:from-url'
  | 'composer:create';

export function mediaHandlers(ctx: MediaContext): Pick<InvokeHandlers, MediaChannel> {
  const cache = ctx.batches.images;
  const remember = (image: SourceImage): Promise<SourceImage> => ctx.seen.remember(image);
  const urlsFor = (found: CachedImage[]): Promise<Map<string, string>> => hostedUrls(ctx.batches, found);

  function addBatch(name: string, tasks: NewTask[], capMicros?: number): Promise<BatchSummary> {
    const settings = ctx.settings();
    return createBatch(ctx.batches, { name, libraryDir: settings.libraryDir, capMicros: capMicros ?? settings.caps.perBatchMicros, tasks });
  }

  /** The source image kept beside a library video, cached again so it can be hosted or shown. */
  async function sourceImageOf(detail: LibraryDetail): Promise<CachedImage | undefined> {
    const file = detail.sourceImage ? detail.sidecar?.sourceImage : undefined;
    if (!file) return undefined;
    const path = join(ctx.settings().libraryDir, ...posix.join(posix.dirname(detail.path), file).split('/'));
    const image = await remember(await cache.addFile(path));
    return { image, path: cache.pathOf(image.id, image.kind) };
  }

  async function withSidecar(path: string): Promise<LibraryDetail & { sidecar: Sidecar }> {
    const detail = await ctx.library().get(path);
    // A video with no sidecar but the recipe inside its file is made again from that recipe.
    if (!detail.sidecar && detail.recipe) return { ...detail, sidecar: sidecarFromRecipe(detail, detail.recipe, detail.probe) };
    if (!detail.sidecar) {
      throw new TaskActionError(`“${detail.name}” was not made by this app (it has no sidecar), so its prompt and settings are unknown.`);
    }
    return detail as LibraryDetail & { sidecar: Sidecar };
  }

  async function rerun(request: RerunRequest): Promise<BatchSummary> {
    const random = ctx.random ?? cryptoRandom;
    // Every video is checked before any image is hosted, so a refused re-run uploads nothing.
    const planned: { detail: LibraryDetail & { sidecar: Sidecar }; seeds: number[] }[] = [];
    for (const path of request.paths) {
      const detail = await withSidecar(path);
      const { seed } = detail.sidecar;
      if (request.seeds === 'same' && (seed === undefined || seed < 0)) {
        throw new TaskActionError(
          `The seed of “${detail.name}” was not recorded (it was made before the app chose every seed itself), so it cannot be made again with the same seed. Use New takes instead.`
        );
      }
      planned.push({ detail, seeds: request.seeds === 'same' ? [seed!] : freshSeeds(request.takes, seed, random) });
    }
    const sources = [];
    for (const { detail } of planned) sources.push(await sourceImageOf(detail));
    const present = sources.filter((c): c is CachedImage => c !== undefined);
    const hosted = present.length > 0 ? await urlsFor([...new Map(present.map((c) => [c.image.id, c])).values()]) : new Map<string, string>();
    const tasks: NewTask[] = [];
    for (const [i, { detail, seeds }] of planned.entries()) {
      const { sidecar } = detail;
      const source = sources[i];
      const url = source ? hosted.get(source.image.id) : sidecar.imageUrl;
      for (const [t, seed] of seeds.entries()) {
        const draft = draftFromSidecar(sidecar, seed);
        if (draft.imageUrl !== undefined) draft.imageUrl = url;
        tasks.push({
          source: {
            row: i + 1,
            take: t + 1,
            name: sidecar.name || detail.name,
            // A named video's takes keep its name.
            ...(sidecar.name ? { videoName: sidecar.name } : {}),
            cells: { prompt: sidecar.prompt, from: detail.path }
          },
          draft,
          imagePath: source?.path
        });
      }
    }
    const first = planned[0].detail.name.replace(/\.mp4$/i, '');
    const what = request.seeds === 'same' ? 'Again' : 'New takes';
    const name = planned.length === 1 ? `${what}: ${first}` : `${what}: ${planned.length} videos`;
    return addBatch(name, tasks);
  }

  async function use(path: string): Promise<ComposerDraft> {
    const detail = await withSidecar(path);
    const { sidecar } = detail;
    let image = (await sourceImageOf(detail))?.image;
    if (!image && sidecar.imageUrl && /^https?:/i.test(sidecar.imageUrl)) {
      image = await remember(await fetchRemoteImage(sidecar.imageUrl!, cache, { policy: ctx.imagePolicy }));
    }
    if (!image && sidecar.imageUrl) {
      throw new TaskActionError(
        `The source image of “${detail.name}” is not beside it in the library and its link cannot be fetched again. Drop the image to use these settings with it.`
      );
    }
    return { rows: [{ image, prompt: sidecar.prompt }], defaults: defaultsFromSidecar(sidecar, ctx.settings().defaults) };
  }

  /**
   * "Continue from this frame" (architecture.md, "Lineage"): the frame the window captured is
   * checked as a dropped image is and cached as any local image (so it is hosted as one), and the
   * composer gets one image-to-video row from it, with the video's prompt, settings and parent.
   */
  async function continueFrom(path: string, frameSec: number, pngDataUrl: string): Promise<ComposerDraft> {
    const detail = await withSidecar(path);
    const { sidecar } = detail;
    const stem = detail.name.replace(/\.mp4$/i, '');
    const name = `${stem} frame ${frameSec.toFixed(2)} s.png`;
    const bytes = pngBytes(pngDataUrl, detail.name);
    const cached = await cache.addBytes(bytes, name, { kind: 'file', path: '' });
    const image = await remember({ ...cached, origin: { kind: 'file', path: cache.pathOf(cached.id, cached.kind) } });
    const defaults = defaultsFromSidecar(sidecar, ctx.settings().defaults);
    // A new shot: its own seed, and an image-to-video mode whatever the video was made with.
    defaults.seed = { kind: 'random' };
    defaults.mode = modeFor(true, (defaults.loras?.length ?? 0) > 0);
    const parent = { taskId: sidecar.taskId, file: detail.path, frameSec: Math.round(frameSec * 1000) / 1000 };
    return { rows: [{ image, prompt: sidecar.prompt, parent }], defaults };
  }

  return {
    'library:query': (query) => ctx.library().query(query),
    'library:get': (path) => ctx.library().get(path),
    'library:favourite': (paths, on) => ctx.library().setFavourite(paths, on),
    'library:delete': (paths) => ctx.library().delete(paths),
    'library:verdict': (paths, verdict) => ctx.library().setVerdict(paths, verdict),
    'library:trash-rejected': (batchId) => ctx.library().trashRejected(batchId),
    'library:undo-delete': (token) => ctx.library().undoDelete(token),
    'library:drag-out': (path) => {
      // Only a video of the library, as the library names it: never a path the window makes up.
      const { file, poster } = ctx.library().dragSource(path);
      return ctx.startDrag?.({ file, icon: poster ?? ctx.dragIcon }) ?? false;
    },
    'library:reveal': (path) => {
      ctx.library().reveal(path);
      return true;
    },
    'library:export': async (paths, folder) => {
      const chosen = ctx.chosen.path(folder, 'folder:export', 'library:export');
      return ctx.library().exportTo(paths, await checkChosenFolder(chosen, 'export folder', 'library:export'));
    },
    'library:thumbnail': (path, dataUrl) => ctx.library().saveThumbnail(path, dataUrl),
    'library:rerun': (request) => rerun(request),
    'library:use': (path) => use(path),
    'library:continue': (path, frameSec, pngDataUrl) => continueFrom(path, frameSec, pngDataUrl),
    'images:from-url': async (url) => remember(await fetchRemoteImage(url, cache, { policy: ctx.imagePolicy })),
    'composer:create': async (request) => {
      const tasks = await composerTasks(request, (id) => ctx.seen.find(id), urlsFor, ctx.random);
      return addBatch(request.name, tasks, request.capMicros);
    }
  };
}
