/**
 * The two ledgers and what was measured against the estimate (docs/architecture.md, "Money").
 *
 * Money is estimated before a submit (pricing.ts) and measured after: the engine reads the
 * account balance as a spend window opens (just before its first submit) and again once the
 * queue is quiet (nothing of the real ledger at APIXO), so the balance's fall across a window is
 * what its tasks cost. A window with one batch in it measures that batch; a window several
 * batches shared measures them together, and each of them says "shared".
 *
 * The simulator's money never joins the real ledger: a task sent to the built-in simulator is
 * simulated for life, and its batch says so.
 */
import type { TaskRecord } from './batch';
import { formatUsd, type Micros } from './pricing';
import { COMMITTED_STATES, type TaskState } from './task-state';

/** Which money a task moves: APIXO's, or the built-in simulator's (nothing is charged). */
export type Ledger = 'real' | 'simulated';

/** A difference between measured and estimated spend within this is rounding (balances are read in cents or finer). */
export const SPEND_TOLERANCE_MICROS = 10_000;

/** The account balance as the engine last read it: the one figure every screen shows, with its age. */
export interface BalanceReading {
  /** When it was read (ms since epoch). */
  at: number;
  /** The balance; absent when the read failed or its answer was not a usable amount. */
  micros?: Micros;
  /** Why the balance is unknown, in words. */
  problem?: string;
}

/** What the balance's fall across a closed window says about its tasks. */
export type WindowVerdict =
  /** It fell by the successes' estimate: they were charged as estimated, failures were not. */
  | 'match'
  /** It fell by the estimate of the successes and the failures: APIXO billed the failures. */
  | 'failures_billed'
  /** It fell by another amount: prices changed, or something else moved the balance. */
  | 'mismatch'
  /** The balance could not be read at one end: nothing can be told. */
  | 'unmeasured';

/** One batch's part of a window: the estimates of its tasks that ended in it. */
export interface WindowShare {
  succeededMicros: Micros;
  failedMicros: Micros;
}

/** A spend window: from a balance reading just before a submit to one taken when the queue is quiet again. */
export interface SpendWindow {
  id: number;
  openedAt: number;
  /** The balance as the window opened; absent when it could not be read. */
  openingMicros?: Micros;
  closedAt?: number;
  closingMicros?: Micros;
  /** The balance's fall: opening − closing, when both were read. */
  measuredMicros?: Micros;
  verdict?: WindowVerdict;
  /** By batch id: the estimates of the tasks that ended in the window. */
  batches?: Record<string, WindowShare>;
}

/** A task's money as a person reads it. */
export type Charge = 'charged' | 'not_charged' | 'unknown';

/** Estimated against measured spend, for one batch or for all of them. */
export interface SpendCheck {
  /** The estimate of the tasks a closed window measured (what was expected to be charged: the successes). */
  estimatedMicros: Micros;
  /** What the balance says those windows cost. */
  measuredMicros: Micros;
  /** measured − estimated, when it is beyond rounding. */
  differenceMicros?: Micros;
  /** Of the difference, what failures APIXO billed account for. */
  failuresBilledMicros?: Micros;
  /** Estimates of succeeded tasks no reading could settle (a shared window that did not add up, or a balance not read). */
  unknownMicros: Micros;
  /** Estimates of succeeded tasks whose window is still open: they settle once the queue is quiet. */
  pendingMicros: Micros;
  /** Some windows held other batches too: this batch's figures come from a measurement they shared. */
  shared?: boolean;
  /** Closed windows counted. */
  windows: number;
}

/** The verdict for a window's fall `measured`, given the estimates of what succeeded and failed in it. */
export function verdictFor(measured: Micros | undefined, succeeded: Micros, failed: Micros): WindowVerdict {
  if (measured === undefined) return 'unmeasured';
  if (Math.abs(measured - succeeded) <= SPEND_TOLERANCE_MICROS) return 'match';
  if (failed > 0 && Math.abs(measured - succeeded - failed) <= SPEND_TOLERANCE_MICROS) return 'failures_billed';
  return 'mismatch';
}

