import { constants } from 'node:fs';
import { copyFile, mkdir, open, readFile, readdir, rm } from 'node:fs/promises';
import { dirname, extname, join, relative, resolve, isAbsolute, sep } from 'node:path';
import { withoutSignedQueries } from '@shared/image-link';
import type { LibraryEntry, LibraryExportResult } from '@shared/library';
import { manifestCsv, manifestXlsx, type ManifestRow } from './manifest-csv';
import { exists } from '../store/fs-durable';
import { SOURCE_IMAGE_INFIX, sidecarPathFor } from '../download/naming';
import { formatSidecar, readSidecar, unsignedSidecar } from '../download/sidecar';

/** Suffixes tried for one exported name before giving up. */
const MAX_SUFFIX = 10_000;
/** A file name a spreadsheet would take for a formula, if a manifest cell started with it. */
const FORMULA_START = /^[=+\-@]/;

export interface ExportSource {
  entry: LibraryEntry;
  /** Absolute path of the video in the library. */
  video: string;
}

/** What one video's files will be called in the export folder. */
interface ExportNames {
  stem: string;
  video: string;
  sidecar: string;
  image?: string;
}

/** Refuses an export folder that is not absolute or lies inside the library (the copies would show up in it twice). */
export function checkExportFolder(folder: string, libraryRoot: string): string {
  if (!isAbsolute(folder)) throw new Error(`Export folder “${folder}” is not a full path. Choose a folder with the folder picker.`);
  const target = resolve(folder);
  const inside = relative(resolve(libraryRoot), target);
  if (inside === '' || (!inside.startsWith(`..${sep}`) && inside !== '..' && !isAbsolute(inside))) {
    throw new Error('That folder is inside the library, where the copies would show up as videos a second time. Choose a folder outside the library.');
  }
  return target;
}

/** Names for a video's files that nothing in the folder uses yet, nor any earlier video of this export. */
async function freeNames(folder: string, taken: Set<string>, source: ExportSource, imageExt: string | undefined): Promise<ExportNames> {
  let base = source.entry.name.replace(/\.mp4$/i, '');
  // Kept out of the manifest's image column, which is not guarded, and harmless for the rest.
  if (FORMULA_START.test(base)) base = `_${base}`;
  const videoExt = extname(source.entry.name);
  for (let n = 1; n <= MAX_SUFFIX; n++) {
    const stem = n === 1 ? base : `${base}-${n}`;
    const names: ExportNames = { stem, video: `${stem}${videoExt}`, sidecar: `${stem}.json` };
    if (imageExt !== undefined) names.image = `${stem}${SOURCE_IMAGE_INFIX}${imageExt}`;
    const all = [names.video, names.sidecar, ...(names.image ? [names.image] : [])];
    if (all.some((name) => taken.has(name.toLowerCase()))) continue;
    if ((await Promise.all(all.map((name) => exists(join(folder, name))))).some(Boolean)) continue;
    for (const name of all) taken.add(name.toLowerCase());
    return names;
  }
  throw new Error(`No free file name for ${base} in ${folder} after ${MAX_SUFFIX} tries.`);
}

/** Copies a file, failing rather than replacing anything already there. */
async function copyNew(from: string, to: string): Promise<void> {
  await copyFile(from, to, constants.COPYFILE_EXCL);
}

/** Writes a new file, failing rather than replacing anything already there. */
async function writeNew(path: string, text: string | Uint8Array): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * The sidecar for the copy: the library's own bytes when the names are unchanged and it holds no
 * signed link, otherwise the sidecar rewritten to name the copies (so a library made from the
 * export folder pairs them up) with its links unsigned. A sidecar written before links were kept
 * unsigned may still hold one: the export never carries it (architecture.md, "Security").
 */
