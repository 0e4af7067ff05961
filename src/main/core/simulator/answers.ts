import { envelope, type Envelope } from './http-io';

/**
 * The simulator's fixed answers and defaults: what server.ts replies with, in the API's own
 * words and envelopes.
 */

/** A submit body larger than this answers 413. */
export const MAX_BODY_BYTES = 1024 * 1024;

export const DEFAULT_API_KEY = 'sim-key';
export const DEFAULT_BALANCE_USD = 100;
export const DEFAULT_CONCURRENCY_LIMIT = 1000;
export const DEFAULT_RESULT_TTL_MS = 15 * 24 * 60 * 60 * 1000;
export const DEFAULT_CALLBACK_RETRY_DELAYS_MS: readonly number[] = [30_000, 120_000, 600_000];
export const DEFAULT_CALLBACK_TIMEOUT_MS = 30_000;

/** 5xx an injected server error picks from (a submit always gets 503: see faults.ts). */
export const SERVER_ERRORS: readonly Envelope[] = [
  envelope(500, 'Internal server error'),
  envelope(502, 'Bad gateway'),
  envelope(503, 'Service temporarily unavailable'),
  envelope(504, 'Gateway timeout')
];
export const SERVICE_UNAVAILABLE = SERVER_ERRORS[2];

export const UNAUTHORIZED = envelope(401, 'Invalid or missing API key');
export const NOT_FOUND = envelope(404, 'Not found');
export const TASK_NOT_FOUND = envelope(404, 'Task not found');
export const METHOD_NOT_ALLOWED = envelope(405, 'Method not allowed');
export const INSUFFICIENT_BALANCE = envelope(402, 'Insufficient balance');
export const CONCURRENCY_LIMITED = envelope(429, 'Too many requests: concurrency limit reached');
export const RATE_LIMITED = envelope(429, 'Too many requests: rate limit reached');
export const BAD_JSON = envelope(400, 'Invalid request', { error: 'Request body is not valid JSON' });
export const TOO_LARGE = envelope(413, 'Request body too large', { error: `The request body exceeds ${MAX_BODY_BYTES / (1024 * 1024)} MB` });
export const MISSING_TASK_ID = envelope(400, 'Invalid request', { error: 'Missing required field: taskId' });

export function invalid(error: string): Envelope {
  return envelope(400, 'Invalid request', { error });
}

/** An option's value, or its default; a negative (or zero, where not allowed) or non-finite one throws. */
export function positiveOr(value: number | undefined, fallback: number, name: string, allowZero = true): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new RangeError(`Simulator option ${name} must be a ${allowZero ? 'non-negative' : 'positive'} number (got ${value}).`);
  }
  return value;
}
