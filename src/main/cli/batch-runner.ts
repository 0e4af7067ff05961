import type { BatchSummary, RescuedTask, TaskRecord } from '@shared/batch';
import { formatUsd } from '@shared/pricing';
import type { TaskState } from '@shared/task-state';
import { isSettled } from '@shared/batch-summary';
import type { BatchEngine } from '../core/queue/engine';
import { moneyWords, spendWords } from './money-words';
import { ledgerWaitExit, ledgerWaitWords } from './ledger-choice';
import { EXIT, plural, type Output } from './output';

export interface RunDisplay {
  io: Output;
  /** Redraw one status line in place (a terminal) instead of printing plain lines. */
  tty: boolean;
  /** Print nothing while running (--json). */
  quiet: boolean;
}

export type RunOutcome = 'settled' | 'account' | 'interrupted' | 'cap' | 'breaker' | 'storage' | 'ledger';

const SHOWN_TASKS = 20;

/** Shows progress until every given batch has settled, the account pauses, or Ctrl-C. */
export async function watchBatches(engine: BatchEngine, batchIds: string[], display: RunDisplay, signal: AbortSignal): Promise<RunOutcome> {
  let lastLine = '';
  let lastPlainAt = 0;
  const render = (): void => {
    if (display.quiet) return;
    const line = progressLine(engine, batchIds);
    if (display.tty && display.io.write) {
      display.io.write(`\r\x1b[2K${line}`);
    } else if (line !== lastLine && Date.now() - lastPlainAt > 5_000) {
      display.io.out(line);
      lastPlainAt = Date.now();
    }
    lastLine = line;
  };
  const reported = new Set<string>();
  const unsubscribe = engine.onChange((change) => {
    for (const task of change.tasks) reportTask(task, reported, display);
    render();
  });
  try {
    return await new Promise<RunOutcome>((resolve) => {
      const check = (): void => {
        if (signal.aborted) return resolve('interrupted');
        const summaries = batchIds.map((id) => engine.summary(id)!);
        if (engine.status().storage) return resolve('storage');
        if (summaries.every(isSettled)) return resolve('settled');
        if (engine.status().account) return resolve('account');
        // A batch made on the simulator waits for the person's choice of ledger (ledger-choice.ts).
        // A batch waits for the person: its cap, its breaker, or (made on the simulator) a choice of ledger (ledger-choice.ts).
        const stopped = (s: BatchSummary): boolean =>
          s.batch.paused?.reason === 'cap' || s.batch.paused?.reason === 'breaker' || s.batch.paused?.reason === 'ledger';
        if (summaries.every((s) => isSettled(s) || stopped(s))) {
          const reasons = new Set(summaries.map((s) => s.batch.paused?.reason));
          return resolve(reasons.has('ledger') ? 'ledger' : reasons.has('breaker') ? 'breaker' : 'cap');
        }
        setTimeout(check, 100);
      };
      signal.addEventListener('abort', () => resolve('interrupted'), { once: true });
      check();
    });
  } finally {
    unsubscribe();
    if (display.tty && display.io.write && !display.quiet) display.io.write(`\r\x1b[2K${progressLine(engine, batchIds)}\n`);
  }
}

/** One plain line per task that ended badly, as it happens. */
function reportTask(task: TaskRecord, reported: Set<string>, display: RunDisplay): void {
  if (display.quiet || reported.has(`${task.id}:${task.state}`)) return;
  if (task.state === 'failed' || task.state === 'needs_review' || task.state === 'expired' || task.state === 'download_failed') {
    reported.add(`${task.id}:${task.state}`);
    if (display.tty && display.io.write) display.io.write('\r\x1b[2K');
    display.io.out(describeTask(task));
  }
}

/** A task ID the journal could not record, on screen the moment it is known (and again at the end). */
function reportRescued(r: RescuedTask, reported: Set<string>, display: RunDisplay): void {
  if (display.quiet || !r.taskId || reported.has(`rescued:${r.taskId}`)) return;
  reported.add(`rescued:${r.taskId}`);
  if (display.tty && display.io.write) display.io.write('\r\x1b[2K');
  display.io.out(
    `Row ${r.row}${r.take > 1 ? ` take ${r.take}` : ''}: APIXO created task ${r.taskId}, but the queue journal could not record it. Keep this ID.`
  );
}

function describeTask(task: TaskRecord): string {
  const what = task.state.replace('_', ' ');
  const why = task.failCode ? `${task.failCode}${task.failMsg ? ` — ${task.failMsg}` : ''}. ${task.note ?? ''}` : (task.note ?? '');
  return `Row ${task.source.row}${task.source.take > 1 ? ` take ${task.source.take}` : ''} ${what}: ${why.trim()}`;
}

function countOf(summaries: BatchSummary[], ...states: TaskState[]): number {
  let n = 0;
  for (const s of summaries) for (const state of states) n += s.counts[state] ?? 0;
  return n;
}

