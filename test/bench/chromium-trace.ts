// A Chromium trace of one stretch of a page's life (CDP Tracing over the page's CDPSession, the
// devtools.timeline categories a DevTools performance recording uses), and where its time went:
// the renderer's main thread by kind of work (script, style recalculation, layout, paint, image
// decode, GC, …; self time, so nothing is counted twice), and every other busy thread (the
// compositor, raster workers, media threads, the GPU process's compositor) by its top-level tasks.
// Used by the library grid's benchmark (`--trace`); a script's helper, never a test.
import type { CDPSession } from 'playwright-core';

const CATEGORIES = [
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'disabled-by-default-devtools.timeline.frame',
  'v8',
  'v8.execute',
  'blink',
  'blink.user_timing',
  'cc',
  'gpu',
  'media',
  'toplevel'
];

/** What the main thread's self time is counted as, by trace event name. */
const KIND: Record<string, string> = {
  FunctionCall: 'script',
  EvaluateScript: 'script',
  'v8.compile': 'script',
  'v8.compileModule': 'script',
  'V8.Execute': 'script',
  'v8.run': 'script',
  'v8.callFunction': 'script',
  FireAnimationFrame: 'script',
  TimerFire: 'script',
  EventDispatch: 'script',
  RunMicrotasks: 'script',
  'V8.RunMicrotasks': 'script',
  XHRReadyStateChange: 'script',
  FireIdleCallback: 'script',
  ResourceReceivedData: 'script',
  UpdateLayoutTree: 'style',
  RecalculateStyles: 'style',
  'Document::updateStyle': 'style',
  ParseAuthorStyleSheet: 'style',
  Layout: 'layout',
  'LocalFrameView::layout': 'layout',
  UpdateLayerTree: 'paint',
  PrePaint: 'paint',
  Paint: 'paint',
  PaintImage: 'paint',
  Layerize: 'paint',
  UpdateLayer: 'paint',
  CompositeLayers: 'paint',
  'LocalFrameView::RunPaintLifecyclePhase': 'paint',
  Commit: 'paint',
  HitTest: 'hit test',
  'Decode Image': 'image decode',
  'Decode LazyPixelRef': 'image decode',
  ImageDecodeTask: 'image decode',
  'ImageFrameGenerator::decode': 'image decode',
  'Draw LazyPixelRef': 'image decode',
  MinorGC: 'GC',
  MajorGC: 'GC',
  'V8.GCScavenger': 'GC',
  'V8.GCFinalizeMC': 'GC',
  'V8.GCIncrementalMarking': 'GC',
  'V8.GCCompactor': 'GC',
  'V8.GC_MC_BACKGROUND_MARKING': 'GC',
  'V8.GCFinalizeMCReduceMemory': 'GC',
  BlinkGC: 'GC',
  'BlinkGC.AtomicPhase': 'GC',
  'BlinkGC.IncrementalMarkingStep': 'GC',
  'BlinkGC.CompleteSweep': 'GC',
  'BlinkGC.LazySweepInIdle': 'GC',
  'ThreadState::performIdleLazySweep': 'GC',
  ParseHTML: 'parse'
};
const KINDS = ['script', 'style', 'layout', 'paint', 'hit test', 'image decode', 'GC', 'parse', 'other'] as const;

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  /** Thread (CPU) time, µs: what the thread itself ran, without the time it was preempted. */
  tdur?: number;
  tts?: number;
  pid: number;
  tid: number;
  args?: { name?: string; data?: { type?: string; functionName?: string; url?: string } };
}

export interface TraceBreakdown {
  /** The recording's length, ms. Every other figure is thread (CPU) time, ms. */
  ms: number;
  /** Frames the page counted in it (rAF deltas), for the per-frame figures. */
  frames: number;
  /** The renderer main thread: self ms by kind, and busy ms (any task). */
  main: Record<(typeof KINDS)[number], number> & { busy: number };
  /** Script self ms by what ran it: "scroll event", "rAF", "microtasks", "timer", … */
  scriptBy: Record<string, number>;
  /** Busy ms of the other threads (renderer and GPU processes), by thread name, most first. */
  threads: { name: string; ms: number }[];
  /** Main-thread tasks over 50 ms. */
  longTasks: number;
  /** Main-thread self ms by trace event name, most first (the first dozen). */
  names: { name: string; ms: number }[];
}

