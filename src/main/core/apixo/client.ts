import got, { RequestError, type Got } from 'got';
import { MODEL_ID } from '@shared/model';
import { usdToMicros, type Micros } from '@shared/pricing';
import type { ApiEnvelope, GenerateRequest } from '@shared/request';
import { validateRequest } from '@shared/validation';
import { silentLog, type Logger } from '../log/logger';
import { Redactor } from '../log/redact';
import { networkProblem } from '../util/network-error';
import { sleep } from '../util/sleep';
import { ApixoError, type ApixoErrorKind, type Delivery } from './errors';
import { DEFAULT_GET_RETRY, DEFAULT_SUBMIT_RETRY, MAX_RETRY_AFTER_MS, backoffDelay, parseRetryAfter, type RetryPolicy } from '../util/retry';

export const DEFAULT_BASE_URL = 'https://api.apixo.ai/api/v1';

export interface ApixoClientOptions {
  apiKey: string;
  /** Up to and including `/api/v1`. */
  baseUrl?: string;
  /** Whole-request timeout. */
  timeoutMs?: number;
  /** Time allowed to open the connection; a request that times out here was certainly not sent. */
  connectTimeoutMs?: number;
  /** Multiplies every backoff wait (tests and benchmarks run the real schedule faster). */
  timeScale?: number;
  getRetry?: RetryPolicy;
  submitRetry?: RetryPolicy;
  random?: () => number;
  /** One line per request and per retry; never holds the key. */
  log?: Logger;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Overrides the client's retry policy for this call (`{attempts: 1, …}` for none). */
  retry?: RetryPolicy;
}

/** A task's state as the client understands it. */
export type TaskStatus =
  | { state: 'pending' | 'processing'; taskId: string; createTime?: number }
  | {
      state: 'success';
      taskId: string;
      resultUrls: string[];
      createTime?: number;
      completeTime?: number;
      costTime?: number;
    }
  | {
      state: 'failed';
      taskId: string;
      failCode: string;
      failMsg: string;
      createTime?: number;
      completeTime?: number;
    }
  /**
   * APIXO says the task succeeded (so it was paid for) but names no video this app can fetch:
   * `problem` says what was wrong, `answered` is an excerpt of what came (redacted).
   */
  | { state: 'no_result'; taskId: string; problem: string; answered?: string; completeTime?: number }
  /** A state the contract does not name: reported as it came (redacted), never guessed at. */
  | { state: 'unknown'; taskId: string; rawState: string };

/** Whether each request reached APIXO (any HTTP answer) or failed on the way (refused, DNS, timeout, cut off). */
export type ReachListener = (reached: boolean) => void;

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  envelope?: ApiEnvelope<unknown>;
}

const TASK_ID_MAX = 256;
/** Longest server-supplied text kept (a state, a failMsg, an excerpt of a result). */
const SERVER_TEXT_MAX = 500;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** A taskId is an opaque string, but it must be one we can store and send back safely. */
export function isUsableTaskId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= TASK_ID_MAX && !/\p{Cc}/u.test(value);
}

function parseEnvelope(text: string): ApiEnvelope<unknown> | undefined {
  try {
    const body: unknown = JSON.parse(text);
    if (!isRecord(body) || typeof body.code !== 'number') return undefined;
    return { code: body.code, message: typeof body.message === 'string' ? body.message : '', data: body.data };
  } catch {
    return undefined;
  }
}

/** The server's own words: `message`, with `data.error` when it says more. */
function serverWords(envelope: ApiEnvelope<unknown> | undefined): string | undefined {
  if (!envelope) return undefined;
  const detail = isRecord(envelope.data) && typeof envelope.data.error === 'string' ? envelope.data.error : undefined;
  const message = envelope.message.trim();
  if (detail && message && detail !== message) return `${message}: ${detail}`;
  return detail || message || undefined;
}

/** Above this a balance is not believed: no prepaid account holds ten million dollars (and micros stay exact). */
export const MAX_BELIEVABLE_BALANCE_USD = 10_000_000;

