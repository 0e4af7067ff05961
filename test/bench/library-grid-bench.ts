// The library grid's benchmark: the built window (out/renderer) in headless Chromium over the
// e2e harness (a real AppService whose library folder holds 10,000 videos with sidecars, written
// before the harness starts), the Library screen at 1280×800. Two windows, one after the other:
//   1. first visit: no poster cached — the window captures posters (two at a time, on-screen
//      cards only) while the grid is scrolled from the first card to the last at a steady speed;
//      then a search ("fox") typed into the search box, and cleared, a few times;
//   2. second visit: a poster cached for every video (the first visit's, saved through
//      `library:thumbnail` for the rest), a fresh window, the same scroll.
// Frame times (rAF deltas), cards in the DOM and on screen, the window's JS heap, its invokes and
// media requests, and the time to the first painted grid. One run, about a minute.
// A script, never a timed test. `npx tsx test/bench/library-grid-bench.ts` runs it on its own.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { Browser, CDPSession, Page } from 'playwright-core';
import type { LibraryPage } from '@shared/library';
import type * as ChromiumModule from '../e2e/chromium';
import type { Harness } from '../e2e/harness/server';
import {
  frameStats,
  LONG_FRAME_MS,
  loadHarness,
  metricsOf,
  pageInstrument,
  percentile,
  sleep,
  type FrameStats,
  type PageCounts,
  type ScrollPass
} from './browser-bench';
import { breakdown, breakdownLines, startProfile, startTrace, type TraceBreakdown } from './chromium-trace';
import { writeLibrary } from './library-fixture';
import { median } from './stats';

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const VIEWPORT = { width: 1280, height: 800 };

export const VIDEOS = 10_000;
/** One scripted scroll of the grid from the first card to the last, at constant speed. */
const SCROLL_MS = 15_000;
const SAMPLE_MS = 250;
/** Times "fox" is typed into the search box (and cleared again). */
const SEARCH_ROUNDS = 7;
const SEARCH_TEXT = 'fox';
/** How long the posters of the first screen may take before the bench goes on without them. */
const POSTERS_WAIT_MS = 30_000;
/** `library:thumbnail` calls at once when the bench fills the poster cache. */
const FILL_CONCURRENCY = 16;
/** After the scroll, how long the bench waits for the media requests still on their way. */
const SETTLE_MAX_MS = 20_000;

// ── In the page ──────────────────────────────────────────────────────────────────────────

