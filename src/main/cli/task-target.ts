import type { BatchRecord, TaskRecord } from '@shared/batch';
import type { TaskState } from '@shared/task-state';
import { defaultDataDir } from '../core/paths';

/** The batches and tasks a command picks from: the engine's, or a read-only peek at the journal. */
export interface QueueView {
  batches: BatchRecord[];
  tasksOf: (batchId: string) => TaskRecord[];
}

export interface Target {
  task: TaskRecord;
  batch: BatchRecord;
}

/** Why no single task could be picked: lines for a person, ending with what to do. */
export class TargetRefusal extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join(' '));
    this.name = 'TargetRefusal';
  }
}

function rowName(task: TaskRecord): string {
  return `row ${task.source.row}${task.source.take > 1 ? ` take ${task.source.take}` : ''}`;
}

/** "row 3 of batch "lighthouse"" */
export function describeTarget(target: Target): string {
  return `${rowName(target.task)} of batch "${target.batch.name}"`;
}

/** The batches `--batch` names (its id or its name), or every batch. */
export function pickBatches(view: QueueView, batchFlag: string | undefined): BatchRecord[] {
  if (batchFlag === undefined) return view.batches;
  const byId = view.batches.filter((b) => b.id === batchFlag);
  if (byId.length > 0) return byId;
  const byName = view.batches.filter((b) => b.name === batchFlag);
  if (byName.length > 0) return byName;
  const names = view.batches.map((b) => `"${b.name}" (${b.id})`);
  throw new TargetRefusal([
    `There is no batch "${batchFlag}" in this data folder.`,
    names.length > 0 ? `Batches: ${names.join(', ')}.` : 'It has no batches.',
    'Name one with --batch <id or name>.'
  ]);
}

/**
 * The one task `target` names: the internal task id (as `review` prints it), or a CSV row number,
 * within the batches `--batch` names. When several tasks fit, only those in `states` (what the
 * action allows) count; if still more than one fits, the candidates are listed and nothing is done.
 */
export function pickTask(view: QueueView, target: string, batchFlag: string | undefined, states: readonly TaskState[]): Target {
  const batches = pickBatches(view, batchFlag);
  for (const batch of batches) {
    const task = view.tasksOf(batch.id).find((t) => t.id === target);
    if (task) return { task, batch };
  }
  if (!/^\d+$/.test(target)) {
    throw new TargetRefusal([`"${target}" is neither a CSV row number nor a task id (\`ltx-batch review\` shows both).`]);
  }
  const row = Number(target);
  let found: Target[] = [];
  for (const batch of batches) for (const task of view.tasksOf(batch.id)) if (task.source.row === row) found.push({ task, batch });
  if (found.length === 0) {
    const where = batchFlag === undefined ? 'any batch' : `batch "${batches[0].name}"`;
    throw new TargetRefusal([`There is no row ${row} in ${where}. \`ltx-batch review\` lists the rows that need a decision.`]);
  }
  if (found.length > 1) {
    const fitting = found.filter((f) => states.includes(f.task.state));
    if (fitting.length > 0) found = fitting;
  }
  if (found.length === 1) return found[0];
  const batchesHit = new Set(found.map((f) => f.batch.id)).size;
  throw new TargetRefusal([
    `Row ${row} names ${found.length} tasks${batchesHit > 1 ? ` in ${batchesHit} batches` : ''}; nothing was done. Candidates:`,
    ...found.map(
      (f) =>
        `  ${f.task.id}  batch "${f.batch.name}" (${f.batch.id}), ${rowName(f.task)}: ${f.task.state.replace('_', ' ')}${f.task.taskId ? `, APIXO task ${f.task.taskId}` : ''}`
    ),
    batchesHit > 1 ? 'Add --batch <id or name>, or name the task by its id.' : 'Name the task by its id.'
  ]);
}

/**
 * How to name a task in a command line: its row (with --batch when another batch has that row
 * too), or its id when the row has several takes; `flags` follow the command's other arguments.
 */
export function targetArgs(view: QueueView, target: Target, dataDir: string): { name: string; flags: string } {
  const { task, batch } = target;
  const sameRow = view.batches.flatMap((b) =>
    view
      .tasksOf(b.id)
      .filter((t) => t.source.row === task.source.row)
      .map((t) => ({ t, b }))
  );
  const dataFlag = dataDir === defaultDataDir() ? '' : ` --data-dir ${quote(dataDir)}`;
  if (sameRow.filter((s) => s.b.id === batch.id).length > 1) return { name: task.id, flags: dataFlag };
  if (sameRow.length === 1) return { name: String(task.source.row), flags: dataFlag };
  const nameIsUnique = view.batches.filter((b) => b.name === batch.name).length === 1;
  return { name: String(task.source.row), flags: ` --batch ${quote(nameIsUnique ? batch.name : batch.id)}${dataFlag}` };
}

function quote(word: string): string {
  return /^[\w./:@-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
