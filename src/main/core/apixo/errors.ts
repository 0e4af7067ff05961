/**
 * Every way a call to APIXO can fail, classified so that callers decide by kind, never by
 * parsing messages. Messages are written for people and never contain the API key.
 */
export type ApixoErrorKind =
  /** 400: the server refused the request body; `serverMessage` says why. */
  | 'validation'
  /** 401: missing or wrong API key. */
  | 'auth'
  /** 402, or a 400 saying "insufficient": the account has no balance left. */
  | 'balance'
  /** 403: the key may not use this model or route. */
  | 'forbidden'
  /** 404: no such task. */
  | 'not_found'
  /** 429: rate or concurrency limit; `retryAfterMs` when the server said. */
  | 'rate_limited'
  /** 5xx other than an ambiguous submit. */
  | 'server'
  /** The connection failed; `sent` says whether the request can have reached the server. */
  | 'network'
  /** A submit that may have created (and billed) a task: never retry it blindly. */
  | 'outcome_unknown'
  /** The server answered something this client cannot read. */
  | 'bad_response';

/** Whether the request can have reached the server: decides if a POST may be retried. */
export type Delivery = 'not_sent' | 'maybe_sent' | 'received';

export interface ApixoErrorDetails {
  status?: number;
  serverMessage?: string;
  retryAfterMs?: number;
  delivery: Delivery;
  /** A low-level code such as ECONNREFUSED or ETIMEDOUT. */
  code?: string;
}

export class ApixoError extends Error {
  readonly kind: ApixoErrorKind;
  readonly status?: number;
  readonly serverMessage?: string;
  readonly retryAfterMs?: number;
  readonly delivery: Delivery;
  readonly code?: string;

  constructor(kind: ApixoErrorKind, message: string, details: ApixoErrorDetails) {
    super(message);
    this.name = kind === 'outcome_unknown' ? 'SubmitOutcomeUnknownError' : 'ApixoError';
    this.kind = kind;
    this.status = details.status;
    this.serverMessage = details.serverMessage;
    this.retryAfterMs = details.retryAfterMs;
    this.delivery = details.delivery;
    this.code = details.code;
  }
}

export function isApixoError(error: unknown, kind?: ApixoErrorKind): error is ApixoError {
  return error instanceof ApixoError && (kind === undefined || error.kind === kind);
}

/** What a person should do next, by kind of error. */
export const ERROR_GUIDANCE: Record<ApixoErrorKind, string> = {
  validation: 'Fix the request and try again.',
  auth: 'Check your APIXO API key.',
  balance: 'Add balance to your APIXO account, or switch to another key.',
  forbidden: 'Check that your key may use LTX 2 19B (or that the content is allowed).',
  not_found: 'Check the task ID: APIXO does not know it.',
  rate_limited: 'APIXO is limiting requests; the app slows down and tries again.',
  server: 'APIXO had a problem; the app tries again with backoff.',
  network: 'Check your internet connection; the app tries again.',
  outcome_unknown: 'The task may or may not have been created (and billed). Check it before submitting again: resubmit, abandon, or attach its task ID.',
  bad_response: 'APIXO answered something unexpected; the app tries again.'
};
