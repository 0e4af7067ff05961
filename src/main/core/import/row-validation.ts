import { buildRequest } from '@shared/request-builder';
import type { TaskDraft } from '@shared/request';
import { validateRequest, type Problem } from '@shared/validation';

/**
 * Cells the person filled in that the draft's mode does not use. `buildRequest` rightly leaves
 * them out of the body, so they are put back for validation: the validator then says why they
 * do not belong (an aspect ratio on an image-to-video row, an image on a text-to-video row …).
 */
export interface Strays {
  aspectRatio?: string;
  imageUrl?: string;
  loras?: unknown[];
}

/**
 * Validates one take exactly as it would be sent: `buildRequest`, then `validateRequest`. A row
 * with a good local image has no URL yet (it is hosted later), so only its "image required"
 * problem is dropped.
 */
export function validateTake(draft: TaskDraft, strays: Strays | undefined, localImage: boolean): Problem[] {
  const body = buildRequest(draft);
  if (strays) {
    const input = body.input as unknown as Record<string, unknown>;
    if (strays.aspectRatio !== undefined) input.aspect_ratio = strays.aspectRatio;
    if (strays.imageUrl !== undefined) input.image_urls = [strays.imageUrl];
    if (strays.loras !== undefined) input.loras = strays.loras;
  }
  const problems = validateRequest(body);
  return localImage ? problems.filter((p) => !(p.field === 'image_urls' && p.code === 'required')) : problems;
}
