import type { TaskState } from '@shared/task-state';
import { formatUsd } from '@shared/pricing';
import { TaskActionError, type BatchEngine } from '../core/queue/engine';
import { defaultDataDir } from '../core/paths';
import { connectApi } from './api-connection';
import { parseCommandArgs } from './args';
import { driveOpenBatches } from './resume-command';
import { connectSimulatedWork } from './ledger-choice';
import { EXIT, UsageError, type Output } from './output';
import { RUN_FLAGS, confirm, engineFlags, openEngine } from './run-command';
import { TargetRefusal, describeTarget, pickTask, type Target } from './task-target';
import type { CliLog } from './cli-log';

const NAMING = `A task is named by its CSV row number (with --batch when several batches have that row),
or by its task id as \`ltx-batch review\` prints it. When the name fits several tasks, they are
listed and nothing is done.`;

const ENGINE_OPTIONS = `  --batch ID|NAME    the batch the row belongs to
  --data-dir DIR     the data folder (default: ${defaultDataDir()})
  --base-url URL     the APIXO API; the key comes from APIXO_API_KEY (else the built-in simulator)
  --concurrency N    tasks in flight at once (default 4)
  --time-scale X     speed of all waits (default 1)
  --json             print the final summary as JSON`;

export const RESUBMIT_HELP = `Usage: ltx-batch resubmit <row|task> [options]

Submits a task that needs review again. Its first submit's answer was lost, so APIXO may
already have made (and charged for) that task: submitting again may pay twice. Shows the
estimate and asks first; if you can find the task at APIXO, \`attach\` collects it instead.
Then follows the batch, as \`resume\` does, until the video is in the library (Ctrl-C stops;
\`resume\` picks it up later). Every other unfinished batch goes on too.

${NAMING}

Options:
  --yes              do not ask for confirmation (needed without a terminal)
${ENGINE_OPTIONS}
  -h, --help         show this help

Exit status as for \`run\`; 2 also when the task cannot be resubmitted or nothing was confirmed.`;

export const ABANDON_HELP = `Usage: ltx-batch abandon <row|task> [options]

Gives up a task that needs review, or whose video cannot be downloaded (a link that cannot
work, a file too large): nothing is submitted, and the batch counts it as ended. Whatever APIXO
may have made for it is not collected. A download that failed for a passing reason is tried
again whenever the queue opens: \`resume\` collects it.

${NAMING}

Options:
  --batch ID|NAME    the batch the row belongs to
  --data-dir DIR     the data folder (default: ${defaultDataDir()})
  --json             print what was abandoned as JSON
  -h, --help         show this help

Exit status: 0 abandoned, 2 the task cannot be abandoned or is not named clearly.`;

export const ATTACH_HELP = `Usage: ltx-batch attach <row|task> <taskId> [options]

Gives a task that needs review the APIXO task ID you found for it (in APIXO's dashboard, or a
rescue file), so that its video is collected without paying again. Then follows the batch, as
\`resume\` does, until the video is in the library (Ctrl-C stops; \`resume\` picks it up later).
Every other unfinished batch goes on too.

${NAMING}

Options:
${ENGINE_OPTIONS}
  -h, --help         show this help

Exit status as for \`run\`; 2 also when the task cannot take a task ID.`;

const TASK_FLAGS = { ...RUN_FLAGS, batch: { type: 'string' } } as const;

type Action = 'resubmit' | 'abandon' | 'attach';

/** What each action allows, as the engine's choices do: used to narrow a row that names several tasks. */
const ALLOWED: Record<Action, TaskState[]> = {
  resubmit: ['needs_review'],
  abandon: ['needs_review', 'download_failed'],
  attach: ['needs_review']
};

export function resubmitCommand(argv: string[], io: Output, signal: AbortSignal, logs: CliLog): Promise<number> {
  return taskCommand('resubmit', argv, io, signal, logs);
}

export function abandonCommand(argv: string[], io: Output, signal: AbortSignal, logs: CliLog): Promise<number> {
  return taskCommand('abandon', argv, io, signal, logs);
}

export function attachCommand(argv: string[], io: Output, signal: AbortSignal, logs: CliLog): Promise<number> {
  return taskCommand('attach', argv, io, signal, logs);
}

