/**
 * Where a finished task's video is in the library, as the library names it: the path from the
 * library folder with `/` separators (what `library:get`, `library:reveal` and the player take).
 * A batch saves into its own folder (`BatchRecord.libraryDir`), which is the library folder or
 * one inside it; a video saved outside the library folder (it was moved since) has no path.
 */
import type { BatchInfo, TaskRecord } from '@shared/batch';

function parts(path: string): string[] {
  return path.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
}

export function libraryPathOf(
  task: Pick<TaskRecord, 'state' | 'file'>,
  batch: Pick<BatchInfo, 'libraryDir'> | undefined,
  libraryRoot: string | undefined
): string | undefined {
  if (task.state !== 'done' || !task.file || !batch || !libraryRoot) return undefined;
  const root = parts(libraryRoot);
  const folder = parts(batch.libraryDir);
  // Windows paths compare without case.
  const same = (a: string, b: string) => (/^[a-z]:$/i.test(root[0] ?? '') ? a.toLowerCase() === b.toLowerCase() : a === b);
  if (folder.length < root.length || !root.every((p, i) => same(p, folder[i]))) return undefined;
  const inner = [...folder.slice(root.length), ...parts(task.file)];
  if (inner.some((p) => p === '..')) return undefined;
  return inner.join('/');
}
