// The renderer benchmark: the built window (out/renderer) in headless Chromium over the e2e
// harness (a real AppService and engine, the harness's "real API" simulator), while a
// 10,000-task batch runs: the page's JS heap, the IPC traffic into and out of the window, and
// frame times while the task table is scrolled through every row. One run, about a minute.
// A script, never a timed test. `npx tsx test/bench/renderer-bench.ts` runs it on its own.
// The harness, the page-side instrument and the frame figures are shared with the library grid's
// bench (browser-bench.ts).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { Browser, CDPSession } from 'playwright-core';
import type { BatchSummary } from '@shared/batch';
import type { ImportPreview } from '@shared/ipc';
import type { Harness } from '../e2e/harness/server';
import { frameStats, LONG_FRAME_MS, loadHarness, metricsOf, pageInstrument, sleep, type FrameStats, type PageCounts, type ScrollPass } from './browser-bench';
import { median } from './stats';

export type { FrameStats } from './browser-bench';

// The same browser as the e2e scenarios (test/e2e/chromium.ts, loaded below with the harness).
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const VIEWPORT = { width: 1280, height: 800 };

export const TASKS = 10_000;
export const CONCURRENCY = 200;
export const TIME_SCALE = 0.01;
/** The queue view open on the running batch, nobody touching it. */
const STEADY_MS = 25_000;
/** One scripted scroll from the first row to the last, at constant speed. */
const SCROLL_MS = 15_000;
const SAMPLE_MS = 250;

// ── In the page ──────────────────────────────────────────────────────────────────────────

/**
 * Installed before any page script: the shared instrument (browser-bench.ts: the event stream's
 * queue:changed / settings:changed counted, invokes by channel, long tasks, rAF frame deltas by
 * phase) and, here, the task table's scroll. Everything hangs off `window.__bench`.
 */
const INSTRUMENT = pageInstrument({
  events: ['queue:changed', 'settings:changed'],
  phases: ['steady', 'scroll'],
  extra: `
  const table = () => document.querySelector('[aria-label="Videos of the batch"]');
  const lastRowShown = (viewport) => {
    let last = -1;
    for (const row of viewport.querySelectorAll('[data-testid="task-row"]')) {
      const position = Number(String(row.getAttribute('data-task-id')).split('-').pop());
      if (position > last) last = position;
    }
    return last;
  };
  /** Scrolls the task table from the top to the bottom in durationMs, one step per frame. */
  bench.scroll = (durationMs) => {
    const viewport = table();
    if (!viewport) return Promise.resolve({ error: 'the task table is not on screen' });
    const taskRows = [];
    const allRows = [];
    const loading = [];
    return bench.scrollThrough(viewport, durationMs, 'scroll', () => {
      const rows = viewport.querySelectorAll('[data-testid="task-row"]').length;
      const all = viewport.querySelectorAll('.vl-row').length;
      taskRows.push(rows);
      allRows.push(all);
      loading.push(all - rows);
    }).then((pass) => ({ taskRows, allRows, loading, ...pass, lastRowShown: lastRowShown(viewport) }));
  };
  /** What the page animates right now: "<class of the element> <property or animation>". */
  bench.animations = () => document.getAnimations().map((a) => {
    const target = a.effect && a.effect.target;
    return (target ? String(target.className || target.tagName) : '?') + ' ' + (a.transitionProperty || a.animationName || '');
  });
  bench.lastRowShown = () => { const v = table(); return v ? lastRowShown(v) : -1; };
  bench.tasksHeld = () => {
    try {
      const queue = document.querySelector('#app').__vue_app__.config.globalProperties.$pinia._s.get('queue');
      return { tasks: queue.tasks.size, deltas: queue.deltaCount };
    } catch { return null; }
  };`
});

interface ScrollRecord extends ScrollPass {
  taskRows: number[];
  allRows: number[];
  loading: number[];
  lastRowShown: number;
}

// ── Results ──────────────────────────────────────────────────────────────────────────────

