import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskRecord } from '@shared/batch';
import type { Mode, Resolution } from '@shared/model';
import { ApixoClient } from '../../src/main/core/apixo';
import { isSettled } from '@shared/batch-summary';
import { BatchEngine, type EngineOptions, type NewTask } from '../../src/main/core/queue/engine';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/main/core/simulator';
import { vi } from 'vitest';
import { CallCount, CountedClient, VirtualTime } from './virtual-time';

/** Real time runs this much faster than product time in these tests: 60 s of latency takes 0.12 s. */
export const TIME_SCALE = 0.002;

export interface Harness {
  sim: Simulator;
  dir: string;
  dataDir: string;
  libraryDir: string;
  engine: BatchEngine;
  client: ApixoClient;
  /** Another client on the simulator (e.g. with a wrong key), counted like the first under fake time. */
  clientWith: (options: { apiKey: string }) => ApixoClient;
  open: (extra?: Partial<EngineOptions>) => Promise<BatchEngine>;
  cleanup: () => Promise<void>;
}

/** Set while a harness runs on fake time: `settled` and `until` then move the clock instead of sleeping. */
let virtual: VirtualTime | undefined;

/**
 * An engine over the loopback simulator. Under `vi.useFakeTimers({ toFake: FAKED })` it runs on
 * fake time (see VirtualTime); otherwise in real time, scaled by `timeScale`.
 */
export async function harness(simOptions: SimulatorOptions = {}, engineOptions: Partial<EngineOptions> = {}, timeScale = TIME_SCALE): Promise<Harness> {
  const sim = await startSimulator({ timeScale, seed: 7, ...simOptions });
  const dir = mkdtempSync(join(tmpdir(), 'ltx-engine-'));
  const calls = vi.isFakeTimers() ? new CallCount() : undefined;
  const clientWith = (options: { apiKey: string }): ApixoClient => {
    const clientOptions = { apiKey: options.apiKey, baseUrl: sim.baseUrl, timeScale, timeoutMs: 5_000 };
    return calls ? new CountedClient(clientOptions, calls) : new ApixoClient(clientOptions);
  };
  const client = clientWith({ apiKey: 'sim-key' });
  const h: Harness = {
    clientWith,
    sim,
    dir,
    dataDir: join(dir, 'data'),
    libraryDir: join(dir, 'library'),
    client,
    engine: undefined as unknown as BatchEngine,
    open: async (extra = {}) => {
      h.engine = await BatchEngine.open({ dataDir: h.dataDir, client, timeScale, ...engineOptions, ...extra });
      return h.engine;
    },
    cleanup: async () => {
      virtual = undefined;
      await h.engine?.close();
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };
  if (calls) virtual = new VirtualTime(calls, () => h.engine);
  await h.open();
  return h;
}

/** Rows for a batch: unique prompts so the simulator's log tells rows apart. */
export function rows(n: number, over: { prompt?: (i: number) => string; resolution?: Resolution; mode?: Mode; duration?: number } = {}): NewTask[] {
  return Array.from({ length: n }, (_, i) => ({
    source: { row: i + 2, take: 1, cells: { prompt: `row ${i + 2}` } },
    draft: {
      mode: over.mode ?? 'text-to-video',
      prompt: over.prompt?.(i) ?? `row ${i + 2}: a paper boat drifting down a rain gutter`,
      resolution: over.resolution ?? '480p',
      duration: over.duration ?? 5
    }
  }));
}

/** Resolves when the batch has settled (every task terminal or waiting for a person). */
export async function settled(engine: BatchEngine, batchId: string, timeoutMs = 20_000): Promise<TaskRecord[]> {
  if (virtual) {
    await virtual.until(() => isSettled(engine.summary(batchId)!), timeoutMs, `batch ${batchId} to settle`);
    return engine.tasksOf(batchId);
  }
  const started = Date.now();
  while (!isSettled(engine.summary(batchId)!)) {
    if (Date.now() - started > timeoutMs) {
      throw new Error(`batch did not settle in ${timeoutMs} ms: ${JSON.stringify(engine.summary(batchId)!.counts)} — ${engine.status().activity}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return engine.tasksOf(batchId);
}

export async function until(check: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  if (virtual) return virtual.until(check, timeoutMs, what);
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Submissions the simulator accepted, by prompt. */
export function submissionsByPrompt(sim: Simulator): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of sim.submissions) {
    const prompt = (s.body as { input: { prompt: string } }).input.prompt;
    counts.set(prompt, (counts.get(prompt) ?? 0) + 1);
  }
  return counts;
}

export function filesIn(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}
