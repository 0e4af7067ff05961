import { LATENCY, LORA_LATENCY, POLL_INTERVAL_MS, isLoraMode, type Mode, type Resolution } from '@shared/model';
import type { GenerateRequest } from '@shared/request';

/** Polls while APIXO still reports `pending` come this many times less often. */
export const PENDING_SLOWDOWN = 2;
/** ± share of random jitter on every poll interval, so polls of one wave spread out. */
export const POLL_JITTER = 0.1;
/** A task this many times past its longest typical generation time is flagged as overdue. */
export const OVERDUE_FACTOR = 3;

function modeAndResolution(request: GenerateRequest): { mode: Mode; resolution: Resolution } {
  return { mode: request.input.mode, resolution: request.input.resolution };
}

/**
 * The first poll (unscaled ms after the submit), placed from the model's known generation times
 * rather than at a fixed delay: one poll interval into the typical band (480p: 40–60 s, so at
 * 45 s; LoRA modes start 10 s later), since a task is not expected to finish before the band
 * starts. Then every 5 s until it ends: about 2.5 polls a task at 480p, 3.5 at 720p and 1080p,
 * and half an interval of lag on average (architecture.md, "Scheduling").
 */
export function firstPollDelayMs(request: GenerateRequest): number {
  const { mode, resolution } = modeAndResolution(request);
  return LATENCY[resolution].minMs + (isLoraMode(mode) ? LORA_LATENCY.extraMinMs : 0) + POLL_INTERVAL_MS;
}

/** The next poll interval (unscaled ms): 5 s with jitter, slower while pending. */
export function pollIntervalMs(apiState: string, random: () => number): number {
  const base = POLL_INTERVAL_MS * (apiState === 'pending' ? PENDING_SLOWDOWN : 1);
  return base * (1 - POLL_JITTER + 2 * POLL_JITTER * random());
}

/** How long after submission a task counts as overdue (unscaled ms). */
export function overdueAfterMs(request: GenerateRequest): number {
  const { mode, resolution } = modeAndResolution(request);
  return (LATENCY[resolution].maxMs + (isLoraMode(mode) ? LORA_LATENCY.extraMaxMs : 0)) * OVERDUE_FACTOR;
}

/** A state this app does not know goes to a person once it has lasted this long (unscaled ms)… */
export const UNKNOWN_STATE_FOR_REVIEW_MS = 10 * 60_000;
/** …over at least this many answers (time asleep or offline brings none). */
export const UNKNOWN_POLLS_FOR_REVIEW = 20;
/** While APIXO cannot be reached at all, polls come this many times less often. */
export const OFFLINE_POLL_SLOWDOWN = 4;