async function copySidecar(source: ExportSource, names: ExportNames, folder: string, image: string | undefined): Promise<void> {
  const from = sidecarPathFor(source.video);
  const to = join(folder, names.sidecar);
  const sidecar = source.entry.sidecar;
  if (!sidecar) {
    if (await exists(from)) await copyUnsigned(from, to);
    return;
  }
  const read = await readSidecar(from);
  const current = read.sidecar ?? sidecar;
  const clean = unsignedSidecar(current);
  const renamed = names.video !== source.entry.name || (image !== undefined && image !== sidecar.sourceImage);
  if (!renamed && read.sidecar && JSON.stringify(clean) === JSON.stringify(current)) {
    await copyNew(from, to);
    return;
  }
  await writeNew(to, formatSidecar({ ...clean, file: names.video, ...(image ? { sourceImage: image } : {}) }));
}

/** Copies a file this app cannot read as its sidecar, with any signed query string taken out of the links in it. */
async function copyUnsigned(from: string, to: string): Promise<void> {
  const text = (await readFile(from)).toString('utf8');
  const clean = withoutSignedQueries(text);
  if (clean === text) await copyNew(from, to);
  else await writeNew(to, clean);
}

/** The source image beside a library video, when its sidecar names one that is there. */
async function sourceImageOf(source: ExportSource): Promise<string | undefined> {
  const name = source.entry.sidecar?.sourceImage;
  if (!name) return undefined;
  const path = join(dirname(source.video), name);
  return (await exists(path)) ? path : undefined;
}

/** `manifest`, else `manifest-2` …: the first name free as both `.csv` and `.xlsx`. */
async function manifestName(folder: string): Promise<string> {
  const names = new Set((await readdir(folder)).map((n) => n.toLowerCase()));
  for (let n = 1; n <= MAX_SUFFIX; n++) {
    const name = n === 1 ? 'manifest' : `manifest-${n}`;
    if (!names.has(`${name}.csv`) && !names.has(`${name}.xlsx`)) return join(folder, name);
  }
  throw new Error(`No free name for the manifest in ${folder}.`);
}

/**
 * Copies videos with their sidecars and source images into `folder` (made if needed), under
 * names that collide with nothing there and never replace a file, then writes the manifest
 * (see manifest-csv.ts). One video failing does not stop the others; each failure says why.
 */
export async function exportVideos(sources: readonly ExportSource[], folder: string): Promise<LibraryExportResult> {
  await mkdir(folder, { recursive: true });
  const taken = new Set<string>();
  const rows: ManifestRow[] = [];
  const failed: LibraryExportResult['failed'] = [];
  for (const source of sources) {
    const made: string[] = [];
    let names: ExportNames | undefined;
    try {
      const image = await sourceImageOf(source);
      names = await freeNames(folder, taken, source, image === undefined ? undefined : extname(image).toLowerCase());
      made.push(join(folder, names.video));
      await copyNew(source.video, join(folder, names.video));
      if (image && names.image) {
        made.push(join(folder, names.image));
        await copyNew(image, join(folder, names.image));
      }
      made.push(join(folder, names.sidecar));
      await copySidecar(source, names, folder, image ? names.image : undefined);
      rows.push({ entry: source.entry, file: names.video, ...(image && names.image ? { sourceImage: names.image } : {}) });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // No half-exported video is left, and only files this export created are removed: the
      // step that failed on EEXIST met someone else's file.
      if (code === 'EEXIST') made.pop();
      await Promise.all(made.map((path) => rm(path, { force: true })));
      for (const name of [names?.video, names?.sidecar, names?.image]) if (name) taken.delete(name.toLowerCase());
      const why = code === 'ENOSPC' ? 'the disk is full' : code === 'ENOENT' ? 'a file is no longer there' : (error as Error).message;
      failed.push({ path: source.entry.path, message: `${source.entry.name} was not exported (${why}). Check the export folder and try again.` });
    }
  }
  const base = await manifestName(folder);
  await writeNew(`${base}.csv`, manifestCsv(rows));
  await writeNew(`${base}.xlsx`, manifestXlsx(rows));
  return { done: rows.length, failed, folder, manifest: `${base}.csv`, manifestXlsx: `${base}.xlsx` };
}
