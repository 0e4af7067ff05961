/**
 * Turning composer rows and library videos into new tasks: the mode follows from the row's image
 * and the LoRAs, takes get their seeds from the batch's seed policy, and local images are hosted
 * only after every row has been checked, so a bad batch uploads nothing.
 */
import type { VideoParent } from '@shared/batch';
import type { BatchDefaults } from '@shared/batch-defaults';
import type { ComposerRequest, SourceImage } from '@shared/images';
import type { Sidecar } from '@shared/library';
import { LIMITS, isImageMode, modeFor } from '@shared/model';
import type { TaskDraft } from '@shared/request';
import { buildRequest } from '@shared/request-builder';
import { validateRequest } from '@shared/validation';
import { fillTemplate, parseTemplate, type FilledPrompt } from '@shared/template';
import { cryptoRandom, drawSeed, takeSeeds } from '../import/seeds';
import { hasSeedAxis, hasSweep, sweepDrafts, sweepSeeds } from '../import/sweep';
import { DEFAULT_MAX_SWEEP_VIDEOS, countSweep, sweepRefusal } from '@shared/sweep';
import { TaskActionError, type NewTask } from '../queue/engine';

/** A source image found in the cache, with where its bytes are. */
export interface CachedImage {
  image: SourceImage;
  path: string;
}

/** Gives the URL APIXO will fetch for an image: its own URL, or a hosted copy of the local file. */
export type ImageUrlFor = (images: CachedImage[]) => Promise<Map<string, string>>;

/** Checks a draft as the API would, with a stand-in for an image URL not known yet. */
function check(draft: TaskDraft, where: string): void {
  const probe = draft.imageUrl === undefined && isImageMode(draft.mode) ? { ...draft, imageUrl: 'https://hosting.invalid/image.png' } : draft;
  const problems = validateRequest(buildRequest(probe));
  if (problems.length > 0) throw new TaskActionError(`${where}: ${problems[0].message}`);
}

function draftFor(prompt: string, hasImage: boolean, defaults: BatchDefaults, seed: number | undefined): TaskDraft {
  const loras = defaults.loras && defaults.loras.length > 0 ? defaults.loras : undefined;
  const mode = modeFor(hasImage, loras !== undefined);
  return {
    mode,
    prompt,
    resolution: defaults.resolution,
    duration: defaults.duration,
    aspectRatio: isImageMode(mode) ? undefined : defaults.aspectRatio,
    seed,
    loras
  };
}

/**
 * The tasks of a composer batch. `find` looks images up by id; `urls` hosts them (called once,
 * with every distinct image, after all rows passed their checks).
 */
