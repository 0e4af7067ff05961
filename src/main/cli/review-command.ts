import { resolve } from 'node:path';
import type { TaskRecord } from '@shared/batch';
import { formatUsd } from '@shared/pricing';
import { defaultDataDir } from '../core/paths';
import { peekQueue } from '../core/queue/peek';
import { shouldRetryOnStart } from '../core/queue/download-stage';
import { parseCommandArgs } from './args';
import { EXIT, UsageError, plural, type Output } from './output';
import { TargetRefusal, pickBatches, targetArgs, type QueueView } from './task-target';
import type { CliLog } from './cli-log';

export const REVIEW_HELP = `Usage: ltx-batch review [options]

Lists the tasks that wait for your decision, per batch: tasks that need review (their submit's
answer was lost, so APIXO may or may not have made them), failed downloads, and failed or
rejected rows. Each comes with its CSV row, the start of its prompt, why it stopped, its APIXO
task ID when known, and the commands that decide it. Safe to run while another run is going.

Options:
  --data-dir DIR        the data folder (default: ${defaultDataDir()})
  --batch ID|NAME       only this batch
  --json                print it as JSON
  -h, --help            show this help`;

const PROMPT_CHARS = 60;

/** The states `review` lists: first what only a person can decide, then what failed. */
const LISTED = ['needs_review', 'download_failed', 'failed', 'rejected', 'expired'] as const;

interface ReviewItem {
  id: string;
  row: number;
  take: number;
  state: TaskRecord['state'];
  prompt: string;
  note?: string;
  failCode?: string;
  taskId?: string;
  estimate: string;
  commands: string[];
}

export async function reviewCommand(argv: string[], io: Output, _signal: AbortSignal, logs: CliLog): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { 'data-dir': { type: 'string' }, batch: { type: 'string' }, json: { type: 'boolean' } });
  if (values.help) {
    io.out(REVIEW_HELP);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError('review takes no file.');
  const dataDir = resolve(typeof values['data-dir'] === 'string' ? values['data-dir'] : defaultDataDir());
  const state = await peekQueue(dataDir);
  logs.open(dataDir).info('review read', { dataDir, batches: state?.batches.size ?? 0 });
  const view: QueueView = {
    batches: [...(state?.batches.values() ?? [])].sort((a, b) => a.createdAt - b.createdAt),
    tasksOf: (id) => (state?.batches.get(id)?.taskIds ?? []).map((t) => state!.tasks.get(t)!)
  };
  let batches;
  try {
    batches = pickBatches(view, typeof values.batch === 'string' ? values.batch : undefined);
  } catch (error) {
    if (!(error instanceof TargetRefusal)) throw error;
    for (const line of error.lines) io.err(line);
    return EXIT.invalidInput;
  }
  const report = batches
    .map((batch) => {
      const tasks = view
        .tasksOf(batch.id)
        .filter((t) => (LISTED as readonly string[]).includes(t.state))
        .sort((a, b) => LISTED.indexOf(a.state as (typeof LISTED)[number]) - LISTED.indexOf(b.state as (typeof LISTED)[number]) || a.position - b.position);
      const items: ReviewItem[] = tasks.map((task) => {
        const name = targetArgs(view, { task, batch }, dataDir);
        return {
          id: task.id,
          row: task.source.row,
          take: task.source.take,
          state: task.state,
          prompt: task.request.input.prompt,
          note: task.note,
          failCode: task.failCode,
          taskId: task.taskId,
          estimate: formatUsd(task.estimateMicros),
          commands: commandsFor(task, name)
        };
      });
      return { batch: { id: batch.id, name: batch.name, libraryDir: batch.libraryDir }, tasks: items };
    })
    .filter((b) => b.tasks.length > 0);
  if (values.json) {
    io.out(JSON.stringify({ dataDir, batches: report }, null, 2));
    return EXIT.ok;
  }
  if (report.length === 0) {
    io.out(state ? 'Nothing needs a decision: no task needs review, and none failed.' : `No batches in ${dataDir}.`);
    return EXIT.ok;
  }
  for (const { batch, tasks } of report) {
    io.out(`${batch.name} (batch ${batch.id}): ${plural(tasks.length, 'task')} to look at · videos in ${batch.libraryDir}`);
    for (const t of tasks) {
      io.out(
        `  Row ${t.row}${t.take > 1 ? ` take ${t.take}` : ''} (${t.id}): ${t.state.replace('_', ' ')}${t.failCode ? ` (${t.failCode})` : ''} — "${short(t.prompt)}"`
      );
      if (t.note) io.out(`    Why: ${t.note}`);
      if (t.taskId) io.out(`    APIXO task ID: ${t.taskId}`);
      else if (t.state === 'needs_review') io.out('    APIXO task ID: not known (the answer to its submit never arrived)');
      for (const c of t.commands) io.out(`    ${c}`);
    }
  }
  return EXIT.ok;
}

/** What a person can run for a task, each with what it costs. */
function commandsFor(task: TaskRecord, { name, flags }: { name: string; flags: string }): string[] {
  if (task.state === 'needs_review') {
    return [
      `ltx-batch attach ${name} <taskId>${flags}   if you find its task at APIXO: collects that video, nothing paid again`,
      `ltx-batch resubmit ${name}${flags}   submits it again, about ${formatUsd(task.estimateMicros)}: may pay twice if APIXO made the first one`,
      `ltx-batch abandon ${name}${flags}   gives it up: nothing is submitted`
    ];
  }
  if (task.state === 'download_failed') {
    // Opening the queue downloads it again unless the failure was permanent: only then can it be given up here.
    if (shouldRetryOnStart(task)) {
      return [
        `ltx-batch resume${flags.replace(/ --batch \S+/, '')}   downloads it again, resuming where it stopped (the video is paid for; nothing is submitted)`
      ];
    }
    return [`ltx-batch abandon ${name}${flags}   gives the video up: it cannot be downloaded`];
  }
  return ['To try it again (a new submit, a new cost): press Retry in the app, or put the row, fixed, in a new CSV and `ltx-batch run` it.'];
}

function short(prompt: string): string {
  const flat = prompt.replace(/\s+/g, ' ').trim();
  return flat.length <= PROMPT_CHARS ? flat : `${flat.slice(0, PROMPT_CHARS - 1)}…`;
}
