/**
 * What a drop on the window holds: images (checked and cached, in natural order, each picture
 * once), CSV files to import, and everything else refused with a sentence saying why.
 */
import { stat } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import type { DropInspection, RefusedItem, SourceImage } from '@shared/images';
import { CONTENT_HEAD_BYTES, describeContent, looksLikeText } from './content-kind';
import { readFileStart } from './file-head';
import { scanFolder, type FolderScan } from './folder-scan';
import { fileErrorReason } from './image-check';
import type { ImageCache } from './image-cache';
import { isImageRefusal } from './image-refusal';
import { ACCEPTED, count, listNames, notAcceptedImage, quoted } from './image-words';
import { naturalCompare } from './natural-order';

export interface DropOptions {
  /** Images kept from one drop; the rest are left out with one refusal. Default 2000. */
  maxImages?: number;
  /** Levels of folders entered inside a dropped folder. Default 8. */
  maxDepth?: number;
}

export const DEFAULT_MAX_DROP_IMAGES = 2000;
export const DEFAULT_MAX_DROP_DEPTH = 8;
/** Entries looked at inside one dropped folder before giving up (someone dropped a whole disk). */
const MAX_FOLDER_ENTRIES = 100_000;

const TABLE_EXTENSIONS = new Set(['.csv', '.tsv', '.txt']);
/** Workbooks the importer reads itself (import/workbook.ts); the others are refused with what to do. */
const READ_WORKBOOK_EXTENSIONS = new Set(['.xlsx', '.xlsm', '.ods']);
const WORKBOOK_EXTENSIONS = new Set(['.xls', '.numbers']);
const TEXT_SNIFF_BYTES = 8192;

const SAVE_AS_CSV = 'Save it as "CSV UTF-8" from your spreadsheet app and drop that file.';

interface Sorting {
  result: DropInspection;
  /** Image candidates by resolved path (a file dropped twice, or inside a dropped folder, counts once). */
  candidates: Set<string>;
  maxDepth: number;
}

function nameOf(path: string): string {
  return basename(path) || path;
}

/** Sorts the dropped files and folders into images (checked and cached), CSV files and refusals. */
export async function inspectDrop(paths: string[], cache: ImageCache, options: DropOptions = {}): Promise<DropInspection> {
  const sorting: Sorting = {
    result: { images: [], csv: [], refused: [] },
    candidates: new Set(),
    maxDepth: options.maxDepth ?? DEFAULT_MAX_DROP_DEPTH
  };
  for (const path of paths) await sortDropped(resolve(path), sorting);
  const ordered = [...sorting.candidates].sort(naturalCompare);
  await addImages(ordered, cache, options.maxImages ?? DEFAULT_MAX_DROP_IMAGES, sorting.result);
  return sorting.result;
}

async function sortDropped(path: string, sorting: Sorting): Promise<void> {
  const { refused, csv } = sorting.result;
  const name = nameOf(path);
  try {
    const info = await stat(path);
    if (info.isDirectory()) return await sortFolder(path, sorting);
    if (!info.isFile()) {
      refused.push({ name, reason: `${quoted(name)} is not a file or a folder.` });
      return;
    }
    const ext = extname(name).toLowerCase();
    if (TABLE_EXTENSIONS.has(ext)) {
      const reason = info.size === 0 ? `${quoted(name)} is empty: there are no prompts in it.` : await notTextReason(path, name);
      if (reason) refused.push({ name, reason });
      else if (!csv.includes(path)) csv.push(path);
      return;
    }
    if (READ_WORKBOOK_EXTENSIONS.has(ext)) {
      if (info.size === 0) refused.push({ name, reason: `${quoted(name)} is empty: there are no prompts in it.` });
      else if (!csv.includes(path)) csv.push(path);
      return;
    }
    if (WORKBOOK_EXTENSIONS.has(ext)) {
      refused.push({
        name,
        reason: `${quoted(name)} is a workbook the importer cannot read. Save it as .xlsx, or as "CSV UTF-8", from your spreadsheet app and drop that file.`
      });
      return;
    }
    const what = info.size === 0 ? 'empty' : describeContent(await readFileStart(path, CONTENT_HEAD_BYTES));
    if (what === 'jpeg' || what === 'png' || what === 'webp') sorting.candidates.add(path);
    else if (what === 'empty') refused.push({ name, reason: `${quoted(name)} is empty (0 bytes).` });
    else refused.push({ name, reason: notAcceptedImage(quoted(name), what) });
  } catch (error) {
    refused.push({ name, reason: fileErrorReason(name, error) });
  }
}

