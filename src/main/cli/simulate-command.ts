import { resolve as resolvePath } from 'node:path';
import { startSimulator } from '../core/simulator';
import { DataFolderLockedError } from '../core/store/lock';
import { numberFlag, parseCommandArgs } from './args';
import { EXIT, UsageError, plural, type Output } from './output';
import type { CliLog } from './cli-log';

export const SIMULATE_HELP = `Usage: ltx-batch simulate [options]

Runs an APIXO-compatible simulator of the LTX 2 19B API on 127.0.0.1 until interrupted
(Ctrl-C). It serves the same paths and answers as the real API, with simulated latency,
billing, rate limits and sample videos. Nothing is charged.

Options:
  --port N         port to listen on (default: a free one)
  --time-scale X   speed of simulated time: 0.1 runs ten times faster (default 1)
  --key K          the API key it accepts (default sim-key)
  --balance USD    starting balance in dollars (default 100; a --state-dir keeps its own)
  --state-dir DIR  remember tasks, balance and uploads in DIR, so that a simulator started
                   again on it (after Ctrl-C or a crash) carries on where this one stopped,
                   on the same port when it is free (default: nothing is kept)
  --bill-failures  a failed task keeps its cost instead of being refunded, as an API that
                   bills failures would (not kept in --state-dir: give it again each start)
  --real-sizes     serve result videos as large as real ones for their resolution and
                   duration (1080p × 20 s is 30 MB), made on the fly from the sample clip
                   (also LTX_SIM_REAL_SIZES=1)
  --link-mbps N    limit each result download to N megabits per second, as a slow link
                   would (also LTX_SIM_LINK_MBPS; default: no limit)
  -h, --help       show this help`;

export async function simulateCommand(argv: string[], io: Output, signal: AbortSignal, logs: CliLog): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    port: { type: 'string' },
    'time-scale': { type: 'string' },
    key: { type: 'string' },
    balance: { type: 'string' },
    'state-dir': { type: 'string' },
    'bill-failures': { type: 'boolean' },
    'real-sizes': { type: 'boolean' },
    'link-mbps': { type: 'string' }
  });
  if (values.help) {
    io.out(SIMULATE_HELP);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`simulate takes no file (got ${positionals.join(' ')}).`);
  if (values.key !== undefined && (typeof values.key !== 'string' || values.key.trim() === '')) {
    throw new UsageError('--key must not be empty.');
  }
  const stateDir = values['state-dir'];
  if (stateDir !== undefined && (typeof stateDir !== 'string' || stateDir.trim() === '')) throw new UsageError('--state-dir must name a folder.');
  const realSizes = values['real-sizes'] === true || process.env.LTX_SIM_REAL_SIZES === '1';
  const linkMbps = numberFlag(values['link-mbps'] ?? process.env.LTX_SIM_LINK_MBPS, 'link-mbps', 0.01, 100_000);
  const started = startSimulator({
    port: numberFlag(values.port, 'port', 0, 65535, true),
    timeScale: numberFlag(values['time-scale'], 'time-scale', 0.0001, 100),
    apiKey: values.key as string | undefined,
    balanceUsd: numberFlag(values.balance, 'balance', 0, 1_000_000),
    stateDir: stateDir === undefined ? undefined : resolvePath(stateDir),
    billFailures: values['bill-failures'] === true,
    fileSizes: realSizes ? 'real' : 'sample',
    link: linkMbps === undefined ? undefined : { perConnectionBytesPerSecond: (linkMbps * 1e6) / 8 },
    onWarning: (message) => io.err(`⚠ ${message}`)
  });
  const sim = await started.catch((error: unknown) => {
    if (!(error instanceof DataFolderLockedError)) throw error;
    io.err(`✗ Another process (pid ${error.owner.pid}) is using the state folder ${error.dir}: stop it, or choose another --state-dir.`);
    return undefined;
  });
  if (!sim) return EXIT.someFailed;
  const log = logs.open();
  log.info('simulator started', { baseUrl: sim.baseUrl });
  io.out(`APIXO simulator listening at ${sim.baseUrl}`);
  io.out(`API key: ${values.key ?? 'sim-key'} · balance $${sim.balanceUsd().toFixed(2)} · time scale ${values['time-scale'] ?? 1}`);
  if (realSizes) io.out('Result videos are as large as real ones (--real-sizes).');
  if (linkMbps !== undefined) io.out(`Each download is limited to ${linkMbps} Mbit/s.`);
  io.out(values['bill-failures'] ? 'Failed tasks are billed (--bill-failures): their cost is not refunded.' : 'Failed tasks are refunded.');
  if (stateDir !== undefined) io.out(`Remembering its tasks in ${resolvePath(stateDir)} (${plural(sim.counts().tasks, 'task')} there now).`);
  io.out('Press Ctrl-C to stop.');
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await sim.close();
  log.info('simulator stopped', { submitted: sim.submissions.length });
  io.out(`Simulator stopped after ${plural(sim.submissions.length, 'submitted task')}.`);
  return EXIT.ok;
}
