import type { DiskProblem } from '../util/disk-space';

/**
 * How a download ended badly, so that callers decide by kind, never by parsing messages:
 * - `expired`: the link answered 401/403/404/410 — the result is gone from APIXO's storage;
 * - `not_video`: what came back is not an MP4 (an HTML page, an error text …);
 * - `too_large`: the server sent (or announced) more than any video of the request's size could
 *   be, so the download was stopped and its `.part` removed;
 * - `bad_link`: the link cannot give the file as it stands: a protocol other than http(s), more
 *   redirects than allowed, or a 4xx other than 408 and 429;
 * - `disk`: the library's disk is full, read-only or gone (the `.part` keeps its whole bytes, to
 *   resume once there is room);
 * - `transient`: network trouble that outlasted every retry (the `.part` is kept to resume);
 * - `aborted`: the caller's signal stopped it (the `.part` is kept to resume).
 */
export type DownloadErrorKind = 'expired' | 'not_video' | 'too_large' | 'bad_link' | 'disk' | 'transient' | 'aborted';

/** Kinds that trying the same link again cannot mend: no automatic retry, ever. */
export const PERMANENT_DOWNLOAD_KINDS: ReadonlySet<DownloadErrorKind> = new Set<DownloadErrorKind>(['expired', 'not_video', 'too_large', 'bad_link']);

export interface DownloadErrorDetails {
  /** The HTTP status that decided it, when there was one. */
  status?: number;
  /** Attempts made. */
  attempts?: number;
  cause?: unknown;
  /** What a person should do next, when the cause asks for more than the kind's own advice. */
  guidance?: string;
  /** For `disk`: what is wrong with the disk. */
  disk?: DiskProblem;
}

export class DownloadError extends Error {
  readonly kind: DownloadErrorKind;
  readonly status?: number;
  readonly attempts?: number;
  /** What a person should do next, matching the cause. */
  readonly guidance: string;
  readonly disk?: DiskProblem;

  constructor(kind: DownloadErrorKind, message: string, details: DownloadErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'DownloadError';
    this.kind = kind;
    this.status = details.status;
    this.attempts = details.attempts;
    this.guidance = details.guidance ?? DOWNLOAD_GUIDANCE[kind];
    this.disk = details.disk;
  }

  /** Whether the same link can never give the video: retrying is pointless. */
  get permanent(): boolean {
    return PERMANENT_DOWNLOAD_KINDS.has(this.kind);
  }
}

export function isDownloadError(error: unknown, kind?: DownloadErrorKind): error is DownloadError {
  return error instanceof DownloadError && (kind === undefined || error.kind === kind);
}

/** What a person should do next, by kind (a cause may give more precise advice: `DownloadError.guidance`). */
export const DOWNLOAD_GUIDANCE: Record<DownloadErrorKind, string> = {
  expired: 'APIXO no longer has this result; generate the video again if you still need it.',
  not_video: 'Trying the same link again will not help: generate the video again, or contact APIXO support with the task ID.',
  too_large: 'Trying the same link again will not help: generate the video again, or contact APIXO support with the task ID.',
  bad_link: 'Trying the same link again will not help: generate the video again, or contact APIXO support with the task ID.',
  disk: 'Make room on the library disk; the download then goes on by itself and resumes where it stopped.',
  transient: 'Check your internet connection and retry the download; it resumes where it stopped.',
  aborted: 'Retry the download when you want it; it resumes where it stopped.'
};
