/**
 * What the desktop gives the app service, for tests and the e2e harness: secrets kept in memory,
 * a trash and file manager that act on real folders, and a scripted chooser standing in for
 * main's open dialogs (the test says what the person picks).
 */
import { mkdirSync, renameSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { SecretStore } from '../../src/main/core/app/app-service';
import type { DesktopAdapters } from '../../src/main/core/app/media-handlers';
import type { FileDialog, SaveDialog } from '../../src/main/core/app/chooser-handlers';

export function memorySecret(initial?: string): SecretStore {
  let value = initial;
  return {
    get: () => value,
    set: (next) => void (value = next),
    clear: () => void (value = undefined)
  };
}

export interface TestDesktop extends DesktopAdapters {
  /** Where trashed files were moved. */
  readonly trashDir: string;
  /** Paths shown in the "file manager", in order. */
  readonly revealed: string[];
  /** Folders opened in the "file manager", in order. */
  readonly opened: string[];
  /** What the folder picker answers next (null = the person cancelled). */
  nextFolder: string | null;
  /** What the file dialog answers next (null = the person cancelled). */
  nextFiles: string[] | null;
  /** What the save dialog answers next (null = the person cancelled). */
  nextSave: string | null;
  /** The save dialogs shown, in order. */
  readonly saveDialogs: SaveDialog[];
  /** The dialogs shown, in order: their titles. */
  readonly dialogs: string[];
}

/** A trash that really moves files (into `<dir>/trash`), so a test sees them leave the library. */
export function testDesktop(dir: string): TestDesktop {
  const trashDir = join(dir, 'trash');
  let n = 0;
  const desktop: TestDesktop = {
    trashDir,
    revealed: [],
    opened: [],
    nextFolder: null,
    nextFiles: null,
    nextSave: null,
    saveDialogs: [],
    dialogs: [],
    trash: async (path) => {
      mkdirSync(trashDir, { recursive: true });
      renameSync(path, join(trashDir, `${++n}-${basename(path)}`));
    },
    reveal: (path) => void desktop.revealed.push(path),
    openFolder: async (path) => void desktop.opened.push(path),
    chooseFolder: async (title: string) => {
      desktop.dialogs.push(title);
      return desktop.nextFolder;
    },
    chooseFiles: async (dialog: FileDialog) => {
      desktop.dialogs.push(dialog.title);
      return desktop.nextFiles;
    },
    chooseSaveFile: async (dialog: SaveDialog) => {
      desktop.dialogs.push(dialog.title);
      desktop.saveDialogs.push(dialog);
      return desktop.nextSave;
    }
  };
  return desktop;
}