/**
 * Why a balance answer's `data` is not an amount to show, in words; undefined when it is one.
 * The contract gives the balance as a JSON number of dollars. A number sent as text ("74.87") is
 * refused too: it is another shape of answer than the documented one, and a figure guessed from
 * text (a "1,234.50", a "74,87", a currency sign) could be wrong; unknown is honest, wrong is not.
 */
export function balanceProblem(data: unknown): string | undefined {
  if (data === undefined || data === null) return 'APIXO answered the balance request without an amount.';
  if (typeof data === 'string') {
    const shown = data.length > 24 ? `${data.slice(0, 24)}…` : data;
    return `APIXO answered the balance as text ("${shown}"), not as the number its API documents, so it is not read as an amount.`;
  }
  if (typeof data !== 'number') {
    const what = Array.isArray(data) ? 'a list' : typeof data === 'object' ? 'an object' : `a ${typeof data}`;
    return `APIXO answered the balance with ${what}, not an amount.`;
  }
  if (!Number.isFinite(data)) return 'APIXO answered the balance with a number that is not an amount (not finite).';
  if (data < 0) return `APIXO answered a negative balance (${data}), which an account cannot have; it is not shown as an amount.`;
  if (data > MAX_BELIEVABLE_BALANCE_USD)
    return `APIXO answered a balance of ${data} dollars, more than any account holds ($${MAX_BELIEVABLE_BALANCE_USD.toLocaleString('en-US')} at most is believed); it is not shown as an amount.`;
  return undefined;
}

/** Parses `resultJson` defensively: only http(s) URLs come out. */
export function parseResultUrls(resultJson: unknown): string[] | string {
  if (typeof resultJson !== 'string' || resultJson.trim() === '') return 'it has no resultJson';
  let payload: unknown;
  try {
    payload = JSON.parse(resultJson);
  } catch {
    return 'its resultJson is not valid JSON';
  }
  const urls = isRecord(payload) ? payload.resultUrls : undefined;
  if (!Array.isArray(urls)) return 'its resultJson has no resultUrls list';
  const good = urls.filter((u): u is string => typeof u === 'string' && /^https?:\/\/[^\s]+$/i.test(u));
  if (good.length === 0) return 'its resultJson lists no video URL';
  return good;
}

/** Words for a base URL that is not an http(s) address; undefined when it is one. */
function badAddress(baseUrl: string): string | undefined {
  let url: URL | undefined;
  try {
    url = new URL(baseUrl);
  } catch {
    url = undefined;
  }
  if (url && (url.protocol === 'https:' || url.protocol === 'http:')) return undefined;
  const shown = baseUrl.length > 80 ? `${baseUrl.slice(0, 80)}…` : baseUrl;
  return `The API address ${JSON.stringify(shown)} is not a web address (it must start with https:// or http://), so nothing was sent.`;
}

export class ApixoClient {
  private readonly http: Got;
  private readonly apiKey: string;
  private readonly timeScale: number;
  private readonly getRetry: RetryPolicy;
  private readonly submitRetry: RetryPolicy;
  private readonly random: () => number;
  private readonly log: Logger;
  private readonly redactor = new Redactor();
  private readonly reachListeners = new Set<ReachListener>();
  readonly baseUrl: string;
  /** Why the base URL cannot be an API address at all (then nothing is ever sent). */
  private readonly addressProblem: string | undefined;

  constructor(options: ApixoClientOptions) {
    this.apiKey = options.apiKey;
    this.redactor.keep(() => [options.apiKey]);
    this.baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.addressProblem = badAddress(this.baseUrl);
    this.timeScale = options.timeScale ?? 1;
    this.getRetry = options.getRetry ?? DEFAULT_GET_RETRY;
    this.submitRetry = options.submitRetry ?? DEFAULT_SUBMIT_RETRY;
    this.random = options.random ?? Math.random;
    this.log = options.log ?? silentLog;
    this.http = got.extend({
      prefixUrl: this.baseUrl,
      throwHttpErrors: false,
      followRedirect: false,
      retry: { limit: 0 },
      responseType: 'text',
      timeout: { request: options.timeoutMs ?? 30_000, connect: options.connectTimeoutMs ?? 10_000 },
      headers: {
        accept: 'application/json',
        'user-agent': 'LTX-Batch-Studio/0.1',
        authorization: `Bearer ${options.apiKey}`
      }
    });
  }