const INSTRUMENT = pageInstrument({
  events: ['library:changed', 'queue:changed', 'settings:changed'],
  phases: ['first', 'cached'],
  extra: `
  const grid = () => document.querySelector('[data-testid="library-grid"] .vl-viewport');
  /** What a frame shows of the grid at scrollTop \`top\`: cards, those with a loaded poster, skeletons, and px no row covers. */
  const onScreen = (viewport, top, height) => {
    let cards = 0, posters = 0, skeletons = 0;
    const spans = [];
    for (const row of viewport.querySelectorAll('.vl-row')) {
      const h = parseFloat(row.style.height) || 0;
      // The row's place from its index: style.transform reads back a large offset rounded to six
      // digits, in exponent form (translateY(1.23457e+06px)), past 1,000,000 px.
      const at = row.querySelector('[aria-rowindex]');
      const m = /translateY\\((-?[\\d.e+]+)px\\)/.exec(row.style.transform);
      const y = at ? (Number(at.getAttribute('aria-rowindex')) - 1) * h : m ? Number(m[1]) : 0;
      if (y >= top + height || y + h <= top) continue;
      spans.push([Math.max(y, top), Math.min(y + h, top + height)]);
      for (const card of row.querySelectorAll('[data-testid="library-card"]')) {
        cards++;
        const img = card.querySelector('img.poster');
        if (img && img.complete && img.naturalWidth > 0) posters++;
      }
      skeletons += row.querySelectorAll('.skeleton').length;
    }
    // The px the rows on screen cover (the rows rendered need not be one run: the list also renders where a fling goes next).
    let covered = 0, end = -Infinity;
    for (const [a, b] of spans.sort((p, q) => p[0] - q[0])) {
      if (b > end) covered += b - Math.max(a, end);
      end = Math.max(end, b);
    }
    return { cards, posters, skeletons, blankPx: Math.round(height - covered) };
  };
  const lastCard = (viewport) => {
    let last = -1;
    for (const card of viewport.querySelectorAll('[data-testid="library-card"]')) last = Math.max(last, Number(card.getAttribute('data-index')));
    return last;
  };

  /** Clicks the Library tab; answers when the first card is in the DOM and when the frame showing it has been drawn. */
  bench.openLibrary = () => new Promise((done) => {
    const t0 = performance.now();
    document.querySelector('[data-testid="nav-library"]').click();
    const check = () => {
      if (!document.querySelector('[data-testid="library-card"]')) return requestAnimationFrame(check);
      const inDom = performance.now() - t0;
      requestAnimationFrame(() => done({ inDom, painted: performance.now() - t0 }));
    };
    requestAnimationFrame(check);
  });

  /** The grid as it shows now. */
  bench.screen = () => {
    const viewport = grid();
    return viewport ? { ...onScreen(viewport, viewport.scrollTop, viewport.clientHeight), inDom: viewport.querySelectorAll('[data-testid="library-card"]').length } : null;
  };

  /** Scrolls the grid from the first row to the last in durationMs; per frame, what it shows. */
  bench.scrollGrid = (durationMs, phase) => {
    const viewport = grid();
    if (!viewport) return Promise.resolve({ error: 'the library grid is not on screen' });
    const height = viewport.clientHeight;
    const inDom = [], cards = [], posters = [], skeletons = [], blank = [];
    return bench.scrollThrough(viewport, durationMs, phase, (v, top) => {
      inDom.push(v.querySelectorAll('[data-testid="library-card"]').length);
      const s = onScreen(v, top, height);
      cards.push(s.cards);
      posters.push(s.posters);
      skeletons.push(s.skeletons);
      blank.push(s.blankPx);
    }).then((pass) => ({
      ...pass, inDom, cards, posters, skeletons, blank, lastCard: lastCard(viewport),
      columns: Number(document.querySelector('[data-testid="library-grid"]').getAttribute('data-columns')),
      rowPx: parseFloat(viewport.querySelector('.vl-row').style.height)
    }));
  };

  // The search box: the last key typed into it, and the count line changing after it.
  let lastKeyAt = 0;
  let countChange = null;
  document.addEventListener('keydown', (event) => {
    if (event.target && event.target.getAttribute && event.target.getAttribute('data-testid') === 'library-search') lastKeyAt = performance.now();
  }, true);
  /** Watches the count line from now on: every text it shows until \`expected\`, and the frame that shows that. */
  bench.armCount = (expected) => {
    const line = document.querySelector('[data-testid="library-count"]');
    const before = line.textContent;
    const seen = [];
    countChange = new Promise((done) => {
      const observer = new MutationObserver(() => {
        const text = line.textContent;
        if (text === (seen.length ? seen[seen.length - 1].text : before)) return;
        seen.push({ at: performance.now(), text });
        if (text !== expected) return;
        observer.disconnect();
        requestAnimationFrame(() => done({ lastKeyAt, before, seen, paintedAt: performance.now() }));
      });
      observer.observe(line, { characterData: true, childList: true, subtree: true });
    });
    return before;
  };
  bench.countChanged = (timeoutMs) => Promise.race([countChange, new Promise((r) => setTimeout(() => r({ timedOut: true, lastKeyAt, seen: [] }), timeoutMs))]);
`
});

interface GridScroll extends ScrollPass {
  inDom: number[];
  cards: number[];
  posters: number[];
  skeletons: number[];
  blank: number[];
  lastCard: number;
  columns: number;
  rowPx: number;
}

interface CountChange {
  timedOut?: boolean;
  lastKeyAt: number;
  /** Every text the count line showed after the key, the expected one last. */
  seen: { at: number; text: string }[];
  paintedAt: number;
  before: string;
}

interface Screen {
  cards: number;
  posters: number;
  skeletons: number;
  blankPx: number;
  inDom: number;
}

// ── Results ──────────────────────────────────────────────────────────────────────────────

export interface Spread {
  median: number;
  p95: number;
  max: number;
  n: number;
}

export interface VisitResult {
  /** openApp: the page loaded, the bridge's event stream open, the app's tabs shown (Node's clock). */
  pageLoadMs: number;
  /** Library tab clicked → first card in the DOM / the frame with it drawn (page's clock). */
  firstCardMs: number;
  firstPaintMs: number;
  /** After the first paint: every card on the first screen showing its poster (undefined: not within POSTERS_WAIT_MS). */
  postersShownMs?: number;
  firstScreen: Screen;
  heap: { start: number; peakScroll: number; peak: number; end: number; afterGc: number };
  /** DOM nodes (CDP Nodes): at the start, after a GC right after the scroll, after a GC once the media requests are done, at the end. */
  nodes: { start: number; afterScrollGc: number; settledGc: number; afterGc: number };
  /** Media requests still pending when the scroll stopped, and how long they took to end; heap after GC then and after. */
  afterScroll: { pendingMedia: number; drainedMs: number; heapGc: number; settledHeapGc: number };
  frames: FrameStats;
  scroll: {
    ms: number;
    px: number;
    rows: number;
    columns: number;
    rowPx: number;
    atBottom: boolean;
    lastCard: number;
    lastCardAfterSettle: number;
    inDom: { median: number; max: number };
    onScreen: { median: number; max: number };
    /** On-screen cards with their poster drawn, over all on-screen card-frames. */
    posterShare: number;
    framesWithSkeletons: number;
    maxSkeletons: number;
    framesWithBlank: number;
    maxBlankPx: number;
    medianBlankPx: number;
  };
  invokes: Record<string, number>;
  harnessInvokes: number;
  invokeResponseBytes: number;
  /** library:query calls sent during the scroll: ms until their answer (the page's pages of 200). */
  queryMs: Spread;
  media: { videos: number; thumbs: number; failed: number };
  longTasks: { count: number; totalMs: number; maxMs: number };
  /** Main-thread ms per s of the scroll (CDP TaskDuration). */
  busyMsPerS: number;
  /** With `trace`: where the scroll's time went (a Chromium trace of it). */
  trace?: TraceBreakdown;
}

