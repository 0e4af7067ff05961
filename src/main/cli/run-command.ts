import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { formatUsd, parseUsd } from '@shared/pricing';
import { formatRowProblem, validRows } from '../core/import';
import { DEFAULT_HOSTING } from '@shared/settings';
import { createBatch, hostingRefusal, localImageTasks, tasksFromRows } from '../core/app/create-batch';
import { HostingError, type RequestSigner } from '../core/hosting';
import { ImageCache, isImageRefusal } from '../core/images';
import { BatchEngine, TaskActionError, type BatchEngine as Engine } from '../core/queue/engine';
import { defaultDataDir } from '../core/paths';
import { connectApi, type ApiConnection } from './api-connection';
import { appHostingSettings, cliHosting, cliRequestSigner, HOSTING_SECRET_ENV } from './cli-hosting';
import { numberFlag, parseCommandArgs } from './args';
import { driveBatches } from './batch-runner';
import { EXIT, UsageError, plural, type Output } from './output';
import { DEFAULT_FLAGS, SWEEP_FLAGS, SWEEP_HELP, defaultsFromFlags, importRowsFile, printEstimate, sweepFromFlags } from './validate-command';
import { confirm } from './confirm';
import { LEDGER_FLAGS, LEDGER_HELP, answerLedgerQuestion, connectSimulatedWork, ledgerChoiceOf } from './ledger-choice';
import type { CliLog } from './cli-log';
import type { Logger } from '../core/log/logger';

export const RUN_HELP = `Usage: ltx-batch run <file.csv|file.xlsx|file.ods> --out <library> [options]

Validates the CSV (or one sheet of a workbook: --sheet NAME), shows the estimate, asks to confirm, then submits every row, polls the
tasks and downloads each finished video (with a sidecar JSON) into the library folder.
Running the same command again resumes that batch and never submits a row twice.

A row's image may be an https URL or a local JPG/PNG/WebP file (relative to the CSV). Local
images are hosted as the app's Settings → Image hosting says (the same settings file): an
S3-compatible bucket, whose secret access key comes from ${HOSTING_SECRET_ENV} (the app keeps
its own in the OS keychain, which the command line cannot read), or inline data: URLs. While
the built-in simulator is used, they are uploaded to it.

A batch made on the built-in simulator stays simulated: its money is labelled simulated and
nothing is charged. If this file's batch was made there and APIXO_API_KEY is now set, its queued
tasks wait until you choose: run again without the key, or one of --keep-simulated,
--cancel-simulated, --send-real (exit status 2 until then).

Options:
  --out DIR          library folder for the videos (required)
  --sheet NAME       the workbook's sheet to read (default: the first visible one with data)
  --data-dir DIR     where the queue keeps its journal (default: ${defaultDataDir()})
  --base-url URL     the APIXO API (default https://api.apixo.ai/api/v1); the key comes from APIXO_API_KEY.
                     With neither, the built-in simulator is used and nothing is charged.
  --concurrency N    tasks in flight at once (default 4)
  --budget USD       spending cap for this batch: nothing is submitted past it
  --time-scale X     speed of all waits (tests and demos: 0.01 is 100× faster; default 1)
  --skip-invalid     submit the valid rows and leave out the invalid ones
  --again            make a new batch even if this file was run before
  --yes              do not ask for confirmation
${LEDGER_HELP}
  --json             print the final summary as JSON (and no progress)
  --resolution R, --duration S, --aspect A, --mode M   defaults for rows without them
${SWEEP_HELP}
  -h, --help         show this help

Exit status: 0 all done, 1 some failed or need review, 2 invalid input, 3 stopped by the
API key, the API address or the balance, 4 stopped because the data folder could not be
written (full, read-only or gone; any task ID it could not record is printed), 130 interrupted.`;

export const RUN_FLAGS = {
  'data-dir': { type: 'string' },
  'base-url': { type: 'string' },
  concurrency: { type: 'string' },
  'time-scale': { type: 'string' },
  json: { type: 'boolean' }
} as const;

