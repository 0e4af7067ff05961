/**
 * Prompt markers: text a prompt can carry to make the simulator behave in a chosen way,
 * deterministically (no randomness involved), for tests and demos. Markers may be combined,
 * e.g. `[sim:slow][sim:fail:Timeout]`. They are separate from fault injection (faults.ts),
 * which is random and hits any request.
 */

export interface Markers {
  /**
   * `[sim:fail:CODE]`: the task fails with failCode CODE and a realistic failMsg
   * (fail-messages.ts; codes it does not know get a generic message). Its cost is refunded.
   */
  failCode?: string;
  /**
   * `[sim:state:WORD]`: after its pending phase the status reports the undocumented state WORD
   * (letters, digits, `_` and `-`) until the task completes; then it succeeds as usual.
   */
  state?: string;
  /** `[sim:expired]`: the task succeeds, but its result URL has already expired (410). */
  expired: boolean;
  /** `[sim:slow]`: generation takes 3× longer than its latency draw. */
  slow: boolean;
  /** `[sim:reject]`: the submit answers 400 with a validation-like message; no task, no charge. */
  reject: boolean;
}

/** `[sim:slow]` multiplies the generation time by this. */
export const SLOW_FACTOR = 3;

/** The error text a `[sim:reject]` submit answers with (in `data.error`). */
export const REJECT_MESSAGE = 'Invalid prompt: The prompt was rejected by the server ([sim:reject]).';

const FAIL = /\[sim:fail:([^\]\r\n]{1,64})\]/;
const STATE = /\[sim:state:([A-Za-z0-9_-]{1,32})\]/;

/** Reads the markers in a prompt; any non-string prompt has none. */
export function parseMarkers(prompt: unknown): Markers {
  const none: Markers = { expired: false, slow: false, reject: false };
  // Fast path: nearly every prompt carries no marker at all.
  if (typeof prompt !== 'string' || !prompt.includes('[sim:')) return none;
  const fail = FAIL.exec(prompt);
  const state = STATE.exec(prompt);
  return {
    failCode: fail ? fail[1].trim() || undefined : undefined,
    state: state ? state[1] : undefined,
    expired: prompt.includes('[sim:expired]'),
    slow: prompt.includes('[sim:slow]'),
    reject: prompt.includes('[sim:reject]')
  };
}