export interface SearchTiming {
  /** Last key → the count line's first change / its expected text / the frame showing that. */
  first: Spread;
  final: Spread;
  painted: Spread;
  /** Texts the line showed before the expected one: how often, for how long (median). */
  stale: { text: string; times: number; medianMs: number }[];
}

export interface SearchResult {
  rounds: number;
  /** The count line without and with the search. */
  texts: [string, string];
  typed: SearchTiming;
  cleared: SearchTiming;
  timedOut: number;
  invokes: Record<string, number>;
}

export interface LibraryGridBenchResult {
  skipped?: string;
  chromium?: string;
  videos?: number;
  fixtureMs?: number;
  /** startHarness: simulator, AppService.start (the engine, LibraryService.open over every sidecar). */
  harnessStartMs?: number;
  /** Harness start → the first grid painted (Node's clock; the browser was already running). */
  startToPaintMs?: number;
  librarySize?: number;
  first?: VisitResult;
  search?: SearchResult;
  fill?: { posters: number; ms: number; jpegBytes: number; from: 'captured' | 'canvas' };
  cached?: VisitResult;
  pageErrors?: string[];
  abortedMedia?: number;
  totalMs?: number;
}

// ── Helpers ──────────────────────────────────────────────────────────────────────────────

function spread(values: readonly number[]): Spread {
  return { median: median(values), p95: percentile(values, 95), max: values.length ? Math.max(...values) : NaN, n: values.length };
}

function diffCounts(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(after)) if (n - (before[k] ?? 0) > 0) out[k] = n - (before[k] ?? 0);
  return out;
}

async function pageCounts(page: Page): Promise<PageCounts> {
  return (await page.evaluate('JSON.parse(JSON.stringify(window.__bench.counts))')) as PageCounts;
}

async function heapOf(cdp: CDPSession): Promise<{ heap: number; nodes: number; taskS: number }> {
  const m = metricsOf((await cdp.send('Performance.getMetrics')).metrics);
  return { heap: m.JSHeapUsedSize, nodes: m.Nodes, taskS: m.TaskDuration };
}

/** Media requests of the page: videos (poster capture, previews) and poster images. */
function countMedia(page: Page): { videos: number; thumbs: number; failed: number; aborted: number; ended: number } {
  const c = { videos: 0, thumbs: 0, failed: 0, aborted: 0, ended: 0 };
  const isMedia = (url: string): boolean => new URL(url).pathname.startsWith('/__media/');
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (path.startsWith('/__media/library/')) c.videos++;
    else if (path.startsWith('/__media/cache/')) c.thumbs++;
  });
  page.on('requestfinished', (request) => {
    if (isMedia(request.url())) c.ended++;
  });
  page.on('requestfailed', (request) => {
    if (!isMedia(request.url())) return;
    c.ended++;
    if (request.failure()?.errorText === 'net::ERR_ABORTED') c.aborted++;
    else c.failed++;
  });
  return c;
}

/** Heap every SAMPLE_MS until stopped; answers the samples. */
function sampleHeap(cdp: CDPSession): { stop: () => Promise<{ t: number; heap: number }[]> } {
  const samples: { t: number; heap: number }[] = [];
  let on = true;
  const loop = (async () => {
    while (on) {
      samples.push({ t: performance.now(), heap: (await heapOf(cdp)).heap });
      await sleep(SAMPLE_MS);
    }
  })();
  return {
    stop: async () => {
      on = false;
      await loop;
      return samples;
    }
  };
}

/**
 * One window on the library: open it, wait for the posters of the first screen, scroll the grid
 * from top to bottom; `between` (the first visit's searches) runs after the scroll, before the last heap readings.
 */
