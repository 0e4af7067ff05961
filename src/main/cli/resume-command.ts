import { isSettled } from '@shared/batch-summary';
import type { BatchEngine } from '../core/queue/engine';
import { defaultDataDir } from '../core/paths';
import { connectApi } from './api-connection';
import { parseCommandArgs } from './args';
import type { CliLog } from './cli-log';
import { driveBatches } from './batch-runner';
import { EXIT, UsageError, plural, type Output } from './output';
import { RUN_FLAGS, engineFlags, openEngine, reportRecovery } from './run-command';
import { LEDGER_FLAGS, LEDGER_HELP, answerLedgerQuestion, connectSimulatedWork, ledgerChoiceOf, ledgerWaitExit, ledgerWaitWords } from './ledger-choice';

export const RESUME_HELP = `Usage: ltx-batch resume [options]

Picks up every unfinished batch in the data folder: polls the tasks still running at APIXO,
finishes downloads and submits what is still queued. Nothing is submitted twice; tasks whose
submit was interrupted wait for your review.

Batches made on the built-in simulator stay simulated. With APIXO_API_KEY set, their tasks in
flight are collected from the built-in simulator (never from APIXO), and their queued tasks wait
for your choice: run again without the key, or one of --keep-simulated, --cancel-simulated,
--send-real. Until you choose, nothing is resumed (exit status 2).

Options:
  --data-dir DIR     the data folder (default: ${defaultDataDir()})
  --base-url URL     the APIXO API; the key comes from APIXO_API_KEY (else the built-in simulator)
  --concurrency N    tasks in flight at once (default 4)
  --time-scale X     speed of all waits (default 1)
  --json             print the final summary as JSON
  --yes              do not ask for confirmation (--send-real)
${LEDGER_HELP}
  -h, --help         show this help

Exit status as for \`run\`.`;

export async function resumeCommand(argv: string[], io: Output, signal: AbortSignal, logs: CliLog): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { ...RUN_FLAGS, ...LEDGER_FLAGS, yes: { type: 'boolean', short: 'y' } });
  if (values.help) {
    io.out(RESUME_HELP);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError('resume takes no file: it resumes everything in the data folder.');
  const common = engineFlags(values);
  const choice = ledgerChoiceOf(values);
  const json = values.json === true;
  const say = (line: string): void => (json ? undefined : io.out(line));
  const log = logs.open(common.dataDir);
  const api = await connectApi({ baseUrl: common.baseUrl, timeScale: common.timeScale, dataDir: common.dataDir, log: log.child('apixo') });
  let engine: BatchEngine | undefined;
  try {
    log.info(`resuming with ${api.label}`, { dataDir: common.dataDir });
    engine = await openEngine(common, api, log);
    await connectSimulatedWork(engine, api, log, say);
    const stop = await answerLedgerQuestion(engine, { choice, yes: values.yes === true, io, json, say });
    if (stop !== undefined) return stop;
    return await driveOpenBatches(engine, api.label, { io, json, signal, say });
  } finally {
    await engine?.close();
    await api.close();
  }
}

/** Drives every unfinished batch to its end (or a stop), as `resume` does; returns the exit status. */
export async function driveOpenBatches(
  engine: BatchEngine,
  apiLabel: string,
  options: { io: Output; json: boolean; signal: AbortSignal; say: (line: string) => void }
): Promise<number> {
  const { io, json, signal, say } = options;
  const unsettled = engine.batches().filter((b) => !isSettled(engine.summary(b.id)!));
  // Batches waiting on their ledger (a simulated one for a choice, a real one for a key) are not driven (ledger-choice.ts).
  const waiting = unsettled.filter((b) => b.paused?.reason === 'ledger');
  const open = unsettled.filter((b) => b.paused?.reason !== 'ledger');
  for (const batch of waiting) say(`Left waiting: ${ledgerWaitWords(batch)}`);
  if (open.length === 0 && waiting.length > 0) {
    if (json)
      io.out(
        JSON.stringify(
          { outcome: 'ledger', exitCode: ledgerWaitExit(waiting), waiting: waiting.map((b) => ({ id: b.id, name: b.name, message: ledgerWaitWords(b) })) },
          null,
          2
        )
      );
    return ledgerWaitExit(waiting);
  }
  if (open.length === 0) {
    say('Nothing to resume: every batch has finished or waits for your review (`ltx-batch review` lists what needs you).');
    return EXIT.ok;
  }
  say(`Using ${apiLabel}.`);
  say(`Resuming ${plural(open.length, 'batch')}: ${open.map((b) => b.name).join(', ')}.`);
  // Resuming is the person's answer to a breaker: its batch goes on.
  for (const batch of open.filter((b) => b.paused?.reason === 'breaker')) {
    say(`${batch.name} was paused: ${batch.paused!.message} It goes on now.`);
    engine.resumeBatch(batch.id);
  }
  reportRecovery(engine, say);
  return driveBatches(
    engine,
    open.map((b) => b.id),
    { io, json, signal }
  );
}
