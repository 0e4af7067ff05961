import type { Random } from './random';

/**
 * Random fault injection. Each rate is a probability from 0 to 1, drawn per request from the
 * simulator's seeded fault stream (so a seeded run injects the same faults). Faults are
 * independent of prompt markers (markers.ts), which are deterministic and per task.
 */
export interface Faults {
  /**
   * Any API request answers 500, 502, 503 or 504 without doing anything: no task created, no
   * state changed, nothing billed. A submit always gets 503, the one 5xx that the contract
   * lets a client read as "certainly not accepted" (the others leave the outcome open, and an
   * injected error here must keep "no task was created" true).
   */
  serverErrorRate: number;
  /** A submit creates and bills its task, then answers 502: the ambiguous case. */
  errorAfterAcceptRate: number;
  /** A submit creates and bills its task, then the socket is destroyed without an answer. */
  resetAfterAcceptRate: number;
  /** A status poll answers HTTP 200 with a broken body: truncated JSON, or `code: 200` and no `data`. */
  malformedStatusRate: number;
  /** A file download announces the full Content-Length, then closes after about half the bytes. */
  truncateDownloadRate: number;
  /** A file download sends about half the bytes, stalls for `stallMs`, then destroys the socket. */
  stallDownloadRate: number;
  /** A file download answers 503 (as object storage under load), sending no byte. */
  downloadServerErrorRate: number;
  /** A status poll answers 429 with `Retry-After: 1`. */
  status429Rate: number;
  /** How long a stalled download hangs before its socket is destroyed (ms, × timeScale). Default 30 s. */
  stallMs: number;
}

export type FaultRate = Exclude<keyof Faults, 'stallMs'>;

export const NO_FAULTS: Readonly<Faults> = {
  serverErrorRate: 0,
  errorAfterAcceptRate: 0,
  resetAfterAcceptRate: 0,
  malformedStatusRate: 0,
  truncateDownloadRate: 0,
  stallDownloadRate: 0,
  downloadServerErrorRate: 0,
  status429Rate: 0,
  stallMs: 30_000
};

/** What a recorded request says about an injected fault. */
export type FaultKind =
  | 'server_error'
  | 'error_after_accept'
  | 'reset_after_accept'
  | 'malformed_status'
  | 'status_429'
  | 'truncate_download'
  | 'stall_download'
  | 'download_server_error';

function clampRate(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}

/** The current fault switches and the dice they are rolled with. */
export class FaultInjector {
  private faults: Faults = { ...NO_FAULTS };

  constructor(
    private readonly random: Random,
    initial: Partial<Faults> = {}
  ) {
    this.set(initial);
  }

  /** Changes the given switches; the others keep their values. */
  set(partial: Partial<Faults>): void {
    const next: Faults = { ...this.faults };
    for (const key of Object.keys(partial) as (keyof Faults)[]) {
      const value = partial[key];
      if (value === undefined) continue;
      if (key === 'stallMs') {
        if (typeof value === 'number' && Number.isFinite(value) && value >= 0) next.stallMs = value;
      } else {
        next[key] = clampRate(value);
      }
    }
    this.faults = next;
  }

  get current(): Readonly<Faults> {
    return this.faults;
  }

  /** Whether the fault happens this time. A rate of 0 draws nothing, so it costs nothing. */
  hits(rate: FaultRate): boolean {
    const p = this.faults[rate];
    if (p <= 0) return false;
    if (p >= 1) return true;
    return this.random() < p;
  }

  /** One of the choices, drawn from the fault stream. */
  pick<T>(choices: readonly T[]): T {
    return choices[Math.floor(this.random() * choices.length)];
  }
}
