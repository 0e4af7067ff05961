// The headless composition root: the same services as the desktop app, driven from a terminal.
// The rest of the CLI is loaded only once the Node is known to be new enough for it.
import { engines } from '../../package.json';
import { nodeTooOld } from '../../scripts/node-version.mjs';

const tooOld = nodeTooOld(process.versions.node, engines.node);
if (tooOld) {
  console.error(tooOld);
  process.exit(1);
}

const { runCli } = await import('./cli/main');
const { stdio } = await import('./cli/output');
// A fault no command caught is said in one line, never as a stack trace; the journal already
// holds every task ID it was given, so the next `resume` carries on without paying twice.
const unexpected = (error: unknown): void => {
  console.error(
    `Error: ltx-batch stopped on an internal fault (${error instanceof Error ? error.message : String(error)}). ` +
      'Run `ltx-batch resume` to carry on: no row is submitted twice. Run it with --verbose to see the details.'
  );
  process.exit(1);
};
process.on('uncaughtException', unexpected);
process.on('unhandledRejection', unexpected);

const controller = new AbortController();
let interrupts = 0;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    // The first Ctrl-C stops cleanly; a second one leaves at once.
    if (++interrupts > 1) process.exit(130);
    controller.abort(new Error(`interrupted by ${sig}`));
  });
}

const code = await runCli(process.argv.slice(2), stdio, controller.signal);
process.exitCode = code;