  /**
   * Submits one generation task and returns its taskId. The body is validated first and never
   * sent if invalid. The POST is retried only when no task can have been created (connection
   * refused, 429, 503); any answer that leaves that open throws `outcome_unknown`.
   */
  async submit(body: GenerateRequest, options: CallOptions = {}): Promise<{ taskId: string }> {
    const problems = validateRequest(body);
    if (problems.length > 0) {
      throw new ApixoError('validation', `Not sent: ${problems.map((p) => p.message).join(' ')}`, { delivery: 'not_sent' });
    }
    const policy = options.retry ?? this.submitRetry;
    const path = `generateTask/${MODEL_ID}`;
    for (let attempt = 1; ; attempt++) {
      const error = await this.submitOnce(path, body);
      if (typeof error === 'string') return { taskId: error };
      const retryable = error.kind === 'rate_limited' || error.status === 503 || (error.kind === 'network' && error.delivery === 'not_sent');
      if (!retryable || attempt >= policy.attempts) throw error;
      await this.wait(error, attempt - 1, policy, `POST ${path}`, options.signal);
    }
  }

  /**
   * One POST: the taskId, or the error it ended in. The POST itself is never aborted: once it
   * may have been sent, only its answer can tell whether a task exists.
   */
  private async submitOnce(path: string, body: GenerateRequest): Promise<string | ApixoError> {
    let res: RawResponse;
    try {
      res = await this.send('POST', path, body);
    } catch (thrown) {
      const error = this.asApixoError(thrown);
      if (error.delivery !== 'maybe_sent') return error;
      return new ApixoError(
        'outcome_unknown',
        `The submit may or may not have created a task: ${error.message} It was not retried, so nothing is paid for twice.`,
        { delivery: 'maybe_sent', code: error.code }
      );
    }
    const failure = this.classify(res, 'submit');
    if (failure) return failure;
    const data = res.envelope?.data;
    const taskId = isRecord(data) ? data.taskId : undefined;
    if (isUsableTaskId(taskId)) return taskId;
    return new ApixoError(
      'outcome_unknown',
      'APIXO accepted the submit but sent no usable task ID, so a task may have been created. It was not retried, so nothing is paid for twice.',
      { delivery: 'received', status: res.status }
    );
  }

  /** Polls one task. Retried on 429, 5xx, network errors and unreadable answers. */
  async status(taskId: string, options: CallOptions = {}): Promise<TaskStatus> {
    if (!isUsableTaskId(taskId)) {
      throw new ApixoError('validation', 'Not sent: the task ID is empty or not a usable string.', { delivery: 'not_sent' });
    }
    const path = `statusTask/${MODEL_ID}?taskId=${encodeURIComponent(taskId)}`;
    return this.getWithRetry(path, options, (res) => this.readStatus(res, taskId));
  }

  /** The account's remaining balance, in micro-dollars. */
  async balance(options: CallOptions = {}): Promise<Micros> {
    return this.getWithRetry('apikeys/current-balance', options, (res) => {
      const problem = balanceProblem(res.envelope?.data);
      if (problem) throw new ApixoError('bad_response', this.redact(problem), { delivery: 'received', status: res.status });
      return usdToMicros(res.envelope!.data as number);
    });
  }

  private async getWithRetry<T>(path: string, options: CallOptions, read: (res: RawResponse) => T): Promise<T> {
    const policy = options.retry ?? this.getRetry;
    for (let attempt = 1; ; attempt++) {
      let error: ApixoError;
      try {
        const res = await this.send('GET', path, undefined, options.signal);
        const failure = this.classify(res, 'get');
        if (!failure) return read(res);
        error = failure;
      } catch (thrown) {
        error = this.asApixoError(thrown);
      }
      const retryable = ['rate_limited', 'server', 'network', 'bad_response'].includes(error.kind);
      if (!retryable || attempt >= policy.attempts) throw error;
      await this.wait(error, attempt - 1, policy, `GET ${path.split('?')[0]}`, options.signal);
    }
  }

