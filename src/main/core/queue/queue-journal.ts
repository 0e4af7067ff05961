import type { JournalOptions } from '../store/journal';
import { parseQueueEvent } from './queue-schema';
import { applyQueueEvent, emptyQueueState, queueStateFromJson, queueStateToJson, type QueueEvent, type QueueState } from './queue-state';

/**
 * How the queue is kept in its journal (architecture.md, "Persistence and recovery"): the
 * reducer, the snapshot's form, and the checks on what is read back. The engine, a read-only
 * peek and the tests all open the queue this one way.
 */
export const QUEUE_JOURNAL = {
  initial: emptyQueueState,
  apply: applyQueueEvent,
  parseEvent: parseQueueEvent,
  toSnapshot: queueStateToJson,
  fromSnapshot: queueStateFromJson
} satisfies JournalOptions<QueueEvent, QueueState>;
