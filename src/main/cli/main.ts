import { resumeCommand, RESUME_HELP } from './resume-command';
import { reviewCommand, REVIEW_HELP } from './review-command';
import { abandonCommand, attachCommand, resubmitCommand, ABANDON_HELP, ATTACH_HELP, RESUBMIT_HELP } from './task-command';
import { runCommand, RUN_HELP } from './run-command';
import { simulateCommand, SIMULATE_HELP } from './simulate-command';
import { statusCommand, STATUS_HELP } from './status-command';
import { validateCommand, VALIDATE_HELP } from './validate-command';
import { cliLog, type CliLog } from './cli-log';
import { isJournalError } from '../core/store/journal';
import { EXIT, UsageError, type Output } from './output';

export const MAIN_HELP = `LTX Batch Studio — bulk video generation with APIXO's LTX 2 19B, from the command line.

Usage: ltx-batch <command> [options]

Commands:
  validate <file.csv>   check a CSV and show what it would cost
  run <file.csv>        generate every row's video into a library folder
  resume                pick up every unfinished batch
  status                show the batches, their money and what needs you
  review                list the tasks that wait for your decision, with the commands for each
  resubmit <row|task>   submit a task that needs review again (asks: it may pay twice)
  abandon <row|task>    give up a task that needs review, or a video that cannot be downloaded
  attach <row> <taskId> give a task that needs review the APIXO task ID you found, and collect it
  simulate              run the APIXO simulator on 127.0.0.1

With no APIXO_API_KEY set, run, resume, resubmit and attach use the built-in simulator: nothing is charged.

Every command writes a log to <data folder>/logs/cli.log; --verbose also prints it on stderr.

Run \`ltx-batch <command> --help\` for a command's options.`;

const COMMANDS: Record<string, { help: string; run: (argv: string[], io: Output, signal: AbortSignal, log: CliLog) => Promise<number> }> = {
  validate: { help: VALIDATE_HELP, run: validateCommand },
  run: { help: RUN_HELP, run: runCommand },
  resume: { help: RESUME_HELP, run: resumeCommand },
  status: { help: STATUS_HELP, run: statusCommand },
  review: { help: REVIEW_HELP, run: reviewCommand },
  resubmit: { help: RESUBMIT_HELP, run: resubmitCommand },
  abandon: { help: ABANDON_HELP, run: abandonCommand },
  attach: { help: ATTACH_HELP, run: attachCommand },
  simulate: { help: SIMULATE_HELP, run: simulateCommand }
};

/** Runs one CLI invocation and returns its exit status; never throws. */
export async function runCli(argv: string[], io: Output, signal: AbortSignal): Promise<number> {
  const verbose = argv.includes('--verbose');
  const [name, ...rest] = argv.filter((arg) => arg !== '--verbose');
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(name === 'help' && rest[0] && COMMANDS[rest[0]] ? COMMANDS[rest[0]].help : MAIN_HELP);
    return name === undefined ? EXIT.invalidInput : EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`Unknown command "${name}". Commands: ${Object.keys(COMMANDS).join(', ')}. See --help.`);
    return EXIT.invalidInput;
  }
  const log = cliLog(io, verbose, name);
  try {
    return await command.run(rest, io, signal, log);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message} See \`ltx-batch ${name} --help\`.`);
      return EXIT.invalidInput;
    }
    log.open().error('the command failed', { error });
    if (isJournalError(error, 'failed')) {
      // The data folder's disk: one sentence naming the folder and what to do, never a stack.
      io.err(`✗ ${error.message}`);
      return EXIT.stoppedByStorage;
    }
    io.err(`Error: ${(error as Error).message}`);
    return EXIT.someFailed;
  }
}