export function progressLine(engine: BatchEngine, batchIds: string[]): string {
  const summaries = batchIds.map((id) => engine.summary(id)!);
  const total = summaries.reduce((n, s) => n + s.total, 0);
  const done = countOf(summaries, 'done');
  const submitting = countOf(summaries, 'submitting');
  const generating = countOf(summaries, 'submitted', 'pending', 'processing');
  const downloading = countOf(summaries, 'succeeded', 'downloading');
  const failed = countOf(summaries, 'failed', 'rejected', 'expired', 'download_failed');
  const review = countOf(summaries, 'needs_review');
  const spent = summaries.reduce((n, s) => n + s.costs.spentMicros, 0);
  const simulated = summaries.reduce((n, s) => n + s.costs.simulated.spentMicros, 0);
  const anySimulated = summaries.some((s) => s.batch.simulated);
  const width = 20;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
  const parts = [`${bar} ${done}/${total} done`];
  if (submitting) parts.push(`${submitting} submitting`);
  if (generating) parts.push(`${generating} generating`);
  if (downloading) parts.push(`${downloading} downloading`);
  if (failed) parts.push(`${failed} failed`);
  if (review) parts.push(`${review} need review`);
  // Simulated money has its own label and is never counted as spent (docs/architecture.md, "Money").
  if (!anySimulated || spent > 0) parts.push(`${formatUsd(spent)} spent`);
  if (anySimulated || simulated > 0) parts.push(`${formatUsd(simulated)} simulated`);
  parts.push(engine.status().activity);
  return parts.join(' · ');
}

export interface RunSummary {
  outcome: RunOutcome;
  exitCode: number;
  batches: {
    id: string;
    name: string;
    libraryDir: string;
    counts: BatchSummary['counts'];
    total: number;
    /** Made on the built-in simulator: its money is simulated, nothing charged. */
    ledger: 'real' | 'simulated';
    /** Real money (APIXO) only. */
    spent: string;
    committed: string;
    /** The simulator's money, apart: never charged. */
    simulated: string;
    /** The batch's money in words, each ledger under its label. */
    money: string;
    /** Estimated against measured spend, once the balance measured it. */
    spend?: string;
  }[];
  attention: { row: number; take: number; state: TaskState; taskId?: string; note?: string; failCode?: string }[];
  message?: string;
  /** Task IDs APIXO returned that the journal could not record: each must reach the person. */
  rescued?: RescuedTask[];
}

/** The closing summary and the exit status it stands for. */
export function summarizeRun(engine: BatchEngine, batchIds: string[], outcome: RunOutcome): RunSummary {
  const summaries = batchIds.map((id) => engine.summary(id)!);
  const attention: RunSummary['attention'] = [];
  for (const id of batchIds) {
    for (const t of engine.tasksOf(id)) {
      if (t.state !== 'done' && t.state !== 'canceled' && t.state !== 'abandoned' && isFinalOrAttention(t.state)) {
        attention.push({ row: t.source.row, take: t.source.take, state: t.state, taskId: t.taskId, note: t.note, failCode: t.failCode });
      }
    }
  }
  const allDone = summaries.every((s) => (s.counts.done ?? 0) === s.total);
  let exitCode: number = allDone ? EXIT.ok : EXIT.someFailed;
  let message: string | undefined;
  if (outcome === 'account') {
    exitCode = EXIT.stoppedByAccount;
    message = engine.status().account?.message;
  } else if (outcome === 'storage') {
    exitCode = EXIT.stoppedByStorage;
    const storage = engine.status().storage;
    message = storage && `${storage.message} Then run \`ltx-batch resume\` (nothing is submitted twice).`;
  } else if (outcome === 'ledger') {
    const waiting = summaries.filter((s) => s.batch.paused?.reason === 'ledger').map((s) => s.batch);
    exitCode = ledgerWaitExit(waiting);
    message = waiting.map(ledgerWaitWords).join('\n');
  } else if (outcome === 'cap') {
    message = summaries.find((s) => s.batch.paused?.reason === 'cap')?.batch.paused?.message;
  } else if (outcome === 'breaker') {
    const paused = summaries.filter((s) => s.batch.paused?.reason === 'breaker');
    message = `${paused.map((s) => `${s.batch.name}: ${s.batch.paused!.message}`).join('\n')}\nRun \`ltx-batch resume\` to go on with what is left (nothing is submitted twice).`;
  } else if (outcome === 'interrupted') {
    message = 'Stopped. Tasks already running at APIXO keep going; run the same command again to collect them (nothing is submitted twice).';
  }
  return {
    outcome,
    exitCode,
    message,
    attention,
    batches: summaries.map((s) => ({
      id: s.batch.id,
      name: s.batch.name,
      libraryDir: s.batch.libraryDir,
      counts: s.counts,
      total: s.total,
      ledger: s.batch.simulated ? ('simulated' as const) : ('real' as const),
      spent: formatUsd(s.costs.spentMicros),
      committed: formatUsd(s.costs.committedMicros),
      simulated: formatUsd(s.costs.simulated.spentMicros),
      money: moneyWords(s.costs, s.batch.simulated),
      spend: spendWords(s.costs)
    }))
  };
}

