// One batch through a real BatchEngine, a real ApixoClient and the simulator over loopback, and
// the figures taken from both sides: the simulator's true generation times and requests, the
// engine's task times.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BatchSummary, TaskRecord } from '@shared/batch';
import { POLL_INTERVAL_MS } from '@shared/model';
import { ApixoClient } from '../../src/main/core/apixo';
import { isSettled } from '@shared/batch-summary';
import { BatchEngine, type NewTask } from '../../src/main/core/queue/engine';
import { firstPollDelayMs } from '../../src/main/core/queue/schedule-policy';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startSimulator, type Faults, type SimulatorCounts, type SimulatorOptions } from '../../src/main/core/simulator';
import type { SimReport } from './sim-process';
import { benchPrompt } from './csv-bench';
import { heapUsedAfterGc } from './heap';
import { listScheduleMakespan, mean, seededRandom } from './stats';

export interface BatchRunSpec {
  label: string;
  tasks: number;
  /** The client's limit on tasks in flight (EngineOptions.concurrency). */
  concurrency: number;
  /** The simulator's limit on tasks pending or processing; beyond it a submit answers 429. */
  simConcurrencyLimit: number;
  timeScale: number;
  seed: number;
  faults?: Partial<Faults>;
  /** Run the simulator in a process of its own, as APIXO runs apart from the studio (default: in this one). */
  simInOwnProcess?: boolean;
  /** Take the heap figure before closing this run. */
  measureHeap?: boolean;
  /** The simulator's limit on requests per (simulated) minute, as APIXO's 10,000 (default: none). */
  simRateLimitPerMinute?: number;
  /** Downloads at once (EngineOptions.downloadConcurrency; default the engine's). */
  downloadConcurrency?: number;
  /** Finished videos waiting for a download at which submits wait (EngineOptions.downloadBacklogLimit; default the engine's). */
  downloadBacklogLimit?: number;
  /** How often the run's progress, the engine's limit and RSS are sampled (real ms; default 20). */
  sampleEveryMs?: number;
  /** Give up after this long (real ms). */
  timeoutMs?: number;
}

export interface SubmitShare {
  submits: number;
  rejected429: number;
  /** Answered 503 (an injected server error: certainly not created, retried). */
  unavailable503: number;
}

/** Everything in product milliseconds (real ms ÷ timeScale) unless the name says real. */
export interface BatchRunResult {
  spec: BatchRunSpec;
  counts: BatchSummary['counts'];
  done: number;
  /** Start of the batch to the last task's `done`, over the tasks that reached `done`. */
  makespanMs: number;
  /** Mean of the simulator's createTime → completeTime over the tasks that reached `done`. */
  meanGenerationMs: number;
  /** The last task's `downloading` → `done`. */
  lastDownloadMs: number;
  /** Slots the schedule can use: the client's concurrency, or the server's limit when lower. */
  slots: number;
  /** ⌈done ÷ slots⌉ × mean generation + last download. */
  idealMs: number;
  /** Greedy list schedule of the true generation times on `slots`, no overhead, + last download. */
  floorMs: number;
  /** Per task, means: final submit's round trip; sim completion → engine `succeeded`; slot time beyond generation. */
  submitRoundTripMs: number;
  detectionLagMs: number;
  cycleOverheadMs: number;
  /** Mean first status request after creation, and mean gap between a task's consecutive status requests. */
  firstPollMs: number;
  pollGapMs: number;
  statusRequests: number;
  /** 1 + (mean generation − first poll) ÷ 5 s + 0.5. */
  expectedStatusPerTask: number;
  /** The same with the measured first poll and gap instead of 40 s and 5 s. */
  expectedAtMeasuredGap: number;
  submitShares: { overall: SubmitShare; afterFirstTenth: SubmitShare; afterFirstWave: SubmitShare };
  /** Tasks at the server at once, on average over the makespan (Σ generation ÷ makespan). */
  meanServerActive: number;
  /** The engine's effective limit, sampled every 20 ms real. */
  effectiveLimit: { mean: number; min: number; max: number };
  /** How late the event loop ran a 5 ms timer (the histogram's interval minus the 5 ms), real ms. */
  eventLoopLateRealMs: { p50: number; p99: number; max: number };
  simCounts: SimulatorCounts;
  heapUsedBytes?: number;
  wallRealMs: number;
  /** Greedy list schedule of every accepted task's true generation time, in submission order, on `slots`: nothing else. */
  greedyIdealMs: number;
  /** fdatasync calls of the queue journal over the run, and tasks the simulator accepted. */
  journalSyncs: number;
  /** Mean time one of those fdatasyncs took (real ms; the ones off the main thread). */
  meanSyncRealMs: number;
  submitted: number;
  /** Status requests per accepted task. */
  pollsPerTask: number;
  /** process.memoryUsage().rss sampled every 20 ms real (the engine, client and simulator share the process). */
  rssBytes: { start: number; peak: number; end: number };
  /** 429s the simulator answered (any endpoint). */
  answered429: number;
  /** Start of the batch to the last task's `succeeded`: the submit-and-poll part, before downloads. */
  lastSuccessMs: number;
  /** Most tasks succeeded but not yet downloaded at one sample. */
  backlogPeak: number;
}

