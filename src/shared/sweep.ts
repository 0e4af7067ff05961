/**
 * Sweeps: every row (× its count) tried across axes of seeds, durations, resolutions, aspect
 * ratios and LoRA scales. The spec, its size and its cost are pure, so the window counts and
 * prices a sweep exactly as main does before anything expands (architecture.md, "Doors and use cases").
 */
import { isImageMode, isLoraMode, type AspectRatio, type Mode, type Resolution } from './model';
import { PRICE_PER_SECOND, formatUsd, taskCost, type Micros } from './pricing';

/** What a sweep tries each take across; an absent or empty axis keeps the row's own value. */
export interface SweepSpec {
  /** N new seeds (distinct, drawn for each row), or a list of seeds every take is made with. */
  seeds?: { count: number } | { list: number[] };
  durations?: number[];
  resolutions?: Resolution[];
  aspectRatios?: AspectRatio[];
  /** Applied to every LoRA of the row. */
  loraScales?: number[];
}

/** The most videos one sweep may make, unless the caller says otherwise. */
export const DEFAULT_MAX_SWEEP_VIDEOS = 10_000;

/** Most values one axis may hold (and most new seeds per row). */
export const SWEEP_AXIS_MAX = 100;

/** The axes of a spec, in the order they multiply: key (as in `SourceRow.axes`), how many values, and the plural people read. */
export function sweepFactors(spec: SweepSpec | undefined): { key: string; size: number; words: string }[] {
  if (!spec) return [];
  const factors: { key: string; size: number; words: string }[] = [];
  const seeds = spec.seeds ? ('count' in spec.seeds ? spec.seeds.count : spec.seeds.list.length) : 0;
  const add = (key: string, size: number, one: string, many: string): void => {
    if (size > 0) factors.push({ key, size, words: `${size} ${size === 1 ? one : many}` });
  };
  add('seed', seeds, 'seed', 'seeds');
  add('duration', spec.durations?.length ?? 0, 'duration', 'durations');
  add('resolution', spec.resolutions?.length ?? 0, 'resolution', 'resolutions');
  add('aspect_ratio', spec.aspectRatios?.length ?? 0, 'aspect ratio', 'aspect ratios');
  add('lora_scale', spec.loraScales?.length ?? 0, 'LoRA scale', 'LoRA scales');
  return factors;
}

/** How many videos one take becomes under the spec (1 without a sweep). */
export function sweepSize(spec: SweepSpec | undefined): number {
  return sweepFactors(spec).reduce((n, f) => n * f.size, 1);
}

/** How many videos one take of this mode becomes: aspect ratios multiply only text modes, LoRA scales only LoRA modes. */
export function takeSweepSize(spec: SweepSpec | undefined, mode: Mode): number {
  let size = sweepSize(spec);
  if (!isLoraMode(mode)) size /= spec?.loraScales?.length || 1;
  if (isImageMode(mode)) size /= spec?.aspectRatios?.length || 1;
  return size;
}

/** One take before the sweep, as far as its price goes. */
export interface SweepBase {
  mode: Mode;
  resolution: Resolution;
  duration: number;
}

export interface SweepCount {
  /** Takes before the sweep (rows × count × prompt variants). */
  takes: number;
  videos: number;
  micros: Micros;
  /** "20 prompts × 3 seeds × 2 durations = 120 videos, $7.68". */
  words: string;
}

/**
 * Counts and prices a sweep before anything expands: each take tried at every duration and
 * resolution of the spec (its own where the spec has none), times the other axes.
 */
export function countSweep(bases: readonly SweepBase[], spec: SweepSpec | undefined, prompts = bases.length): SweepCount {
  const grid = (spec?.durations?.length || 1) * (spec?.resolutions?.length || 1);
  let micros = 0;
  let videos = 0;
  for (const base of bases) {
    const n = takeSweepSize(spec, base.mode);
    videos += n;
    const durations = spec?.durations?.length ? spec.durations : [base.duration];
    const resolutions = spec?.resolutions?.length ? spec.resolutions : [base.resolution];
    for (const resolution of resolutions) {
      for (const duration of durations) {
        // An invalid take (a duration of "abc") is counted but not priced: it is never queued.
        if (typeof duration === 'number' && resolution in PRICE_PER_SECOND) micros += taskCost({ mode: base.mode, resolution, duration }) * (n / grid);
      }
    }
  }
  const head = prompts === bases.length ? plural(bases.length, 'prompt') : `${plural(prompts, 'prompt')} (${bases.length} takes)`;
  const words = [head, ...sweepFactors(spec).map((f) => f.words)].join(' × ') + ` = ${plural(videos, 'video')}, ${formatUsd(micros)}`;
  return { takes: bases.length, videos, micros, words };
}

/** Why a sweep this large is refused (before it expands), with the numbers and what to do; undefined when it fits. */
export function sweepRefusal(count: Pick<SweepCount, 'words' | 'videos'>, maxVideos = DEFAULT_MAX_SWEEP_VIDEOS): string | undefined {
  if (count.videos <= maxVideos) return undefined;
  return (
    `${count.words}: more than the ${maxVideos.toLocaleString('en-US')} videos one sweep can make. ` +
    'Use fewer values on an axis (fewer seeds or durations), or split the prompts into several imports.'
  );
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? word : `${word}s`}`;
}

/** Every video a sweep makes of these takes, as far as its price goes: what an estimate is made of (call within the cap). */
export function* sweptPricing(bases: readonly SweepBase[], spec: SweepSpec | undefined): Generator<SweepBase> {
  const grid = (spec?.durations?.length || 1) * (spec?.resolutions?.length || 1);
  for (const base of bases) {
    const repeat = takeSweepSize(spec, base.mode) / grid;
    for (const resolution of spec?.resolutions?.length ? spec.resolutions : [base.resolution]) {
      for (const duration of spec?.durations?.length ? spec.durations : [base.duration]) {
        for (let i = 0; i < repeat; i++) yield { mode: base.mode, resolution, duration };
      }
    }
  }
}

/**
 * A list of numbers as a person types it ("5, 10" or "0.6 0.8"): the numbers, or a sentence
 * saying which entry is wrong. `whole` refuses fractions; `min`/`max` bound every entry.
 */
export function readNumberList(
  text: string,
  what: { name: string; whole: boolean; min: number; max: number }
): { ok: true; values: number[] } | { ok: false; message: string } {
  const entries = text.split(/[\s,;]+/).filter((e) => e !== '');
  const values: number[] = [];
  for (const entry of entries) {
    const n = Number(entry);
    if (!Number.isFinite(n) || (what.whole && !Number.isInteger(n)) || n < what.min || n > what.max) {
      const kind = what.whole ? 'whole numbers' : 'numbers';
      return { ok: false, message: `“${entry}” is not a ${what.name}: write ${kind} from ${what.min} to ${what.max}, separated by commas.` };
    }
    if (!values.includes(n)) values.push(n);
  }
  if (values.length > SWEEP_AXIS_MAX) return { ok: false, message: `A sweep tries at most ${SWEEP_AXIS_MAX} values on one axis.` };
  return { ok: true, values };
}