export interface Sample {
  /** ms since the window opened (Node's clock). */
  t: number;
  heapUsed: number;
  heapTotal: number;
  nodes: number;
  listeners: number;
  /** Cumulative main-thread seconds of the page (CDP Performance metrics). */
  taskS: number;
  scriptS: number;
  layoutS: number;
  styleS: number;
  /** The part of taskS spent answering DevTools (this bench's own sampling). */
  devtoolsS: number;
  /** CPU seconds of the page's main thread, and of the whole renderer process. */
  threadS: number;
  processS: number;
  layouts: number;
  /** The harness's own counts: events written to the page's stream, invokes answered. */
  events: number;
  invokes: number;
  page: PageCounts;
  /** CSS animations and transitions running (document.getAnimations()). */
  animations: string[];
  /** Tasks carried by the queue:changed events the service emitted (Node side). */
  eventTasks: number;
  done: number;
  progress: Progress;
}

/** Where the batch's tasks are. */
export interface Progress {
  queued: number;
  /** submitting, submitted, pending, processing: holding one of the concurrency slots. */
  generating: number;
  /** succeeded, waiting for a download slot (the engine downloads 3 at once). */
  awaitingDownload: number;
  downloading: number;
  done: number;
  other: number;
}

export interface Rate {
  median: number;
  max: number;
  mean: number;
  total: number;
}

export interface PhaseResult {
  ms: number;
  queueChanged: Rate;
  eventBytes: Rate;
  invokes: Rate;
  invokeResponseBytes: Rate;
  invokesByChannel: Record<string, number>;
  frames: FrameStats;
  /** Main-thread ms per second of wall time. */
  busy: { task: number; script: number; layout: number; style: number; devtools: number; thread: number; process: number; layouts: number };
  /** Task records per queue:changed event, mean. */
  tasksPerEvent: number;
  longTasks: { count: number; totalMs: number; maxMs: number };
  heapPeak: number;
  /** Samples with a CSS animation or transition running; the most at once; what ran. */
  animating: { share: number; max: number; what: string[] };
  doneRate: number;
  done: [number, number];
}

export interface RendererBenchResult {
  skipped?: string;
  chromium?: string;
  setupMs?: number;
  totalMs?: number;
  heap?: { start: number; peak: number; peakTotal: number; end: number; afterGc: number; beforeWindow: number };
  nodes?: { start: number; end: number; afterGc: number };
  listeners?: { start: number; end: number; afterGc: number };
  tasksHeld?: { tasks: number; deltas: number } | null;
  steady?: PhaseResult;
  scrolling?: PhaseResult;
  scroll?: Omit<ScrollRecord, 'taskRows' | 'allRows' | 'loading'> & {
    taskRows: { median: number; max: number; min: number };
    allRowsMax: number;
    framesLoading: number;
    maxLoading: number;
    lastRowAfterSettle: number;
  };
  eventCheck?: { harness: number; page: number };
  largestEventBytes?: number;
  batch?: { atCreate: number; start: Progress; end: Progress; finishedAtMs?: number };
  pageErrors?: string[];
  harnessLogLines?: number;
}

// ── Helpers ──────────────────────────────────────────────────────────────────────────────

/** Per-second rates of a cumulative counter over consecutive ~1 s intervals of the samples. */
function rate(samples: readonly Sample[], value: (s: Sample) => number): Rate {
  const perSecond: number[] = [];
  let i = 0;
  for (let j = 1; j < samples.length; j++) {
    const dt = samples[j].t - samples[i].t;
    if (dt >= 1000 - SAMPLE_MS / 2) {
      perSecond.push(((value(samples[j]) - value(samples[i])) * 1000) / dt);
      i = j;
    }
  }
  const first = samples[0];
  const last = samples[samples.length - 1];
  const total = first && last ? value(last) - value(first) : 0;
  const ms = first && last ? last.t - first.t : 0;
  return { median: median(perSecond), max: perSecond.length ? Math.max(...perSecond) : NaN, mean: ms > 0 ? (total * 1000) / ms : NaN, total };
}

