/** Where a command writes: plain streams in the CLI, buffers in tests. */
export interface Output {
  out: (line: string) => void;
  err: (line: string) => void;
}

export const stdio: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`)
};

/** Exit codes every command shares. */
export const EXIT = {
  ok: 0,
  someFailed: 1,
  invalidInput: 2,
  stoppedByAccount: 3
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