/** Why a `.csv`/`.tsv`/`.txt` file is not a table of prompts, or `undefined` when it is text. */
async function notTextReason(path: string, name: string): Promise<string | undefined> {
  const head = await readFileStart(path, TEXT_SNIFF_BYTES);
  if (looksLikeText(head)) return undefined;
  const what = describeContent(head.subarray(0, CONTENT_HEAD_BYTES));
  const words = what === 'jpeg' || what === 'png' || what === 'webp' ? `a ${what.toUpperCase()} image` : what;
  return `${quoted(name)} is ${words}, not a text file, although its name ends in ${extname(name)}. ${SAVE_AS_CSV}`;
}

async function sortFolder(folder: string, sorting: Sorting): Promise<void> {
  const scan = await scanFolder(folder, { maxDepth: sorting.maxDepth, maxEntries: MAX_FOLDER_ENTRIES });
  for (const image of scan.images) sorting.candidates.add(image);
  sorting.result.refused.push(...folderNotes(nameOf(folder), scan, sorting.maxDepth));
}

/** One sentence per kind of thing a folder held that is not used. */
function folderNotes(name: string, scan: FolderScan, maxDepth: number): RefusedItem[] {
  const notes: string[] = [];
  const folder = quoted(name);
  if (scan.images.length === 0) {
    const held = scan.others > 0 ? ` (it holds ${count(scan.others, 'other file', 'other files')})` : '';
    notes.push(`No JPG, PNG or WebP images were found in ${folder}${held}.`);
  } else if (scan.others > 0) {
    const were = scan.others === 1 ? 'was' : 'were';
    notes.push(`${count(scan.others, 'other file', 'other files')} in ${folder} ${were} skipped (only ${ACCEPTED} images are used).`);
  }
  if (scan.heic > 0) {
    const [them, that] = scan.heic === 1 ? ['it', 'that'] : ['them', 'those'];
    notes.push(
      `${count(scan.heic, 'HEIC photo', 'HEIC photos')} in ${folder} cannot be used as ${scan.heic === 1 ? 'it is' : 'they are'}: ` +
        `export ${them} as JPG (or set the phone to save "Most Compatible" photos) and drop ${that}.`
    );
  }
  if (scan.linksSkipped > 0) {
    notes.push(
      `${count(scan.linksSkipped, 'link', 'links')} in ${folder} ${scan.linksSkipped === 1 ? 'was' : 'were'} not followed: they lead outside the folder or to another folder.`
    );
  }
  if (scan.tooDeep > 0) {
    notes.push(
      `Folders nested more than ${count(maxDepth, 'level', 'levels')} deep in ${folder} were not searched. Drop those folders themselves to use their images.`
    );
  }
  if (scan.unlisted.length > 0) {
    notes.push(
      `${count(scan.unlisted.length, 'folder', 'folders')} in ${folder} could not be opened (${listNames(scan.unlisted)}): check that you are allowed to read them.`
    );
  }
  if (scan.truncated) {
    notes.push(`${folder} holds too many files: only the first ${count(MAX_FOLDER_ENTRIES, 'entry', 'entries')} were looked at. Drop a smaller folder.`);
  }
  return notes.map((reason) => ({ name, reason }));
}

/** One sentence for the images that were the same picture as one before them. */
function duplicateNote(duplicates: { name: string; sameAs: string }[]): RefusedItem {
  const [first] = duplicates;
  if (duplicates.length === 1) {
    return { name: first.name, reason: `${quoted(first.name)} is the same picture as ${quoted(first.sameAs)}, so it appears once.` };
  }
  const names = listNames(duplicates.map((d) => d.name));
  return {
    name: first.name,
    reason: `${count(duplicates.length, 'image', 'images')} (${names}) are the same pictures as others in this drop, so each picture appears once.`
  };
}

/** Checks and caches the candidates in order, keeping each picture once and at most `maxImages`. */
async function addImages(paths: string[], cache: ImageCache, maxImages: number, result: DropInspection): Promise<void> {
  const firstById = new Map<string, SourceImage>();
  const duplicates: { name: string; sameAs: string }[] = [];
  let index = 0;
  for (; index < paths.length && result.images.length < maxImages; index++) {
    const name = nameOf(paths[index]);
    try {
      const image = await cache.addFile(paths[index]);
      const first = firstById.get(image.id);
      if (first) duplicates.push({ name, sameAs: first.name });
      else {
        firstById.set(image.id, image);
        result.images.push(image);
      }
    } catch (error) {
      const reason = isImageRefusal(error)
        ? error.reason
        : `${quoted(name)} could not be copied into the app's cache (${(error as Error).message}). Check the free disk space and drop it again.`;
      result.refused.push({ name, reason });
    }
  }
  if (duplicates.length > 0) result.refused.push(duplicateNote(duplicates));
  const leftOut = paths.length - index;
  if (leftOut > 0) {
    result.refused.push({
      name: `${count(leftOut, 'more image', 'more images')}`,
      reason: `${count(leftOut, 'more image was', 'more images were')} left out: one drop can bring at most ${count(maxImages, 'image', 'images')}. Drop the rest separately.`
    });
  }
}