/** States whose generation APIXO finished with a video: its money was charged. */
const SUCCEEDED: ReadonlySet<TaskState> = new Set<TaskState>(['succeeded', 'downloading', 'done', 'download_failed']);
/** States whose generation APIXO ended without a video. */
const FAILED: ReadonlySet<TaskState> = new Set<TaskState>(['failed', 'expired']);

/** How a task that ended in a window counts there: as a success, a failure, or not at all. */
export function windowPart(task: TaskRecord): keyof WindowShare | undefined {
  if (SUCCEEDED.has(task.state)) return 'succeededMicros';
  if (FAILED.has(task.state)) return 'failedMicros';
  return undefined;
}

/** A task's charge once its window closed with `verdict`; undefined while it cannot be settled. */
export function chargeFor(task: TaskRecord, verdict: WindowVerdict): Charge {
  const part = windowPart(task);
  if (verdict === 'match') return part === 'succeededMicros' ? 'charged' : part === 'failedMicros' ? 'not_charged' : 'unknown';
  if (verdict === 'failures_billed') return part ? 'charged' : 'unknown';
  return 'unknown';
}

/** The task's ledger: the one its last submit went to, stamped with it; while it waits to be sent, its batch's. */
export function ledgerOf(task: TaskRecord, batch: { simulated?: boolean } | undefined): Ledger {
  if (task.ledger && task.state !== 'queued' && task.state !== 'draft') return task.ledger;
  return batch?.simulated ? 'simulated' : 'real';
}

/** Estimated against measured spend over closed windows: for one batch (`batchId`) or for all. */
export function spendCheck(windows: Iterable<SpendWindow>, batchId?: string): SpendCheck {
  const check: SpendCheck = { estimatedMicros: 0, measuredMicros: 0, unknownMicros: 0, pendingMicros: 0, windows: 0 };
  let difference = 0;
  let failuresBilled = 0;
  for (const w of windows) {
    if (!w.verdict || !w.batches) continue;
    const shares = Object.entries(w.batches);
    const mine = batchId === undefined ? total(shares.map(([, s]) => s)) : w.batches[batchId];
    if (!mine) continue;
    check.windows += 1;
    const alone = batchId === undefined || shares.length === 1;
    if (!alone) check.shared = true;
    check.estimatedMicros += mine.succeededMicros;
    if (w.verdict === 'unmeasured' || (w.verdict === 'mismatch' && !alone)) {
      check.unknownMicros += mine.succeededMicros;
      continue;
    }
    // Alone in the window, the batch's figure is the fall itself; shared, it is what the
    // verdict proved of its own tasks.
    const measured = alone ? w.measuredMicros! : mine.succeededMicros + (w.verdict === 'failures_billed' ? mine.failedMicros : 0);
    check.measuredMicros += measured;
    difference += measured - mine.succeededMicros;
    if (w.verdict === 'failures_billed') failuresBilled += mine.failedMicros;
  }
  if (Math.abs(difference) > SPEND_TOLERANCE_MICROS) check.differenceMicros = difference;
  if (failuresBilled > 0) check.failuresBilledMicros = failuresBilled;
  return check;
}

function total(shares: WindowShare[]): WindowShare {
  return shares.reduce((a, s) => ({ succeededMicros: a.succeededMicros + s.succeededMicros, failedMicros: a.failedMicros + s.failedMicros }), {
    succeededMicros: 0,
    failedMicros: 0
  });
}

/**
 * What a task cost, in words, for every place that shows one: the queue's rows and details, the
 * CLI. `short` is a row's cell ("$0.08 charged", "not charged"); `long` a detail's sentence.
 */