function rowsFor(n: number): NewTask[] {
  return Array.from({ length: n }, (_, i) => ({
    source: { row: i + 2, take: 1, cells: { name: `clip-${i}`, prompt: benchPrompt(i) } },
    draft: { mode: 'text-to-video', prompt: benchPrompt(i), resolution: '480p', duration: 5 }
  }));
}

function share(requests: readonly { status: number }[]): SubmitShare {
  return {
    submits: requests.length,
    rejected429: requests.filter((r) => r.status === 429).length,
    unavailable503: requests.filter((r) => r.status === 503).length
  };
}

/** What a run reads from the simulator once the batch settled. */
interface SimSeen {
  task: (taskId: string) => { createTime: number; completeTime: number } | undefined;
  requests: readonly { endpoint: string; taskId?: string; time: number; status: number }[];
  submissions: readonly { taskId: string }[];
  counts: SimulatorCounts;
}

interface SimSide {
  apiKey: string;
  baseUrl: string;
  collect: () => Promise<SimSeen>;
  close: () => Promise<void>;
}

async function simHere(options: SimulatorOptions): Promise<SimSide> {
  const sim = await startSimulator(options);
  const seen = (): SimSeen => ({ task: (id) => sim.task(id), requests: sim.requests, submissions: sim.submissions, counts: sim.counts() });
  return { apiKey: sim.apiKey, baseUrl: sim.baseUrl, collect: () => Promise.resolve(seen()), close: () => sim.close() };
}

/** The simulator in a child process (sim-process.ts), over loopback as always. */
async function simInChild(options: SimulatorOptions): Promise<SimSide> {
  const child = fork(fileURLToPath(new URL('./sim-process.ts', import.meta.url)), [JSON.stringify(options)], {
    execArgv: ['--import', import.meta.resolve('tsx/esm')],
    env: { ...process.env, TSX_TSCONFIG_PATH: fileURLToPath(new URL('../../tsconfig.node.json', import.meta.url)) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  });
  const next = <T>(kind: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const onMessage = (message: { kind: string } & T): void => {
        if (message.kind !== kind) return;
        child.off('message', onMessage);
        resolve(message);
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`the simulator process ended (${code}) before sending ${kind}`)));
    });
  const ready = await next<{ apiKey: string; baseUrl: string }>('ready');
  let exited = false;
  child.once('exit', () => (exited = true));
  return {
    apiKey: ready.apiKey,
    baseUrl: ready.baseUrl,
    collect: async () => {
      const exitedSoon = new Promise<void>((resolve) => (exited ? resolve() : child.once('exit', () => resolve())));
      child.send({ kind: 'report' });
      const { report } = await next<{ report: SimReport }>('report');
      await exitedSoon;
      const times = new Map(report.tasks.map(([id, createTime, completeTime]) => [id, { createTime, completeTime }]));
      return { task: (id) => times.get(id), requests: report.requests, submissions: report.submissions, counts: report.counts };
    },
    close: async () => {
      if (!exited) child.kill();
    }
  };
}

