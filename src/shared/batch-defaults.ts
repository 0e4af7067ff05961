import type { AspectRatio, Mode, Resolution } from '@shared/model';
import type { LoraItem } from '@shared/request';

/** How rows without a seed of their own get one. */
export type SeedPolicy = { kind: 'random' } | { kind: 'fixed'; value: number } | { kind: 'sequential'; start: number };

/** What an empty cell (or a missing column) means for the whole batch. */
export interface BatchDefaults {
  /** Used when a row neither names a mode nor has an image or LoRA cell. */
  mode?: Mode;
  resolution: Resolution;
  duration: number;
  /** Text modes only: an image-to-video keeps the shape of its source image. */
  aspectRatio: AspectRatio;
  seed: SeedPolicy;
  /** LoRA-mode rows without LoRA cells use these. */
  loras?: LoraItem[];
}

export const DEFAULT_BATCH_DEFAULTS: BatchDefaults = Object.freeze({
  resolution: '720p',
  duration: 5,
  aspectRatio: '16:9',
  seed: Object.freeze({ kind: 'random' })
}) as BatchDefaults;

/** The defaults with the caller's choices on top; an `undefined` choice keeps the default. */
export function resolveDefaults(partial: Partial<BatchDefaults> = {}): BatchDefaults {
  return {
    mode: partial.mode ?? DEFAULT_BATCH_DEFAULTS.mode,
    resolution: partial.resolution ?? DEFAULT_BATCH_DEFAULTS.resolution,
    duration: partial.duration ?? DEFAULT_BATCH_DEFAULTS.duration,
    aspectRatio: partial.aspectRatio ?? DEFAULT_BATCH_DEFAULTS.aspectRatio,
    seed: partial.seed ?? DEFAULT_BATCH_DEFAULTS.seed,
    loras: partial.loras ?? DEFAULT_BATCH_DEFAULTS.loras
  };
}