async function visit(
  browsing: typeof ChromiumModule,
  browser: Browser,
  harness: Harness,
  phase: 'first' | 'cached',
  errors: string[],
  log: (line: string) => void,
  options: VisitOptions,
  between?: (page: Page) => Promise<void>
): Promise<{ result: VisitResult; aborted: number; paintedAt: number }> {
  let at = performance.now();
  const app = await browsing.openApp(browser, harness, `library-grid-${phase}`, { initScript: INSTRUMENT, timeoutMs: 30_000 });
  const { context, page } = app;
  try {
    const media = countMedia(page);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    await page.getByTestId('nav-library').waitFor();
    const pageLoadMs = performance.now() - at;
    const open = (await page.evaluate('window.__bench.openLibrary()')) as { inDom: number; painted: number };
    const paintedAt = performance.now();

    // The posters of the first screen: captured (first visit) or loaded from the cache.
    at = performance.now();
    let postersShownMs: number | undefined;
    let firstScreen = (await page.evaluate('window.__bench.screen()')) as Screen;
    while (performance.now() - at < POSTERS_WAIT_MS) {
      firstScreen = (await page.evaluate('window.__bench.screen()')) as Screen;
      if (firstScreen.cards > 0 && firstScreen.posters === firstScreen.cards) {
        postersShownMs = performance.now() - at;
        break;
      }
      await sleep(50);
    }
    log(
      `library grid bench (${phase}): first screen ${firstScreen.posters}/${firstScreen.cards} posters${postersShownMs === undefined ? ' (gave up waiting)' : ` after ${(postersShownMs / 1000).toFixed(1)} s`}; scrolling…`
    );

    await cdp.send('HeapProfiler.collectGarbage');
    const start = await heapOf(cdp);
    const sampler = sampleHeap(cdp);
    const countsBefore = await pageCounts(page);
    const harnessBefore = harness.invokeCount;
    const mediaBefore = { ...media };
    const pageNowBefore = (await page.evaluate('performance.now()')) as number;
    const tracing = options.trace ? await startTrace(cdp) : undefined;
    const profiling = options.profile ? await startProfile(cdp) : undefined;
    const scroll = (await page.evaluate(`window.__bench.scrollGrid(${options.scrollMs}, '${phase}')`)) as GridScroll;
    if (scroll.error) throw new Error(`scroll: ${scroll.error}`);
    const traceEvents = tracing ? await tracing.stop() : undefined;
    if (profiling)
      log(`library grid bench (${phase}): JS self time in the scroll:\n${(await profiling.stop()).map((f) => `  ${f.ms.toFixed(0)} ms ${f.fn}`).join('\n')}`);
    const pageNowAfter = (await page.evaluate('performance.now()')) as number;
    const afterScroll = await heapOf(cdp);
    const countsAfter = await pageCounts(page);
    const harnessAfter = harness.invokeCount;
    const mediaAfter = { ...media };
    const scrollSamples = await sampler.stop();
    const frames = ((await page.evaluate('window.__bench.frames')) as Record<string, number[]>)[phase] ?? [];
    const longTasks = ((await page.evaluate('window.__bench.longTasks')) as [number, number][]).filter(([t]) => t >= pageNowBefore && t < pageNowAfter);
    const queryTimes = (((await page.evaluate('window.__bench.invokeTimes')) as Record<string, [number, number][]>)['library:query'] ?? [])
      .filter(([t]) => t >= pageNowBefore && t < pageNowAfter)
      .map(([, ms]) => ms);
    await sleep(500);
    const lastCardAfterSettle = (await page.evaluate(
      `Math.max(-1, ...[...document.querySelectorAll('[data-testid="library-card"]')].map((c) => Number(c.getAttribute('data-index'))))`
    )) as number;
    // Media requests still on their way (an <img> whose load started stays alive until it ends,
    // with its card): what the DOM holds right after the scroll, and once they are done.
    const pendingAtStop = media.videos + media.thumbs - media.ended;
    await cdp.send('HeapProfiler.collectGarbage');
    const justAfter = await heapOf(cdp);
    at = performance.now();
    while (media.videos + media.thumbs - media.ended > 0 && performance.now() - at < SETTLE_MAX_MS) await sleep(50);
    const drainedMs = performance.now() - at;
    await cdp.send('HeapProfiler.collectGarbage');
    const settled = await heapOf(cdp);

    const rest = sampleHeap(cdp);
    if (between) await between(page);
    const restSamples = await rest.stop();
    const end = await heapOf(cdp);
    await cdp.send('HeapProfiler.collectGarbage');
    const afterGc = await heapOf(cdp);

    const onScreenCards = scroll.cards.reduce((a, b) => a + b, 0);
    const result: VisitResult = {
      pageLoadMs,
      firstCardMs: open.inDom,
      firstPaintMs: open.painted,
      postersShownMs,
      firstScreen,
      heap: {
        start: start.heap,
        peakScroll: Math.max(...scrollSamples.map((s) => s.heap), afterScroll.heap),
        peak: Math.max(...scrollSamples.map((s) => s.heap), ...restSamples.map((s) => s.heap), afterScroll.heap, end.heap),
        end: end.heap,
        afterGc: afterGc.heap
      },
      nodes: { start: start.nodes, afterScrollGc: justAfter.nodes, settledGc: settled.nodes, afterGc: afterGc.nodes },
      afterScroll: { pendingMedia: pendingAtStop, drainedMs, heapGc: justAfter.heap, settledHeapGc: settled.heap },
      frames: frameStats(frames),
      scroll: {
        ms: scroll.ms,
        px: scroll.maxPx,
        rows: Math.round((scroll.maxPx + scroll.viewportPx) / scroll.rowPx),
        columns: scroll.columns,
        rowPx: scroll.rowPx,
        atBottom: scroll.atBottom,
        lastCard: scroll.lastCard,
        lastCardAfterSettle,
        inDom: { median: median(scroll.inDom), max: Math.max(...scroll.inDom) },
        onScreen: { median: median(scroll.cards), max: Math.max(...scroll.cards) },
        posterShare: onScreenCards ? scroll.posters.reduce((a, b) => a + b, 0) / onScreenCards : NaN,
        framesWithSkeletons: scroll.skeletons.filter((n) => n > 0).length,
        maxSkeletons: Math.max(...scroll.skeletons),
        framesWithBlank: scroll.blank.filter((n) => n > 0).length,
        maxBlankPx: Math.max(...scroll.blank),
        medianBlankPx: median(scroll.blank)
      },
      invokes: diffCounts(countsAfter.invokes, countsBefore.invokes),
      harnessInvokes: harnessAfter - harnessBefore,
      invokeResponseBytes: countsAfter.invokeResponseBytes - countsBefore.invokeResponseBytes,
      queryMs: spread(queryTimes),
      media: { videos: mediaAfter.videos - mediaBefore.videos, thumbs: mediaAfter.thumbs - mediaBefore.thumbs, failed: mediaAfter.failed - mediaBefore.failed },
      longTasks: {
        count: longTasks.length,
        totalMs: longTasks.reduce((s, [, d]) => s + d, 0),
        maxMs: longTasks.length ? Math.max(...longTasks.map(([, d]) => d)) : 0
      },
      busyMsPerS: ((afterScroll.taskS - start.taskS) * 1000) / (scroll.ms / 1000),
      trace: traceEvents ? breakdown(traceEvents, frames.length) : undefined
    };
    errors.push(...app.errors.filter((e) => !/request failed: .*\/__media\/.*ERR_ABORTED/.test(e)));
    return { result, aborted: media.aborted, paintedAt };
  } finally {
    await app.close();
  }
}

