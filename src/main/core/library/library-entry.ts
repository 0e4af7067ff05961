import type { LibraryEntry, Sidecar, VideoProbe, VideoRecipe } from '@shared/library';
import { MODEL_ID } from '@shared/model';
import { aspectLabel } from './aspect';

export type { EntryOrigin, LibraryEntry } from '@shared/library';

export interface FileFacts {
  path: string;
  name: string;
  sizeBytes: number;
  mtimeMs: number;
}

/** An entry for a video with a valid sidecar. */
export function appEntry(file: FileFacts, sidecar: Sidecar): LibraryEntry {
  const created = Date.parse(sidecar.createdAt);
  const probe = sidecar.probe;
  const title = sidecar.name?.trim();
  return {
    ...file,
    origin: 'app',
    sidecar,
    probe,
    ...(title ? { title } : {}),
    prompt: sidecar.prompt,
    mode: sidecar.mode,
    resolution: sidecar.resolution,
    aspect: sidecar.aspectRatio ?? aspectLabel(probe.width, probe.height),
    durationSec: sidecar.duration,
    batchId: sidecar.batch.id,
    batchName: sidecar.batch.name,
    ...(sidecar.parent ? { parent: sidecar.parent } : {}),
    createdAt: Number.isNaN(created) ? file.mtimeMs : created,
    favourite: sidecar.favourite === true,
    ...(sidecar.verdict === 'keep' || sidecar.verdict === 'reject' ? { verdict: sidecar.verdict } : {}),
    row: sidecar.sourceRow.row,
    take: sidecar.sourceRow.take,
    ...(sidecar.sourceRow.axes ? { axes: sidecar.sourceRow.axes } : {}),
    costMicros: sidecar.costMicros ?? sidecar.estimateMicros,
    // Made by the simulator: its cost is what APIXO would have asked, never money spent (docs/architecture.md, "Money").
    ...(sidecar.simulated === true ? { simulated: true } : {})
  };
}

/** An entry for a video known only by its file. */
export function unknownEntry(
  file: FileFacts,
  probe: VideoProbe | undefined,
  probeError: string | undefined,
  sidecarProblem: LibraryEntry['sidecarProblem']
): LibraryEntry {
  const entry: LibraryEntry = {
    ...file,
    origin: 'unknown',
    prompt: '',
    createdAt: file.mtimeMs,
    favourite: false
  };
  if (sidecarProblem) entry.sidecarProblem = sidecarProblem;
  if (probeError) entry.probeError = probeError;
  if (probe) {
    entry.probe = probe;
    entry.aspect = aspectLabel(probe.width, probe.height);
    entry.durationSec = probe.durationSec;
  }
  return entry;
}

/**
 * An entry for a video with no sidecar whose MP4 carries the recipe this app wrote inside it
 * ("recipe from the file"): its prompt, mode, seed … come from the recipe.
 */
export function fileEntry(
  file: FileFacts,
  recipe: VideoRecipe,
  probe: VideoProbe | undefined,
  probeError: string | undefined,
  sidecarProblem: LibraryEntry['sidecarProblem']
): LibraryEntry {
  const created = recipe.createdAt === undefined ? Number.NaN : Date.parse(recipe.createdAt);
  const title = recipe.name?.trim();
  const entry: LibraryEntry = {
    ...file,
    origin: 'file',
    recipe,
    ...(title ? { title } : {}),
    prompt: recipe.prompt,
    mode: recipe.mode,
    resolution: recipe.resolution,
    durationSec: recipe.duration,
    createdAt: Number.isNaN(created) ? file.mtimeMs : created,
    favourite: false,
    ...(recipe.row === undefined ? {} : { row: recipe.row }),
    ...(recipe.take === undefined ? {} : { take: recipe.take }),
    ...(recipe.axes === undefined ? {} : { axes: recipe.axes }),
    // Its batch and parent, as a sidecar would give them: its takes stack, and its lineage shows.
    ...(recipe.batch ? { batchId: recipe.batch.id, batchName: recipe.batch.name } : {}),
    ...(recipe.parent ? { parent: recipe.parent } : {}),
    ...(recipe.estimateMicros === undefined ? {} : { costMicros: recipe.estimateMicros }),
    ...(recipe.simulated === true ? { simulated: true } : {})
  };
  if (sidecarProblem) entry.sidecarProblem = sidecarProblem;
  if (probeError) entry.probeError = probeError;
  if (probe) entry.probe = probe;
  const aspect = recipe.aspectRatio ?? (probe ? aspectLabel(probe.width, probe.height) : undefined);
  if (aspect) entry.aspect = aspect;
  return entry;
}

/** The batch a sidecar made from a file's recipe names when the recipe names none. */
export const FROM_FILE_BATCH = { id: 'from-the-file', name: 'Recipe from the file' };

/**
 * A fresh sidecar for a video known by the recipe inside it, so that what the person marks on it
 * (a favourite, a verdict) has somewhere to live: everything the recipe says, the file's own
 * facts for the rest.
 */
export function sidecarFromRecipe(file: FileFacts, recipe: VideoRecipe, probe: VideoProbe | undefined): Sidecar {
  const when = recipe.createdAt ?? new Date(file.mtimeMs).toISOString();
  const input = {
    prompt: recipe.prompt,
    mode: recipe.mode,
    resolution: recipe.resolution,
    duration: recipe.duration,
    ...(recipe.aspectRatio ? { aspect_ratio: recipe.aspectRatio } : {}),
    ...(recipe.seed === undefined ? {} : { seed: recipe.seed }),
    ...(recipe.imageUrl ? { image_urls: [recipe.imageUrl] } : {}),
    ...(recipe.loras ? { loras: recipe.loras } : {})
  };
  return {
    schema: 1,
    app: 'LTX Batch Studio',
    model: MODEL_ID,
    file: file.name,
    ...(recipe.name ? { name: recipe.name } : {}),
    prompt: recipe.prompt,
    mode: recipe.mode,
    resolution: recipe.resolution,
    duration: recipe.duration,
    ...(recipe.aspectRatio ? { aspectRatio: recipe.aspectRatio } : {}),
    ...(recipe.seed === undefined ? {} : { seed: recipe.seed }),
    ...(recipe.imageUrl ? { imageUrl: recipe.imageUrl } : {}),
    ...(recipe.loras ? { loras: recipe.loras } : {}),
    request: recipe.request ?? ({ model: MODEL_ID, input } as unknown as Sidecar['request']),
    taskId: recipe.taskId,
    batch: recipe.batch ?? FROM_FILE_BATCH,
    // A sweep's axes and a continued shot's parent go where a downloaded video's sidecar keeps them.
    sourceRow: { row: recipe.row ?? 0, take: recipe.take ?? 1, cells: {}, ...(recipe.axes ? { axes: recipe.axes } : {}) },
    ...(recipe.parent ? { parent: recipe.parent } : {}),
    estimateMicros: recipe.estimateMicros ?? 0,
    ...(recipe.simulated === true ? { simulated: true } : {}),
    timings: { submittedAt: when, succeededAt: when, downloadedAt: when },
    probe: probe ?? { width: 0, height: 0, durationSec: 0, fps: 0, hasAudio: false },
    createdAt: when
  };
}
