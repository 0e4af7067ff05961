// The headless composition root: the same services as the desktop app, driven from a terminal.
import { runCli } from './cli/main';
import { stdio } from './cli/output';

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