export async function composerTasks(
  request: ComposerRequest,
  find: (id: string) => Promise<CachedImage | undefined>,
  urls: ImageUrlFor,
  random: () => number = cryptoRandom,
  maxSweepVideos = DEFAULT_MAX_SWEEP_VIDEOS
): Promise<NewTask[]> {
  const images = new Map<string, CachedImage>();
  const planned: { row: number; image?: CachedImage; parent?: VideoParent; bases: TaskDraft[]; variants: Record<string, string>[] }[] = [];
  const seedAxis = hasSeedAxis(request.sweep);
  let takeIndex = 0;
  for (const [i, row] of request.rows.entries()) {
    const where = `Row ${i + 1}`;
    const prompt = row.prompt.trim();
    if (!prompt) throw new TaskActionError(`${where} has no prompt: write one, or remove the row.`);
    let image: CachedImage | undefined;
    if (row.imageId) {
      image = images.get(row.imageId) ?? (await find(row.imageId));
      if (!image) throw new TaskActionError(`${where}: its image is no longer in the app's cache. Drop the image again.`);
      images.set(row.imageId, image);
    }
    // `{a|b}` alternatives make one take each, as in an imported row (the `variant` axes); `{{column}}` needs a CSV's columns.
    const prompts = composedPrompts(prompt, where);
    const count = request.takes * prompts.length;
    const seeds = seedAxis
      ? new Array<undefined>(count).fill(undefined)
      : takeSeeds({ cell: undefined, count, policy: request.defaults.seed, firstTakeIndex: takeIndex, random });
    takeIndex += count;
    planned.push({
      row: i + 1,
      image,
      parent: row.parent,
      bases: seeds.map((seed, t) => draftFor(prompts[t % prompts.length].prompt, image !== undefined, request.defaults, seed as number | undefined)),
      variants: seeds.map((_, t) => prompts[t % prompts.length].axes)
    });
  }
  // A sweep is counted before it expands, and refused over its cap (sweep.ts).
  if (hasSweep(request.sweep)) {
    const refusal = sweepRefusal(
      countSweep(
        planned.flatMap((p) => p.bases),
        request.sweep,
        planned.length
      ),
      maxSweepVideos
    );
    if (refusal) throw new TaskActionError(refusal);
  }
  const swept = planned.map((p) => {
    const seeds = sweepSeeds(request.sweep, p.bases.length, random);
    const drafts = p.bases.flatMap((base, b) =>
      sweepDrafts(base, request.sweep, seeds?.[b]).map((d) => ({ draft: d.draft, axes: { ...p.variants[b], ...d.axes } }))
    );
    for (const { draft } of drafts) check(draft, `Row ${p.row}`);
    return { ...p, drafts };
  });
  const hosted = images.size > 0 ? await urls([...images.values()]) : new Map<string, string>();
  return swept.flatMap(({ row, image, parent, drafts }) =>
    drafts.map(({ draft, axes }, t) => {
      if (image) draft.imageUrl = hosted.get(image.image.id);
      const cells: Record<string, string> = { prompt: draft.prompt as string };
      if (image) cells.image = image.image.origin.kind === 'url' ? image.image.origin.url : image.image.name;
      // A continued shot keeps its parent video on the task, for the sidecar (architecture.md, "Lineage").
      const source = {
        row,
        take: t + 1,
        name: image?.image.name,
        cells,
        ...(parent ? { parent: { ...parent } } : {}),
        ...(Object.keys(axes).length > 0 ? { axes } : {})
      };
      return { source, draft: { ...draft }, imagePath: image?.path };
    })
  );
}

/** A composed row's prompts: one per combination of its `{a|b}` alternatives; a `{{column}}` placeholder is refused (a composed row has no columns). */
function composedPrompts(prompt: string, where: string): FilledPrompt[] {
  const template = parseTemplate(prompt);
  if (!template) return [{ prompt, filled: [], axes: {} }];
  if (template.variables.length > 0) {
    const name = template.variables[0];
    throw new TaskActionError(
      `${where} uses {{${name}}}, which is filled from a CSV column, and a composed row has none: write the words themselves, or import a CSV with a "${name}" column (write \\{ for a literal brace).`
    );
  }
  return fillTemplate(template, () => '');
}

/** The draft a library video was made from, with its seed replaced when asked. */
export function draftFromSidecar(sidecar: Sidecar, seed: number | undefined): TaskDraft {
  return {
    mode: sidecar.mode,
    prompt: sidecar.prompt,
    resolution: sidecar.resolution,
    duration: sidecar.duration,
    aspectRatio: sidecar.aspectRatio,
    seed,
    imageUrl: sidecar.imageUrl,
    loras: sidecar.loras
  };
}

/** `count` seeds, all different from each other and from `avoid` (a repeat moves on to the next free seed, so a poor `random` still ends). */
export function freshSeeds(count: number, avoid: number | undefined, random: () => number = cryptoRandom): number[] {
  const seeds = new Set<number>();
  while (seeds.size < count) {
    let seed = drawSeed(random);
    while (seed === avoid || seeds.has(seed)) seed = seed >= LIMITS.seedMax ? LIMITS.seedMin : seed + 1;
    seeds.add(seed);
  }
  return [...seeds];
}

/** The composer's defaults for "use these settings": the video's own, with its seed fixed when it had one. */
export function defaultsFromSidecar(sidecar: Sidecar, fallback: BatchDefaults): BatchDefaults {
  return {
    mode: sidecar.mode,
    resolution: sidecar.resolution,
    duration: sidecar.duration,
    aspectRatio: sidecar.aspectRatio ?? fallback.aspectRatio,
    seed: sidecar.seed !== undefined && sidecar.seed !== LIMITS.randomSeed ? { kind: 'fixed', value: sidecar.seed } : { kind: 'random' },
    loras: sidecar.loras
  };
}
