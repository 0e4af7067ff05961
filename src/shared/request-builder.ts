import { DEFAULT_ASPECT_RATIO, LIMITS, isImageMode, isLoraMode } from './model';
import type { GenerateRequest, GenerationInput, TaskDraft } from './request';

/** A seed the API accepts (1–2147483647), drawn from `random` (a number in [0, 1)). */
export function drawSeed(random: () => number): number {
  const r = random();
  const unit = r >= 0 && r < 1 ? r : 0;
  return LIMITS.seedMin + Math.floor(unit * (LIMITS.seedMax - LIMITS.seedMin + 1));
}

export interface BuildOptions {
  /** Deliver the result by webhook to this URL instead of waiting to be polled. */
  callbackUrl?: string;
}

/**
 * Turns a draft into exactly the documented body: `aspect_ratio` only in text modes (written
 * out, 16:9 by default), `image_urls` only in image modes, `loras` only in LoRA modes, and
 * `seed` when the draft has one (every batch gives each take a concrete seed before it is
 * frozen, so the video can be made again). Validate the result with `validateRequest`.
 */
export function buildRequest(draft: TaskDraft, options: BuildOptions = {}): GenerateRequest {
  const input: Record<string, unknown> = {
    mode: draft.mode,
    prompt: draft.prompt,
    resolution: draft.resolution,
    duration: draft.duration
  };
  if (isImageMode(draft.mode)) {
    input.image_urls = draft.imageUrl === undefined ? undefined : [draft.imageUrl];
  } else {
    input.aspect_ratio = draft.aspectRatio ?? DEFAULT_ASPECT_RATIO;
  }
  if (draft.seed !== undefined) input.seed = draft.seed;
  if (isLoraMode(draft.mode)) input.loras = (draft.loras ?? []).map((l) => ({ path: l.path, scale: l.scale }));
  for (const key of Object.keys(input)) if (input[key] === undefined) delete input[key];

  const body: GenerateRequest = options.callbackUrl
    ? { request_type: 'callback', callback_url: options.callbackUrl, input: input as unknown as GenerationInput }
    : { request_type: 'async', input: input as unknown as GenerationInput };
  return body;
}