function progress(harness: Harness, batchId: string): Progress {
  const summary = harness.service.snapshot().batches.find((b) => b.batch.id === batchId);
  const c = summary?.counts ?? {};
  const p: Progress = {
    queued: c.queued ?? 0,
    generating: (c.submitting ?? 0) + (c.submitted ?? 0) + (c.pending ?? 0) + (c.processing ?? 0),
    awaitingDownload: c.succeeded ?? 0,
    downloading: c.downloading ?? 0,
    done: c.done ?? 0,
    other: 0
  };
  p.other = (summary?.total ?? 0) - p.queued - p.generating - p.awaitingDownload - p.downloading - p.done;
  return p;
}

// ── The run ──────────────────────────────────────────────────────────────────────────────

export async function rendererBench({ log = (line: string): void => void process.stderr.write(`${line}\n`) } = {}): Promise<RendererBenchResult> {
  if (!existsSync(CHROMIUM_PATH)) return { skipped: `${CHROMIUM_PATH} is missing (install Debian's chromium: apt-get install -y chromium)` };
  const started = performance.now();
  const { module, browsing, unregister } = await loadHarness('renderer-bench');
  let harnessLogLines = 0;
  const harnessLog: string[] = [];
  let harness: Harness | undefined;
  let browser: Browser | undefined;
  try {
    log('renderer bench: harness and a 10,000-prompt import…');
    harness = await module.startHarness({
      timeScale: TIME_SCALE,
      // The "real API" simulator (limit 1000 at once by default), funded for the whole batch:
      // the built-in one the app uses without a key holds $100, about 1,666 of these videos.
      apiKey: module.GOOD_KEY,
      balanceUsd: 10_000,
      settings: { concurrency: CONCURRENCY, notifications: false },
      log: (line) => {
        harnessLogLines++;
        if (harnessLog.length < 20) harnessLog.push(line);
      }
    });
    const text = Array.from(
      { length: TASKS },
      (_, i) => `A slow aerial shot over a rocky coastline at dusk, waves breaking below, cinematic light, take ${i + 1}`
    ).join('\n');
    const preview = await harness.invoke<ImportPreview>('import:text', {
      text,
      lines: true,
      fileName: 'renderer-bench.txt',
      defaults: { mode: 'text-to-video', resolution: '480p', duration: 5 }
    });
    if (preview.rowCount !== TASKS || preview.invalidRowCount !== 0) {
      throw new Error(`import: ${preview.rowCount} rows, ${preview.invalidRowCount} invalid; expected ${TASKS} valid`);
    }

    log('renderer bench: Chromium…');
    browser = await browsing.launchBrowser();
    const app = await browsing.openApp(browser, harness, 'renderer-bench', { initScript: INSTRUMENT, timeoutMs: 20_000 });
    const { context, page, errors: pageErrors } = app;
    const cdp: CDPSession = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    await page.getByTestId('nav-queue').waitFor();

    const created = await harness.invoke<BatchSummary>('batches:create', { token: preview.token, name: 'Renderer bench, 10,000 prompts', skipInvalid: false });
    const batchId = created.batch.id;
    const atCreate = progress(harness, batchId).done;
    let eventTasks = 0;
    const stopCountingTasks = harness.service.on('queue:changed', (delta) => void (eventTasks += delta.tasks.length));
    await page.getByTestId('nav-queue').click();
    await page.getByTestId('batch-row').first().waitFor();
    await page.getByTestId('task-row').first().waitFor();
    const setupMs = performance.now() - started;

    // ── The window ──
    const h = harness;
    const readSample = async (t0: number): Promise<Sample> => {
      const [{ metrics }, { counts, animations }] = await Promise.all([
        cdp.send('Performance.getMetrics'),
        page.evaluate('({ counts: JSON.parse(JSON.stringify(window.__bench.counts)), animations: window.__bench.animations() })') as Promise<{
          counts: PageCounts;
          animations: string[];
        }>
      ]);
      const m = metricsOf(metrics);
      const p = progress(h, batchId);
      return {
        t: performance.now() - t0,
        heapUsed: m.JSHeapUsedSize,
        heapTotal: m.JSHeapTotalSize,
        nodes: m.Nodes,
        listeners: m.JSEventListeners,
        taskS: m.TaskDuration,
        scriptS: m.ScriptDuration,
        layoutS: m.LayoutDuration,
        styleS: m.RecalcStyleDuration,
        devtoolsS: m.DevToolsCommandDuration,
        threadS: m.ThreadTime,
        processS: m.ProcessTime,
        layouts: m.LayoutCount,
        events: h.eventCounts['queue:changed'],
        invokes: h.invokeCount,
        page: counts,
        animations,
        eventTasks,
        done: p.done,
        progress: p
      };
    };

    log(`renderer bench: window open, ${(STEADY_MS / 1000).toFixed(0)} s steady then a ${(SCROLL_MS / 1000).toFixed(0)} s scroll…`);
    const beforeWindow = metricsOf((await cdp.send('Performance.getMetrics')).metrics).JSHeapUsedSize;
    await cdp.send('HeapProfiler.collectGarbage');
    const t0 = performance.now();
    const samples: Sample[] = [await readSample(t0)];
    const start = samples[0];
    let finishedAtMs: number | undefined;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        await sleep(SAMPLE_MS);
        if (!sampling) break;
        const s = await readSample(t0);
        samples.push(s);
        if (finishedAtMs === undefined && s.progress.queued + s.progress.generating + s.progress.awaitingDownload + s.progress.downloading === 0)
          finishedAtMs = s.t;
      }
    })();

    await page.evaluate("window.__bench.phase('steady')");
    await sleep(STEADY_MS);
    const scrollStart = performance.now() - t0;
    const scroll = (await page.evaluate(`window.__bench.scroll(${SCROLL_MS})`)) as ScrollRecord;
    if (scroll.error) throw new Error(`scroll: ${scroll.error}`);
    const scrollEnd = performance.now() - t0;
    sampling = false;
    await sampler;
    const end = await readSample(t0);
    samples.push(end);
    const frames = (await page.evaluate('window.__bench.frames')) as { steady: number[]; scroll: number[] };
    const longTasks = (await page.evaluate('window.__bench.longTasks')) as [number, number][];
    // Long tasks carry page timestamps: map the phases onto the page's clock.
    const pageNow = (await page.evaluate('performance.now()')) as number;
    const pageAt = (t: number): number => pageNow - (performance.now() - t0 - t);
    // Rows for 500 ms more, then where the list settled (pages still loading show placeholders).
    await sleep(500);
    const lastRowAfterSettle = (await page.evaluate('window.__bench.lastRowShown()')) as number;
    const tasksHeld = (await page.evaluate('window.__bench.tasksHeld()')) as { tasks: number; deltas: number } | null;
    await cdp.send('HeapProfiler.collectGarbage');
    const after = metricsOf((await cdp.send('Performance.getMetrics')).metrics);
    stopCountingTasks();

    const phase = (from: number, to: number, frameDeltas: number[]): PhaseResult => {
      // From the last sample at or before `from` to the first at or after `to`.
      let a = 0;
      while (a + 1 < samples.length && samples[a + 1].t <= from) a++;
      let b = a;
      while (b + 1 < samples.length && samples[b].t < to) b++;
      const inPhase = samples.slice(a, b + 1);
      const first = inPhase[0];
      const last = inPhase[inPhase.length - 1];
      const wall = (last.t - first.t) / 1000;
      const byChannel: Record<string, number> = {};
      for (const [channel, n] of Object.entries(last.page.invokes)) {
        const d = n - (first.page.invokes[channel] ?? 0);
        if (d > 0) byChannel[channel] = d;
      }
      const tasks = longTasks.filter(([at]) => at >= pageAt(from) && at < pageAt(to));
      return {
        ms: to - from,
        queueChanged: rate(inPhase, (s) => s.events),
        eventBytes: rate(inPhase, (s) => s.page.eventBytes),
        invokes: rate(inPhase, (s) => s.invokes),
        invokeResponseBytes: rate(inPhase, (s) => s.page.invokeResponseBytes),
        invokesByChannel: byChannel,
        frames: frameStats(frameDeltas),
        busy: {
          task: ((last.taskS - first.taskS) * 1000) / wall,
          script: ((last.scriptS - first.scriptS) * 1000) / wall,
          layout: ((last.layoutS - first.layoutS) * 1000) / wall,
          style: ((last.styleS - first.styleS) * 1000) / wall,
          devtools: ((last.devtoolsS - first.devtoolsS) * 1000) / wall,
          thread: ((last.threadS - first.threadS) * 1000) / wall,
          process: ((last.processS - first.processS) * 1000) / wall,
          layouts: (last.layouts - first.layouts) / wall
        },
        tasksPerEvent: (last.eventTasks - first.eventTasks) / Math.max(1, last.events - first.events),
        longTasks: {
          count: tasks.length,
          totalMs: tasks.reduce((sum, [, d]) => sum + d, 0),
          maxMs: tasks.length ? Math.max(...tasks.map(([, d]) => d)) : 0
        },
        heapPeak: Math.max(...inPhase.map((s) => s.heapUsed)),
        animating: {
          share: inPhase.filter((s) => s.animations.length > 0).length / inPhase.length,
          max: Math.max(...inPhase.map((s) => s.animations.length)),
          what: [...new Set(inPhase.flatMap((s) => s.animations))]
        },
        doneRate: ((last.done - first.done) * 1000) / (last.t - first.t),
        done: [first.done, last.done]
      };
    };
    const steady = phase(0, scrollStart, frames.steady);
    const scrolling = phase(scrollStart, scrollEnd, frames.scroll);
    const peakSample = samples.reduce((a, b) => (b.heapUsed > a.heapUsed ? b : a));

    return {
      chromium: browser.version(),
      setupMs,
      totalMs: performance.now() - started,
      heap: {
        beforeWindow,
        start: start.heapUsed,
        peak: peakSample.heapUsed,
        peakTotal: Math.max(...samples.map((s) => s.heapTotal)),
        end: end.heapUsed,
        afterGc: after.JSHeapUsedSize
      },
      nodes: { start: start.nodes, end: end.nodes, afterGc: after.Nodes },
      listeners: { start: start.listeners, end: end.listeners, afterGc: after.JSEventListeners },
      tasksHeld,
      steady,
      scrolling,
      scroll: {
        scrolledPx: scroll.scrolledPx,
        atBottom: scroll.atBottom,
        maxPx: scroll.maxPx,
        viewportPx: scroll.viewportPx,
        ms: scroll.ms,
        lastRowShown: scroll.lastRowShown,
        lastRowAfterSettle,
        taskRows: { median: median(scroll.taskRows), max: Math.max(...scroll.taskRows), min: Math.min(...scroll.taskRows) },
        allRowsMax: Math.max(...scroll.allRows),
        framesLoading: scroll.loading.filter((n) => n > 0).length,
        maxLoading: Math.max(...scroll.loading)
      },
      eventCheck: { harness: end.events, page: end.page.events['queue:changed'] ?? 0 },
      largestEventBytes: end.page.largestEventBytes,
      batch: { atCreate, start: start.progress, end: end.progress, finishedAtMs },
      pageErrors,
      harnessLogLines
    };
  } catch (error) {
    if (harnessLog.length) log(`renderer bench: first harness log lines:\n${harnessLog.join('\n')}`);
    throw error;
  } finally {
    await browser?.close().catch(() => {});
    await harness?.close();
    await unregister();
  }
}

