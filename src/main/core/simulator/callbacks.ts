import { request as httpRequest, type ClientRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { CallbackAttempt } from './types';

export interface CallbackOptions {
  /** Waits before each retry, already scaled; its length is the number of retries. */
  retryDelaysMs: readonly number[];
  /** How long the receiver has to answer, already scaled. */
  timeoutMs: number;
  /** Called with every attempt, as it ends. */
  record: (attempt: CallbackAttempt) => void;
}

/**
 * Delivers webhook callbacks as APIXO documents them: one POST of the terminal status envelope
 * once the task ends; anything but HTTP 200 within the timeout (another status, a connection
 * error, a timeout) is retried after each of the retry delays, then abandoned.
 */
export class CallbackDispatcher {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<{ destroy(): void }>();
  private closed = false;

  constructor(private readonly options: CallbackOptions) {}

  deliver(taskId: string, url: string, payload: string): void {
    this.attempt(taskId, url, payload, 1);
  }

  /** Cancels scheduled retries and drops deliveries in flight. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const req of this.inFlight) req.destroy();
    this.inFlight.clear();
  }

  private attempt(taskId: string, url: string, payload: string, attempt: number): void {
    if (this.closed) return;
    let settled = false;
    let req: ClientRequest | undefined;
    const end = (status: number | undefined, error: string | undefined): void => {
      if (settled) return;
      settled = true;
      if (req) this.inFlight.delete(req);
      const delivered = status === 200;
      const delay = this.options.retryDelaysMs[attempt - 1];
      const retry = !delivered && delay !== undefined && !this.closed;
      this.options.record({
        taskId,
        url,
        attempt,
        time: Date.now(),
        ...(status !== undefined ? { status } : {}),
        ...(error !== undefined ? { error } : {}),
        outcome: delivered ? 'delivered' : retry ? 'retrying' : 'abandoned'
      });
      if (!retry) return;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.attempt(taskId, url, payload, attempt + 1);
      }, delay);
      timer.unref();
      this.timers.add(timer);
    };

    const send = url.startsWith('https:') ? httpsRequest : httpRequest;
    try {
      req = send(url, {
        method: 'POST',
        // A fresh connection per delivery: nothing lingers in a pool after the simulator closes.
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          'user-agent': 'APIXO-Simulator-Webhook/1.0'
        }
      });
    } catch (error) {
      end(undefined, error instanceof Error ? error.message : String(error));
      return;
    }
    const sent = req;
    this.inFlight.add(sent);
    sent.setTimeout(this.options.timeoutMs, () => sent.destroy(new Error('timeout')));
    sent.on('response', (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      res.on('end', () => end(status, undefined));
      res.on('error', () => end(status, undefined));
    });
    sent.on('error', (error: NodeJS.ErrnoException) => end(undefined, error.code ?? error.message));
    sent.end(payload);
  }
}
