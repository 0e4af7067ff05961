/**
 * The window's doors to files on disk (architecture.md, "Security"): main's own dialogs and the
 * drop the preload gathered. Each one keeps what the person chose (chosen-files.ts) and answers
 * tokens; images are checked and cached at once, so the window holds their ids, never a path.
 */
import type { FolderPurpose, InvokeHandlers } from '@shared/ipc';
import type { SourceImage } from '@shared/images';
import { inspectDrop, type ImageCache } from '../images';
import type { Logger } from '../log/logger';
import type { ChosenFiles } from './chosen-files';

/** A file dialog as main shows it. */
export interface FileDialog {
  title: string;
  /** Shown as the dialog's file types, e.g. `{ name: 'CSV files', extensions: ['csv'] }`. */
  filters: { name: string; extensions: string[] }[];
  multiple: boolean;
}

/** A save dialog as main shows it: main writes only to the path the person chooses in it. */
export interface SaveDialog {
  title: string;
  /** The file name offered. */
  defaultName: string;
  filters: { name: string; extensions: string[] }[];
}

/**
 * Main's open and save dialogs, the one way (with a drop) that a path reaches main. Electron's
 * `dialog.showOpenDialog` / `showSaveDialog` in the app; a scripted chooser in tests and the e2e harness.
 */
export interface FileChooser {
  /** A folder, or null when the person cancels. */
  chooseFolder(title: string): Promise<string | null>;
  /** Files, or null when the person cancels. */
  chooseFiles(dialog: FileDialog): Promise<string[] | null>;
  /** Where to save a file (the dialog itself asks before replacing one), or null when the person cancels. */
  chooseSaveFile(dialog: SaveDialog): Promise<string | null>;
}

export interface ChooserContext {
  chooser: FileChooser;
  chosen: ChosenFiles;
  images: ImageCache;
  remember: (image: SourceImage) => Promise<SourceImage>;
  log: Logger;
}

export type ChooserChannel = 'dialog:choose-folder' | 'dialog:choose-csv' | 'dialog:choose-images' | 'drop:inspect';

const FOLDER_TITLES: Record<FolderPurpose, string> = {
  export: 'Export videos to…',
  library: 'Choose the library folder',
  data: 'Choose the data folder'
};

export const CSV_DIALOG: FileDialog = {
  title: 'Choose a CSV file or a workbook',
  filters: [
    { name: 'CSV files and workbooks', extensions: ['csv', 'tsv', 'txt', 'xlsx', 'xlsm', 'ods'] },
    { name: 'CSV files', extensions: ['csv', 'tsv', 'txt'] },
    { name: 'Workbooks (Excel, LibreOffice)', extensions: ['xlsx', 'xlsm', 'ods'] }
  ],
  multiple: false
};

export const IMAGES_DIALOG: FileDialog = {
  title: 'Add images',
  filters: [{ name: 'Images', extensions: ['jpg', 'jpeg', 'png', 'webp'] }],
  multiple: true
};

export function chooserHandlers(ctx: ChooserContext): Pick<InvokeHandlers, ChooserChannel> {
  /** Sorts chosen or dropped paths: images cached and remembered, CSV files kept under tokens. */
  async function sort(paths: string[]) {
    const found = await inspectDrop(paths, ctx.images);
    const images = [];
    for (const image of found.images) images.push(await ctx.remember(image));
    return { images, refused: found.refused, csv: found.csv.map((path) => ctx.chosen.keep('csv', path)) };
  }

  return {
    'dialog:choose-folder': async (purpose) => {
      const path = await ctx.chooser.chooseFolder(FOLDER_TITLES[purpose]);
      if (!path) return null;
      ctx.log.info('folder chosen', { purpose, path });
      return ctx.chosen.keepFolder(purpose, path);
    },
    'dialog:choose-csv': async () => {
      const [path] = (await ctx.chooser.chooseFiles(CSV_DIALOG)) ?? [];
      if (!path) return null;
      ctx.log.info('CSV file chosen', { path });
      return ctx.chosen.keep('csv', path);
    },
    'dialog:choose-images': async () => {
      const paths = (await ctx.chooser.chooseFiles(IMAGES_DIALOG)) ?? [];
      if (paths.length === 0) return null;
      return sort(paths);
    },
    'drop:inspect': (paths) => sort(paths)
  };
}
