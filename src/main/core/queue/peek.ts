import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readJournalState } from '../store/journal';
import { QUEUE_JOURNAL } from './queue-journal';
import type { QueueEvent, QueueState } from './queue-state';

/**
 * The queue as its journal says, read without taking the data folder over: safe while another
 * process runs it. Undefined when the folder holds no queue.
 */
export async function peekQueue(dataDir: string): Promise<QueueState | undefined> {
  if (!existsSync(join(dataDir, 'journal.jsonl')) && !existsSync(join(dataDir, 'snapshot.json'))) return undefined;
  const { state } = await readJournalState<QueueEvent, QueueState>(dataDir, {
    ...QUEUE_JOURNAL,
    onWarning: () => undefined
  });
  return state;
}
