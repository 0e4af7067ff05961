/**
 * The CLI's side of the two ledgers (docs/architecture.md, "Money"): batches made on the
 * built-in simulator stay simulated for life, so with a key set their tasks in flight are
 * collected from the simulator, started beside APIXO; and their queued tasks wait (paused for
 * `ledger`) until the person chooses, with a flag, what becomes of them. Nothing goes to APIXO
 * without that choice.
 */
import type { LedgerChoice, LedgerQuestion } from '@shared/ipc';
import { formatUsd } from '@shared/pricing';
import type { BatchInfo } from '@shared/batch';
import type { BatchEngine } from '../core/queue/engine';
import { LEDGER_WAIT_MESSAGE, NO_KEY_MESSAGE } from '../core/queue/ledger-question';
import type { Logger } from '../core/log/logger';
import type { ApiConnection } from './api-connection';
import { EXIT, UsageError, plural, type Output } from './output';
import { confirm } from './confirm';

/** The flags that answer the question, for `run` and `resume`. */
export const LEDGER_FLAGS = {
  'keep-simulated': { type: 'boolean' },
  'cancel-simulated': { type: 'boolean' },
  'send-real': { type: 'boolean' }
} as const;

export const LEDGER_HELP = `  --keep-simulated   batches made on the built-in simulator finish there (nothing is charged)
  --cancel-simulated cancel the queued tasks of batches made on the simulator
  --send-real        send those queued tasks to APIXO, at its prices (asks to confirm unless --yes)`;

/** The choice the flags make, if any; two of them at once is a usage error. */
export function ledgerChoiceOf(values: Record<string, string | boolean | undefined>): LedgerChoice | undefined {
  const chosen = (
    [
      ['keep-simulated', 'keep'],
      ['cancel-simulated', 'cancel'],
      ['send-real', 'real']
    ] as const
  ).filter(([flag]) => values[flag] === true);
  if (chosen.length > 1) throw new UsageError(`Choose one of ${chosen.map(([flag]) => `--${flag}`).join(', ')}.`);
  return chosen[0]?.[1];
}

/**
 * With a key set and batches made on the simulator still unfinished, starts the built-in
 * simulator beside APIXO and gives it to the engine: their tasks are collected from it, never
 * from APIXO. Call after opening the engine, before starting it.
 */
export async function connectSimulatedWork(engine: BatchEngine, api: ApiConnection, log: Logger, say: (line: string) => void): Promise<void> {
  if (api.simulator) return;
  const unfinished = engine.simulatedWork();
  if (unfinished === 0) return;
  const { client } = await api.simulatorBeside();
  engine.setSimulatorClient(client);
  log.info('built-in simulator started beside APIXO for simulated batches', { unfinished });
  say(`${plural(unfinished, 'task')} of batches made on the built-in simulator stay there: collected from it, nothing is charged.`);
}

export interface LedgerAnswer {
  choice: LedgerChoice | undefined;
  /** --yes: no confirmation for --send-real. */
  yes: boolean;
  /** The batches the command drives; undefined for every batch (`resume`). */
  batchIds?: string[];
  io: Output;
  json: boolean;
  say: (line: string) => void;
}

/**
 * Answers the engine's ledger question for the batches the command drives: with the person's
 * flag, or (without one) by showing what waits and the choices. Returns an exit status to stop
 * with, or undefined to go on driving the batches.
 */
