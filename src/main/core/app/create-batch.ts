/**
 * The one way rows become a batch, whatever door they came through (the window's import, the
 * composer, "again" and "new takes", the CLI): rows → tasks (seed, name, mode, decided by the
 * door's planner) → local images cached and hosted → `engine.addBatch` → the batch's summary.
 * See architecture.md, "Doors and use cases".
 */
import type { BatchSummary } from '@shared/batch';
import type { HostingStatus, SourceImage } from '@shared/images';
import type { Micros } from '@shared/pricing';
import { imageReference, type ImageHost } from '../hosting';
import type { ImageCache } from '../images';
import { validRows, type ImportedRow, type ImportResult } from '../import';
import { type BatchEngine, TaskActionError, type NewTask } from '../queue/engine';
import { mapLimit } from '../util/map-limit';
import type { CachedImage } from './compose';

/** Images uploaded at once while a batch is being created. */
const HOSTING_CONCURRENCY = 4;

/** What every door hands the use case: the engine, the image cache and where local images go now. */
export interface BatchContext {
  engine: () => BatchEngine;
  images: ImageCache;
  /** The image host in use now, or undefined when none is set up. */
  host: () => ImageHost | undefined;
  /** Whether hosting is ready, and if not the sentence saying what to set up. */
  hostingStatus: () => HostingStatus;
  /** Told of every image cached from a file (the window keeps where each came from). */
  remember?: (image: SourceImage) => Promise<SourceImage>;
}

export interface BatchSpec {
  name: string;
  libraryDir: string;
  /**
   * The tasks. One naming a local image (`imagePath` without `draft.imageUrl`) gets the image
   * cached and hosted first; `imagePath` then points at the cached copy, which the download
   * stage puts beside the video.
   */
  tasks: NewTask[];
  capMicros?: Micros;
  sourceFile?: string;
  sourceKey?: string;
}

/** Hosts the tasks' local images, adds the batch and answers its summary. Nothing is added when an image cannot be hosted. */
export async function createBatch(ctx: BatchContext, spec: BatchSpec): Promise<BatchSummary> {
  const tasks = withReferences(ctx, await hostLocalImages(ctx, spec.tasks));
  const engine = ctx.engine();
  const batch = engine.addBatch({
    name: spec.name,
    libraryDir: spec.libraryDir,
    sourceFile: spec.sourceFile,
    sourceKey: spec.sourceKey,
    capMicros: spec.capMicros,
    tasks
  });
  return engine.summary(batch.id)!;
}

/** Imported rows (takes) as tasks: each keeps its row, take, name (which also names its video) and cells. */
export function tasksFromRows(rows: ImportedRow[]): NewTask[] {
  return rows.map((r) => ({
    source: { row: r.row, take: r.take, name: r.name, ...(r.name ? { videoName: r.name } : {}), cells: r.source, ...(r.axes ? { axes: r.axes } : {}) },
    draft: r.draft,
    imagePath: r.imagePath
  }));
}

/** The tasks that name a local image not hosted yet. */
export function localImageTasks(tasks: NewTask[]): NewTask[] {
  return tasks.filter((t) => t.imagePath && !t.draft.imageUrl);
}

/** Why these tasks cannot be created now (a local image and nowhere to host it), before anything is cached or uploaded. */
export function hostingRefusal(ctx: Pick<BatchContext, 'host' | 'hostingStatus'>, tasks: NewTask[]): string | undefined {
  if (localImageTasks(tasks).length === 0 || ctx.host()) return undefined;
  return ctx.hostingStatus().message;
}

/** The URL APIXO fetches for each image: its own web address, or a hosted copy of the local file. */
export async function hostedUrls(ctx: Pick<BatchContext, 'host' | 'hostingStatus'>, images: CachedImage[]): Promise<Map<string, string>> {
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

/** Caches each local image once (checked again as it is copied), hosts each distinct picture once, and gives every task its URL. */
async function hostLocalImages(ctx: BatchContext, tasks: NewTask[]): Promise<NewTask[]> {
  const local = localImageTasks(tasks);
  if (local.length === 0) return tasks;
  const refusal = hostingRefusal(ctx, tasks);
  if (refusal) throw new TaskActionError(refusal);
  const byPath = new Map<string, CachedImage>();
  for (const { imagePath } of local) {
    if (byPath.has(imagePath!)) continue;
    const added = await ctx.images.addFile(imagePath!);
    const image = ctx.remember ? await ctx.remember(added) : added;
    byPath.set(imagePath!, { image, path: ctx.images.pathOf(image.id, image.kind) });
  }
  const urls = await hostedUrls(ctx, [...new Map([...byPath.values()].map((c) => [c.image.id, c])).values()]);
  return tasks.map((task) => {
    const cached = task.imagePath && !task.draft.imageUrl ? byPath.get(task.imagePath) : undefined;
    if (!cached) return task;
    return { ...task, draft: { ...task.draft, imageUrl: urls.get(cached.image.id) }, imagePath: cached.path };
  });
}

/**
 * Tasks whose image link the app's host made keep its reference and the link's unsigned form:
 * no signed link reaches the journal; each submit signs one afresh (architecture.md, "Security").
 */
function withReferences(ctx: Pick<BatchContext, 'host'>, tasks: NewTask[]): NewTask[] {
  let host: ImageHost | undefined | null = null;
  return tasks.map((task) => {
    const url = task.draft.imageUrl;
    if (url === undefined || task.draft.imageRef || /^data:/i.test(url)) return task;
    if (host === null) host = ctx.host();
    const found = imageReference(host, url);
    return found ? { ...task, draft: { ...task.draft, imageUrl: found.url, imageRef: found.ref } } : task;
  });
}

/** The tasks of a kept import: its valid rows, or a refusal saying what is wrong with the file or its rows. */
export function importedTasks(result: ImportResult, skipInvalid: boolean | undefined): NewTask[] {
  if (result.fileProblems.length > 0) throw new TaskActionError(result.fileProblems[0]);
  if (result.problems.length > 0 && !skipInvalid) {
    throw new TaskActionError(`${result.invalidRowCount} row(s) have problems: fix them, or choose to leave them out.`);
  }
  const rows = validRows(result);
  if (rows.length === 0) throw new TaskActionError('There are no valid rows to add.');
  return tasksFromRows(rows);
}
