// Shared by the benchmarks that drive the built window (out/renderer) in headless Chromium over
// the e2e harness (renderer-bench.ts, library-grid-bench.ts): loading the harness, the page-side
// instrument (invoke and event counters, long tasks, rAF frame times by phase, a steady scripted
// scroll), and the frame-time figures.
//
// The page-side code is handed to Chromium as source text, not as functions: tsx compiles with
// esbuild's keepNames, whose `__name(…)` wrappers do not exist in the page.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';
import type * as ChromiumModule from '../e2e/chromium';
import type * as HarnessModule from '../e2e/harness/server';
import { median } from './stats';

/** A frame longer than this is a visible stutter. */
export const LONG_FRAME_MS = 50;

export interface FrameStats {
  frames: number;
  median: number;
  p95: number;
  max: number;
  over50: number;
}

/** The nearest-rank percentile. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** rAF deltas → median, p95, max and frames over LONG_FRAME_MS. */
export function frameStats(deltas: readonly number[]): FrameStats {
  return {
    frames: deltas.length,
    median: median(deltas),
    p95: percentile(deltas, 95),
    max: deltas.length ? Math.max(...deltas) : NaN,
    over50: deltas.filter((d) => d > LONG_FRAME_MS).length
  };
}

/** CDP Performance.getMetrics as a name → value record. */
export function metricsOf(list: { name: string; value: number }[]): Record<string, number> {
  return Object.fromEntries(list.map((m) => [m.name, m.value]));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The e2e harness and Chromium helpers, loaded through a tsx loader that knows `@shared/*`. */
export async function loadHarness(
  namespace: string
): Promise<{ module: typeof HarnessModule; browsing: typeof ChromiumModule; unregister: () => Promise<void> }> {
  // The harness imports `@shared/*`, an alias only tsconfig.node.json declares (see run.ts).
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const loader = register({ namespace, tsconfig: join(root, 'tsconfig.node.json') });
  const module = (await loader.import('../e2e/harness/server.ts', import.meta.url)) as typeof HarnessModule;
  const browsing = (await loader.import('../e2e/chromium.ts', import.meta.url)) as typeof ChromiumModule;
  return { module, browsing, unregister: () => loader.unregister() };
}

/** What the instrument counted in the page since it loaded. */
export interface PageCounts {
  events: Record<string, number>;
  eventBytes: number;
  largestEventBytes: number;
  invokes: Record<string, number>;
  invokeRequestBytes: number;
  invokeResponseBytes: number;
}

/** What `bench.scrollThrough` answers (the caller's per-frame records come on top). */
export interface ScrollPass {
  error?: string;
  scrolledPx: number;
  maxPx: number;
  atBottom: boolean;
  viewportPx: number;
  ms: number;
}

/**
 * Page source to install before any page script (as an init script). It hangs `window.__bench`:
 * - `counts`: the `events` named arriving on the event stream (count and UTF-8 bytes of their
 *   JSON) and what the window invokes (by channel, request and response bytes);
 * - `invokeTimes[channel]`: [sent at, ms until the answer came] of every invoke;
 * - `longTasks`: [startTime, duration] of every long task;
 * - `frames[phase]`: rAF frame deltas recorded while `bench.phase(phase)` is on (`null` stops);
 * - `scrollThrough(viewport, durationMs, phase, onStep)`: scrolls `viewport` from the top to the
 *   bottom in durationMs, one step per frame (scrollTop set from rAF, which forces one layout a
 *   frame), calling `onStep(viewport, scrollTop)` each frame right after the step — the DOM is
 *   then still what the page rendered for the previous position (scroll events come a frame
 *   later), so onStep sees what this frame paints; answers a ScrollPass.
 * `extra` is more page source run inside the same function, with `bench` in scope.
 */
export function pageInstrument({ events, phases, extra = '' }: { events: readonly string[]; phases: readonly string[]; extra?: string }): string {
  return `(() => {
  const counts = { events: {}, eventBytes: 0, largestEventBytes: 0, invokes: {}, invokeRequestBytes: 0, invokeResponseBytes: 0 };
  const longTasks = [];
  const frames = {};
  for (const name of ${JSON.stringify(phases)}) frames[name] = [];
  const encoder = new TextEncoder();
  let scratch = new Uint8Array(1 << 20);
  const utf8 = (text) => {
    for (;;) {
      const { read, written } = encoder.encodeInto(text, scratch);
      if (read === text.length) return written;
      scratch = new Uint8Array(scratch.length * 2);
    }
  };
  /** Per channel, [sent at, ms until the answer's headers] of every invoke (page clock). */
  const invokeTimes = {};
  const bench = { counts, longTasks, frames, invokeTimes };
  Object.defineProperty(window, '__bench', { value: bench });

  const NativeEventSource = window.EventSource;
  window.EventSource = class extends NativeEventSource {
    constructor(url, init) {
      super(url, init);
      for (const name of ${JSON.stringify(events)}) {
        this.addEventListener(name, (message) => {
          const bytes = utf8(message.data);
          counts.events[name] = (counts.events[name] || 0) + 1;
          counts.eventBytes += bytes;
          if (bytes > counts.largestEventBytes) counts.largestEventBytes = bytes;
        });
      }
    }
  };

  const nativeFetch = window.fetch.bind(window);
  window.fetch = (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.endsWith('/api/invoke') || !init || typeof init.body !== 'string') return nativeFetch(input, init);
    let channel = '?';
    try { channel = JSON.parse(init.body).channel; } catch {}
    counts.invokes[channel] = (counts.invokes[channel] || 0) + 1;
    counts.invokeRequestBytes += utf8(init.body);
    const sentAt = performance.now();
    return nativeFetch(input, init).then((response) => {
      (invokeTimes[channel] || (invokeTimes[channel] = [])).push([sentAt, performance.now() - sentAt]);
      counts.invokeResponseBytes += Number(response.headers.get('content-length') || 0);
      return response;
    });
  };

  try {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) longTasks.push([entry.startTime, entry.duration]);
    }).observe({ type: 'longtask', buffered: true });
  } catch {}

  let phase = null;
  let lastTs = 0;
  let onFrame = null;
  const loop = (ts) => {
    if (phase === null) { lastTs = 0; return; }
    if (lastTs) (frames[phase] || (frames[phase] = [])).push(ts - lastTs);
    lastTs = ts;
    if (onFrame) onFrame(ts);
    requestAnimationFrame(loop);
  };
  bench.phase = (next) => {
    const idle = phase === null;
    phase = next;
    if (idle && next !== null) requestAnimationFrame(loop);
  };

  bench.scrollThrough = (viewport, durationMs, name, onStep) => new Promise((done) => {
    viewport.scrollTop = 0;
    const max = viewport.scrollHeight - viewport.clientHeight;
    let t0 = 0;
    bench.phase(name);
    onFrame = (ts) => {
      if (!t0) t0 = ts;
      const target = Math.min(max, Math.round(((ts - t0) / durationMs) * max));
      viewport.scrollTop = target;
      if (onStep) onStep(viewport, target);
      if (target >= max) {
        onFrame = null;
        // Two more frames, so the last position is rendered and counted.
        requestAnimationFrame(() => requestAnimationFrame(() => {
          bench.phase(null);
          done({
            ms: performance.now() - t0,
            scrolledPx: viewport.scrollTop, maxPx: viewport.scrollHeight - viewport.clientHeight, viewportPx: viewport.clientHeight,
            atBottom: viewport.scrollTop + viewport.clientHeight >= viewport.scrollHeight - 1
          });
        }));
      }
    };
  });
${extra}
})();`;
}
