/** Why a library action was refused; `code` matches the IPC error codes, `message` is for people. */
export type LibraryErrorCode = 'not_found' | 'not_allowed' | 'invalid_argument';

/** A library action the person asked for that cannot be done as asked (not a fault of the app). */
export class LibraryError extends Error {
  constructor(
    readonly code: LibraryErrorCode,
    message: string
  ) {
    super(message);
    this.name = 'LibraryError';
  }
}

export function isLibraryError(error: unknown): error is LibraryError {
  return error instanceof LibraryError;
}
