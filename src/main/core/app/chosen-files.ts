/**
 * Files and folders the person chose, kept by main (architecture.md, "Security"): a main-process
 * dialog or a drop (whose paths the preload took from the dropped `File` objects) gives a path,
 * main keeps it here and hands the window a random token. Later calls name the choice by that
 * token, so the window never passes main a path of its own. A token is good only for what it
 * was chosen for (a CSV to import, an export folder, the library or data folder).
 */
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import type { ChosenFile, ChosenFolder, FolderPurpose } from '@shared/ipc';
import { TaskActionError } from '../queue/engine';

/** What a choice may be used for. */
export type ChoiceUse = 'csv' | `folder:${FolderPurpose}`;

/** Choices kept at once; the oldest is forgotten first (a token that old is refused, with what to do). */
const KEPT_CHOICES = 256;

/**
 * A call main will not carry out because of what the window sent: `message` says in words what
 * happened and what to do; `detail` is the log line (what was sent, why it was refused).
 */
export class WindowRefusal extends TaskActionError {
  constructor(
    message: string,
    readonly detail: string
  ) {
    super(message);
    this.name = 'WindowRefusal';
  }
}

const AGAIN: Record<ChoiceUse, string> = {
  csv: 'Choose the file again with “Choose a file…”, or drop it on the window.',
  'folder:export': 'Click Export again and choose the folder.',
  'folder:library': 'Click Browse… beside the library folder in Settings and choose it again.',
  'folder:data': 'Click Browse… beside the data folder in Settings and choose it again.'
};

const WHAT: Record<ChoiceUse, string> = {
  csv: 'That file',
  'folder:export': 'That export folder',
  'folder:library': 'That library folder',
  'folder:data': 'That data folder'
};

/** A short, safe rendering of what the window sent, for the log. */
function shown(value: string): string {
  const cut = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  return JSON.stringify(cut);
}

export class ChosenFiles {
  private readonly kept = new Map<string, { use: ChoiceUse; path: string }>();

  /** Keeps a path the person chose, for one use; answers the token the window will send back. */
  keep(use: ChoiceUse, path: string): ChosenFile {
    const token = randomBytes(18).toString('base64url');
    this.kept.set(token, { use, path });
    while (this.kept.size > KEPT_CHOICES) this.kept.delete(this.kept.keys().next().value!);
    return { token, name: basename(path) || path };
  }

  /** Keeps a chosen folder; its path goes back to the window to be shown. */
  keepFolder(purpose: FolderPurpose, path: string): ChosenFolder {
    return { ...this.keep(`folder:${purpose}`, path), path };
  }

  /** The path behind a token, for this use; a made-up, forgotten or wrong token is refused in words. */
  path(token: string, use: ChoiceUse, channel: string): string {
    const found = this.kept.get(token);
    if (!found) {
      throw new WindowRefusal(
        `${WHAT[use]} was not chosen in this window, or the app no longer remembers it. ${AGAIN[use]}`,
        `${channel}: ${shown(token)} is not a token of anything the person chose (made up, or forgotten since)`
      );
    }
    if (found.use !== use) {
      throw new WindowRefusal(`${WHAT[use]} was chosen for something else. ${AGAIN[use]}`, `${channel}: a token chosen as ${found.use} was sent for ${use}`);
    }
    return found.path;
  }
}