/** Starts recording; `stop()` ends it and answers every event. */
export async function startTrace(cdp: CDPSession): Promise<{ stop: () => Promise<TraceEvent[]> }> {
  const events: TraceEvent[] = [];
  const onData = (params: { value: object[] }): void => void events.push(...(params.value as unknown as TraceEvent[]));
  cdp.on('Tracing.dataCollected', onData);
  await cdp.send('Tracing.start', { traceConfig: { includedCategories: CATEGORIES, recordMode: 'recordAsMuchAsPossible' }, transferMode: 'ReportEvents' });
  return {
    stop: async () => {
      const done = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
      await cdp.send('Tracing.end');
      await done;
      cdp.off('Tracing.dataCollected', onData);
      return events;
    }
  };
}

interface Span {
  name: string;
  ts: number;
  end: number;
  /** Thread time, µs (wall time where the event has none). */
  cpu: number;
  e: TraceEvent;
}

/** Complete events of one thread, with B/E pairs joined into complete ones, by start. */
function spans(events: TraceEvent[]): Span[] {
  const out: Span[] = [];
  const open: TraceEvent[] = [];
  for (const e of events) {
    if (e.ph === 'X' && e.dur !== undefined) out.push({ name: e.name, ts: e.ts, end: e.ts + e.dur, cpu: e.tdur ?? e.dur, e });
    else if (e.ph === 'B') open.push(e);
    else if (e.ph === 'E') {
      for (let i = open.length - 1; i >= 0; i--) {
        if (open[i].name === e.name || !e.name) {
          const b = open[i];
          const cpu = b.tts !== undefined && e.tts !== undefined ? e.tts - b.tts : e.ts - b.ts;
          out.push({ name: b.name, ts: b.ts, end: e.ts, cpu, e: b });
          open.splice(i, 1);
          break;
        }
      }
    }
  }
  // Longer first at the same start: the parent before its child.
  return out.sort((a, b) => a.ts - b.ts || b.end - a.end);
}

/** What ran a script span: its nearest scripting ancestor that says (an event's type, a rAF, a timer). */
function trigger(stack: { name: string; e: TraceEvent }[]): string {
  for (let i = stack.length - 1; i >= 0; i--) {
    const { name, e } = stack[i];
    if (name === 'EventDispatch') return `${e.args?.data?.type ?? '?'} event`;
    if (name === 'FireAnimationFrame') return 'rAF';
    if (name === 'TimerFire') return 'timer';
    if (name === 'FireIdleCallback') return 'idle callback';
    if (name === 'XHRReadyStateChange') return 'XHR';
  }
  for (let i = stack.length - 1; i >= 0; i--)
    if (stack[i].name === 'RunMicrotasks' || stack[i].name === 'V8.RunMicrotasks') return 'microtasks (promises, Vue updates)';
  return 'other';
}

