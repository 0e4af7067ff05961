import type { TaskEdit, TaskRecord } from '@shared/batch';
import { isImageMode } from '@shared/model';
import { taskCost } from '@shared/pricing';
import type { GenerateRequest, TaskDraft } from '@shared/request';
import { buildRequest, drawSeed } from '@shared/request-builder';
import { validateRequest } from '@shared/validation';
import { TaskActionError } from './engine-types';
import type { TaskPatch } from './queue-state';

/** The draft a frozen request was built from (its image link as kept: unsigned, or a public one). */
export function draftOf(request: GenerateRequest): TaskDraft {
  const input = request.input;
  return {
    mode: input.mode,
    prompt: input.prompt,
    resolution: input.resolution,
    duration: input.duration,
    ...('aspect_ratio' in input && input.aspect_ratio ? { aspectRatio: input.aspect_ratio } : {}),
    ...(input.seed !== undefined ? { seed: input.seed } : {}),
    ...('image_urls' in input ? { imageUrl: input.image_urls[0] } : {}),
    ...('loras' in input ? { loras: input.loras } : {})
  };
}

/**
 * A failed task's request with the person's edit (architecture.md, "Triage"), built and checked
 * as an import's row is (request-builder.ts, validation.ts): the patch that carries it, or a
 * TaskActionError saying what is wrong, with nothing changed.
 */
export function editedRequest(
  task: TaskRecord,
  edit: TaskEdit,
  random: () => number
): { patch: TaskPatch & { request: GenerateRequest }; unset: (keyof TaskPatch)[] } {
  const draft = draftOf(task.request);
  const image = isImageMode(draft.mode);
  if (edit.imageUrl !== undefined && !image) throw new TaskActionError('This task makes a video from text: it has no source image to change.');
  if (edit.aspectRatio !== undefined && image) {
    throw new TaskActionError('The aspect ratio is only for text-to-video: an image-to-video keeps the shape of its source image.');
  }
  const next: TaskDraft = { ...draft };
  if (edit.prompt !== undefined) next.prompt = edit.prompt;
  if (edit.resolution !== undefined) next.resolution = edit.resolution;
  if (edit.duration !== undefined) next.duration = edit.duration;
  if (edit.aspectRatio !== undefined) next.aspectRatio = edit.aspectRatio;
  // Every take is sent with a concrete seed, so its video can be made again: "random" draws one now.
  if (edit.seed !== undefined) next.seed = edit.seed ?? drawSeed(random);
  let newLink = false;
  if (edit.imageUrl !== undefined) {
    const url = edit.imageUrl.trim();
    if (!/^https?:\/\//i.test(url)) throw new TaskActionError(`The image link must be a public http(s) link to the image file (got "${url.slice(0, 80)}").`);
    newLink = url !== draft.imageUrl;
    next.imageUrl = url;
  }
  const request = buildRequest(next);
  const problems = validateRequest(request);
  if (problems.length > 0) throw new TaskActionError(`The edit is not valid: ${problems.map((p) => p.message).join(' ')}`);
  const patch = { request, estimateMicros: taskCost(request.input), edits: (task.edits ?? 0) + 1 };
  // A new public link is sent as it is: the hosted copy's reference (and its local file) no longer apply.
  return { patch, unset: newLink ? ['image', 'imagePath'] : [] };
}