/** Types "fox" into the search box and clears it again (Escape), SEARCH_ROUNDS times: the count line's latency. */
async function searchRounds(page: Page, harness: Harness, videos: number): Promise<SearchResult> {
  const matches = (await harness.invoke<LibraryPage>('library:query', { text: SEARCH_TEXT, limit: 1 })).total;
  const all = `${videos.toLocaleString('en-US')} videos`;
  const found = `${matches.toLocaleString('en-US')} of ${all}`;
  const box = page.getByTestId('library-search');
  await box.click();
  const countsBefore = await pageCounts(page);
  const typed = { first: [] as number[], final: [] as number[], painted: [] as number[], stale: new Map<string, number[]>() };
  const cleared = { first: [] as number[], final: [] as number[], painted: [] as number[], stale: new Map<string, number[]>() };
  let timedOut = 0;
  const once = async (act: () => Promise<void>, expected: string, into: typeof typed): Promise<void> => {
    await page.evaluate(`window.__bench.armCount(${JSON.stringify(expected)})`);
    await act();
    const change = (await page.evaluate('window.__bench.countChanged(10000)')) as CountChange;
    if (change.timedOut) timedOut++;
    else {
      into.first.push(change.seen[0].at - change.lastKeyAt);
      into.final.push(change.seen[change.seen.length - 1].at - change.lastKeyAt);
      into.painted.push(change.paintedAt - change.lastKeyAt);
      // Texts shown before the expected one, and for how long.
      for (let i = 0; i + 1 < change.seen.length; i++) {
        const list = into.stale.get(change.seen[i].text) ?? [];
        list.push(change.seen[i + 1].at - change.seen[i].at);
        into.stale.set(change.seen[i].text, list);
      }
    }
    // Let the grid settle (its pages, the posters of the new first screen) before the next key.
    await sleep(400);
  };
  for (let i = 0; i < SEARCH_ROUNDS; i++) {
    await once(() => page.keyboard.type(SEARCH_TEXT), found, typed);
    await once(() => page.keyboard.press('Escape'), all, cleared);
  }
  const countsAfter = await pageCounts(page);
  const summary = (t: typeof typed): SearchTiming => ({
    first: spread(t.first),
    final: spread(t.final),
    painted: spread(t.painted),
    stale: [...t.stale].map(([text, ms]) => ({ text, times: ms.length, medianMs: median(ms) }))
  });
  return {
    rounds: SEARCH_ROUNDS,
    texts: [all, found],
    typed: summary(typed),
    cleared: summary(cleared),
    timedOut,
    invokes: diffCounts(countsAfter.invokes, countsBefore.invokes)
  };
}