export async function answerLedgerQuestion(engine: BatchEngine, answer: LedgerAnswer): Promise<number | undefined> {
  const { io, json, say } = answer;
  const question = engine.ledgerQuestion();
  if (!question) return undefined;
  const waiting = answer.batchIds ? question.batches.filter((b) => answer.batchIds!.includes(b.id)) : question.batches;
  if (waiting.length === 0) {
    say(
      `${plural(question.batches.length, 'other batch')} made on the built-in simulator ${question.batches.length === 1 ? 'waits' : 'wait'} for your choice: \`ltx-batch resume\` with --keep-simulated, --cancel-simulated or --send-real.`
    );
    return undefined;
  }
  const queued = waiting.reduce((n, b) => n + b.queued, 0);
  const estimateMicros = waiting.reduce((n, b) => n + b.estimateMicros, 0);
  const part: LedgerQuestion = { ...question, batches: waiting, queued, estimateMicros };
  if (!answer.choice) {
    if (json) io.out(JSON.stringify({ outcome: 'ledger', exitCode: EXIT.invalidInput, ledgerQuestion: part, message: CHOICES_LINE }, null, 2));
    else for (const line of questionBlock(part)) io.out(line);
    return EXIT.invalidInput;
  }
  if (answer.choice === 'real' && !answer.yes) {
    if (!json) for (const line of questionBlock(part, false)) io.out(line);
    if (!process.stdin.isTTY) {
      io.err('✗ Nothing was sent to APIXO: without a terminal nobody can confirm the cost. Add --yes to send them.');
      return EXIT.invalidInput;
    }
    if (!(await confirm(`Send ${plural(queued, 'queued task')} to APIXO for about ${formatUsd(estimateMicros)}?`, io))) {
      io.err('Nothing was sent to APIXO; the batches still wait for your choice.');
      return EXIT.ok;
    }
  }
  engine.chooseLedger(
    answer.choice,
    waiting.map((b) => b.id)
  );
  const names = waiting.map((b) => `"${b.name}"`).join(', ');
  if (answer.choice === 'keep') say(`Keeping ${names} on the built-in simulator: simulated, nothing is charged.`);
  else if (answer.choice === 'cancel') say(`Canceled ${plural(queued, 'queued task')} of ${names}; tasks already running on the simulator are collected.`);
  else say(`Sending ${plural(queued, 'queued task')} of ${names} to APIXO, about ${formatUsd(estimateMicros)}.`);
  return undefined;
}

const CHOICES_LINE = 'Run again without APIXO_API_KEY to finish them on the simulator, or add --keep-simulated, --cancel-simulated or --send-real.';

/** The question in one block: what waits, what it would cost at APIXO, and (unless `withChoices` is false) the choices. */
export function questionBlock(q: LedgerQuestion, withChoices = true): string[] {
  const lines = [
    `${q.batches.length === 1 ? 'A batch was' : `${q.batches.length} batches were`} made on the built-in simulator and still ${q.batches.length === 1 ? 'has' : 'have'} queued tasks. Nothing of ${q.batches.length === 1 ? 'it' : 'them'} goes to APIXO without your choice:`
  ];
  for (const b of q.batches) lines.push(`  ${b.name}: ${plural(b.queued, 'queued task')}, ${formatUsd(b.estimateMicros)} at APIXO's prices`);
  lines.push(`In all: ${plural(q.queued, 'queued task')}, about ${formatUsd(q.estimateMicros)} if sent to APIXO.`);
  if (q.capWarning) lines.push(`⚠ ${q.capWarning}`);
  if (!withChoices) return lines;
  lines.push(
    'Choose one:',
    '  run it again without APIXO_API_KEY   finish them on the built-in simulator (nothing is charged)',
    '  --keep-simulated                     keep them on the simulator with the key set (nothing is charged)',
    '  --cancel-simulated                   cancel their queued tasks (tasks already running are collected)',
    `  --send-real                          send them to APIXO, about ${formatUsd(q.estimateMicros)} (asks to confirm unless --yes)`
  );
  return lines;
}

/** Why a batch paused for its ledger waits, in the command line's words. */
export function ledgerWaitWords(batch: Pick<BatchInfo, 'name' | 'paused'>): string {
  const message = batch.paused?.message;
  if (message === NO_KEY_MESSAGE)
    return `"${batch.name}" was made with your APIXO key, and no APIXO_API_KEY is set: set it to go on. Its videos are never sent to the simulator.`;
  if (message === LEDGER_WAIT_MESSAGE)
    return `"${batch.name}" was made on the built-in simulator and waits for your choice: \`ltx-batch resume\` shows the choices.`;
  return `"${batch.name}": ${message ?? 'waits for your choice of API.'}`;
}

/** The exit status for batches left waiting on their ledger: no key for a real batch is the key's stop (3), else a choice is missing (2). */
export function ledgerWaitExit(batches: Pick<BatchInfo, 'paused'>[]): number {
  return batches.some((b) => b.paused?.message === NO_KEY_MESSAGE) ? EXIT.stoppedByAccount : EXIT.invalidInput;
}
