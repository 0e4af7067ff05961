import type { Micros } from '@shared/pricing';
import type { GenerateRequest } from '@shared/request';
import type { FaultKind, Faults } from './faults';
import type { LinkOptions } from './link';

export interface SimulatorOptions {
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** The one API key the simulator accepts as `Authorization: Bearer <key>`. Default `sim-key`. */
  apiKey?: string;
  /**
   * Multiplies every simulated duration and wait: generation times, the result URL lifetime,
   * callback retry delays and timeout, download stalls, the rate-limit window. Must be > 0.
   * `Retry-After` is reported in simulated seconds, because clients multiply it by their own
   * timeScale. Timestamps in status answers are real wall-clock milliseconds. Default 1.
   */
  timeScale?: number;
  /** Starting balance in USD. Default 100. A `stateDir` that already has a balance keeps it. */
  balanceUsd?: number;
  /** Tasks pending or processing at once; a submit beyond it answers 429. Default 1000. */
  concurrencyLimit?: number;
  /** At most this many API requests in any (simulated) minute; beyond it 429. Default: no limit. */
  rateLimitPerMinute?: number;
  /** How long result URLs stay valid after completion (ms, × timeScale). Default 15 days. */
  resultTtlMs?: number;
  /** Seed of the PRNG behind task IDs, latencies and faults. Default: a random one (see `Simulator.seed`). */
  seed?: number;
  /** Fault injection switches (faults.ts); all off by default. */
  faults?: Partial<Faults>;
  /**
   * Bill failed tasks: a task that fails keeps the cost debited at its submit instead of having
   * it refunded (the contract leaves open whether APIXO bills failures; this plays the case
   * where it does). Like `faults` and `timeScale`, it is not kept in a `stateDir`: the simulator
   * that settles a failure decides, so give it again when starting on the same folder. Default false.
   */
  billFailures?: boolean;
  /**
   * What result files weigh. `'sample'` (the default): the sample clip itself, 4 s and a few
   * hundred KB, whatever was asked for. `'real'`: a file as large as a real one for the task's
   * resolution and duration (sized-clip.ts: 1080p × 20 s is 30 MB), made on the fly from the
   * sample clip, a valid MP4 of the task's duration, streamed, never stored.
   */
  fileSizes?: 'sample' | 'real';
  /** Speed limits for result downloads, per connection and in all (link.ts; real bytes/s). Default: none. */
  link?: LinkOptions;
  /** Folder holding sample-16x9.mp4 and sample-9x16.mp4. Default: `resources/sim` found by walking up. */
  resourcesDir?: string;
  /** Waits before callback retries 1, 2, 3 (ms, × timeScale). Default [30 s, 2 min, 10 min]. */
  callbackRetryDelaysMs?: number[];
  /** How long a callback receiver has to answer (ms, × timeScale). Default 30 s. */
  callbackTimeoutMs?: number;
  /** Bytes of uploaded images kept in memory (`PUT …/sim/uploads/<name>`); the oldest go first. Default 256 MB. */
  uploadsCapBytes?: number;
  /**
   * A folder to remember everything in (state.ts): tasks and their timings, the balance, uploads,
   * the URL-signing secret and the port. A simulator opened on it carries on where the last one
   * stopped or crashed: on the same port when it is free (unless `port` is given), with the
   * stored balance (`balanceUsd` is then only a new folder's; without it, a balance below $100
   * is refilled to $100). One process at a time. Default: none, everything is in memory.
   */
  stateDir?: string;
  /** Told when the state folder cannot be read or written (the simulator carries on). Default: console.warn. */
  onWarning?: (message: string) => void;
  /**
   * Told of each well-formed POST to the generate endpoint the moment its body has arrived, before
   * it is checked or answered: tests look at what the client had recorded by then.
   */
  onSubmit?: (request: GenerateRequest) => void;
}

/** Which endpoint a request was for. */
export type Endpoint = 'submit' | 'status' | 'balance' | 'file' | 'other';

/** One request as the simulator saw and answered it. */
export interface RecordedRequest {
  /** Wall-clock ms when the answer was decided. */
  time: number;
  method: string;
  /** The path without its query string. */
  path: string;
  endpoint: Endpoint;
  /** The task the request was about: created by a submit, asked by a status poll, or downloaded. */
  taskId?: string;
  /** HTTP status answered; 0 when the socket was destroyed without an answer. */
  status: number;
  /** Submits: the parsed JSON body (whether or not it was accepted). */
  body?: unknown;
  /** An injected fault, if one hit this request. */
  fault?: FaultKind;
}

/** A submit that created a task. */
export interface Submission {
  taskId: string;
  body: GenerateRequest;
  time: number;
}

/** One attempt to deliver a callback. */
export interface CallbackAttempt {
  taskId: string;
  url: string;
  /** 1 for the first delivery, 2–4 for the retries. */
  attempt: number;
  /** Wall-clock ms when the attempt ended. */
  time: number;
  /** The receiver's HTTP status, when it answered. */
  status?: number;
  /** Why the attempt failed without an answer (connection refused, timeout …). */
  error?: string;
  /** `delivered` (HTTP 200), `retrying` (another attempt is scheduled) or `abandoned` (the last one failed). */
  outcome: 'delivered' | 'retrying' | 'abandoned';
}

/** A task as the simulator knows it, seen at the moment of the call. */
export interface SimTaskView {
  taskId: string;
  body: GenerateRequest;
  /** The state the status endpoint reports now. */
  state: string;
  createTime: number;
  /** When the pending phase ends. */
  processingTime: number;
  /** When the task completes (in the future while it runs). */
  completeTime: number;
  /** What was debited at submit. */
  costMicros: Micros;
  /** Whether the cost was given back (failed tasks, once they have failed, unless failures are billed). */
  refunded: boolean;
  /** How the task ends. */
  outcome: 'success' | 'failed';
  failCode?: string;
  callbackUrl?: string;
  /** The signed result URL, once the task has succeeded. */
  resultUrl?: string;
}

export interface SimulatorCounts {
  requests: number;
  byEndpoint: Record<Endpoint, number>;
  /** Requests by the HTTP status answered (0: socket destroyed without an answer). */
  byStatus: Record<number, number>;
  /** Tasks created. */
  tasks: number;
  /** Tasks pending or processing now. */
  activeTasks: number;
  /** Status polls per taskId (every status request that named one). */
  statusPolls: Map<string, number>;
  /** File requests per taskId. */
  downloads: Map<string, number>;
  callbackAttempts: number;
  /** Uploaded images held now. */
  uploads: number;
  /** Requests an injected fault hit, by kind. */
  faults: Partial<Record<FaultKind, number>>;
}

/** A running simulator. */
export interface Simulator {
  /** `http://127.0.0.1:PORT/api/v1`: what a client takes as its base URL. */
  readonly baseUrl: string;
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string;
  readonly port: number;
  readonly apiKey: string;
  /** The seed in use (the given one, or the random one drawn at start). */
  readonly seed: number;
  readonly timeScale: number;
  /** Every request, in order of answer. */
  readonly requests: readonly RecordedRequest[];
  /** Every submit that created a task, in order. */
  readonly submissions: readonly Submission[];
  /** Every callback delivery attempt, in order. */
  readonly callbacks: readonly CallbackAttempt[];
  task(taskId: string): SimTaskView | undefined;
  balanceUsd(): number;
  setBalance(usd: number): void;
  setFaults(partial: Partial<Faults>): void;
  setConcurrencyLimit(n: number): void;
  counts(): SimulatorCounts;
  /** Stops listening, drops open connections, cancels pending callbacks and stalls. */
  close(): Promise<void>;
}
