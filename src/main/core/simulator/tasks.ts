import { LATENCY, LORA_LATENCY, isImageMode, isLoraMode } from '@shared/model';
import { taskCost, type Micros } from '@shared/pricing';
import type { ApiTaskStatus, GenerateRequest } from '@shared/request';
import { failMessage } from './fail-messages';
import { SLOW_FACTOR, type Markers } from './markers';
import { MinHeap } from '../util/min-heap';
import { randomHex32, uniform, type Random } from './random';

/** The share of a task's generation time that it spends `pending`, before `processing`. */
export const PENDING_SHARE = 0.15;
/** A failing task fails this far into its generation time (safety checks fail early). */
export const FAIL_SHARE = 0.4;

/** Which sample clip a task's result is. */
export type ClipShape = '16:9' | '9:16';

/** One simulated task. Its state is a function of the clock; nothing runs per task. */
export interface SimTask {
  readonly taskId: string;
  readonly body: GenerateRequest;
  readonly createTime: number;
  /** End of the pending phase. */
  readonly processingTime: number;
  readonly completeTime: number;
  readonly costMicros: Micros;
  readonly clip: ClipShape;
  /** `[sim:state:WORD]`: reported instead of `processing`. */
  readonly customState?: string;
  readonly failCode?: string;
  /** `[sim:expired]`: the result URL is born expired. */
  readonly expiredUrl: boolean;
  readonly callbackUrl?: string;
  /** When the result URL stops being valid (ms): fixed at submit, so a restart signs the same URL. */
  readonly urlExpires: number;
  /** Completion has been accounted for (refund, callback). */
  settled: boolean;
  refunded: boolean;
  /** The status `resultJson`, built once on first success. */
  resultJson?: string;
  resultUrl?: string;
}

/**
 * All tasks, by ID (O(1) lookup), and the unsettled ones in a heap by completion time, which
 * gives the number of tasks in flight and the next completion without scanning.
 */
export class TaskStore {
  private readonly byId = new Map<string, SimTask>();
  private readonly running = new MinHeap<SimTask>((t) => t.completeTime);

  constructor(
    private readonly random: Random,
    private readonly timeScale: number,
    /** How long a result URL stays valid after completion, already scaled. */
    private readonly resultTtlMs: number
  ) {}

  get size(): number {
    return this.byId.size;
  }

  /** Tasks not yet completed (pending, processing or a custom state), as of the last `advance`. */
  get active(): number {
    return this.running.size;
  }

  /** When the next running task completes, if any runs. */
  nextCompletion(): number | undefined {
    return this.running.peek()?.completeTime;
  }

  get(taskId: string): SimTask | undefined {
    return this.byId.get(taskId);
  }

  /**
   * Makes a task from a validated body, not yet stored (see `add`). Generation time is drawn
   * uniformly from the model page's latency table (+ the LoRA extra in LoRA modes), × 3 for
   * `[sim:slow]`, × timeScale.
   */
  draft(body: GenerateRequest, markers: Markers, now: number): SimTask {
    let taskId = randomHex32(this.random);
    while (this.byId.has(taskId)) taskId = randomHex32(this.random);
    const input = body.input;
    const band = LATENCY[input.resolution];
    let ms = uniform(this.random, band.minMs, band.maxMs);
    if (isLoraMode(input.mode)) ms += uniform(this.random, LORA_LATENCY.extraMinMs, LORA_LATENCY.extraMaxMs);
    if (markers.slow) ms *= SLOW_FACTOR;
    ms *= this.timeScale;
    const span = markers.failCode !== undefined ? ms * FAIL_SHARE : ms;
    const aspect = 'aspect_ratio' in input ? input.aspect_ratio : undefined;
    const completeTime = now + Math.max(1, Math.round(span));
    return {
      taskId,
      body,
      createTime: now,
      processingTime: now + Math.round(ms * PENDING_SHARE),
      completeTime,
      costMicros: taskCost(input),
      clip: !isImageMode(input.mode) && aspect === '9:16' ? '9:16' : '16:9',
      customState: markers.state,
      failCode: markers.failCode,
      expiredUrl: markers.expired,
      callbackUrl: body.request_type === 'callback' ? body.callback_url : undefined,
      // `[sim:expired]`: born expired. Otherwise valid for the (scaled) TTL after completion.
      urlExpires: markers.expired ? completeTime - 1 : completeTime + Math.round(this.resultTtlMs),
      settled: false,
      refunded: false
    };
  }

  /** Stores a task: a new one from `draft`, or one read back from the simulator's state folder. */
  add(task: SimTask): void {
    this.byId.set(task.taskId, task);
    if (!task.settled) this.running.push(task);
  }

  /** Settles every task that has completed by `now`, oldest first, handing each to `onSettle`. */
  advance(now: number, onSettle: (task: SimTask) => void): void {
    for (let head = this.running.peek(); head !== undefined && head.completeTime <= now; head = this.running.peek()) {
      this.running.pop();
      head.settled = true;
      onSettle(head);
    }
  }

  clear(): void {
    this.running.clear();
  }
}

/** The state the status endpoint reports at `now`. */
export function stateAt(task: SimTask, now: number): string {
  if (now >= task.completeTime) return task.failCode !== undefined ? 'failed' : 'success';
  if (now < task.processingTime) return 'pending';
  return task.customState ?? 'processing';
}

/**
 * The `data` of a status answer (and of a callback) at `now`: exactly the contract's fields.
 * `resultUrl` signs the task's result URL; it is called once, on the first success.
 */
export function statusData(task: SimTask, now: number, resultUrl: (task: SimTask) => string): ApiTaskStatus {
  const state = stateAt(task, now);
  if (state === 'success') {
    if (task.resultJson === undefined) {
      task.resultUrl = resultUrl(task);
      task.resultJson = JSON.stringify({ resultUrls: [task.resultUrl] });
    }
    return {
      taskId: task.taskId,
      state,
      resultJson: task.resultJson,
      createTime: task.createTime,
      completeTime: task.completeTime,
      costTime: task.completeTime - task.createTime
    };
  }
  if (state === 'failed') {
    // As in the contract's failed example: no costTime ("when available").
    const failCode = task.failCode ?? 'Unknown error';
    return {
      taskId: task.taskId,
      state,
      failCode,
      failMsg: failMessage(failCode),
      createTime: task.createTime,
      completeTime: task.completeTime
    };
  }
  return { taskId: task.taskId, state, createTime: task.createTime };
}
