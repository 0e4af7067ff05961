// The engine benchmark: makespan against the ideal, polling cost, 429s under a server limit,
// journal replay of 10,000 tasks, memory. Runs against the simulator on 127.0.0.1 only, at a
// compressed but real schedule (architecture.md, "Time"). A script, never a timed test.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { POLL_INTERVAL_MS } from '@shared/model';
import { ApixoClient } from '../../src/main/core/apixo';
import { BatchEngine } from '../../src/main/core/queue/engine';
import type { Faults } from '../../src/main/core/simulator';
import { runBatch, type BatchRunResult, type SubmitShare } from './engine-run';
import { heapUsedAfterGc } from './heap';
import { compactFixture, writeJournalFixture, type JournalFixture } from './journal-fixture';
import { mb, median, pct, seconds } from './stats';

export const TIME_SCALE = 0.01;
export const FAULTS: Partial<Faults> = {
  serverErrorRate: 0.05,
  status429Rate: 0.05,
  malformedStatusRate: 0.05,
  truncateDownloadRate: 0.1,
  errorAfterAcceptRate: 0.01,
  resetAfterAcceptRate: 0.01
};
const REPLAY_TASKS = 10_000;

/** The batch at APIXO's full concurrency: 10,000 tasks, 1,000 at once, its 10,000 requests a minute. */
export const SCALE = { tasks: 10_000, concurrency: 1_000, timeScale: 0.05, rateLimitPerMinute: 10_000, downloadConcurrency: undefined } as const;

/** The 10,000-task batch alone (also `tsx test/bench/engine-scale.ts`). */
export function scaleRun(): Promise<BatchRunResult> {
  return runBatch({
    label: `${SCALE.tasks.toLocaleString('en-US')} tasks, concurrency ${SCALE.concurrency.toLocaleString('en-US')}`,
    tasks: SCALE.tasks,
    concurrency: SCALE.concurrency,
    simConcurrencyLimit: SCALE.concurrency,
    simRateLimitPerMinute: SCALE.rateLimitPerMinute,
    downloadConcurrency: SCALE.downloadConcurrency,
    // The schedule runs 20× fast, so its downloads would need 20× the machine's real throughput:
    // submits never wait for them here (the download bench measures that side at real sizes).
    downloadBacklogLimit: Number.POSITIVE_INFINITY,
    timeScale: SCALE.timeScale,
    seed: 1004,
    sampleEveryMs: 250,
    simInOwnProcess: true,
    timeoutMs: 600_000
  });
}
const REPLAY_RUNS = 5;

export interface OpenTiming {
  recoveryMs: number;
  wallMs: number;
  lines: number;
}

export interface ReplayResult {
  fixture: JournalFixture;
  buildMs: number;
  full: OpenTiming;
  compacted: OpenTiming & { snapshotBytes: number; journalBytes: number };
}

export interface EngineBenchResult {
  timeScale: number;
  clean: BatchRunResult;
  faulty: BatchRunResult;
  limited: BatchRunResult;
  replay: ReplayResult;
  /** The 10,000-task batch at concurrency 1,000 (SCALE). */
  scale: BatchRunResult;
  /** process.resourceUsage().maxRSS (KiB, it only grows) before and after each stage. */
  maxRssKb: { atStart: number; afterClean: number; afterRuns: number; afterReplay: number };
}

/** Opens the engine on `dataDir` `runs` times; checks what it replayed; medians of recovery.ms and wall time. */
async function timeOpens(dataDir: string, fixture: JournalFixture, runs: number): Promise<OpenTiming> {
  // Never contacted: the engine is opened and closed, never started.
  const client = new ApixoClient({ apiKey: 'unused', baseUrl: 'http://127.0.0.1:9/api/v1' });
  const recovery: number[] = [];
  const wall: number[] = [];
  let lines = 0;
  for (let i = 0; i < runs; i++) {
    heapUsedAfterGc(); // start each open from a collected heap
    const started = performance.now();
    const engine = await BatchEngine.open({ dataDir, client });
    wall.push(performance.now() - started);
    recovery.push(engine.recovery.ms);
    lines = engine.recovery.lines;
    const states: Record<string, number> = {};
    for (const task of engine.state.tasks.values()) states[task.state] = (states[task.state] ?? 0) + 1;
    await engine.close();
    if (engine.recovery.skippedCorrupt > 0 || JSON.stringify(states) !== JSON.stringify(fixture.expected)) {
      throw new Error(`journal replay: got ${JSON.stringify(states)} (${engine.recovery.skippedCorrupt} skipped), wrote ${JSON.stringify(fixture.expected)}`);
    }
  }
  return { recoveryMs: median(recovery), wallMs: median(wall), lines };
}

