import { taskIdFor, type BatchRecord, type TaskRecord } from '@shared/batch';
import { taskCost } from '@shared/pricing';
import { buildRequest, drawSeed } from '@shared/request-builder';
import { validateRequest } from '@shared/validation';
import { TaskActionError, type NewBatch } from './engine-types';

/**
 * A new batch and its tasks, as `batch_added` journals them: every request is built and
 * validated now and frozen. Throws TaskActionError on the first row that cannot be submitted.
 */
export function newBatchRecords(
  spec: NewBatch & { simulated?: boolean },
  createdAt: number,
  random: () => number
): { batch: BatchRecord; tasks: TaskRecord[] } {
  const id = newBatchId(createdAt, random);
  const tasks: TaskRecord[] = spec.tasks.map((row, position) => {
    // Every take is sent with a concrete seed, so its video can be made again exactly: the doors
    // choose them by the batch's seed policy, and a draft that arrives without one is given one here.
    const draft = row.draft.seed === undefined ? { ...row.draft, seed: drawSeed(random) } : row.draft;
    const request = buildRequest(draft);
    const problems = validateRequest(request);
    if (row.imagePath && !row.draft.imageUrl) {
      throw new TaskActionError(`Row ${row.source.row} uses a local image, which needs image hosting before it can be submitted.`);
    }
    if (problems.length > 0) throw new TaskActionError(`Row ${row.source.row} is not valid: ${problems[0].message}`);
    return {
      id: taskIdFor(id, position),
      batchId: id,
      position,
      source: row.source,
      request,
      imagePath: row.imagePath,
      // Where the app hosted the image; the request holds the link's unsigned form (architecture.md, "Security").
      ...(row.draft.imageRef && 'image_urls' in request.input ? { image: row.draft.imageRef } : {}),
      estimateMicros: taskCost(request.input),
      state: 'queued',
      attempts: 0,
      autoRetries: 0,
      spentMicros: 0,
      times: { created: createdAt, queued: createdAt }
    };
  });
  const batch: BatchRecord = {
    id,
    name: spec.name,
    createdAt,
    libraryDir: spec.libraryDir,
    sourceFile: spec.sourceFile,
    sourceKey: spec.sourceKey,
    capMicros: spec.capMicros,
    ...(spec.simulated ? { simulated: true } : {}),
    taskIds: tasks.map((t) => t.id)
  };
  return { batch, tasks };
}

function newBatchId(now: number, random: () => number): string {
  const time = now.toString(36);
  const rand = Math.floor(random() * 36 ** 4)
    .toString(36)
    .padStart(4, '0');
  return `b${time}${rand}`;
}