// ── Report ───────────────────────────────────────────────────────────────────────────────

const MiB = 1024 * 1024;
const mib = (bytes: number, digits = 1): string => `${(bytes / MiB).toFixed(digits)} MB`;
const n0 = (v: number): string => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '—');
const pctOf = (share: number): string => `${(share * 100).toFixed(0)} %`;
const n1 = (v: number): string => (Number.isFinite(v) ? v.toFixed(1) : '—');
const ms1 = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : '—');
const kbps = (r: Rate): string => `${n0(r.median / 1024)} KB/s (max ${n0(r.max / 1024)})`;
const perSecond = (r: Rate): string => `${n1(r.median)} (max ${n1(r.max)}; ${n0(r.total)} in all)`;
const frameCell = (f: FrameStats): string => `${ms1(f.median)} / ${ms1(f.p95)} / ${ms1(f.max)} / ${f.over50} of ${f.frames}`;
const channels = (c: Record<string, number>): string =>
  Object.keys(c).length === 0
    ? 'none'
    : Object.entries(c)
        .map(([ch, n]) => `${ch} ${n}`)
        .join(', ');

export function rendererTable(r: RendererBenchResult): string {
  if (r.skipped) return `Renderer: skipped, ${r.skipped}.`;
  const { heap, nodes, listeners, steady, scrolling, scroll, batch, eventCheck } = r as Required<RendererBenchResult>;
  const perEvent = (p: PhaseResult): string => `${n0(p.eventBytes.total / Math.max(1, p.queueChanged.total) / 1024)} KB (${n0(p.tasksPerEvent)} tasks)`;
  const rowsPerSecond = (scroll.maxPx / 40 / (scroll.ms / 1000)).toFixed(0);
  const busy = (p: PhaseResult): string =>
    `${n0(p.busy.task)}: script ${n0(p.busy.script)}*, style ${n0(p.busy.style)}, layout ${n0(p.busy.layout)} (${n0(p.busy.layouts)} layouts/s), this bench's DevTools sampling ${n0(p.busy.devtools)}, other ${n0(p.busy.task - p.busy.script - p.busy.style - p.busy.layout - p.busy.devtools)}`;
  const anim = (p: PhaseResult): string =>
    `${pctOf(p.animating.share)}, ${p.animating.max}${p.animating.what.length ? `; ${p.animating.what.slice(0, 4).join(', ')}` : ''}`;
  const cpu = (p: PhaseResult): string => `${n0(p.busy.thread)} / ${n0(p.busy.process)}`;
  const where = (p: Progress): string =>
    `${n0(p.done)} done, ${n0(p.downloading)} downloading, ${n0(p.awaitingDownload)} awaiting download, ${n0(p.generating)} generating, ${n0(p.queued)} queued${p.other ? `, ${n0(p.other)} other` : ''}`;
  const long = (p: PhaseResult): string => `${p.longTasks.count}, ${n0(p.longTasks.totalMs)} ms in all, longest ${n0(p.longTasks.maxMs)} ms`;
  const finished =
    (batch.finishedAtMs === undefined ? 'still running at the end' : `finished ${(batch.finishedAtMs / 1000).toFixed(1)} s into the window`) +
    `; ${n0(batch.atCreate)} done before it opened`;
  const lines = [
    `Renderer: the built window (out/renderer) in headless Chromium ${r.chromium} (${VIEWPORT.width}×${VIEWPORT.height}) over the e2e harness: real AppService and engine, ` +
      `the harness's "real API" simulator, timeScale ${TIME_SCALE}, concurrency ${CONCURRENCY}. One ${TASKS.toLocaleString('en-US')}-task batch (text-to-video, 480p, 5 s) ` +
      `runs throughout with the queue view open on it: ${(steady.ms / 1000).toFixed(0)} s untouched, then a scripted scroll of the task table from the first row to the last ` +
      `in ${(scroll.ms / 1000).toFixed(1)} s (${rowsPerSecond} rows/s: scrollTop set from requestAnimationFrame, one step per frame, which forces one layout a frame). Heap: CDP Performance.getMetrics JSHeapUsedSize of the page, sampled every ${SAMPLE_MS} ms; ` +
      `GC: CDP HeapProfiler.collectGarbage. Rates: median (max) over 1 s intervals.`,
    '',
    '| # | measure | untouched | scrolling |',
    '|---|---|---|---|',
    `| 1 | JS heap used, whole window: at start (after a forced GC) / peak / at end / at end after a forced GC | ${mib(heap.start)} / **${mib(heap.peak)}** / ${mib(heap.end)} / **${mib(heap.afterGc)}** (before the start GC: ${mib(heap.beforeWindow)}; JS heap allocated at most ${mib(heap.peakTotal)}) | |`,
    `| 1 | … peak within each phase | ${mib(steady.heapPeak)} | ${mib(scrolling.heapPeak)} |`,
    `| 1 | DOM nodes (CDP Nodes), whole window: start / end / after GC; JS event listeners start / end / after GC | ${n0(nodes.start)} / ${n0(nodes.end)} / ${n0(nodes.afterGc)}; ${n0(listeners.start)} / ${n0(listeners.end)} / ${n0(listeners.afterGc)} | |`,
    `| 1 | task records held by the window's queue store at the end; queue:changed deltas it applied | ${r.tasksHeld ? `${n0(r.tasksHeld.tasks)}; ${n0(r.tasksHeld.deltas)}` : 'unreadable'} | |`,
    `| 2 | queue:changed events pushed to the window, per s | ${perSecond(steady.queueChanged)} | ${perSecond(scrolling.queueChanged)} |`,
    `| 2 | … their payload (UTF-8 JSON, counted in the page), per s | ${kbps(steady.eventBytes)} | ${kbps(scrolling.eventBytes)} |`,
    `| 2 | … mean payload per event (task records in it); largest event of the run | ${perEvent(steady)}; largest ${n0((r.largestEventBytes ?? NaN) / 1024)} KB | ${perEvent(scrolling)} |`,
    `| 2 | invokes made by the window, per s (harness count) | ${perSecond(steady.invokes)} | ${perSecond(scrolling.invokes)} |`,
    `| 2 | … by channel | ${channels(steady.invokesByChannel)} | ${channels(scrolling.invokesByChannel)} |`,
    `| 2 | … their responses, per s | ${kbps(steady.invokeResponseBytes)} | ${kbps(scrolling.invokeResponseBytes)} |`,
    `| 3 | frame time (rAF deltas): median / p95 / max / frames > ${LONG_FRAME_MS} ms | ${frameCell(steady.frames)} | **${frameCell(scrolling.frames)}** |`,
    `| 3 | task-row elements in the DOM while scrolling: median (min–max); all rendered rows incl. "Loading…" at most | | ${n0(scroll.taskRows.median)} (${scroll.taskRows.min}–${scroll.taskRows.max}); ${scroll.allRowsMax}, viewport ${scroll.viewportPx} px = ${(scroll.viewportPx / 40).toFixed(1)} rows of 40 px |`,
    `| 3 | frames showing "Loading…" rows (their page of 500 tasks not fetched yet); most at once | | ${scroll.framesLoading} of ${scrolling.frames.frames}; ${scroll.maxLoading} |`,
    `| 3 | scrolled to the end: last task row in the DOM when the scroll stopped / 500 ms later | | ${scroll.atBottom ? 'yes' : `**no** (${n0(scroll.scrolledPx)} of ${n0(scroll.maxPx)} px)`}: row ${n0(scroll.lastRowShown + 1)} / row ${n0(scroll.lastRowAfterSettle + 1)} of ${n0(TASKS)} |`,
    `| — | page main thread busy (CDP TaskDuration), ms per s | ${busy(steady)} | ${busy(scrolling)} |`,
    `| — | CPU ms per s: page main thread / whole renderer process (CDP ThreadTime / ProcessTime) | ${cpu(steady)} | ${cpu(scrolling)} |`,
    `| — | CSS animations/transitions running (document.getAnimations()): share of samples, most at once; what | ${anim(steady)} | ${anim(scrolling)} |`,
    `| — | long tasks (> 50 ms, PerformanceObserver) | ${long(steady)} | ${long(scrolling)} |`,
    `| — | batch at the start of the window → at its end (${finished}) | ${where(batch.start)} → ${where(batch.end)} | |`,
    `| — | batch: videos done per s | ${n1(steady.doneRate)} | ${n1(scrolling.doneRate)} |`,
    `| — | checks: queue:changed written by the harness / received by the page; page errors | ${n0(eventCheck.harness)} / ${n0(eventCheck.page)}; ${(r.pageErrors ?? []).length === 0 ? 'none' : (r.pageErrors ?? []).slice(0, 3).join('; ')} | |`
  ];
  return (
    lines.join('\n') +
    `\n\n* CDP's ScriptDuration misses most of the JavaScript run from event handlers (Vue re-rendering rows on scroll): that time lands in "other" here; a DevTools trace gives the true split.\nRenderer section: ${((r.totalMs ?? 0) / 1000).toFixed(0)} s in all, ${((r.setupMs ?? 0) / 1000).toFixed(1)} s of it setup.`
  );
}

// `npx tsx test/bench/renderer-bench.ts`
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  console.log(rendererTable(await rendererBench()));
}
