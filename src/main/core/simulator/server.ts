/**
 * The simulator's HTTP server: routing, the checks every request passes, and each endpoint's
 * answer. It is the one place that ties the parts together (tasks, ledger, limits, faults,
 * files, uploads, callbacks, the state folder), so it stays a few hundred lines; each part's
 * own logic lives in its file beside it (index.ts lists them), and new behaviour goes there.
 */
import { randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { MODEL_ID } from '@shared/model';
import { taskCost, usdToMicros } from '@shared/pricing';
import type { GenerateRequest } from '@shared/request';
import { validateRequest } from '@shared/validation';
import * as A from './answers';
import { positiveOr } from './answers';
import { CallbackDispatcher } from './callbacks';
import { FaultInjector, type Faults } from './faults';
import { loadSampleClips, serveClip, type ClipBody, type DownloadFault, type SampleClips, type StallTimers } from './files';
import { Link } from './link';
import { REAL_BYTES_PER_SECOND, sizeClip } from './sized-clip';
import { envelope, readBody, sendEnvelope, sendJsonText, sendText, splitTarget, type Envelope } from './http-io';
import { Ledger } from './ledger';
import { REJECT_MESSAGE, parseMarkers } from './markers';
import { substream } from './random';
import { SlidingWindowLimiter } from './rate-limiter';
import { findResourcesDir } from './resources';
import { openSimulatorState, type SimulatorState } from './state';
import { TaskStore, stateAt, statusData, type SimTask } from './tasks';
import type { CallbackAttempt, Endpoint, RecordedRequest, SimTaskView, Simulator, SimulatorCounts, SimulatorOptions, Submission } from './types';
import { UrlSigner } from './url-signer';
import { DEFAULT_UPLOADS_CAP_BYTES, UPLOAD_PREFIX, UploadStore, imageFailure, receiveUpload, serveUpload, uploadId } from './uploads';
import { serverStyleError } from './validation-errors';

const SUBMIT_PATH = `/api/v1/generateTask/${MODEL_ID}`;
const STATUS_PATH = `/api/v1/statusTask/${MODEL_ID}`;
const BALANCE_PATH = '/api/v1/apikeys/current-balance';
const FILE_PATH = /^\/files\/([0-9a-f]{32})\.mp4$/;
/** Past this, an oversized body is no longer drained: the socket is destroyed. */
const DRAIN_CAP_BYTES = 16 * 1024 * 1024;
const MINUTE_MS = 60_000;

/** The per-request facts that end up in `requests`. */
interface Pending {
  method: string;
  path: string;
  endpoint: Endpoint;
  taskId: string | undefined;
  body: unknown;
  fault: RecordedRequest['fault'];
}

/**
 * The APIXO-compatible simulator: the same paths, envelopes, validation, states, latency,
 * billing, limits, callbacks and signed result URLs as the real API, over `node:http` on
 * 127.0.0.1. Task states are computed from the clock; one timer (for the next completion)
 * settles finished tasks: refunds and callbacks.
 */
class SimulatorServer implements Simulator {
  readonly apiKey: string;
  readonly seed: number;
  readonly timeScale: number;
  readonly requests: RecordedRequest[] = [];
  readonly submissions: Submission[] = [];
  readonly callbacks: CallbackAttempt[] = [];
  origin = '';
  baseUrl = '';
  port = 0;

  private readonly server: Server;
  private readonly store: TaskStore;
  private readonly faults: FaultInjector;
  private readonly ledger: Ledger;
  private readonly signer: UrlSigner;
  private readonly uploads: UploadStore;
  private readonly limiter: SlidingWindowLimiter | undefined;
  private readonly dispatcher: CallbackDispatcher;
  private readonly stalls: StallTimers = new Set();
  private readonly resultTtlMs: number;
  private readonly billFailures: boolean;
  private readonly onSubmit: ((request: GenerateRequest) => void) | undefined;
  private concurrencyLimit: number;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweepAt = Infinity;
  private closed: Promise<void> | undefined;

  // Counters kept as requests are answered, so that counts() never scans `requests`.
  private readonly byEndpoint: Record<Endpoint, number> = { submit: 0, status: 0, balance: 0, file: 0, other: 0 };
  private readonly byStatus: Record<number, number> = {};
  private readonly faultCounts: SimulatorCounts['faults'] = {};
  private readonly statusPolls = new Map<string, number>();
  private readonly downloads = new Map<string, number>();
  /** With `fileSizes: 'real'`: the made files' layouts, by clip, resolution and duration. */
  private readonly sized = new Map<string, ClipBody>();
  private readonly realSizes: boolean;
  private readonly link: Link;

  constructor(
    options: SimulatorOptions,
    private readonly clips: SampleClips,
    private readonly state: SimulatorState | undefined
  ) {
    this.apiKey = options.apiKey ?? A.DEFAULT_API_KEY;
    this.timeScale = positiveOr(options.timeScale, 1, 'timeScale', false);
    this.seed = options.seed !== undefined ? options.seed >>> 0 : randomInt(2 ** 31);
    this.resultTtlMs = positiveOr(options.resultTtlMs, A.DEFAULT_RESULT_TTL_MS, 'resultTtlMs') * this.timeScale;
    this.billFailures = options.billFailures === true;
    this.realSizes = options.fileSizes === 'real';
    this.link = new Link(options.link);
    this.onSubmit = options.onSubmit;
    this.store = new TaskStore(substream(this.seed, 0x7a5c), this.timeScale, this.resultTtlMs);
    this.faults = new FaultInjector(substream(this.seed, 0xfa17), options.faults);
    this.ledger = new Ledger(positiveOr(options.balanceUsd, A.DEFAULT_BALANCE_USD, 'balanceUsd'));
    this.signer = new UrlSigner(state?.secret);
    this.uploads = new UploadStore(positiveOr(options.uploadsCapBytes, DEFAULT_UPLOADS_CAP_BYTES, 'uploadsCapBytes'));
    this.concurrencyLimit = Math.floor(positiveOr(options.concurrencyLimit, A.DEFAULT_CONCURRENCY_LIMIT, 'concurrencyLimit'));
    if (options.rateLimitPerMinute !== undefined) {
      const limit = Math.floor(positiveOr(options.rateLimitPerMinute, 0, 'rateLimitPerMinute', false));
      this.limiter = new SlidingWindowLimiter(limit, MINUTE_MS * this.timeScale);
    }
    const delays = options.callbackRetryDelaysMs ?? A.DEFAULT_CALLBACK_RETRY_DELAYS_MS;
    this.dispatcher = new CallbackDispatcher({
      retryDelaysMs: delays.map((ms) => positiveOr(ms, 0, 'callbackRetryDelaysMs') * this.timeScale),
      timeoutMs: positiveOr(options.callbackTimeoutMs, A.DEFAULT_CALLBACK_TIMEOUT_MS, 'callbackTimeoutMs', false) * this.timeScale,
      record: (attempt) => this.callbacks.push(attempt)
    });
    this.server = createServer((req, res) => this.handle(req, res));
    state?.restore({ store: this.store, uploads: this.uploads, ledger: this.ledger }, options.balanceUsd === undefined);
    this.armSweeper();
  }

  /** Listens on `port`; without one, on the port the state folder remembers when it is free (else any). */
  async listen(port: number | undefined): Promise<void> {
    const remembered = port === undefined ? this.state?.port : undefined;
    try {
      await this.bind(remembered ?? port ?? 0);
    } catch (error) {
      if (remembered === undefined) throw error;
      await this.bind(0);
    }
    this.port = (this.server.address() as AddressInfo).port;
    this.origin = `http://127.0.0.1:${this.port}`;
    this.baseUrl = `${this.origin}/api/v1`;
    this.state?.listened(this.port);
  }

  private bind(port: number): Promise<void> {
    return new Promise<void>((done, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        done();
      });
    });
  }

  // ── Public controls ──────────────────────────────────────────────────────────────────────

  task(taskId: string): SimTaskView | undefined {
    const task = this.store.get(taskId);
    if (!task) return undefined;
    const now = Date.now();
    this.advance(now);
    const state = stateAt(task, now);
    if (state === 'success') statusData(task, now, this.resultUrl);
    return {
      taskId: task.taskId,
      body: task.body,
      state,
      createTime: task.createTime,
      processingTime: task.processingTime,
      completeTime: task.completeTime,
      costMicros: task.costMicros,
      refunded: task.refunded,
      outcome: task.failCode !== undefined ? 'failed' : 'success',
      failCode: task.failCode,
      callbackUrl: task.callbackUrl,
      resultUrl: task.resultUrl
    };
  }

  balanceUsd(): number {
    this.advance(Date.now());
    return this.ledger.balanceUsd;
  }

  setBalance(usd: number): void {
    this.ledger.set(positiveOr(usd, 0, 'balance'));
    this.state?.balanceSet(this.ledger.balanceMicros);
  }

  setFaults(partial: Partial<Faults>): void {
    this.faults.set(partial);
  }

  setConcurrencyLimit(n: number): void {
    this.concurrencyLimit = Math.floor(positiveOr(n, 0, 'concurrencyLimit'));
  }

  counts(): SimulatorCounts {
    this.advance(Date.now());
    return {
      requests: this.requests.length,
      byEndpoint: { ...this.byEndpoint },
      byStatus: { ...this.byStatus },
      tasks: this.store.size,
      activeTasks: this.store.active,
      statusPolls: new Map(this.statusPolls),
      downloads: new Map(this.downloads),
      callbackAttempts: this.callbacks.length,
      uploads: this.uploads.size,
      faults: { ...this.faultCounts }
    };
  }

  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      clearTimeout(this.sweepTimer);
      this.sweepTimer = undefined;
      this.dispatcher.close();
      for (const timer of this.stalls) clearTimeout(timer);
      this.stalls.clear();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    }).then(() => this.state?.close());
    return this.closed;
  }

  // ── Time: settling completed tasks ───────────────────────────────────────────────────────

  /** Settles every task completed by `now`: refunds failures (unless failures are billed), sends callbacks. */
  private advance(now: number): void {
    this.store.advance(now, this.settle);
  }

  private readonly settle = (task: SimTask): void => {
    // A failed task is not charged: its cost is refunded the moment it fails. With
    // `billFailures` it stays debited, as an API that bills failures would keep it.
    if (task.failCode !== undefined && !this.billFailures) {
      this.ledger.refund(task.costMicros);
      task.refunded = true;
    }
    this.state?.settled(task, this.ledger.balanceMicros);
    if (task.callbackUrl !== undefined && !this.closed) {
      const payload = JSON.stringify(envelope(200, 'success', statusData(task, task.completeTime, this.resultUrl)));
      this.dispatcher.deliver(task.taskId, task.callbackUrl, payload);
    }
  };

  /** Keeps one timer armed for the next completion, so callbacks go out without any polling. */
  private armSweeper(): void {
    const next = this.store.nextCompletion();
    if (next === undefined || this.closed) return;
    if (this.sweepTimer !== undefined && this.sweepAt <= next) return;
    clearTimeout(this.sweepTimer);
    this.sweepAt = next;
    this.sweepTimer = setTimeout(
      () => {
        this.sweepTimer = undefined;
        this.sweepAt = Infinity;
        this.advance(Date.now());
        this.armSweeper();
      },
      Math.max(0, next - Date.now())
    );
    this.sweepTimer.unref();
  }

  private readonly resultUrl = (task: SimTask): string =>
    `${this.origin}/files/${task.taskId}.mp4?expires=${task.urlExpires}&sig=${this.signer.sign(task.taskId, task.urlExpires)}`;

  /** A wait in real ms as a `Retry-After` in whole simulated seconds (clients scale it back). */
  private retryAfter(realMs: number): string {
    return String(Math.max(1, Math.ceil(realMs / this.timeScale / 1000)));
  }

  // ── Requests ─────────────────────────────────────────────────────────────────────────────

  private handle(req: IncomingMessage, res: ServerResponse): void {
    // Every answer says it is simulated, so nothing can mistake it for the real API.
    res.setHeader('x-apixo-simulator', '1');
    const { path, query } = splitTarget(req.url);
    const p: Pending = { method: req.method ?? '', path, endpoint: 'other', taskId: undefined, body: undefined, fault: undefined };
    try {
      if (path === SUBMIT_PATH) {
        p.endpoint = 'submit';
        if (p.method !== 'POST') return this.reply(res, p, A.METHOD_NOT_ALLOWED, { allow: 'POST' });
        this.submit(req, res, p).catch((error: unknown) => this.crashed(res, p, error));
      } else if (path === STATUS_PATH) {
        p.endpoint = 'status';
        if (p.method !== 'GET') return this.reply(res, p, A.METHOD_NOT_ALLOWED, { allow: 'GET' });
        this.status(req, res, p, query);
      } else if (path === BALANCE_PATH) {
        p.endpoint = 'balance';
        if (p.method !== 'GET') return this.reply(res, p, A.METHOD_NOT_ALLOWED, { allow: 'GET' });
        this.balance(req, res, p);
      } else if (path.startsWith('/files/')) {
        p.endpoint = 'file';
        this.file(req, res, p, query);
      } else if (path.startsWith(UPLOAD_PREFIX)) {
        this.upload(req, res, p).catch((error: unknown) => this.crashed(res, p, error));
      } else {
        this.reply(res, p, A.NOT_FOUND);
      }
    } catch (error) {
      this.crashed(res, p, error);
    }
  }

  /** The checks every API request passes first: the key, the rate limit, an injected 5xx. */
  private gate(req: IncomingMessage, res: ServerResponse, p: Pending, now: number): boolean {
    if (!this.keyMatches(req)) {
      this.reply(res, p, A.UNAUTHORIZED);
      return true;
    }
    if (this.limiter) {
      const wait = this.limiter.take(now);
      if (wait > 0) {
        this.reply(res, p, A.RATE_LIMITED, { 'retry-after': this.retryAfter(wait) });
        return true;
      }
    }
    if (this.faults.hits('serverErrorRate')) {
      p.fault = 'server_error';
      this.reply(res, p, p.endpoint === 'submit' ? A.SERVICE_UNAVAILABLE : this.faults.pick(A.SERVER_ERRORS));
      return true;
    }
    this.advance(now);
    return false;
  }

  private keyMatches(req: IncomingMessage): boolean {
    const auth = req.headers.authorization;
    const m = typeof auth === 'string' ? /^\s*Bearer\s+(\S+)\s*$/i.exec(auth) : null;
    return m !== null && m[1] === this.apiKey;
  }

  /** `POST /generateTask/ltx-2-19b`. */
  private async submit(req: IncomingMessage, res: ServerResponse, p: Pending): Promise<void> {
    if (this.gate(req, res, p, Date.now())) return;
    const read = await readBody(req, A.MAX_BODY_BYTES, DRAIN_CAP_BYTES);
    if (read.kind === 'aborted') return this.record(p, 0);
    if (read.kind === 'too_large') {
      if (req.socket.destroyed) return this.record(p, 0);
      return this.reply(res, p, A.TOO_LARGE, { connection: 'close' });
    }
    let body: unknown;
    try {
      body = JSON.parse(read.text);
    } catch {
      return this.reply(res, p, A.BAD_JSON);
    }
    p.body = body;
    const problems = validateRequest(body);
    if (problems.length === 0) this.onSubmit?.(body as GenerateRequest);
    // Like the real server, name the first problem only.
    if (problems.length > 0) return this.reply(res, p, A.invalid(serverStyleError(problems[0], body)));
    const request = body as GenerateRequest;
    const markers = parseMarkers(request.input.prompt);
    if (markers.reject) return this.reply(res, p, A.invalid(REJECT_MESSAGE));

    const now = Date.now();
    this.advance(now);
    const cost = taskCost(request.input);
    if (!this.ledger.canAfford(cost)) return this.reply(res, p, A.INSUFFICIENT_BALANCE);
    if (this.store.active >= this.concurrencyLimit) {
      const next = this.store.nextCompletion();
      return this.reply(res, p, A.CONCURRENCY_LIMITED, { 'retry-after': this.retryAfter(next === undefined ? 1000 : next - now) });
    }

    // An image APIXO could not fetch or read fails the task (after being charged, then refunded
    // unless failures are billed).
    const imageFailCode = imageFailure(request, this.origin, this.uploads);
    const task = this.store.draft(request, imageFailCode ? { ...markers, failCode: imageFailCode } : markers, now);
    this.store.add(task);
    this.ledger.debit(task.costMicros);
    // On disk before the answer: a task ID the client holds is found again after a restart.
    this.state?.accepted(task, this.ledger.balanceMicros);
    this.submissions.push({ taskId: task.taskId, body: request, time: now });
    p.taskId = task.taskId;
    this.armSweeper();

    if (this.faults.hits('resetAfterAcceptRate')) {
      p.fault = 'reset_after_accept';
      this.record(p, 0);
      req.socket.destroy();
      return;
    }
    if (this.faults.hits('errorAfterAcceptRate')) {
      p.fault = 'error_after_accept';
      return this.reply(res, p, A.SERVER_ERRORS[1]);
    }
    this.reply(res, p, envelope(200, 'success', { taskId: task.taskId }));
  }

  /** `GET /statusTask/ltx-2-19b?taskId=…`. */
  private status(req: IncomingMessage, res: ServerResponse, p: Pending, query: URLSearchParams): void {
    const now = Date.now();
    if (this.gate(req, res, p, now)) return;
    const taskId = query.get('taskId');
    if (!taskId) return this.reply(res, p, A.MISSING_TASK_ID);
    const task = this.store.get(taskId);
    if (task) {
      p.taskId = task.taskId;
      this.statusPolls.set(task.taskId, (this.statusPolls.get(task.taskId) ?? 0) + 1);
    }
    if (this.faults.hits('status429Rate')) {
      p.fault = 'status_429';
      return this.reply(res, p, A.RATE_LIMITED, { 'retry-after': '1' });
    }
    if (!task) return this.reply(res, p, A.TASK_NOT_FOUND);
    const answer = envelope(200, 'success', statusData(task, now, this.resultUrl));
    if (this.faults.hits('malformedStatusRate')) {
      p.fault = 'malformed_status';
      // Either the JSON is cut off halfway, or it is whole but has no `data`.
      const whole = JSON.stringify(answer);
      const text =
        this.faults.pick(['truncated', 'no_data'] as const) === 'truncated'
          ? whole.slice(0, Math.floor(whole.length / 2))
          : JSON.stringify(envelope(200, 'success'));
      sendJsonText(res, 200, text);
      return this.record(p, 200);
    }
    this.reply(res, p, answer);
  }

  /** `GET /apikeys/current-balance`. */
  private balance(req: IncomingMessage, res: ServerResponse, p: Pending): void {
    if (this.gate(req, res, p, Date.now())) return;
    this.reply(res, p, envelope(200, 'success', this.ledger.balanceUsd));
  }

  /** `GET /files/<taskId>.mp4?expires=…&sig=…`: the result clip, as signed object storage serves it. */
  private file(req: IncomingMessage, res: ServerResponse, p: Pending, query: URLSearchParams): void {
    if (p.method !== 'GET' && p.method !== 'HEAD') return this.replyText(res, p, 405, 'Method Not Allowed', { allow: 'GET, HEAD' });
    const now = Date.now();
    const m = FILE_PATH.exec(p.path);
    const task = m ? this.store.get(m[1]) : undefined;
    if (!task || stateAt(task, now) !== 'success') return this.replyText(res, p, 404, 'Not Found');
    p.taskId = task.taskId;
    this.downloads.set(task.taskId, (this.downloads.get(task.taskId) ?? 0) + 1);
    const expires = query.get('expires');
    if (!this.signer.verify(task.taskId, expires, query.get('sig'))) return this.replyText(res, p, 403, 'Forbidden');
    if (now > Number(expires)) return this.replyText(res, p, 410, 'Gone');

    if (p.method === 'GET' && this.faults.hits('downloadServerErrorRate')) {
      p.fault = 'download_server_error';
      return this.replyText(res, p, 503, 'Service Unavailable');
    }
    let fault: DownloadFault | undefined;
    if (p.method === 'GET') {
      if (this.faults.hits('truncateDownloadRate')) {
        fault = { kind: 'truncate' };
        p.fault = 'truncate_download';
      } else if (this.faults.hits('stallDownloadRate')) {
        fault = { kind: 'stall', ms: this.faults.current.stallMs * this.timeScale };
        p.fault = 'stall_download';
      }
    }
    const pacer = this.link.throttled ? this.link.connection() : undefined;
    this.record(p, serveClip(req, res, this.bodyOf(task), fault, this.stalls, pacer));
  }

  /** The sample clip itself, or (`fileSizes: 'real'`) a file of a real one's size made from it (sized-clip.ts). */
  private bodyOf(task: SimTask): Buffer | ClipBody {
    if (!this.realSizes) return this.clips[task.clip];
    const { resolution, duration } = task.body.input;
    const key = `${task.clip} ${resolution} ${duration}`;
    let body = this.sized.get(key);
    if (!body) {
      body = sizeClip(this.clips[task.clip], duration, REAL_BYTES_PER_SECOND[resolution] * duration);
      this.sized.set(key, body);
    }
    return body;
  }

  /**
   * The simulator's own image upload (uploads.ts): `PUT` with the API key stores an image; `GET`
   * and `HEAD` serve it publicly. Not APIXO's API, so rate limits and injected faults leave it be.
   */
  private async upload(req: IncomingMessage, res: ServerResponse, p: Pending): Promise<void> {
    const id = uploadId(p.path);
    if (p.method === 'GET' || p.method === 'HEAD') return this.record(p, serveUpload(req, res, this.uploads, id));
    if (p.method !== 'PUT') return this.reply(res, p, A.METHOD_NOT_ALLOWED, { allow: 'PUT, GET, HEAD' });
    if (!this.keyMatches(req)) return this.reply(res, p, A.UNAUTHORIZED);
    this.record(p, await receiveUpload(req, res, this.uploads, id, this.baseUrl));
  }

  // ── Answers and records ──────────────────────────────────────────────────────────────────

  private reply(res: ServerResponse, p: Pending, body: Envelope, headers?: Record<string, string>): void {
    sendEnvelope(res, body, headers);
    this.record(p, body.code);
  }

  private replyText(res: ServerResponse, p: Pending, status: number, text: string, headers?: Record<string, string>): void {
    sendText(res, status, text, headers);
    this.record(p, status);
  }

  private record(p: Pending, status: number): void {
    this.requests.push({
      time: Date.now(),
      method: p.method,
      path: p.path.length > 256 ? p.path.slice(0, 256) : p.path,
      endpoint: p.endpoint,
      taskId: p.taskId,
      status,
      body: p.body,
      fault: p.fault
    });
    this.byEndpoint[p.endpoint]++;
    this.byStatus[status] = (this.byStatus[status] ?? 0) + 1;
    if (p.fault) this.faultCounts[p.fault] = (this.faultCounts[p.fault] ?? 0) + 1;
  }

  /** A bug in the simulator answers 500 rather than taking the process down. */
  private crashed(res: ServerResponse, p: Pending, error: unknown): void {
    if (!res.headersSent) {
      sendEnvelope(res, envelope(500, 'Internal server error', { error: error instanceof Error ? error.message : String(error) }));
      this.record(p, 500);
    } else {
      res.destroy();
    }
  }
}

/**
 * Starts a simulator on 127.0.0.1 (a random free port unless `port` is given). With `stateDir`
 * it carries on from what that folder holds (state.ts).
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const clips = await loadSampleClips(options.resourcesDir ?? findResourcesDir());
  const startUsd = positiveOr(options.balanceUsd, A.DEFAULT_BALANCE_USD, 'balanceUsd');
  const warn = options.onWarning ?? ((message: string) => console.warn(`[simulator] ${message}`));
  const state = options.stateDir ? await openSimulatorState(resolve(options.stateDir), usdToMicros(startUsd), warn) : undefined;
  let simulator: SimulatorServer | undefined;
  try {
    simulator = new SimulatorServer(options, clips, state);
    await simulator.listen(options.port);
    return simulator;
  } catch (error) {
    await (simulator ? simulator.close() : state?.close());
    throw error;
  }
}