export async function runBatch(spec: BatchRunSpec): Promise<BatchRunResult> {
  const ts = spec.timeScale;
  const product = (realMs: number): number => realMs / ts;
  const random = seededRandom(spec.seed);
  const simOptions: SimulatorOptions = {
    timeScale: ts,
    seed: spec.seed,
    concurrencyLimit: spec.simConcurrencyLimit,
    balanceUsd: 100_000,
    faults: spec.faults,
    ...(spec.simRateLimitPerMinute === undefined ? {} : { rateLimitPerMinute: spec.simRateLimitPerMinute })
  };
  const sim = spec.simInOwnProcess ? await simInChild(simOptions) : await simHere(simOptions);
  const dir = mkdtempSync(join(tmpdir(), 'ltx-bench-engine-'));
  const client = new ApixoClient({ apiKey: sim.apiKey, baseUrl: sim.baseUrl, timeScale: ts, timeoutMs: 10_000, random });
  const engine = await BatchEngine.open({
    dataDir: join(dir, 'data'),
    client,
    timeScale: ts,
    concurrency: spec.concurrency,
    random,
    ...(spec.downloadConcurrency === undefined ? {} : { downloadConcurrency: spec.downloadConcurrency }),
    ...(spec.downloadBacklogLimit === undefined ? {} : { downloadBacklogLimit: spec.downloadBacklogLimit })
  });
  const LOOP_RESOLUTION_MS = 5;
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  try {
    loop.enable();
    const rssStart = process.memoryUsage.rss();
    let rssPeak = rssStart;
    const syncsBefore = engine.journalSyncs;
    const syncMsBefore = engine.journalSyncMs;
    const started = Date.now();
    engine.start();
    const batch = engine.addBatch({ name: spec.label, libraryDir: join(dir, 'library'), tasks: rowsFor(spec.tasks) });
    const limits: number[] = [];
    const timeoutMs = spec.timeoutMs ?? 120_000;
    const sampleMs = spec.sampleEveryMs ?? 20;
    let backlogPeak = 0;
    for (let summary = engine.summary(batch.id)!; !isSettled(summary); summary = engine.summary(batch.id)!) {
      backlogPeak = Math.max(backlogPeak, (summary.counts.succeeded ?? 0) + (summary.counts.downloading ?? 0));
      if (Date.now() - started > timeoutMs) {
        throw new Error(
          `${spec.label}: not settled in ${timeoutMs} ms real: ${JSON.stringify(engine.summary(batch.id)!.counts)} — ${engine.status().activity}`
        );
      }
      limits.push(engine.status().effectiveLimit);
      rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
      await sleep(sampleMs);
    }
    const wallRealMs = Date.now() - started;
    const journalSyncs = engine.journalSyncs - syncsBefore;
    const syncRealMs = engine.journalSyncMs - syncMsBefore;
    const rssEnd = process.memoryUsage.rss();
    loop.disable();

    const seen = await sim.collect();
    const tasks = engine.tasksOf(batch.id);
    const done = tasks.filter((t) => t.state === 'done');
    if (done.length === 0) throw new Error(`${spec.label}: no task finished: ${JSON.stringify(engine.summary(batch.id)!.counts)}`);
    const simOf = (t: TaskRecord): { createTime: number; completeTime: number } => {
      const view = seen.task(t.taskId!);
      if (!view) throw new Error(`${spec.label}: the simulator does not know task ${t.taskId}`);
      return view;
    };
    const generation = done.map((t) => simOf(t).completeTime - simOf(t).createTime);
    const last = done.reduce((a, b) => (b.times.done! > a.times.done! ? b : a));
    const lastDownloadReal = last.times.done! - last.times.downloading!;
    const makespanReal = last.times.done! - started;
    const slots = Math.min(spec.concurrency, spec.simConcurrencyLimit);
    const meanGenReal = mean(generation);

    // Status requests per task, from the simulator's log.
    const pollTimes = new Map<string, number[]>();
    for (const r of seen.requests) {
      if (r.endpoint !== 'status' || !r.taskId) continue;
      const list = pollTimes.get(r.taskId);
      if (list) list.push(r.time);
      else pollTimes.set(r.taskId, [r.time]);
    }
    const firstPolls: number[] = [];
    const gaps: number[] = [];
    for (const t of done) {
      const times = pollTimes.get(t.taskId!) ?? [];
      if (times.length > 0) firstPolls.push(times[0] - simOf(t).createTime);
      for (let i = 1; i < times.length; i++) gaps.push(times[i] - times[i - 1]);
    }

    const submits = seen.requests.filter((r) => r.endpoint === 'submit');
    const first429 = submits.findIndex((r) => r.status === 429);
    const waveEnd = first429 < 0 ? 0 : submits.findIndex((r, i) => i > first429 && r.status === 200);
    const simCounts = seen.counts;
    const allGeneration = seen.submissions.reduce((sum, s) => {
      const view = seen.task(s.taskId)!;
      return sum + (view.completeTime - view.createTime);
    }, 0);

    const firstPollProduct = firstPollDelayMs(tasks[0].request);
    const result: BatchRunResult = {
      spec,
      counts: engine.summary(batch.id)!.counts,
      done: done.length,
      makespanMs: product(makespanReal),
      meanGenerationMs: product(meanGenReal),
      lastDownloadMs: product(lastDownloadReal),
      slots,
      idealMs: product(Math.ceil(done.length / slots) * meanGenReal + lastDownloadReal),
      floorMs: product(listScheduleMakespan(generation, slots) + lastDownloadReal),
      submitRoundTripMs: product(mean(done.map((t) => t.times.submitted! - t.times.submitting!))),
      detectionLagMs: product(mean(done.map((t) => t.times.succeeded! - simOf(t).completeTime))),
      cycleOverheadMs: product(mean(done.map((t, i) => t.times.succeeded! - t.times.submitting! - generation[i]))),
      firstPollMs: product(mean(firstPolls)),
      pollGapMs: product(mean(gaps)),
      statusRequests: simCounts.byEndpoint.status,
      expectedStatusPerTask: 1 + (product(meanGenReal) - firstPollProduct) / POLL_INTERVAL_MS + 0.5,
      expectedAtMeasuredGap: 1 + (meanGenReal - mean(firstPolls)) / mean(gaps) + 0.5,
      submitShares: {
        overall: share(submits),
        afterFirstTenth: share(submits.slice(Math.floor(submits.length / 10))),
        afterFirstWave: share(waveEnd < 0 ? [] : submits.slice(waveEnd))
      },
      meanServerActive: allGeneration / makespanReal,
      effectiveLimit: { mean: mean(limits), min: Math.min(...limits), max: Math.max(...limits) },
      // The histogram holds whole timer intervals (resolution included): subtract it.
      eventLoopLateRealMs: {
        p50: loop.percentile(50) / 1e6 - LOOP_RESOLUTION_MS,
        p99: loop.percentile(99) / 1e6 - LOOP_RESOLUTION_MS,
        max: loop.max / 1e6 - LOOP_RESOLUTION_MS
      },
      simCounts,
      wallRealMs,
      greedyIdealMs: product(
        listScheduleMakespan(
          seen.submissions.map((s) => simOf({ taskId: s.taskId } as TaskRecord).completeTime - simOf({ taskId: s.taskId } as TaskRecord).createTime),
          slots
        )
      ),
      journalSyncs,
      meanSyncRealMs: syncRealMs / Math.max(1, journalSyncs),
      submitted: seen.submissions.length,
      pollsPerTask: simCounts.byEndpoint.status / Math.max(1, seen.submissions.length),
      rssBytes: { start: rssStart, peak: rssPeak, end: rssEnd },
      answered429: simCounts.byStatus[429] ?? 0,
      lastSuccessMs: product(Math.max(...done.map((t) => t.times.succeeded!)) - started),
      backlogPeak
    };
    if (spec.measureHeap) result.heapUsedBytes = heapUsedAfterGc();
    return result;
  } finally {
    loop.disable();
    await engine.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
