import { buildRequest } from '@shared/request-builder';
import type { GenerateRequest, TaskDraft } from '@shared/request';
import type { Simulator } from '../../src/main/core/simulator';

export const KEY = 'sim-key';
export const SUBMIT = '/generateTask/ltx-2-19b';
export const STATUS = '/statusTask/ltx-2-19b';
export const BALANCE = '/apikeys/current-balance';

/** A valid text-to-video body (480p, 5 s: the shortest latency band) with any draft fields changed. */
export function body(draft: Partial<TaskDraft> = {}, callbackUrl?: string): GenerateRequest {
  return buildRequest(
    { mode: 'text-to-video', prompt: 'a small robot walking through a rainy neon street', resolution: '480p', duration: 5, ...draft },
    { callbackUrl }
  );
}

export interface Answer {
  status: number;
  headers: Headers;
  json: any;
}

/** Plain `fetch` against the simulator's API, the way any client would call it. */
export class Api {
  constructor(
    private readonly sim: Simulator,
    private readonly key: string | undefined = KEY
  ) {}

  async request(method: string, path: string, payload?: unknown, extra: Record<string, string> = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...extra };
    if (this.key !== undefined) headers.authorization = `Bearer ${this.key}`;
    if (payload !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.sim.baseUrl}${path}`, {
      method,
      headers,
      body: payload === undefined ? undefined : typeof payload === 'string' ? payload : JSON.stringify(payload)
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: res.status, headers: res.headers, json };
  }

  submit(payload: unknown): Promise<Answer> {
    return this.request('POST', SUBMIT, payload);
  }

  /** Submits and returns the new taskId, failing the test if the submit is refused. */
  async create(payload: unknown): Promise<string> {
    const answer = await this.submit(payload);
    if (answer.status !== 200) throw new Error(`submit answered ${answer.status}: ${JSON.stringify(answer.json)}`);
    return answer.json.data.taskId as string;
  }

  status(taskId: string): Promise<Answer> {
    return this.request('GET', `${STATUS}?taskId=${encodeURIComponent(taskId)}`);
  }

  async balance(): Promise<number> {
    return (await this.request('GET', BALANCE)).json.data as number;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Waits until the simulator says the task has completed (no polling: its timeline is known). */
export async function untilComplete(sim: Simulator, taskId: string): Promise<void> {
  const task = sim.task(taskId);
  if (!task) throw new Error(`no task ${taskId}`);
  await sleep(task.completeTime - Date.now() + 2);
}

/** Waits for a condition, checking every few ms. */
export async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await sleep(3);
  }
}

/** The result URL of a succeeded task, from its status answer. */
export async function resultUrl(api: Api, taskId: string): Promise<string> {
  const answer = await api.status(taskId);
  if (answer.json?.data?.state !== 'success') throw new Error(`task ${taskId} is ${answer.json?.data?.state}`);
  return JSON.parse(answer.json.data.resultJson).resultUrls[0] as string;
}