export function costWords(task: TaskRecord, ledger: Ledger): { short: string; long: string } {
  const usd = formatUsd(task.estimateMicros);
  const s = task.state;
  if (ledger === 'simulated') {
    if (s === 'queued' || COMMITTED_STATES.has(s))
      return { short: `${usd} simulated`, long: `${usd} simulated: the built-in simulator runs it, and nothing is charged.` };
    return { short: 'simulated', long: `Simulated (${usd} at APIXO's prices): nothing was charged.` };
  }
  if (s === 'queued' || s === 'draft') return { short: `${usd} estimate`, long: `${usd} estimated: charged if it succeeds.` };
  if (s === 'needs_review') return { short: 'unknown', long: `Unknown: the submit may have created a task at APIXO, which would cost ${usd}.` };
  if (COMMITTED_STATES.has(s)) return { short: `${usd} estimate`, long: `${usd} estimated: APIXO is making it; charged if it succeeds.` };
  if (s === 'rejected') return { short: 'not charged', long: 'Not charged: APIXO refused the request before starting it.' };
  if (s === 'canceled' || (s === 'abandoned' && !task.taskId && task.attempts === 0)) return { short: 'not charged', long: 'Not charged: it was never sent.' };
  const part = windowPart(task);
  if (task.charge === 'charged') {
    return part === 'failedMicros'
      ? { short: `${usd} charged`, long: `${usd} charged although it failed: the balance shows APIXO billed the failure.` }
      : { short: `${usd} charged`, long: `${usd} charged, as estimated: the balance fell by the estimate.` };
  }
  if (task.charge === 'not_charged') return { short: 'not charged', long: 'Not charged: it failed, and the balance shows failures are not billed.' };
  if (task.charge === 'unknown') {
    return {
      short: 'unknown',
      long: `Unknown: the balance fell by a different amount than the estimate (${usd} ${part === 'failedMicros' ? 'if failures are billed' : 'estimated'}), and other tasks ran at the same time.`
    };
  }
  if (part === 'failedMicros') return { short: 'not settled', long: `Failed: probably not charged; the balance settles it once the queue is quiet.` };
  if (part === 'succeededMicros') return { short: `${usd} estimate`, long: `${usd} estimated; the balance settles it once the queue is quiet.` };
  return { short: '—', long: `${usd} estimated; nothing was measured for it.` };
}

/** "2 min ago": a balance's age. */
export function ageWords(at: number, now: number): string {
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 10) return 'just now';
  if (s < 60) return `${s} s ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  return h < 24 ? `${h} h ago` : `${Math.round(h / 24)} d ago`;
}

/** "$99.12 · 2 min ago", or "unknown · 2 min ago: APIXO answered without an amount." */
export function balanceWords(reading: BalanceReading | undefined, now: number): string {
  if (!reading) return 'not read yet';
  const age = ageWords(reading.at, now);
  return reading.micros !== undefined ? `${formatUsd(reading.micros)} · ${age}` : `unknown · ${age}${reading.problem ? `: ${reading.problem}` : ''}`;
}

/** One sentence comparing measured with estimated spend, for a batch or in all. */
export function spendCheckWords(check: SpendCheck | undefined): string | undefined {
  if (!check || check.windows === 0)
    return check && check.pendingMicros > 0 ? `Measured once the queue is quiet (${formatUsd(check.pendingMicros)} to settle).` : undefined;
  const parts = [`Estimated ${formatUsd(check.estimatedMicros)}, measured ${formatUsd(check.measuredMicros)}`];
  if (check.shared) parts.push('(shared with batches that ran at the same time)');
  let sentence = parts.join(' ');
  if (check.differenceMicros !== undefined) {
    const d = check.differenceMicros;
    sentence += `: ${formatUsd(Math.abs(d))} ${d > 0 ? 'more' : 'less'} than estimated`;
    sentence +=
      check.failuresBilledMicros !== undefined
        ? `, of which ${formatUsd(check.failuresBilledMicros)} for failed tasks APIXO billed.`
        : d > 0
          ? ". APIXO's prices may have changed, or something else used the key meanwhile."
          : '. The balance may have been topped up meanwhile, or the prices lowered.';
  } else sentence += '.';
  if (check.unknownMicros > 0) sentence += ` ${formatUsd(check.unknownMicros)} could not be told apart from other batches.`;
  if (check.pendingMicros > 0) sentence += ` ${formatUsd(check.pendingMicros)} settles once the queue is quiet.`;
  return sentence;
}
