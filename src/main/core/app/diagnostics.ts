/**
 * "Copy diagnostics": what a bug report needs, in one text a person can paste. Versions, the
 * settings, what the queue is doing and the last lines of the log, never a credential: the key
 * and the bucket's secret are only said to be set, the access key ID is shortened, and the whole
 * text goes through the log's redaction once more on the way out.
 */
import type { QueueSnapshot } from '@shared/ipc';
import type { KeyStatus } from '@shared/ipc';
import { balanceWords, spendCheckWords } from '@shared/money';
import { formatUsd } from '@shared/pricing';
import type { Settings } from '@shared/settings';

/** The versions of everything the app runs on (Electron's process.versions, or Node's alone in the CLI). */
export interface RuntimeInfo {
  app: string;
  electron?: string;
  chromium?: string;
  node: string;
  v8?: string;
  os: string;
}

export interface DiagnosticsInput {
  runtime: RuntimeInfo;
  settings: Settings;
  simulated: boolean;
  key: KeyStatus;
  hostingSecretSet: boolean;
  snapshot: QueueSnapshot;
  log?: { path: string; problem?: string; lines: string[] };
  now: Date;
}

export const DIAGNOSTIC_LOG_LINES = 200;

function shortened(value: string): string {
  return value.length > 4 ? `…${value.slice(-4)}` : value ? '…' : '';
}

/** The settings as they are, but for what identifies an account: shortened, or said to be set. */
function settingsWithoutSecrets(settings: Settings, hostingSecretSet: boolean): unknown {
  const { s3 } = settings.hosting;
  return {
    ...settings,
    hosting: { ...settings.hosting, s3: { ...s3, accessKeyId: shortened(s3.accessKeyId), secretAccessKey: hostingSecretSet ? '(set)' : '(not set)' } }
  };
}

export function diagnosticsReport(input: DiagnosticsInput, redact: (text: string) => string): string {
  const { runtime, snapshot, key } = input;
  const { status, costs } = snapshot;
  const lines = [
    `LTX Batch Studio ${runtime.app} — diagnostics, ${input.now.toISOString()}`,
    '',
    '## Versions',
    ...(runtime.electron ? [`Electron ${runtime.electron}`, `Chromium ${runtime.chromium ?? '?'}`] : []),
    `Node ${runtime.node}${runtime.v8 ? ` · V8 ${runtime.v8}` : ''}`,
    `OS ${runtime.os}`,
    '',
    '## Connection',
    input.simulated ? 'The built-in simulator (nothing is charged).' : 'APIXO.',
    `API key: ${key.set ? 'set' : 'not set'}${key.set && key.protection === 'obscured' ? ' (obscured, not encrypted: no OS keyring)' : ''}`,
    '',
    '## Queue',
    `${status.running ? 'Running' : 'Stopped'}: ${status.inFlight} in flight (limit ${status.effectiveLimit} of ${status.limit}), ${status.queued} queued, ${status.downloading} downloading, ${status.needsReview} need review.`,
    `Now: ${status.activity}${status.account ? ` · paused: ${status.account.message}` : ''}`,
    `Money: ${formatUsd(costs.spentMicros)} spent, ${formatUsd(costs.committedMicros)} in flight, ${formatUsd(costs.queuedMicros)} queued.`,
    `Simulated (nothing charged): ${formatUsd(costs.simulated.spentMicros)} used, ${formatUsd(costs.simulated.committedMicros + costs.simulated.queuedMicros)} to come.`,
    `Balance: ${balanceWords(costs.balance, input.now.getTime())}.`,
    ...(spendCheckWords(costs.spend) ? [`Measured: ${spendCheckWords(costs.spend)}`] : []),
    ...snapshot.batches.map(
      (b) =>
        `- ${b.batch.id} "${b.batch.name}"${b.batch.simulated ? ' (simulated)' : ''}: ${b.total} tasks · ${Object.entries(b.counts)
          .map(([state, n]) => `${n} ${state.replace('_', ' ')}`)
          .join(', ')}${b.batch.paused ? ` · paused (${b.batch.paused.reason})` : ''}`
    ),
    '',
    '## Settings',
    JSON.stringify(settingsWithoutSecrets(input.settings, input.hostingSecretSet), null, 2),
    ''
  ];
  if (input.log) {
    lines.push(`## Log (last ${input.log.lines.length} lines of ${input.log.path})`);
    if (input.log.problem) lines.push(`The log is not being written: ${input.log.problem}`);
    lines.push(...input.log.lines);
  } else {
    lines.push('## Log', 'No log file in this session.');
  }
  return redact(lines.join('\n'));
}