  private async wait(error: ApixoError, retry: number, policy: RetryPolicy, what: string, signal?: AbortSignal): Promise<void> {
    const serverWait = error.retryAfterMs !== undefined ? Math.min(error.retryAfterMs, MAX_RETRY_AFTER_MS) : undefined;
    const ms = (serverWait ?? backoffDelay(retry, policy, this.random)) * this.timeScale;
    this.log.info(`${what} failed; retry ${retry + 1} in ${Math.round(ms)} ms`, {
      kind: error.kind,
      status: error.status,
      code: error.code,
      why: error.message
    });
    await sleep(ms, signal);
  }

  /** Hears whether each request from now on reached APIXO; returns the unsubscribe function. */
  onReach(listener: ReachListener): () => void {
    this.reachListeners.add(listener);
    return () => this.reachListeners.delete(listener);
  }

  private reached(yes: boolean): void {
    for (const listener of this.reachListeners) listener(yes);
  }

  private async send(method: 'GET' | 'POST', path: string, json: unknown, signal?: AbortSignal): Promise<RawResponse> {
    if (this.addressProblem) throw new ApixoError('not_found', this.addressProblem, { delivery: 'not_sent' });
    const started = Date.now();
    let res;
    try {
      res = await this.http(path, { method, json, signal });
    } catch (thrown) {
      // A request stopped on purpose says nothing about the network.
      if (thrown instanceof RequestError && !signal?.aborted && networkProblem(thrown).fault !== 'aborted') this.reached(false);
      throw thrown;
    }
    this.reached(true);
    const envelope = parseEnvelope(res.body);
    this.log.debug(
      `${method} /${path.split('?')[0]} → ${res.statusCode}${envelope && envelope.code !== res.statusCode ? ` (code ${envelope.code})` : ''} in ${Date.now() - started} ms`
    );
    return { status: res.statusCode, headers: res.headers, envelope };
  }

  /** The error a response stands for, or undefined when it is a success envelope. */
  private classify(res: RawResponse, call: 'submit' | 'get'): ApixoError | undefined {
    const { envelope } = res;
    const httpOk = res.status >= 200 && res.status < 300;
    if (httpOk && envelope?.code === 200) return undefined;
    const status = httpOk ? (envelope?.code ?? res.status) : res.status;
    const words = serverWords(envelope);
    const said = words ? `: ${this.redact(words)}` : '';
    const details = { status, serverMessage: words && this.redact(words), delivery: 'received' as Delivery };

    if (httpOk && !envelope) {
      return call === 'submit'
        ? new ApixoError(
            'outcome_unknown',
            'APIXO accepted the submit but its answer could not be read, so a task may have been created. It was not retried, so nothing is paid for twice.',
            details
          )
        : new ApixoError('bad_response', `APIXO answered with something that is not its usual JSON (HTTP ${res.status}).`, details);
    }
    if (status === 402 || (/insufficient|balance|credit|quota/i.test(words ?? '') && status === 400)) {
      return new ApixoError('balance', `APIXO says the balance is too low${said}. Add balance or use another key.`, details);
    }
    const kindByStatus: Record<number, ApixoErrorKind> = { 400: 'validation', 401: 'auth', 403: 'forbidden', 404: 'not_found', 429: 'rate_limited' };
    const kind: ApixoErrorKind | undefined = kindByStatus[status];
    switch (kind) {
      case 'validation':
        return new ApixoError(kind, `APIXO refused the request${said}.`, details);
      case 'auth':
        return new ApixoError(kind, `APIXO did not accept the API key${said}. Check your API key.`, details);
      case 'forbidden':
        return new ApixoError(kind, `APIXO refused access${said}. Check that your key may use LTX 2 19B.`, details);
      case 'not_found':
        return new ApixoError(kind, `APIXO has no such task (404)${said}.`, details);
      case 'rate_limited':
        return new ApixoError(kind, `APIXO is limiting requests (429)${said}.`, {
          ...details,
          retryAfterMs: parseRetryAfter(res.headers['retry-after'])
        });
    }
    if (status >= 500 && status < 600) {
      if (call === 'submit' && status !== 503) {
        return new ApixoError(
          'outcome_unknown',
          `APIXO failed with HTTP ${status}${said} after receiving the submit, so a task may have been created. It was not retried, so nothing is paid for twice.`,
          details
        );
      }
      return new ApixoError('server', `APIXO had a server error (HTTP ${status})${said}.`, {
        ...details,
        retryAfterMs: parseRetryAfter(res.headers['retry-after'])
      });
    }
    if (call === 'submit' && httpOk) {
      return new ApixoError('outcome_unknown', `APIXO answered the submit with code ${status}${said}; a task may have been created.`, details);
    }
    return new ApixoError('bad_response', `APIXO answered with an unexpected status ${status}${said}.`, details);
  }

