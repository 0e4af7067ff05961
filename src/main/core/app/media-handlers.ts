/**
 * The window's doors to the library, drag and drop, the composer and re-runs: the handlers of
 * those channels, over the library service, the image cache, the image host and the engine.
 */
import { readFile, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { ComposerDraft, HostingStatus, SourceImage } from '@shared/images';
import type { InvokeHandlers } from '@shared/ipc';
import type { LibraryDetail, RerunRequest, Sidecar } from '@shared/library';
import type { BatchSummary } from '@shared/batch';
import type { Settings } from '@shared/settings';
import type { ImageHost } from '../hosting';
import { type ImageCache, fetchRemoteImage, inspectDrop } from '../images';
import type { LibraryService } from '../library/library-service';
import { mapLimit } from '../util/map-limit';
import { type BatchEngine, TaskActionError, type NewTask } from '../queue/engine';
import { writeFileAtomic } from '../store/fs-durable';
import { composerTasks, defaultsFromSidecar, draftFromSidecar, freshSeeds, type CachedImage } from './compose';

/** What only the desktop can do: the OS trash, the file manager, a folder picker. */
export interface DesktopAdapters {
  trash(absPath: string): Promise<void>;
  reveal(absPath: string): void;
  /** Opens a folder in the file manager. */
  openFolder(absPath: string): Promise<void>;
  chooseFolder(title: string): Promise<string | null>;
}

export interface MediaContext {
  library: () => LibraryService;
  images: ImageCache;
  engine: () => BatchEngine;
  settings: () => Settings;
  desktop: DesktopAdapters;
  /** The image host in use now, if any. */
  host: () => ImageHost | undefined;
  hostingStatus: () => HostingStatus;
  random?: () => number;
}

export type MediaChannel =
  | 'library:query'
  | 'library:get'
  | 'library:favourite'
  | 'library:delete'
  | 'library:reveal'
  | 'library:export'
  | 'library:thumbnail'
  | 'library:rerun'
  | 'library:use'
  | 'dialog:choose-folder'
  | 'drop:inspect'
  | 'images:from-url'
  | 'composer:create';

/** Images uploaded at once while a batch is being created. */
const HOSTING_CONCURRENCY = 4;

export interface MediaDoors {
  handlers: Pick<InvokeHandlers, MediaChannel>;
  /** CSV rows naming a local image: each image is cached and hosted, and the row gets its URL. */
  hostLocalImages(tasks: NewTask[]): Promise<NewTask[]>;
}

export function mediaDoors(ctx: MediaContext): MediaDoors {
  /** Images seen this session (a drop, a URL), with their origin, which the cache's files do not tell. */
  const seen = new Map<string, SourceImage>();
  /** A web image's link is kept beside its cached copy (`<id>.url`): it needs no hosting, even after a restart. */
  const linkFile = (id: string): string => join(ctx.images.sourcesDir, `${id}.url`);

  /** Notes where an image came from this time: a file dropped now is that file (a link seen before may have expired). */
  async function remember(image: SourceImage): Promise<SourceImage> {
    if (image.origin.kind === 'url') await writeFileAtomic(linkFile(image.id), image.origin.url);
    else await rm(linkFile(image.id), { force: true });
    seen.set(image.id, image);
    return image;
  }

  /** The image with its web origin, when a link was kept for it. */
  async function linkedImage(image: SourceImage): Promise<SourceImage | undefined> {
    const url = await readFile(linkFile(image.id), 'utf8').catch(() => undefined);
    return url && /^https?:\/\//i.test(url) ? { ...image, origin: { kind: 'url', url } } : undefined;
  }

  async function findImage(id: string): Promise<CachedImage | undefined> {
    const found = await ctx.images.find(id);
    if (!found) return undefined;
    return { image: seen.get(id) ?? (await linkedImage(found.image)) ?? found.image, path: found.path };
  }

  /** The URL APIXO fetches for each image: its own web address, or a hosted copy of the local file. */
  async function urlsFor(images: CachedImage[]): Promise<Map<string, string>> {
    const local = images.filter((i) => i.image.origin.kind === 'file');
    const host = local.length > 0 ? ctx.host() : undefined;
    if (local.length > 0 && !host) throw new TaskActionError(ctx.hostingStatus().message);
    const urls = new Map<string, string>();
    for (const i of images) if (i.image.origin.kind === 'url') urls.set(i.image.id, i.image.origin.url);
    await mapLimit(local, HOSTING_CONCURRENCY, async ({ image, path }) => {
      urls.set(image.id, await host!.host({ path, id: image.id, kind: image.kind, sizeBytes: image.sizeBytes, name: image.name }));
    });
    return urls;
  }

  function addBatch(name: string, tasks: NewTask[], capMicros?: number): BatchSummary {
    const settings = ctx.settings();
    const engine = ctx.engine();
    const batch = engine.addBatch({ name, libraryDir: settings.libraryDir, capMicros: capMicros ?? settings.caps.perBatchMicros, tasks });
    return engine.summary(batch.id)!;
  }

  /** The source image kept beside a library video, cached again so it can be hosted or shown. */
  async function sourceImageOf(detail: LibraryDetail): Promise<CachedImage | undefined> {
    const file = detail.sourceImage ? detail.sidecar?.sourceImage : undefined;
    if (!file) return undefined;
    const path = join(ctx.settings().libraryDir, ...posix.join(posix.dirname(detail.path), file).split('/'));
    const image = await remember(await ctx.images.addFile(path));
    return { image, path: ctx.images.pathOf(image.id, image.kind) };
  }

  async function withSidecar(path: string): Promise<LibraryDetail & { sidecar: Sidecar }> {
    const detail = await ctx.library().get(path);
    if (!detail.sidecar) {
      throw new TaskActionError(`“${detail.name}” was not made by this app (it has no sidecar), so its prompt and settings are unknown.`);
    }
    return detail as LibraryDetail & { sidecar: Sidecar };
  }

  async function rerun(request: RerunRequest): Promise<BatchSummary> {
    const random = ctx.random ?? Math.random;
    // Every video is checked before any image is hosted, so a refused re-run uploads nothing.
    const planned: { detail: LibraryDetail & { sidecar: Sidecar }; seeds: number[] }[] = [];
    for (const path of request.paths) {
      const detail = await withSidecar(path);
      const { seed } = detail.sidecar;
      if (request.seeds === 'same' && (seed === undefined || seed < 0)) {
        throw new TaskActionError(`“${detail.name}” was made with a random seed that APIXO did not report, so it cannot be made again with the same seed. Use New takes instead.`);
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
          source: { row: i + 1, take: t + 1, name: detail.name, cells: { prompt: sidecar.prompt, from: detail.path } },
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
      image = await remember(await fetchRemoteImage(sidecar.imageUrl!, ctx.images));
    }
    if (!image && sidecar.imageUrl) {
      throw new TaskActionError(`The source image of “${detail.name}” is not beside it in the library and its link cannot be fetched again. Drop the image to use these settings with it.`);
    }
    return { rows: [{ image, prompt: sidecar.prompt }], defaults: defaultsFromSidecar(sidecar, ctx.settings().defaults) };
  }

  async function hostLocalImages(tasks: NewTask[]): Promise<NewTask[]> {
    const local = tasks.filter((t) => t.imagePath && !t.draft.imageUrl);
    if (local.length === 0) return tasks;
    const byPath = new Map<string, CachedImage>();
    for (const { imagePath } of local) {
      if (byPath.has(imagePath!)) continue;
      const image = await remember(await ctx.images.addFile(imagePath!));
      byPath.set(imagePath!, { image, path: ctx.images.pathOf(image.id, image.kind) });
    }
    const urls = await urlsFor([...new Map([...byPath.values()].map((c) => [c.image.id, c])).values()]);
    return tasks.map((task) => {
      const cached = task.imagePath && !task.draft.imageUrl ? byPath.get(task.imagePath) : undefined;
      if (!cached) return task;
      return { ...task, draft: { ...task.draft, imageUrl: urls.get(cached.image.id) }, imagePath: cached.path };
    });
  }

  const handlers: Pick<InvokeHandlers, MediaChannel> = {
    'library:query': (query) => ctx.library().query(query),
    'library:get': (path) => ctx.library().get(path),
    'library:favourite': (paths, on) => ctx.library().setFavourite(paths, on),
    'library:delete': (paths) => ctx.library().delete(paths),
    'library:reveal': (path) => {
      ctx.library().reveal(path);
      return true;
    },
    'library:export': (paths, folder) => ctx.library().exportTo(paths, folder),
    'library:thumbnail': (path, dataUrl) => ctx.library().saveThumbnail(path, dataUrl),
    'library:rerun': (request) => rerun(request),
    'library:use': (path) => use(path),
    'dialog:choose-folder': (title) => ctx.desktop.chooseFolder(title),
    'drop:inspect': async (paths) => {
      const found = await inspectDrop(paths, ctx.images);
      const images = [];
      for (const image of found.images) images.push(await remember(image));
      return { ...found, images };
    },
    'images:from-url': async (url) => remember(await fetchRemoteImage(url, ctx.images)),
    'composer:create': async (request) => {
      const tasks = await composerTasks(request, findImage, urlsFor, ctx.random);
      return addBatch(request.name, tasks, request.capMicros);
    }
  };
  return { handlers, hostLocalImages };
}