/** A poster for every video: the first visit's (all the same picture), saved through the service as the window would. */
async function fillPosters(harness: Harness, paths: readonly string[], page: Page): Promise<NonNullable<LibraryGridBenchResult['fill']>> {
  const thumbsDir = join(harness.dataDir, 'cache', 'thumbs');
  const captured = existsSync(thumbsDir) ? readdirSync(thumbsDir).find((n) => n.endsWith('.jpg')) : undefined;
  const dataUrl = captured
    ? `data:image/jpeg;base64,${readFileSync(join(thumbsDir, captured)).toString('base64')}`
    : ((await page.evaluate(`(() => {
        const c = document.createElement('canvas'); c.width = 320; c.height = 180;
        const g = c.getContext('2d'); const grad = g.createLinearGradient(0, 0, 320, 180);
        grad.addColorStop(0, '#345'); grad.addColorStop(1, '#c84'); g.fillStyle = grad; g.fillRect(0, 0, 320, 180);
        return c.toDataURL('image/jpeg', 0.8);
      })()`)) as string);
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: FILL_CONCURRENCY }, async () => {
      while (next < paths.length) await harness.invoke('library:thumbnail', paths[next++], dataUrl);
    })
  );
  return {
    posters: paths.length,
    ms: performance.now() - started,
    jpegBytes: Math.round(((dataUrl.length - 23) * 3) / 4),
    from: captured ? 'captured' : 'canvas'
  };
}

// ── The run ──────────────────────────────────────────────────────────────────────────────

export interface LibraryGridBenchOptions {
  log?: (line: string) => void;
  /** Videos in the library folder (VIDEOS unless told). */
  videos?: number;
  /** Record a Chromium trace of each visit's scroll and say where its time went (tracing costs frame time of its own). */
  trace?: boolean;
  /** One scroll from the first row to the last takes this long (SCROLL_MS unless told). */
  scrollMs?: number;
  /** Log the page's JS functions with the most self time during each scroll (V8's sampling profiler). */
  profile?: boolean;
}

interface VisitOptions {
  trace: boolean;
  profile: boolean;
  scrollMs: number;
}