function isFinalOrAttention(state: TaskState): boolean {
  return ['failed', 'rejected', 'expired', 'needs_review', 'download_failed'].includes(state);
}

export function printSummary(summary: RunSummary, io: Output): void {
  for (const b of summary.batches) {
    const c = b.counts;
    const parts = [`${c.done ?? 0} of ${plural(b.total, 'video')} done`];
    const failed = (c.failed ?? 0) + (c.rejected ?? 0) + (c.expired ?? 0) + (c.download_failed ?? 0);
    if (failed) parts.push(`${failed} failed`);
    if (c.needs_review) parts.push(`${c.needs_review} need review`);
    if (c.canceled) parts.push(`${c.canceled} canceled`);
    const open = b.total - (c.done ?? 0) - failed - (c.needs_review ?? 0) - (c.canceled ?? 0) - (c.abandoned ?? 0);
    if (open > 0) parts.push(`${open} not finished`);
    io.out(`${b.name}: ${parts.join(', ')} · ${b.money}`);
    if (b.spend) io.out(`  ${b.spend}`);
    io.out(`  videos in ${b.libraryDir}`);
  }
  for (const a of summary.attention.slice(0, SHOWN_TASKS)) {
    const what = a.state.replace('_', ' ');
    io.out(`  Row ${a.row}${a.take > 1 ? ` take ${a.take}` : ''}: ${what}${a.failCode ? ` (${a.failCode})` : ''}${a.note ? ` — ${a.note}` : ''}`);
  }
  if (summary.attention.length > SHOWN_TASKS) io.out(`  … and ${summary.attention.length - SHOWN_TASKS} more (see \`ltx-batch status\`)`);
  if (summary.attention.some((a) => a.state === 'needs_review')) {
    io.out(
      'Tasks that need review may or may not exist at APIXO; they are never submitted again on their own. ' +
        '`ltx-batch review` lists them with the commands that decide each: `attach <row> <taskId>`, `resubmit <row>` (may pay twice) or `abandon <row>` (the app offers the same).'
    );
  }
  if (summary.message) io.out(summary.message);
  printRescued(summary.rescued ?? [], io);
}

/** Every task ID the journal could not record, with where it was saved and what to do. */
export function printRescued(rescued: RescuedTask[], io: Output): void {
  if (rescued.length === 0) return;
  io.out(`${plural(rescued.length, 'task ID')} could not be recorded in the queue journal. APIXO created (and charges for) each one; keep them:`);
  for (const r of rescued) {
    io.out(
      `  Row ${r.row}${r.take > 1 ? ` take ${r.take}` : ''}: ${r.taskId ?? '?'}${r.file ? `  (saved in ${r.file})` : '  (could not be saved anywhere: copy it now)'}`
    );
  }
  io.out(
    'Once the data folder can be written again, `ltx-batch resume` attaches them by itself (nothing is paid twice). ' +
      'Or attach one by hand: `ltx-batch attach <row> <taskId>` (or in the app: the row needs review, then "Attach task ID").'
  );
}

/**
 * Starts the engine, shows progress until the batches settle (or the account pauses, or Ctrl-C),
 * closes the engine and prints the summary; returns the exit status.
 */
export async function driveBatches(engine: BatchEngine, batchIds: string[], options: { io: Output; json: boolean; signal: AbortSignal }): Promise<number> {
  const { io, json, signal } = options;
  const display = { io, tty: !json && process.stdout.isTTY === true, quiet: json };
  // Until the engine has closed (its last submits answer while it closes).
  const shown = new Set<string>();
  const unsubscribe = engine.onChange((change) => {
    for (const r of change.status.rescued ?? []) reportRescued(r, shown, display);
  });
  engine.start();
  const outcome = await watchBatches(engine, batchIds, display, signal);
  if (outcome === 'interrupted' && !json)
    io.out(
      'Stopping: waiting for submits already sent to answer, so that no task ID is lost (Ctrl-C again leaves at once; a row whose answer is lost then needs review)…'
    );
  if (outcome === 'storage' && !json) io.out('Stopping: the data folder cannot be written; waiting for submits already sent to answer…');
  // A run that ends with nothing at APIXO has its last spend measured before it goes.
  if (outcome !== 'interrupted' && outcome !== 'storage') await engine.spendMeasured();
  // Submits already sent are answered during close: their IDs are in the journal or rescued.
  await engine.close();
  unsubscribe();
  const summary = summarizeRun(engine, batchIds, engine.status().storage ? 'storage' : outcome);
  const rescued = engine.rescued();
  if (rescued.length > 0) summary.rescued = rescued;
  if (json) io.out(JSON.stringify(summary, null, 2));
  else printSummary(summary, io);
  return outcome === 'interrupted' && summary.outcome !== 'storage' ? EXIT.interrupted : summary.exitCode;
}
