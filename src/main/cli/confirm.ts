import { createInterface } from 'node:readline/promises';
import { UsageError, type Output } from './output';

/** Asks a yes/no question on the terminal; without one, a usage error asking for --yes. */
export async function confirm(question: string, io: Output): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw new UsageError('Not asking for confirmation without a terminal: add --yes to submit.');
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
    io.out('');
  }
}
