/**
 * How a download ended badly, so that callers decide by kind, never by parsing messages:
 * - `expired`: the link answered 401/403/404/410 — the result is gone from APIXO's storage;
 * - `not_video`: what came back is not an MP4 (an HTML page, an error text …);
 * - `transient`: network trouble that outlasted every retry (the `.part` is kept to resume);
 * - `aborted`: the caller's signal stopped it (the `.part` is kept to resume).
 */
export type DownloadErrorKind = 'expired' | 'not_video' | 'transient' | 'aborted';

export interface DownloadErrorDetails {
  /** The HTTP status that decided it, when there was one. */
  status?: number;
  /** Attempts made. */
  attempts?: number;
  cause?: unknown;
}

export class DownloadError extends Error {
  readonly kind: DownloadErrorKind;
  readonly status?: number;
  readonly attempts?: number;

  constructor(kind: DownloadErrorKind, message: string, details: DownloadErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'DownloadError';
    this.kind = kind;
    this.status = details.status;
    this.attempts = details.attempts;
  }
}

export function isDownloadError(error: unknown, kind?: DownloadErrorKind): error is DownloadError {
  return error instanceof DownloadError && (kind === undefined || error.kind === kind);
}

/** What a person should do next, by kind. */
export const DOWNLOAD_GUIDANCE: Record<DownloadErrorKind, string> = {
  expired: 'APIXO no longer has this result; generate the video again if you still need it.',
  not_video: 'The link did not give a video; try again later, or generate the video again.',
  transient: 'Check your internet connection and retry the download; it resumes where it stopped.',
  aborted: 'Retry the download when you want it; it resumes where it stopped.'
};