  private readStatus(res: RawResponse, taskId: string): TaskStatus {
    const data = res.envelope?.data;
    const bad = (why: string): ApixoError =>
      new ApixoError('bad_response', `APIXO's status for task ${taskId} ${why}.`, { delivery: 'received', status: res.status });
    if (!isRecord(data)) throw bad('has no data');
    if (data.taskId !== undefined && data.taskId !== taskId) throw bad(`is for another task (${this.serverText(String(data.taskId), 64)})`);
    if (typeof data.state !== 'string') throw bad('has no state');
    const createTime = optionalNumber(data.createTime);
    const completeTime = optionalNumber(data.completeTime);
    switch (data.state) {
      case 'pending':
      case 'processing':
        return { state: data.state, taskId, createTime };
      case 'success': {
        const urls = parseResultUrls(data.resultJson);
        if (typeof urls === 'string') {
          const came =
            data.resultJson === undefined
              ? undefined
              : this.serverText(typeof data.resultJson === 'string' ? data.resultJson : JSON.stringify(data.resultJson), 200);
          return { state: 'no_result', taskId, problem: urls, answered: came || undefined, completeTime };
        }
        return { state: 'success', taskId, resultUrls: urls, createTime, completeTime, costTime: optionalNumber(data.costTime) };
      }
      case 'failed':
        return {
          state: 'failed',
          taskId,
          failCode: typeof data.failCode === 'string' && data.failCode ? this.serverText(data.failCode, 100) : 'Unknown error',
          failMsg: typeof data.failMsg === 'string' ? this.serverText(data.failMsg) : '',
          createTime,
          completeTime
        };
      default:
        return { state: 'unknown', taskId, rawState: this.serverText(data.state, 64) };
    }
  }

  private asApixoError(thrown: unknown): ApixoError {
    if (thrown instanceof ApixoError) return thrown;
    if (thrown instanceof RequestError) {
      const problem = networkProblem(thrown);
      if (problem.fault === 'aborted') throw thrown;
      // A socket that never connected cannot have carried the request, whatever its code says.
      const notSent = problem.notSent || (thrown.timings !== undefined && thrown.timings.connect === undefined);
      const delivery: Delivery = notSent ? 'not_sent' : 'maybe_sent';
      const message = notSent
        ? `Could not reach APIXO at ${new URL(this.baseUrl).host}: ${problem.words}.`
        : `The connection to APIXO failed before an answer came: ${problem.words}.`;
      return new ApixoError('network', message, { delivery, code: problem.code });
    }
    throw thrown;
  }

  /** The key (and any signed link or token) must never reach a message, a log or a file. */
  private redact(text: string): string {
    return this.redactor.redact(this.apiKey ? text.split(this.apiKey).join('***') : text);
  }

  /** Text the server wrote, as it may be shown, journaled or logged: redacted, then cut to `max` characters. */
  private serverText(text: string, max = SERVER_TEXT_MAX): string {
    const clean = this.redact(text.replace(/\p{Cc}+/gu, ' '));
    return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
  }
}
