/**
 * Task IDs APIXO returned while the queue's journal could not be written (architecture.md,
 * "Persistence and recovery"). A paid task lives only in its ID, and APIXO has no task list, so
 * such an ID is kept in memory, written to a rescue file outside the data folder (the batch's
 * library folder, else the OS temp folder), shown to the person, and attached to its task on the
 * next start that can write the journal again.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { RescuedTask } from '@shared/batch';
import type { Logger } from '../log/logger';
import { removeIfPresent, writeFileAtomic } from '../store/fs-durable';

export const RESCUE_FILE_NAME = 'ltx-rescued-task-ids.txt';
const RESCUE_FORMAT = 'ltx-batch-studio/rescued-task';

/**
 * One line of a rescue file. `accepted`: APIXO created the task and answered with `taskId`.
 * `not_created`: APIXO said no task was made (a 429, a refused key), but the journal could not
 * record that, so the task replays as an interrupted submit unless this line says otherwise.
 */
export interface RescueEntry extends RescuedTask {
  format: typeof RESCUE_FORMAT;
  /** The data folder whose journal holds the task. */
  dataDir: string;
  /** The app's own task id (`<batch id>-<position>`). */
  id: string;
  outcome: 'accepted' | 'not_created';
  /** The task's `attempts` while that submit was made: an entry only fits that very submit. */
  attempts: number;
  at: number;
}

/** The rescue file for the data folder in the OS temp folder (one per data folder). */
export function tempRescueFile(dataDir: string): string {
  const key = createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 12);
  return join(tmpdir(), `ltx-rescued-task-ids-${key}.txt`);
}

/** Every place a rescue file for this data folder may be: each library folder, then the temp folder. */
export function rescueFilePlaces(dataDir: string, libraryDirs: Iterable<string>): string[] {
  return [...new Set([...[...libraryDirs].map((dir) => join(dir, RESCUE_FILE_NAME)), tempRescueFile(dataDir)])];
}

function fileText(entries: RescueEntry[]): string {
  const accepted = entries.filter((e) => e.outcome === 'accepted');
  const lines = [
    '# LTX Batch Studio could not write its queue journal, so these task IDs were kept here.',
    `# Data folder: ${entries[0]?.dataDir ?? ''}`,
    '# APIXO created (and charges for) each "accepted" task. The app attaches them by itself on its next',
    '# start once the data folder can be written again; or attach one by hand: the row\'s "Attach task ID".',
    ...accepted.map((e) => `#   row ${e.row}${e.take > 1 ? ` take ${e.take}` : ''} (batch ${e.batchId}): ${e.taskId}`),
    ...entries.map((e) => JSON.stringify(e))
  ];
  return `${lines.join('\n')}\n`;
}

/** The entries of this data folder in the rescue files at `places` (unreadable lines are skipped). */
export async function readRescueFiles(dataDir: string, places: string[]): Promise<{ entries: RescueEntry[]; files: string[] }> {
  const entries = new Map<string, RescueEntry>();
  const files: string[] = [];
  for (const path of places) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      continue;
    }
    files.push(path);
    for (const line of text.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        const entry = JSON.parse(line) as RescueEntry;
        if (entry.format !== RESCUE_FORMAT || resolve(entry.dataDir) !== resolve(dataDir) || typeof entry.id !== 'string') continue;
        if (entry.outcome === 'accepted' && (typeof entry.taskId !== 'string' || entry.taskId === '')) continue;
        entries.set(`${entry.id}:${entry.attempts}`, entry);
      } catch {
        // a damaged line: the others still count
      }
    }
  }
  return { entries: [...entries.values()], files };
}

export interface RescueKeeperDeps {
  dataDir: string;
  /** The library folder of a batch, if the batch is known. */
  libraryDir: (batchId: string) => string | undefined;
  log: Logger;
  changed: () => void;
}

/**
 * The rescued entries in memory, and their files kept in step: each write puts every entry in
 * its batch's library folder, or in the temp folder when that fails. Writes run one after another
 * and never reject.
 */
export class RescueKeeper {
  private readonly entries = new Map<string, RescueEntry>();
  /** Files this keeper wrote or read, so that they are rewritten (or removed) as entries go. */
  private readonly known = new Set<string>();
  private readonly written = new Map<string, string>();
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly d: RescueKeeperDeps) {}

  /** Entries not yet in the journal, oldest first. */
  list(): RescueEntry[] {
    return [...this.entries.values()];
  }

  get size(): number {
    return this.entries.size;
  }

  /** Where each kept ID was saved, by the app's task id. */
  fileOf(id: string): string | undefined {
    return this.written.get(id);
  }

  /** Files found on disk at open, to be rewritten once their entries are journaled. */
  adopt(files: string[]): void {
    for (const file of files) this.known.add(file);
  }

  keep(entry: Omit<RescueEntry, 'format' | 'dataDir'>): void {
    this.entries.set(entry.id, { format: RESCUE_FORMAT, dataDir: resolve(this.d.dataDir), ...entry });
    this.d.changed();
    this.save();
  }

  /** The entry is in the journal now. */
  done(id: string): void {
    if (!this.entries.delete(id)) return;
    this.d.changed();
    this.save();
  }

  /** Resolves once every file is as the entries are now. */
  settled(): Promise<void> {
    return this.writing;
  }

  /** Rewrites every rescue file from the entries as they are now. */
  save(): void {
    this.writing = this.writing.then(() => this.writeAll());
  }

  private async writeAll(): Promise<void> {
    const byFile = new Map<string, RescueEntry[]>();
    const temp = tempRescueFile(this.d.dataDir);
    for (const entry of this.entries.values()) {
      const dir = this.d.libraryDir(entry.batchId);
      const path = dir ? join(dir, RESCUE_FILE_NAME) : temp;
      byFile.set(path, [...(byFile.get(path) ?? []), entry]);
    }
    const fallback: RescueEntry[] = byFile.get(temp) ?? [];
    byFile.delete(temp);
    for (const [path, entries] of byFile) {
      if (await this.writeOne(path, entries)) continue;
      fallback.push(...entries);
    }
    if (fallback.length > 0 && !(await this.writeOne(temp, fallback))) {
      this.d.log.error('the rescued task IDs could not be written anywhere: they are shown on screen only', { ids: fallback.map((e) => e.taskId) });
      for (const entry of fallback) this.written.delete(entry.id);
    }
    const inUse = new Set<string>([...byFile.keys(), ...(fallback.length > 0 ? [temp] : [])]);
    for (const path of this.known) {
      if (inUse.has(path)) continue;
      try {
        await removeIfPresent(path);
        this.known.delete(path);
      } catch {
        // left for the next start, which skips entries already journaled
      }
    }
    this.d.changed();
  }

  private async writeOne(path: string, entries: RescueEntry[]): Promise<boolean> {
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeFileAtomic(path, fileText(entries));
      this.known.add(path);
      for (const entry of entries) this.written.set(entry.id, path);
      return true;
    } catch (error) {
      this.d.log.warn('a rescue file could not be written here; trying the next place', { path, error });
      return false;
    }
  }
}
