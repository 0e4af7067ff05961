/**
 * The one expansion of a sweep, for every door (the importer and the composer): a take becomes
 * one draft per combination of the spec's axes, each recording the values that made it.
 * Counting and pricing happen before, in `countSweep` (@shared/sweep).
 */
import { isImageMode, isLoraMode } from '@shared/model';
import type { TaskDraft } from '@shared/request';
import type { SweepSpec } from '@shared/sweep';
import { distinctSeeds } from './seeds';

export interface SweptDraft {
  draft: TaskDraft;
  /** Axis → value as text (`{ seed: '42', duration: '10' }`); empty without a sweep. */
  axes: Record<string, string>;
}

/** Whether the spec has an axis at all. */
export function hasSweep(spec: SweepSpec | undefined): spec is SweepSpec {
  if (!spec) return false;
  const seeds = spec.seeds ? ('count' in spec.seeds ? spec.seeds.count : spec.seeds.list.length) : 0;
  return seeds > 0 || [spec.durations, spec.resolutions, spec.aspectRatios, spec.loraScales].some((a) => (a?.length ?? 0) > 0);
}

/** Whether the spec sets the seeds (then a take's own seed, or the batch's seed policy, is not used). */
export function hasSeedAxis(spec: SweepSpec | undefined): boolean {
  const seeds = spec?.seeds;
  return seeds !== undefined && ('list' in seeds ? seeds.list.length > 0 : seeds.count > 0);
}

/**
 * The seeds the seed axis gives each of a row's `takes` takes: a list as written for every take,
 * or N new seeds per take, all different within the row. Undefined without a seed axis.
 */
export function sweepSeeds(spec: SweepSpec | undefined, takes: number, random: () => number): number[][] | undefined {
  const seeds = spec?.seeds;
  if (!seeds) return undefined;
  if ('list' in seeds) return seeds.list.length > 0 ? Array.from({ length: takes }, () => seeds.list) : undefined;
  if (seeds.count <= 0) return undefined;
  const drawn = distinctSeeds(takes * seeds.count, random);
  return Array.from({ length: takes }, (_, t) => drawn.slice(t * seeds.count, (t + 1) * seeds.count));
}

/**
 * One draft per combination of the axes, seeds outermost. Aspect ratios apply to text modes
 * only (an image sets its own), LoRA scales to every LoRA of a take that has LoRAs; other takes
 * are not multiplied by those axes.
 */
export function sweepDrafts(draft: TaskDraft, spec: SweepSpec | undefined, seeds: readonly number[] | undefined): SweptDraft[] {
  let out: SweptDraft[] = [{ draft, axes: {} }];
  if (!spec) return out;
  const axis = <T>(key: string, values: readonly T[] | undefined, apply: (d: TaskDraft, v: T) => void): void => {
    if (!values || values.length === 0) return;
    out = out.flatMap(({ draft: d, axes }) =>
      values.map((v) => {
        const next = { ...d };
        apply(next, v);
        return { draft: next, axes: { ...axes, [key]: String(v) } };
      })
    );
  };
  axis('seed', seeds, (d, v) => (d.seed = v));
  axis('duration', spec.durations, (d, v) => (d.duration = v));
  axis('resolution', spec.resolutions, (d, v) => (d.resolution = v));
  if (!isImageMode(draft.mode)) axis('aspect_ratio', spec.aspectRatios, (d, v) => (d.aspectRatio = v));
  if (isLoraMode(draft.mode) && draft.loras && draft.loras.length > 0) {
    axis('lora_scale', spec.loraScales, (d, v) => (d.loras = d.loras!.map((l) => ({ ...l, scale: v }))));
  }
  return out;
}