async function replayBench(): Promise<ReplayResult> {
  const dir = mkdtempSync(join(tmpdir(), 'ltx-bench-journal-'));
  try {
    const dataDir = join(dir, 'data');
    const libraryDir = join(dir, 'library');
    mkdirSync(libraryDir);
    const started = performance.now();
    const fixture = await writeJournalFixture(dataDir, libraryDir, { tasks: REPLAY_TASKS });
    const buildMs = performance.now() - started;
    const full = await timeOpens(dataDir, fixture, REPLAY_RUNS);
    const sizes = await compactFixture(dataDir);
    const compacted = { ...(await timeOpens(dataDir, fixture, REPLAY_RUNS)), ...sizes };
    return { fixture, buildMs, full, compacted };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function engineBench({ log = (line: string): void => void process.stderr.write(`${line}\n`) } = {}): Promise<EngineBenchResult> {
  const atStart = process.resourceUsage().maxRSS;
  const base = { timeScale: TIME_SCALE, concurrency: 32 };
  const timed = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    log(`engine bench: ${what}…`);
    const result = await run();
    log(`engine bench: ${what} took ${seconds(performance.now() - started)}`);
    return result;
  };
  const clean = await timed('500 tasks, no faults', () =>
    runBatch({ ...base, label: '500 tasks, no faults', tasks: 500, simConcurrencyLimit: 128, seed: 1001, measureHeap: true })
  );
  const afterClean = process.resourceUsage().maxRSS;
  const faulty = await timed('500 tasks, faults', () =>
    runBatch({ ...base, label: '500 tasks, faults', tasks: 500, simConcurrencyLimit: 128, seed: 1002, faults: FAULTS })
  );
  const limited = await timed('300 tasks, server limit 16', () =>
    runBatch({ ...base, label: '300 tasks, server limit 16', tasks: 300, simConcurrencyLimit: 16, seed: 1003 })
  );
  const afterRuns = process.resourceUsage().maxRSS;
  const replay = await timed(`journal replay, ${REPLAY_TASKS.toLocaleString('en-US')} tasks`, replayBench);
  const afterReplay = process.resourceUsage().maxRSS;
  const scale = await timed(`${SCALE.tasks.toLocaleString('en-US')} tasks at concurrency ${SCALE.concurrency.toLocaleString('en-US')}`, scaleRun);
  return { timeScale: TIME_SCALE, clean, faulty, limited, replay, scale, maxRssKb: { atStart, afterClean, afterRuns, afterReplay } };
}

// ── Report ───────────────────────────────────────────────────────────────────────────────

const verdict = (ok: boolean): string => (ok ? 'met' : '**missed**');
const ratio = (a: number, b: number, digits = 3): string => (a / b).toFixed(digits);
const of = (s: SubmitShare): string => `${pct(s.submits ? s.rejected429 / s.submits : 0)} (${s.rejected429} of ${s.submits})`;

function others(r: BatchRunResult): string {
  const rest = Object.entries(r.counts).filter(([state]) => state !== 'done');
  return rest.length === 0 ? 'none' : rest.map(([state, n]) => `${n} ${state.replace('_', ' ')}`).join(', ');
}

function makespanCell(r: BatchRunResult): string {
  const waves = Math.ceil(r.done / r.slots);
  return (
    `**${ratio(r.makespanMs, r.idealMs)}** — ${seconds(r.makespanMs)} vs ideal ${seconds(r.idealMs)} ` +
    `(${waves} × ${seconds(r.meanGenerationMs)} + ${seconds(r.lastDownloadMs)} last download), over ${r.done} done; other: ${others(r)}`
  );
}

function faultsHit(r: BatchRunResult): string {
  const hits = Object.entries(r.simCounts.faults);
  return hits.length === 0 ? '—' : hits.map(([kind, n]) => `${kind} ${n}`).join(', ');
}

/** The 10,000-task batch's figures, each against its aim (issue: a batch at APIXO's full concurrency). */
export function scaleTable(r: BatchRunResult): string {
  const syncsPer = r.journalSyncs / Math.max(1, r.submitted);
  return [
    `Scale: ${r.spec.tasks.toLocaleString('en-US')} tasks, client concurrency ${r.spec.concurrency.toLocaleString('en-US')}, simulator limit ${r.spec.simConcurrencyLimit.toLocaleString('en-US')} tasks and ` +
      `${(r.spec.simRateLimitPerMinute ?? 0).toLocaleString('en-US')} requests a minute, timeScale ${r.spec.timeScale}, 480p 5 s text-to-video, the simulator's small sample files, ` +
      `${r.spec.downloadConcurrency === undefined ? 'the self-sizing download pool (from 3)' : `${r.spec.downloadConcurrency} downloads at once`}` +
      `${r.spec.downloadBacklogLimit === Number.POSITIVE_INFINITY ? ', submits never waiting for downloads' : ''}${r.spec.simInOwnProcess ? ', the simulator in a process of its own (as APIXO is apart from the studio)' : ''}; product time unless marked real.`,
    '',
    '| measure | result | aim |',
    '|---|---|---|',
    `| makespan to the last success ÷ zero-overhead ideal (greedy schedule of the simulator's ${r.submitted.toLocaleString('en-US')} generation times on ${r.slots} slots, nothing else) | **${ratio(r.lastSuccessMs, r.greedyIdealMs)}** — ${seconds(r.lastSuccessMs)} vs ${seconds(r.greedyIdealMs)} | ≤ 1.10: ${verdict(r.lastSuccessMs <= 1.1 * r.greedyIdealMs)} |`,
    `| … to the last video downloaded ÷ the same ideal | ${ratio(r.makespanMs, r.greedyIdealMs)} — ${seconds(r.makespanMs)}; ${r.done.toLocaleString('en-US')} done; other: ${others(r)}; at most ${r.backlogPeak.toLocaleString('en-US')} succeeded but not yet downloaded at once | (the download pool's own bench) |`,
    `| status polls per task | **${r.pollsPerTask.toFixed(2)}** (${r.statusRequests.toLocaleString('en-US')} ÷ ${r.submitted.toLocaleString('en-US')}); first poll ${seconds(r.firstPollMs, 2)} after creation, then every ${seconds(r.pollGapMs, 2)} | ≤ 4: ${verdict(r.pollsPerTask <= 4)} |`,
    `| journal fdatasync calls per submitted task (every change from intent to done) | **${syncsPer.toFixed(3)}** (${r.journalSyncs.toLocaleString('en-US')} ÷ ${r.submitted.toLocaleString('en-US')}); each took ${r.meanSyncRealMs.toFixed(1)} ms real on average | ≤ 0.5: ${verdict(syncsPer <= 0.5)} |`,
    `| RSS of the process running the engine and client${r.spec.simInOwnProcess ? '' : ' (and the simulator)'}, sampled every ${r.spec.sampleEveryMs ?? 20} ms: start / peak / end | ${mb(r.rssBytes.start)} / ${mb(r.rssBytes.peak)} / ${mb(r.rssBytes.end)} | flat |`,
    `| requests answered 429 (simulator's limits) | ${r.answered429} (submits: ${r.submitShares.overall.rejected429} of ${r.submitShares.overall.submits}) | — |`,
    `| where the slot time goes, per task: submit round trip / detection lag (sim completes → engine sees success) | ${seconds(r.submitRoundTripMs, 2)} / ${seconds(r.detectionLagMs, 2)}; mean generation ${seconds(r.meanGenerationMs, 2)} | — |`,
    `| event loop lateness of a 5 ms timer, p50 / p99 / max (real ms); wall time (real) | ${r.eventLoopLateRealMs.p50.toFixed(1)} / ${r.eventLoopLateRealMs.p99.toFixed(1)} / ${r.eventLoopLateRealMs.max.toFixed(1)}; ${seconds(r.wallRealMs)} | — |`
  ].join('\n');
}

export function engineTables(e: EngineBenchResult): string {
  const { clean, faulty, limited, replay } = e;
  const adapted10 = limited.submitShares.afterFirstTenth;
  const adaptedWave = limited.submitShares.afterFirstWave;
  const perTask = (r: BatchRunResult): number => r.statusRequests / r.spec.tasks;
  const faultList = Object.entries(FAULTS)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const main = [
    `Engine: BatchEngine + ApixoClient + simulator on 127.0.0.1, timeScale ${e.timeScale} (1 real ms = ${(0.001 / e.timeScale).toFixed(1)} product s; ` +
      `every figure below in product time unless marked real). 480p, 5 s, text-to-video; client concurrency 32; fixed seeds.`,
    `Faults run: ${faultList}.`,
    '',
    '| # | measure | result | aim |',
    '|---|---|---|---|',
    `| 1 | makespan ÷ ideal, 500 tasks, no faults (sim limit 128) | ${makespanCell(clean)} | ≤ 1.05: ${verdict(clean.makespanMs <= 1.05 * clean.idealMs)} |`,
    `| 1 | makespan ÷ ideal, 500 tasks, with faults | ${makespanCell(faulty)} | ≤ 1.2: ${verdict(faulty.makespanMs <= 1.2 * faulty.idealMs)} |`,
    `| 2 | status requests per task, no faults | ${perTask(clean).toFixed(2)} (${clean.statusRequests} ÷ ${clean.spec.tasks}); schedule: ${clean.expectedStatusPerTask.toFixed(2)} = 1 + (${seconds(clean.meanGenerationMs)} − 45 s) ÷ 5 s + 0.5; ${clean.expectedAtMeasuredGap.toFixed(2)} at the measured first poll and gap | ≈ schedule: ${verdict(Math.abs(perTask(clean) / clean.expectedStatusPerTask - 1) <= 0.1)} |`,
    `| 2 | status requests per task, with faults | ${perTask(faulty).toFixed(2)} (${faulty.statusRequests} ÷ ${faulty.spec.tasks}; ${(faulty.statusRequests / faulty.done).toFixed(2)} per task polled to done); schedule: ${faulty.expectedStatusPerTask.toFixed(2)}; ${faulty.expectedAtMeasuredGap.toFixed(2)} at the measured gap | (needs-review tasks are never polled) |`,
    `| 3 | submits answered 429, 300 tasks, sim limit 16 vs client 32: overall | ${of(limited.submitShares.overall)} | — |`,
    `| 3 | … once adapted: after the first 10 % of submits | ${of(adapted10)} | < 2 %: ${verdict(adapted10.rejected429 < 0.02 * adapted10.submits)} |`,
    `| 3 | … once adapted: after the first 429 wave | ${of(adaptedWave)} | < 2 %: ${verdict(adaptedWave.rejected429 < 0.02 * adaptedWave.submits)} |`,
    `| 3 | … and the cost in throughput: makespan ÷ ideal at 16 slots | ${ratio(limited.makespanMs, limited.idealMs)}: the server held ${limited.meanServerActive.toFixed(1)} of its 16 on average; the engine's effective limit averaged ${limited.effectiveLimit.mean.toFixed(1)} (min ${limited.effectiveLimit.min}) | — |`,
    `| 4 | journal replay, ${replay.fixture.tasks.toLocaleString('en-US')} tasks, ${replay.full.lines.toLocaleString('en-US')} lines, ${mb(replay.fixture.bytes)}, no snapshot: BatchEngine.open, median of ${REPLAY_RUNS} | recovery.ms ${replay.full.recoveryMs.toFixed(0)} ms, open ${replay.full.wallMs.toFixed(0)} ms (real) | < 1 s: ${verdict(replay.full.wallMs < 1000)} |`,
    `| 4 | … the same batch after compaction (snapshot ${mb(replay.compacted.snapshotBytes)}, ${replay.compacted.lines} journal lines) | recovery.ms ${replay.compacted.recoveryMs.toFixed(0)} ms, open ${replay.compacted.wallMs.toFixed(0)} ms (real) | < 1 s: ${verdict(replay.compacted.wallMs < 1000)} |`,
    `| 5 | peak RSS of the bench process (maxRSS): modules loaded / after the 500-task run / after all batch runs / after the journal replay | ${[e.maxRssKb.atStart, e.maxRssKb.afterClean, e.maxRssKb.afterRuns, e.maxRssKb.afterReplay].map((kb) => mb(kb * 1024)).join(' / ')} | — |`,
    `| 5 | heap used after the 500-task run (after GC; that run's engine, client and simulator still open) | ${mb(clean.heapUsedBytes ?? NaN)} | — |`
  ];

  const runs = [clean, faulty, limited];
  const row = (name: string, cell: (r: BatchRunResult) => string): string => `| ${name} | ${runs.map(cell).join(' | ')} |`;
  const details = [
    'Where the time goes (per run; means over the tasks that reached done):',
    '',
    '| | 500, no faults | 500, faults | 300, sim limit 16 |',
    '|---|---|---|---|',
    row('slots (min of client 32 and sim limit)', (r) => String(r.slots)),
    row('makespan ÷ ideal', (r) => ratio(r.makespanMs, r.idealMs)),
    row('zero-overhead floor ÷ ideal (greedy list schedule of the true generation times)', (r) => ratio(r.floorMs, r.idealMs)),
    row('makespan ÷ floor (what the engine adds)', (r) => ratio(r.makespanMs, r.floorMs)),
    row('mean generation (simulator)', (r) => seconds(r.meanGenerationMs, 2)),
    row('slot time beyond generation, per task (submitting → succeeded − generation)', (r) => seconds(r.cycleOverheadMs, 2)),
    row('… of which submit round trip', (r) => seconds(r.submitRoundTripMs, 2)),
    row('… of which detection lag (sim completes → engine sees success)', (r) => seconds(r.detectionLagMs, 2)),
    row('predicted ⌈N/slots⌉ × (generation + slot overhead) + download, ÷ ideal', (r) =>
      ratio(Math.ceil(r.done / r.slots) * (r.meanGenerationMs + r.cycleOverheadMs) + r.lastDownloadMs, r.idealMs)
    ),
    row('expected from 5 s polling alone: floor ÷ ideal × (1 + ½ × 5 s ÷ mean generation)', (r) =>
      ((r.floorMs / r.idealMs) * (1 + POLL_INTERVAL_MS / 2 / r.meanGenerationMs)).toFixed(3)
    ),
    row('first status request after creation (schedule: 45 s)', (r) => seconds(r.firstPollMs, 2)),
    row('gap between status requests of a task (schedule: 5 s ± 10 %)', (r) => seconds(r.pollGapMs, 2)),
    row('tasks at the server on average (Σ generation ÷ makespan)', (r) => r.meanServerActive.toFixed(1)),
    row("engine's effective limit, mean (min–max)", (r) => `${r.effectiveLimit.mean.toFixed(1)} (${r.effectiveLimit.min}–${r.effectiveLimit.max})`),
    row(
      'submit requests: all / answered 429 / answered 503',
      (r) => `${r.submitShares.overall.submits} / ${r.submitShares.overall.rejected429} / ${r.submitShares.overall.unavailable503}`
    ),
    row('injected faults hit', faultsHit),
    row(
      'event loop lateness of a 5 ms timer, p50 / p99 / max (real ms)',
      (r) => `${r.eventLoopLateRealMs.p50.toFixed(1)} / ${r.eventLoopLateRealMs.p99.toFixed(1)} / ${r.eventLoopLateRealMs.max.toFixed(1)}`
    ),
    row('wall time (real)', (r) => seconds(r.wallRealMs)),
    '',
    `Journal fixture: written in ${seconds(replay.buildMs)} real through Journal.append with the engine's reducer (${Object.entries(replay.fixture.expected)
      .map(([state, n]) => `${n} ${state}`)
      .join(', ')}); every open is checked to replay exactly that.`
  ];
  return [...main, '', ...details, '', scaleTable(e.scale)].join('\n');
}
