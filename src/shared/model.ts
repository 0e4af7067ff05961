/** Facts of the LTX 2 19B model page: the contract every layer shares. */

export const MODEL_ID = 'ltx-2-19b';

export const MODES = ['text-to-video', 'image-to-video', 'text-to-video-LoRA', 'image-to-video-LoRA'] as const;
export type Mode = (typeof MODES)[number];

export const RESOLUTIONS = ['480p', '720p', '1080p'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

export const ASPECT_RATIOS = ['16:9', '9:16'] as const;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];

export const DEFAULT_ASPECT_RATIO: AspectRatio = '16:9';

export const LIMITS = {
  promptMaxChars: 5000,
  durationMin: 5,
  durationMax: 20,
  seedMin: 1,
  seedMax: 2_147_483_647,
  randomSeed: -1,
  lorasMax: 3,
  loraScaleMin: 0,
  loraScaleMax: 4
} as const;

export function isImageMode(mode: Mode): boolean {
  return mode === 'image-to-video' || mode === 'image-to-video-LoRA';
}

export function isLoraMode(mode: Mode): boolean {
  return mode === 'text-to-video-LoRA' || mode === 'image-to-video-LoRA';
}

/** The mode that has the given kind of input: an image and/or LoRAs. */
export function modeFor(hasImage: boolean, hasLoras: boolean): Mode {
  if (hasImage) return hasLoras ? 'image-to-video-LoRA' : 'image-to-video';
  return hasLoras ? 'text-to-video-LoRA' : 'text-to-video';
}

/** The latency table: typical generation time and the recommended first poll, in ms. */
export const LATENCY: Record<Resolution, { minMs: number; maxMs: number; firstPollMs: number }> = {
  '480p': { minMs: 40_000, maxMs: 60_000, firstPollMs: 40_000 },
  '720p': { minMs: 60_000, maxMs: 90_000, firstPollMs: 60_000 },
  '1080p': { minMs: 90_000, maxMs: 120_000, firstPollMs: 90_000 }
};

/** LoRA modes add about 10–20 s of generation and 10 s to the first poll. */
export const LORA_LATENCY = { extraMinMs: 10_000, extraMaxMs: 20_000, firstPollExtraMs: 10_000 } as const;

export const POLL_INTERVAL_MS = 5_000;
