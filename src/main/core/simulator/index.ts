/**
 * The APIXO-compatible simulator: the product's default API when no key is set, and the fake
 * every test and benchmark runs against. Start one with `startSimulator()` and point an
 * `ApixoClient` at its `baseUrl` with its `apiKey`.
 *
 * What it does, in short (details where each lives):
 * - the contract's endpoints and envelopes on 127.0.0.1 (server.ts), validated with the shared
 *   validator and answered in the server's words (validation-errors.ts);
 * - tasks whose state is a function of the clock: pending for the first 15 % of a generation time
 *   drawn from the model's latency table, then processing, then success or failed (tasks.ts);
 * - billing in integer micros: the priced cost is debited at submit, refunded when a task fails
 *   (ledger.ts), or kept with `billFailures`; concurrency and per-minute limits answer 429
 *   with Retry-After (rate-limiter.ts);
 * - signed, expiring result URLs serving the sample clips with Range support (url-signer.ts,
 *   files.ts, range.ts); webhook callbacks with retries (callbacks.ts);
 * - deterministic prompt markers (markers.ts) and seeded random faults (faults.ts, random.ts);
 * - an image upload standing in for a bucket, whose URLs image tasks can use (uploads.ts);
 * - with a state folder, memory across processes: tasks, balance, signing secret, port and
 *   uploads survive a stop or a crash (state.ts).
 * Every answer carries `x-apixo-simulator: 1`.
 */
export { startSimulator } from './server';
export {
  DEFAULT_API_KEY,
  DEFAULT_BALANCE_USD,
  DEFAULT_CONCURRENCY_LIMIT,
  DEFAULT_RESULT_TTL_MS,
  DEFAULT_CALLBACK_RETRY_DELAYS_MS,
  DEFAULT_CALLBACK_TIMEOUT_MS,
  MAX_BODY_BYTES
} from './answers';
export { readSimulatorTasks, simulatorStateDir, type StoredTask } from './state';
export type { CallbackAttempt, Endpoint, RecordedRequest, SimTaskView, Simulator, SimulatorCounts, SimulatorOptions, Submission } from './types';
export { NO_FAULTS, type FaultKind, type FaultRate, type Faults } from './faults';
export { REJECT_MESSAGE, SLOW_FACTOR, parseMarkers, type Markers } from './markers';
export { GENERIC_FAIL_MESSAGE, failMessage } from './fail-messages';
export { FAIL_SHARE, PENDING_SHARE } from './tasks';
export { findResourcesDir } from './resources';
export { DEFAULT_UPLOADS_CAP_BYTES, UPLOAD_MAX_BYTES, uploadUrl } from './uploads';
