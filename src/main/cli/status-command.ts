import { resolve } from 'node:path';
import { ATTENTION_STATES } from '@shared/task-state';
import { sumCosts, summarize } from '@shared/batch-summary';
import { hasSimulated, moneyWords, spendWords, stageWords } from './money-words';
import { defaultDataDir } from '../core/paths';
import { peekQueue } from '../core/queue/peek';
import { readRescueFiles, rescueFilePlaces } from '../core/queue/rescue';
import { parseCommandArgs } from './args';
import { EXIT, UsageError, plural, type Output } from './output';
import type { CliLog } from './cli-log';

export const STATUS_HELP = `Usage: ltx-batch status [options]

Shows every batch in the data folder: progress, money, and the tasks that failed or need your
review. Safe to run while another run is going.

Money is shown under its ledger: a batch made on the built-in simulator says "simulated, nothing
charged", and its money is never added to the real (APIXO) totals. For batches run with a key,
the estimate is compared with what the balance showed they cost ("measured"); batches that ran at
the same time share one measurement and say "shared".

Options:
  --data-dir DIR   the data folder (default: ${defaultDataDir()})
  --json           print it as JSON
  -h, --help       show this help`;

const SHOWN = 10;

export async function statusCommand(argv: string[], io: Output, _signal: AbortSignal, logs: CliLog): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { 'data-dir': { type: 'string' }, json: { type: 'boolean' } });
  if (values.help) {
    io.out(STATUS_HELP);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError('status takes no file.');
  const dataDir = resolve(typeof values['data-dir'] === 'string' ? values['data-dir'] : defaultDataDir());
  const state = await peekQueue(dataDir);
  logs.open(dataDir).info('status read', { dataDir, batches: state?.batches.size ?? 0 });
  const batches = [...(state?.batches.values() ?? [])].sort((a, b) => a.createdAt - b.createdAt);
  const windows = [...(state?.windows.values() ?? [])];
  const report = batches.map((batch) => {
    const tasks = batch.taskIds.map((id) => state!.tasks.get(id)!);
    const summary = summarize(batch, tasks, windows);
    const attention = tasks
      .filter((t) => ATTENTION_STATES.has(t.state) || t.state === 'failed' || t.state === 'expired' || t.state === 'rejected')
      .map((t) => ({ id: t.id, row: t.source.row, take: t.source.take, state: t.state, taskId: t.taskId, failCode: t.failCode, note: t.note }));
    return {
      ...summary,
      ledger: batch.simulated ? ('simulated' as const) : ('real' as const),
      money: moneyWords(summary.costs, batch.simulated),
      spend: spendWords(summary.costs),
      attention
    };
  });
  const costs = sumCosts(state?.tasks.values() ?? [], new Date(), (id) => state?.batches.get(id), windows);
  const spend = spendWords(costs);
  // Task IDs a run could not journal: still waiting in rescue files for the next start.
  const found = await readRescueFiles(
    dataDir,
    rescueFilePlaces(
      dataDir,
      batches.map((b) => b.libraryDir)
    )
  );
  const rescued = found.entries.filter((e) => {
    const task = state?.tasks.get(e.id);
    return e.outcome === 'accepted' && task?.state === 'submitting' && task.attempts === e.attempts;
  });
  if (values.json) {
    io.out(JSON.stringify({ dataDir, batches: report, costs, ...(spend ? { spend } : {}), ...(rescued.length > 0 ? { rescued } : {}) }, null, 2));
    return EXIT.ok;
  }
  if (report.length === 0) {
    io.out(`No batches in ${dataDir}.`);
    return EXIT.ok;
  }
  for (const { batch, counts, total, money, spend: measured, attention } of report) {
    const created = new Date(batch.createdAt).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
    const parts = Object.entries(counts)
      .filter(([state]) => state !== 'done')
      .map(([state, n]) => `${n} ${state.replace('_', ' ')}`);
    io.out(
      `${batch.name} (${created}): ${counts.done ?? 0} of ${plural(total, 'video')} done${parts.length ? `, ${parts.join(', ')}` : ''} · ${money}${batch.paused ? ` · ${batch.paused.message}` : ''}`
    );
    if (measured) io.out(`  ${measured}`);
    io.out(`  library: ${batch.libraryDir}`);
    for (const a of attention.slice(0, SHOWN)) {
      io.out(
        `  Row ${a.row}${a.take > 1 ? ` take ${a.take}` : ''}: ${a.state.replace('_', ' ')}${a.failCode ? ` (${a.failCode})` : ''}${a.note ? ` — ${a.note}` : ''}`
      );
    }
    if (attention.length > SHOWN) io.out(`  … and ${attention.length - SHOWN} more (--json lists them all)`);
    if (attention.some((a) => a.state === 'needs_review' || a.state === 'download_failed'))
      io.out('  `ltx-batch review` lists what needs your decision, with the commands for each.');
  }
  if (rescued.length > 0) {
    io.out(`${plural(rescued.length, 'task ID')} APIXO returned could not be recorded and wait in rescue files; the next \`ltx-batch resume\` attaches them:`);
    for (const e of rescued) io.out(`  Row ${e.row}${e.take > 1 ? ` take ${e.take}` : ''}: ${e.taskId}`);
  }
  io.out(`All batches, real money (APIXO): ${stageWords(costs)}`);
  if (hasSimulated(costs.simulated) || batches.some((b) => b.simulated))
    io.out(`Simulated, nothing charged (the built-in simulator): ${stageWords(costs.simulated)}`);
  if (spend) io.out(`Measured in all: ${spend}`);
  return EXIT.ok;
}
