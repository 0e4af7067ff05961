import { RESOLUTIONS, isLoraMode, type Mode, type Resolution } from './model';

/**
 * Money is counted in integer micro-dollars (1 USD = 1,000,000): sums of many tasks never
 * drift the way floating-point dollars do.
 */
export type Micros = number;

export const MICROS_PER_USD = 1_000_000;

/** Where the billing table below was read, and when: the one place prices live (docs/architecture.md, "Money"). */
export const PRICES_SOURCE = { page: "APIXO's LTX 2 19B page, Billing", readOn: '2026-11-24' } as const;

/** "prices as read from APIXO's LTX 2 19B page, Billing, on 2026-11-24": said wherever an estimate is shown. */
export const PRICES_WORDS = `prices as read from ${PRICES_SOURCE.page}, on ${PRICES_SOURCE.readOn}`;

/** The billing table: USD per second, by resolution, for base and LoRA modes, in micros. */
export const PRICE_PER_SECOND: Record<Resolution, { base: Micros; lora: Micros }> = {
  '480p': { base: 12_000, lora: 15_000 },
  '720p': { base: 16_000, lora: 20_000 },
  '1080p': { base: 24_000, lora: 30_000 }
};

export interface PricedTask {
  mode: Mode;
  resolution: Resolution;
  duration: number;
}

/** Cost of one task: the per-second price for its resolution and mode, times its seconds. */
export function taskCost(task: PricedTask): Micros {
  const price = PRICE_PER_SECOND[task.resolution];
  return (isLoraMode(task.mode) ? price.lora : price.base) * task.duration;
}

export interface CostLine {
  count: number;
  seconds: number;
  micros: Micros;
}

export interface BatchEstimate extends CostLine {
  byResolution: Record<Resolution, CostLine>;
}

function emptyLine(): CostLine {
  return { count: 0, seconds: 0, micros: 0 };
}

/** What a batch will cost: videos, seconds of video and dollars, in all and by resolution. */
export function estimateBatch(tasks: Iterable<PricedTask>): BatchEstimate {
  const byResolution = Object.fromEntries(RESOLUTIONS.map((r) => [r, emptyLine()])) as Record<Resolution, CostLine>;
  const total: BatchEstimate = { ...emptyLine(), byResolution };
  for (const task of tasks) {
    const micros = taskCost(task);
    for (const line of [total, byResolution[task.resolution]]) {
      line.count += 1;
      line.seconds += task.duration;
      line.micros += micros;
    }
  }
  return total;
}

/** `$12.34`, or `$0.084` when the amount is not whole cents (prices are tenths of a cent). */
export function formatUsd(micros: Micros): string {
  const sign = micros < 0 ? '-' : '';
  const abs = Math.abs(Math.round(micros));
  const millis = Math.round(abs / 1000);
  const dollars = Math.floor(millis / 1000);
  const rest = millis % 1000;
  const grouped = dollars.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const fraction = rest % 10 === 0 ? String(rest / 10).padStart(2, '0') : String(rest).padStart(3, '0');
  return `${sign}$${grouped}.${fraction}`;
}

/** Parses a dollar amount typed by a person ("12", "$12.50", "0.084") into micros. */
export function parseUsd(text: string): Micros | undefined {
  const m = /^\s*\$?\s*(\d{1,9})(?:\.(\d{1,6}))?\s*$/.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * MICROS_PER_USD + Number((m[2] ?? '').padEnd(6, '0'));
}

/** Dollars as the balance endpoint reports them (a float), into micros. */
export function usdToMicros(usd: number): Micros {
  return Math.round(usd * MICROS_PER_USD);
}