export async function runCommand(argv: string[], io: Output, signal: AbortSignal, logs: CliLog): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    ...DEFAULT_FLAGS,
    ...SWEEP_FLAGS,
    ...RUN_FLAGS,
    out: { type: 'string' },
    budget: { type: 'string' },
    'skip-invalid': { type: 'boolean' },
    again: { type: 'boolean' },
    yes: { type: 'boolean', short: 'y' },
    ...LEDGER_FLAGS
  });
  if (values.help) {
    io.out(RUN_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError('run takes exactly one CSV file (or workbook).');
  if (typeof values.out !== 'string' || values.out.trim() === '') throw new UsageError('run needs --out <library folder>.');
  const file = resolve(positionals[0]);
  const libraryDir = resolve(values.out);
  const json = values.json === true;
  const say = (line: string): void => (json ? undefined : io.out(line));
  const capMicros = values.budget === undefined ? undefined : parseUsd(String(values.budget));
  if (values.budget !== undefined && capMicros === undefined)
    throw new UsageError(`--budget must be an amount in dollars, like 25 or 12.50 (got ${String(values.budget)}).`);
  const common = engineFlags(values);
  const choice = ledgerChoiceOf(values);
  const log = logs.open(common.dataDir);

  const defaults = defaultsFromFlags(values);
  const sweep = sweepFromFlags(values);
  const result = await importRowsFile(file, { defaults, sweep }, values.sheet);
  log.info('CSV read', {
    file,
    videos: result.rows.length,
    valid: result.validCount,
    invalidRows: result.invalidRowCount,
    fileProblems: result.fileProblems.length || undefined
  });
  if (result.fileProblems.length > 0) {
    io.err(`✗ ${basename(file)} cannot be imported:`);
    for (const p of result.fileProblems) io.err(`  ${p}`);
    return EXIT.invalidInput;
  }
  const rows = validRows(result);
  if (result.problems.length > 0 && !values['skip-invalid']) {
    io.err(`✗ ${plural(result.invalidRowCount, 'row')} of ${basename(file)} have problems; nothing was submitted:`);
    for (const p of result.problems.slice(0, 30)) io.err(`  ${formatRowProblem(p)}`);
    if (result.problems.length > 30) io.err(`  … and ${result.problems.length - 30} more (\`ltx-batch validate\` lists them all)`);
    io.err('Fix them, or add --skip-invalid to submit only the valid rows.');
    return EXIT.invalidInput;
  }
  if (rows.length === 0) {
    io.err(`✗ ${basename(file)} has no valid rows to submit.`);
    return EXIT.invalidInput;
  }

  const sourceKey = createHash('sha256')
    .update(await readFile(file))
    .update(
      JSON.stringify({
        libraryDir,
        defaults,
        capMicros,
        skip: values['skip-invalid'] === true,
        ...(sweep ? { sweep } : {}),
        ...(typeof values.sheet === 'string' ? { sheet: values.sheet } : {})
      })
    )
    .digest('hex');

  const tasks = tasksFromRows(rows);
  const hostingSettings = localImageTasks(tasks).length > 0 ? await appHostingSettings(log.child('hosting')) : DEFAULT_HOSTING;
  const api = await connectApi({ baseUrl: common.baseUrl, timeScale: common.timeScale, dataDir: common.dataDir, log: log.child('apixo') });
  let engine: Engine | undefined;
  try {
    say(`Using ${api.label}.`);
    log.info(`running with ${api.label}`, { dataDir: common.dataDir, libraryDir });
    engine = await openEngine(common, api, log);
    await connectSimulatedWork(engine, api, log, say);
    reportRecovery(engine, say);
    const batch = values.again ? undefined : engine.findBatchBySourceKey(sourceKey);
    let batchId: string;
    if (batch) {
      batchId = batch.id;
      const summary = engine.summary(batch.id)!;
      say(
        `Resuming batch "${batch.name}" (${summary.counts.done ?? 0} of ${plural(summary.total, 'video')} done); no row is submitted twice. Use --again for a new batch.`
      );
      const stop = await answerLedgerQuestion(engine, { choice, yes: values.yes === true, batchIds: [batch.id], io, json, say });
      if (stop !== undefined) return stop;
    } else {
      const hosting = cliHosting(hostingSettings, api.simulator, log.child('hosting'));
      const refusal = hostingRefusal(hosting, tasks);
      if (refusal) {
        const local = localImageTasks(tasks);
        io.err(
          `✗ ${plural(local.length, 'row')} ${local.length === 1 ? 'uses' : 'use'} a local image (first: row ${local[0].source.row}); nothing was submitted. ${refusal}`
        );
        return EXIT.invalidInput;
      }
      const simulated = api.simulator !== undefined;
      if (!json && result.sweep) io.out(`Sweep: ${result.sweep.words}`);
      if (!json) printEstimate('Estimate', result.estimate, io, simulated ? 'simulated: the built-in simulator makes them, nothing is charged' : undefined);
      if (result.problems.length > 0) say(`Leaving out ${plural(result.invalidRowCount, 'invalid row')} (--skip-invalid).`);
      if (capMicros !== undefined) say(`Spending cap for this batch: ${formatUsd(capMicros)}.`);
      const question = simulated
        ? `Submit ${plural(rows.length, 'video')} to the built-in simulator (simulated ${formatUsd(result.estimate.micros)}, nothing charged)?`
        : `Submit ${plural(rows.length, 'video')} for about ${formatUsd(result.estimate.micros)}?`;
      if (!values.yes && !(await confirm(question, io))) {
        io.err('Nothing was submitted.');
        return EXIT.ok;
      }
      if (localImageTasks(tasks).length > 0) say(`Local images go to ${hosting.hostingStatus().label}.`);
      const opened = engine;
      try {
        const summary = await createBatch(
          { engine: () => opened, images: new ImageCache(join(common.dataDir, 'cache')), ...hosting },
          { name: basename(file).replace(/\.[^.]+$/, ''), libraryDir, sourceFile: file, sourceKey, capMicros, tasks }
        );
        batchId = summary.batch.id;
        // Other batches made on the simulator may wait for a choice: named, never sent.
        await answerLedgerQuestion(opened, { choice: undefined, yes: false, batchIds: [batchId], io, json, say });
      } catch (error) {
        if (!(error instanceof TaskActionError || error instanceof HostingError || isImageRefusal(error))) throw error;
        io.err(`✗ Nothing was submitted: ${(error as Error).message}`);
        if (opened.status().storage) return EXIT.stoppedByStorage;
        return error instanceof HostingError ? EXIT.someFailed : EXIT.invalidInput;
      }
    }
    return await driveBatches(engine, [batchId], { io, json, signal });
  } finally {
    await engine?.close();
    await api.close();
  }
}

/** Flags shared by the commands that drive the engine. */
export interface EngineFlags {
  dataDir: string;
  baseUrl?: string;
  timeScale: number;
  concurrency?: number;
}

export function engineFlags(values: Record<string, string | boolean | undefined>): EngineFlags {
  return {
    dataDir: resolve(typeof values['data-dir'] === 'string' ? values['data-dir'] : defaultDataDir()),
    baseUrl: typeof values['base-url'] === 'string' ? values['base-url'] : undefined,
    timeScale: numberFlag(values['time-scale'], 'time-scale', 0.0001, 100) ?? 1,
    concurrency: numberFlag(values.concurrency, 'concurrency', 1, 1000, true)
  };
}

/**
 * The queue in the flags' data folder, driven through `api`: new batches are simulated when it is
 * the built-in simulator. An image uploaded to the simulator is signed by the simulator beside
 * APIXO, once started (ledger-choice.ts), since a simulated task stays there.
 */
export function openEngine(flags: EngineFlags, api: ApiConnection, log: Logger): Promise<Engine> {
  const signer = cliRequestSigner(api.simulator, log.child('hosting'));
  let besideSigner: RequestSigner | undefined;
  return BatchEngine.open({
    dataDir: flags.dataDir,
    client: api.client,
    simulated: api.simulator !== undefined,
    timeScale: flags.timeScale,
    concurrency: flags.concurrency,
    log: log.child('engine'),
    signRequest: (task) => {
      if (task.image?.host !== 'simulator' || api.simulator || !api.beside) return signer(task);
      besideSigner ??= cliRequestSigner(api.beside.simulator, log.child('hosting'));
      return besideSigner(task);
    }
  });
}

export function reportRecovery(engine: Engine, say: (line: string) => void): void {
  const r = engine.recovery;
  if (r.attachedRescued > 0) say(`Attached ${plural(r.attachedRescued, 'task ID')} kept in a rescue file while the data folder could not be written.`);
  if (r.resumedPolls > 0) say(`Picking up ${plural(r.resumedPolls, 'task')} still running at APIXO.`);
  if (r.resumedDownloads > 0) say(`Finishing ${plural(r.resumedDownloads, 'download')}.`);
  if (r.needsReview > 0)
    say(
      `${plural(r.needsReview, 'task')} were being submitted when the app stopped: they need review and are not submitted again on their own (\`ltx-batch review\` lists them).`
    );
}

export { confirm };