async function taskCommand(action: Action, argv: string[], io: Output, signal: AbortSignal, logs: CliLog): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, action === 'resubmit' ? { ...TASK_FLAGS, yes: { type: 'boolean', short: 'y' } } : TASK_FLAGS);
  if (values.help) {
    io.out(action === 'resubmit' ? RESUBMIT_HELP : action === 'abandon' ? ABANDON_HELP : ATTACH_HELP);
    return EXIT.ok;
  }
  const wanted = action === 'attach' ? 2 : 1;
  if (positionals.length !== wanted) {
    throw new UsageError(action === 'attach' ? 'attach takes a row (or task id) and the APIXO task ID.' : `${action} takes one row number or task id.`);
  }
  const [name, apixoTaskId] = positionals;
  const common = engineFlags(values);
  const json = values.json === true;
  const say = (line: string): void => (json ? undefined : io.out(line));
  const log = logs.open(common.dataDir);
  const api = await connectApi({ baseUrl: common.baseUrl, timeScale: common.timeScale, dataDir: common.dataDir, log: log.child('apixo') });
  let engine: BatchEngine | undefined;
  try {
    engine = await openEngine(common, api, log);
    await connectSimulatedWork(engine, api, log, say);
    const opened = engine;
    let target: Target;
    try {
      target = pickTask(
        { batches: opened.batches(), tasksOf: (id) => opened.tasksOf(id) },
        name,
        typeof values.batch === 'string' ? values.batch : undefined,
        ALLOWED[action]
      );
    } catch (error) {
      if (!(error instanceof TargetRefusal)) throw error;
      for (const line of error.lines) io.err(line);
      return EXIT.invalidInput;
    }
    const { task } = target;
    const what = describeTarget(target);
    log.info(`${action} asked`, { batch: task.batchId, task: task.id, row: task.source.row, state: task.state, taskId: task.taskId });
    if (action === 'abandon' && (task.state === 'succeeded' || task.state === 'downloading')) {
      // A download that failed before is tried again whenever the queue opens (unless it cannot work).
      io.err(
        `✗ Nothing was done: ${what} is paid for and its video waits to be downloaded (a failed download is tried again each time the queue opens). Run \`ltx-batch resume\` to collect it.`
      );
      return EXIT.invalidInput;
    }
    if (!ALLOWED[action].includes(task.state)) {
      io.err(
        `✗ Nothing was done: ${what} is ${task.state.replace('_', ' ')}; only ${ALLOWED[action].map((s) => s.replace('_', ' ')).join(' or ')} tasks can be ${action === 'attach' ? 'given a task ID' : `${action}ed`}.`
      );
      return EXIT.invalidInput;
    }
    try {
      if (action === 'abandon') {
        const paid = task.state === 'download_failed';
        opened.abandon(task.id);
        if (json)
          io.out(
            JSON.stringify({ abandoned: { id: task.id, batch: target.batch.id, row: task.source.row, take: task.source.take, taskId: task.taskId } }, null, 2)
          );
        say(
          paid
            ? `Abandoned ${what}: its video (already paid for) is not downloaded, and the batch counts it as ended.`
            : `Abandoned ${what}: nothing was submitted, and the batch counts it as ended.`
        );
        return EXIT.ok;
      }
      if (action === 'attach') {
        opened.attachTaskId(task.id, apixoTaskId);
        say(`Attached APIXO task ${apixoTaskId.trim()} to ${what}; collecting its video (nothing is paid again).`);
      } else {
        say(`${what[0].toUpperCase()}${what.slice(1)} needs review: ${task.note ?? 'its submit was interrupted.'}`);
        say(
          task.taskId
            ? `It carries APIXO task ID ${task.taskId}: if that task exists at APIXO, submitting again pays twice.`
            : `Its first submit may have made a task at APIXO (and been charged). Submitting again may pay twice. If you find that task at APIXO, \`ltx-batch attach\` collects it without paying again.`
        );
        say(`Estimate: 1 video, about ${formatUsd(task.estimateMicros)}.`);
        if (!values.yes) {
          if (!process.stdin.isTTY) {
            io.err('✗ Not resubmitted: without a terminal nobody can confirm the cost. Add --yes to resubmit.');
            return EXIT.invalidInput;
          }
          if (!(await confirm(`Submit ${what} again for about ${formatUsd(task.estimateMicros)}?`, io))) {
            io.err('Nothing was submitted.');
            return EXIT.ok;
          }
        }
        opened.resubmit(task.id);
        say(`Resubmitting ${what}.`);
      }
    } catch (error) {
      if (!(error instanceof TaskActionError)) throw error;
      io.err(`✗ Nothing was done: ${error.message}`);
      return EXIT.invalidInput;
    }
    // Followed to the end here, as `resume` would: one command leaves the video in the library.
    return await driveOpenBatches(opened, api.label, { io, json, signal, say });
  } finally {
    await engine?.close();
    await api.close();
  }
}