export async function libraryGridBench({
  log = (line: string): void => void process.stderr.write(`${line}\n`),
  videos = VIDEOS,
  trace = false,
  scrollMs = SCROLL_MS,
  profile = false
}: LibraryGridBenchOptions = {}): Promise<LibraryGridBenchResult> {
  if (!existsSync(CHROMIUM_PATH)) return { skipped: `${CHROMIUM_PATH} is missing (install Debian's chromium: apt-get install -y chromium)` };
  const started = performance.now();
  const { module, browsing, unregister } = await loadHarness('library-grid-bench');
  const dir = mkdtempSync(join(tmpdir(), 'ltx-bench-grid-'));
  let harness: Harness | undefined;
  let browser: Browser | undefined;
  const harnessLog: string[] = [];
  try {
    log(`library grid bench: ${videos.toLocaleString('en-US')} videos with sidecars…`);
    const libraryDir = join(dir, 'library');
    const at = performance.now();
    const paths = writeLibrary(libraryDir, videos);
    const fixtureMs = performance.now() - at;

    // The browser first, so that its start is not counted in the time to the first grid.
    browser = await browsing.launchBrowser();
    log('library grid bench: harness (the app service opens the library)…');
    const harnessStartedAt = performance.now();
    harness = await module.startHarness({
      settings: { libraryDir, notifications: false },
      log: (line) => {
        if (harnessLog.length < 20) harnessLog.push(line);
      }
    });
    const harnessStartMs = performance.now() - harnessStartedAt;
    const librarySize = (await harness.invoke<LibraryPage>('library:query', { limit: 1 })).librarySize;
    if (librarySize !== videos) throw new Error(`the app listed ${librarySize} of ${videos} videos`);

    const errors: string[] = [];
    let aborted = 0;
    let search: SearchResult | undefined;
    let fill: LibraryGridBenchResult['fill'];
    const h = harness;
    log('library grid bench: first visit (posters captured as the grid shows them)…');
    const visitOptions: VisitOptions = { trace, profile, scrollMs };
    const first = await visit(browsing, browser, h, 'first', errors, log, visitOptions, async (page) => {
      log('library grid bench: search…');
      search = await searchRounds(page, h, videos);
      log('library grid bench: a poster cached for every video…');
      fill = await fillPosters(h, paths, page);
    });
    const startToPaintMs = first.paintedAt - harnessStartedAt;
    aborted += first.aborted;
    log('library grid bench: second visit (every poster cached)…');
    const cached = await visit(browsing, browser, h, 'cached', errors, log, visitOptions);
    aborted += cached.aborted;

    return {
      chromium: browser.version(),
      videos,
      fixtureMs,
      harnessStartMs,
      startToPaintMs,
      librarySize,
      first: first.result,
      search,
      fill,
      cached: cached.result,
      pageErrors: errors,
      abortedMedia: aborted,
      totalMs: performance.now() - started
    };
  } catch (error) {
    if (harnessLog.length) log(`library grid bench: first harness log lines:\n${harnessLog.join('\n')}`);
    throw error;
  } finally {
    await browser?.close().catch(() => {});
    await harness?.close();
    await unregister();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ── Report ───────────────────────────────────────────────────────────────────────────────

const MiB = 1024 * 1024;
const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MB`;
const n0 = (v: number): string => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '—');
const ms0 = (v: number | undefined): string => (v !== undefined && Number.isFinite(v) ? `${Math.round(v).toLocaleString('en-US')} ms` : '—');
const ms1 = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : '—');
const pctOf = (share: number): string => (Number.isFinite(share) ? `${(share * 100).toFixed(0)} %` : '—');
const frameCell = (f: FrameStats): string => `${ms1(f.median)} / ${ms1(f.p95)} / ${ms1(f.max)} / ${f.over50} of ${f.frames}`;
const spreadCell = (s: Spread): string => `${ms0(s.median)} / ${ms0(s.p95)} / ${ms0(s.max)}`;
const timing = (t: SearchTiming): string => `${spreadCell(t.first)}; ${spreadCell(t.final)}; **${spreadCell(t.painted)}**`;
const stale = (t: SearchTiming): string => (t.stale.length === 0 ? 'none' : t.stale.map((x) => `"${x.text}" (${x.times}×, ${ms0(x.medianMs)})`).join(', '));
const channels = (c: Record<string, number>): string =>
  Object.keys(c).length === 0
    ? 'none'
    : Object.entries(c)
        .map(([ch, n]) => `${ch} ${n}`)
        .join(', ');

export function libraryGridTable(r: LibraryGridBenchResult): string {
  if (r.skipped) return `Library grid: skipped, ${r.skipped}.`;
  const { first: a, cached: b, search: s, fill } = r as Required<LibraryGridBenchResult>;
  const both = (label: string, cell: (v: VisitResult) => string): string => `| ${label} | ${cell(a)} | ${cell(b)} |`;
  const posters = (v: VisitResult): string =>
    v.postersShownMs === undefined
      ? `not all after ${POSTERS_WAIT_MS / 1000} s (${v.firstScreen.posters} of ${v.firstScreen.cards})`
      : `${ms0(v.postersShownMs)} (${v.firstScreen.cards} cards)`;
  const rowsPerS = (a.scroll.rows / (a.scroll.ms / 1000)).toFixed(0);
  const pxPerS = n0(a.scroll.px / (a.scroll.ms / 1000));
  const lines = [
    `Library grid: the built window (out/renderer) in headless Chromium ${r.chromium} (${VIEWPORT.width}×${VIEWPORT.height}) over the e2e harness, the Library screen on a folder of ` +
      `${n0(r.videos ?? NaN)} videos with sidecars (one 4 s 640×360 sample MP4 hard-linked; written in ${((r.fixtureMs ?? 0) / 1000).toFixed(1)} s, before the harness starts). ` +
      `Default card size: ${a.scroll.columns} columns, rows of ${a.scroll.rowPx} px, ${n0(a.scroll.rows)} rows. Each visit scrolls the grid from the first row to the last in ${(a.scroll.ms / 1000).toFixed(1)} s ` +
      `(${rowsPerS} rows/s, ${pxPerS} px/s: scrollTop set from requestAnimationFrame, one step per frame). First visit: no poster cached, the window captures them (two at a time, on-screen cards only); ` +
      `second visit: a fresh window with a poster cached for every video. Heap: CDP JSHeapUsedSize of the page, sampled every ${SAMPLE_MS} ms; GC: CDP HeapProfiler.collectGarbage.`,
    '',
    '| measure | first visit (posters captured) | second visit (posters cached) |',
    '|---|---|---|',
    `| library open: harness start (simulator + AppService.start, whose LibraryService.open reads every sidecar) → first grid painted | ${ms0(r.harnessStartMs)} → **${ms0(r.startToPaintMs)}** | |`,
    both(
      'page load (app shown, event stream open) / Library tab clicked → first card in the DOM / its frame drawn',
      (v) => `${ms0(v.pageLoadMs)} / ${ms0(v.firstCardMs)} / **${ms0(v.firstPaintMs)}**`
    ),
    both('posters of the first screen all shown, after the first paint', posters),
    both(`frame time while scrolling (rAF deltas): median / p95 / max / frames > ${LONG_FRAME_MS} ms`, (v) => `**${frameCell(v.frames)}**`),
    both(
      'long tasks (> 50 ms) while scrolling: count, longest; main thread busy (CDP TaskDuration)',
      (v) => `${v.longTasks.count}, ${ms0(v.longTasks.maxMs)}; ${n0(v.busyMsPerS)} ms/s`
    ),
    both(
      'cards in the DOM while scrolling: median / max; cards on screen: median / max',
      (v) => `${n0(v.scroll.inDom.median)} / **${v.scroll.inDom.max}**; ${n0(v.scroll.onScreen.median)} / ${v.scroll.onScreen.max}`
    ),
    both(
      'frames showing loading skeletons (page of 200 not fetched yet), most at once; frames with blank px (rows not rendered yet: the scroll moved past the overscan), median / most px',
      (v) =>
        `${v.scroll.framesWithSkeletons} of ${v.frames.frames}, ${v.scroll.maxSkeletons}; ${v.scroll.framesWithBlank}, ${n0(v.scroll.medianBlankPx)} / ${v.scroll.maxBlankPx} px`
    ),
    both('on-screen cards showing a drawn poster, over all frames of the scroll', (v) => pctOf(v.scroll.posterShare)),
    both(
      'invokes during the scroll, by channel (harness count)',
      (v) => `${channels(v.invokes)} (${v.harnessInvokes}); responses ${mib(v.invokeResponseBytes)}`
    ),
    both('library:query (a page of 200) during the scroll, sent → answered: median / p95 / max', (v) => spreadCell(v.queryMs)),
    both(
      'media requests during the scroll: videos (poster capture) / poster images; failed',
      (v) => `${n0(v.media.videos)} / ${n0(v.media.thumbs)}; ${v.media.failed}`
    ),
    both(
      'scrolled to the end: last card in the DOM when the scroll stopped / 500 ms later',
      (v) => `${v.scroll.atBottom ? 'yes' : '**no**'}: ${n0(v.scroll.lastCard + 1)} / ${n0(v.scroll.lastCardAfterSettle + 1)} of ${n0(r.videos ?? NaN)}`
    ),
    both(
      'JS heap: start (after GC) / peak while scrolling / peak in the visit / end after GC',
      (v) => `${mib(v.heap.start)} / **${mib(v.heap.peakScroll)}** / ${mib(v.heap.peak)} / **${mib(v.heap.afterGc)}**`
    ),
    both('media requests still pending when the scroll stopped; all ended after', (v) => `${n0(v.afterScroll.pendingMedia)}; ${ms0(v.afterScroll.drainedMs)}`),
    both(
      'DOM nodes (CDP Nodes, after GC): start / right after the scroll / once those requests ended / end; heap after GC right after the scroll / once they ended',
      (v) =>
        `${n0(v.nodes.start)} / **${n0(v.nodes.afterScrollGc)}** / ${n0(v.nodes.settledGc)} / ${n0(v.nodes.afterGc)}; ${mib(v.afterScroll.heapGc)} / ${mib(v.afterScroll.settledHeapGc)}`
    ),
    `| search: "${SEARCH_TEXT}" typed (${s.rounds}×, no delay between keys) → "${s.texts[1]}": last key → count line's first change / the right count / its frame drawn, median / p95 / max (a 150 ms typing pause is by design) | ${timing(s.typed)} | |`,
    `| … cleared (Escape) → "${s.texts[0]}": the same | ${timing(s.cleared)} | |`,
    `| … count line showed a stale count first: text (times, median ms shown) | ${stale(s.typed)}; ${stale(s.cleared)} | |`,
    `| … no right count within 10 s; invokes during the ${s.rounds * 2} changes | ${s.timedOut}; ${channels(s.invokes)} | |`,
    `| poster cache filled between the visits (library:thumbnail from Node, ${FILL_CONCURRENCY} at once, one ${fill.from} ${n0(fill.jpegBytes / 1024)} KB JPEG) | ${n0(fill.posters)} in ${(fill.ms / 1000).toFixed(1)} s | |`,
    `| page errors (aborted media requests of finished captures not counted: ${r.abortedMedia}) | ${(r.pageErrors ?? []).length === 0 ? 'none' : (r.pageErrors ?? []).slice(0, 3).join('; ')} | |`
  ];
  const traces = [a, b].flatMap((v, i) =>
    v.trace ? breakdownLines(i === 0 ? "Trace of the first visit's scroll" : "Trace of the second visit's scroll", v.trace) : []
  );
  return lines.join('\n') + (traces.length ? `\n\n${traces.join('\n')}` : '') + `\nLibrary grid section: ${((r.totalMs ?? 0) / 1000).toFixed(0)} s in all.`;
}

// `npx tsx test/bench/library-grid-bench.ts [--videos 100000] [--trace] [--profile] [--scroll-ms 15000]`
// (or LIBRARY_GRID_VIDEOS=100000 in the environment).
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const arg = (name: string): string | undefined => {
    const at = process.argv.indexOf(name);
    return at > 0 ? process.argv[at + 1] : undefined;
  };
  const videos = Number(arg('--videos') ?? process.env.LIBRARY_GRID_VIDEOS ?? VIDEOS);
  const scrollMs = Number(arg('--scroll-ms') ?? SCROLL_MS);
  console.log(
    libraryGridTable(await libraryGridBench({ videos, scrollMs, trace: process.argv.includes('--trace'), profile: process.argv.includes('--profile') }))
  );
}
