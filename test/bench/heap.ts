// A full garbage collection on demand, without starting node with --expose-gc, so that "heap
// used" is what is really held, not garbage waiting for the next collection.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap in use after a full collection, in bytes. */
export function heapUsedAfterGc(): number {
  gc();
  return process.memoryUsage().heapUsed;
}