/** Where the recording's time went (see TraceBreakdown). */
export function breakdown(events: TraceEvent[], frames: number): TraceBreakdown {
  const threadNames = new Map<string, string>();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name' && e.args?.name) threadNames.set(`${e.pid}:${e.tid}`, e.args.name);
  const byThread = new Map<string, TraceEvent[]>();
  let first = Infinity;
  let last = -Infinity;
  for (const e of events) {
    if (e.ph !== 'X' && e.ph !== 'B' && e.ph !== 'E') continue;
    const key = `${e.pid}:${e.tid}`;
    (byThread.get(key) ?? byThread.set(key, []).get(key)!).push(e);
    if (e.ts < first) first = e.ts;
    if (e.ts + (e.dur ?? 0) > last) last = e.ts + (e.dur ?? 0);
  }
  // The page's main thread: the renderer main thread with the most events.
  let mainKey = '';
  for (const [key, list] of byThread) {
    if (threadNames.get(key) === 'CrRendererMain' && (!mainKey || list.length > byThread.get(mainKey)!.length)) mainKey = key;
  }
  const main = Object.fromEntries([...KINDS, 'busy'].map((k) => [k, 0])) as TraceBreakdown['main'];
  const scriptBy: Record<string, number> = {};
  const names = new Map<string, number>();
  let longTasks = 0;
  const threads = new Map<string, number>();
  for (const [key, list] of byThread) {
    const name = threadNames.get(key) ?? `thread ${key}`;
    const all = spans(list);
    const stack: (Span & { child: number })[] = [];
    const close = (until: number): void => {
      while (stack.length && stack[stack.length - 1].end <= until) {
        const s = stack.pop()!;
        if (key !== mainKey) continue;
        const self = Math.max(0, s.cpu - s.child) / 1000;
        names.set(s.name, (names.get(s.name) ?? 0) + self);
        const kind = KIND[s.name] ?? (stack.length === 0 ? 'other' : undefined);
        if (kind) {
          main[kind as (typeof KINDS)[number]] += self;
          if (kind === 'script') {
            const by = trigger([...stack, s]);
            scriptBy[by] = (scriptBy[by] ?? 0) + self;
          }
        } else {
          // Not a kind of its own: its self time goes to the nearest ancestor that has one.
          const parent = [...stack].reverse().find((p) => KIND[p.name]);
          const k = (parent ? KIND[parent.name] : 'other') as (typeof KINDS)[number];
          main[k] += self;
          if (k === 'script') {
            const by = trigger(stack);
            scriptBy[by] = (scriptBy[by] ?? 0) + self;
          }
        }
      }
    };
    let busy = 0;
    for (const s of all) {
      close(s.ts);
      if (stack.length) stack[stack.length - 1].child += s.cpu;
      else {
        busy += s.cpu / 1000;
        if (key === mainKey && s.end - s.ts > 50_000) longTasks++;
      }
      stack.push({ ...s, end: stack.length ? Math.min(s.end, stack[stack.length - 1].end) : s.end, child: 0 });
    }
    close(Infinity);
    if (key === mainKey) main.busy = busy;
    else threads.set(name, (threads.get(name) ?? 0) + busy);
  }
  return {
    ms: (last - first) / 1000,
    frames,
    main,
    scriptBy,
    threads: [...threads]
      .map(([name, ms]) => ({ name, ms }))
      .filter((t) => t.ms >= 1)
      .sort((a, b) => b.ms - a.ms),
    longTasks,
    names: [...names]
      .map(([name, ms]) => ({ name, ms }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 12)
  };
}

/** The breakdown as report lines: ms per frame (and in all) of each kind of work. */
export function breakdownLines(label: string, b: TraceBreakdown): string[] {
  // Per frame drawn (most work is done once a frame: style, layout, paint, the rows rendered),
  // in thread time, which the other engineers' processes on a busy machine do not inflate.
  const per = (ms: number): string => `${(ms / Math.max(1, b.frames)).toFixed(2)} (${Math.round(ms).toLocaleString('en-US')})`;
  const lines = [
    `${label}: trace of ${(b.ms / 1000).toFixed(1)} s, ${b.frames} frames drawn; CPU ms per frame drawn (in all): renderer main thread busy ${per(b.main.busy)}, ${b.longTasks} tasks over 50 ms`,
    `  main thread self time: ${KINDS.map((k) => ({ k, ms: b.main[k] }))
      .sort((x, y) => y.ms - x.ms)
      .map(({ k, ms }) => `${k} ${per(ms)}`)
      .join('; ')}`,
    `  script by what ran it: ${Object.entries(b.scriptBy)
      .sort((x, y) => y[1] - x[1])
      .map(([k, ms]) => `${k} ${per(ms)}`)
      .join('; ')}`,
    `  other threads busy: ${b.threads
      .slice(0, 8)
      .map((t) => `${t.name} ${per(t.ms)}`)
      .join('; ')}`,
    `  main thread self time by trace event: ${b.names.map((t) => `${t.name} ${per(t.ms)}`).join('; ')}`
  ];
  return lines;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/** Starts V8's sampling profiler in the page; `stop()` answers the functions with the most self time. */
export async function startProfile(cdp: CDPSession): Promise<{ stop: () => Promise<{ fn: string; ms: number }[]> }> {
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  return {
    stop: async () => {
      const { profile } = await cdp.send('Profiler.stop');
      const nodes = profile.nodes as ProfileNode[];
      const byId = new Map(nodes.map((n) => [n.id, n]));
      const self = new Map<string, number>();
      const samples = profile.samples ?? [];
      const deltas = profile.timeDeltas ?? [];
      for (let i = 0; i < samples.length; i++) {
        const node = byId.get(samples[i]);
        if (!node) continue;
        const { functionName, url, lineNumber } = node.callFrame;
        const name = `${functionName || '(anonymous)'} ${url ? `${url.replace(/^.*\//, '')}:${lineNumber + 1}` : ''}`.trim();
        self.set(name, (self.get(name) ?? 0) + (deltas[i + 1] ?? 0) / 1000);
      }
      return [...self]
        .map(([fn, ms]) => ({ fn, ms }))
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 25);
    }
  };
}
