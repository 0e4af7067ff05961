/** Where an update of the app stands, as the window shows it. */
export type UpdateStatus =
  /** A development build, or a platform without updates: nothing to show. */
  | { state: 'unsupported' }
  /** Up to date (as of `checkedAt`), or not looked yet. */
  | { state: 'idle'; checkedAt?: number }
  | { state: 'checking' }
  | { state: 'downloading'; version: string; notes: string; percent: number }
  /** Downloaded and offered; `inFlight`/`downloading` say what a restart now would interrupt. */
  | { state: 'ready'; version: string; notes: string; inFlight: number; downloading: number }
  /** The person chose to restart once the queue is done. */
  | { state: 'waiting'; version: string; notes: string; inFlight: number; downloading: number }
  | { state: 'error'; message: string; checkedAt: number };
