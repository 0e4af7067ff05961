/** Where a command writes: plain streams in the CLI, buffers in tests. */
export interface Output {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Raw text with no newline: a progress line redrawn in place on a terminal. */
  write?: (text: string) => void;
}

export const stdio: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  write: (text) => process.stdout.write(text)
};

/** Exit codes every command shares. */
export const EXIT = {
  ok: 0,
  someFailed: 1,
  invalidInput: 2,
  stoppedByAccount: 3,
  /** The data folder could not be written: submits stopped (any task ID not journaled is printed). */
  stoppedByStorage: 4,
  interrupted: 130
} as const;

/** A mistake in how the command was called: shown with a pointer to `--help`. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** "1 video", "1,234 videos". */
export function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}
