/**
 * The candidate zod-bench.ts measures against validateSidecar (src/main/core/download/sidecar.ts):
 * the fields of an app-written sidecar as a zod schema. Each field carries the words a person
 * sees when it is wrong ("The sidecar is damaged: <words>."); the shape lists the fields in the
 * order they are judged, so the first issue is the first thing wrong. Objects are loose: fields a
 * newer app adds are kept.
 */
import { z } from 'zod';
import { ASPECT_RATIOS, MODES, RESOLUTIONS } from '@shared/model';

const text = (error: string) => z.string({ error });
const amount = (error: string) => z.number({ error }).min(0, { error });
const whole = (error: string) => z.int({ error });
const date = (error: string) =>
  z
    .string({ error })
    .max(64, { error })
    .refine((v) => !Number.isNaN(Date.parse(v)), { error });
/** A plain file name: no folder part, nothing that climbs out of the library. */
const fileName = (error: string) =>
  z
    .string({ error })
    .min(1, { error })
    .max(255, { error })
    .refine((v) => !/[/\\]/.test(v) && !v.includes('\0') && v !== '.' && v !== '..', { error });

const REQUEST = 'request is not a request body';
const BATCH = 'batch is not {id, name}';
const ROW = 'sourceRow is not {row, take, cells}';
const LORAS = 'loras is not a list of {path, scale}';

const probe = z.looseObject(
  {
    width: amount('probe.width is not a number'),
    height: amount('probe.height is not a number'),
    durationSec: amount('probe.durationSec is not a number'),
    fps: amount('probe.fps is not a number'),
    hasAudio: z.boolean({ error: 'probe.hasAudio is not true or false' }),
    videoCodec: text('probe.videoCodec is not text').optional(),
    audioCodec: text('probe.audioCodec is not text').optional()
  },
  { error: 'probe is missing' }
);

const timings = z.looseObject(
  {
    submittedAt: date('timings.submittedAt is not a date'),
    succeededAt: date('timings.succeededAt is not a date'),
    downloadedAt: date('timings.downloadedAt is not a date'),
    queuedAt: date('timings.queuedAt is not a date').optional(),
    generationMs: z.number({ error: 'timings.generationMs is not a number' }).optional()
  },
  { error: 'timings is missing' }
);

export const sidecarFields = z.looseObject({
  file: fileName('file is not a file name'),
  prompt: text('prompt is not text'),
  mode: z.enum(MODES, { error: 'mode is not one of the model’s modes' }),
  resolution: z.enum(RESOLUTIONS, { error: 'resolution is not 480p, 720p or 1080p' }),
  duration: amount('duration is not a number of seconds'),
  aspectRatio: z.enum(ASPECT_RATIOS, { error: 'aspectRatio is not 16:9 or 9:16' }).optional(),
  seed: whole('seed is not a whole number').optional(),
  imageUrl: text('imageUrl is not text').optional(),
  sourceImage: fileName('sourceImage is not a file name').optional(),
  loras: z.array(z.looseObject({ path: text(LORAS), scale: z.number({ error: LORAS }) }, { error: LORAS }), { error: LORAS }).optional(),
  request: z.looseObject({ input: z.looseObject({}, { error: REQUEST }) }, { error: REQUEST }),
  taskId: text('taskId is missing').min(1, { error: 'taskId is missing' }),
  batch: z.looseObject({ id: text(BATCH), name: text(BATCH) }, { error: BATCH }),
  sourceRow: z.looseObject(
    {
      row: whole(ROW),
      take: whole(ROW),
      cells: z.record(z.string(), text('sourceRow.cells holds something other than text'), { error: ROW })
    },
    { error: ROW }
  ),
  estimateMicros: amount('estimateMicros is not an amount'),
  costMicros: amount('costMicros is not an amount').optional(),
  timings,
  probe,
  favourite: z.boolean({ error: 'favourite is not true or false' }).optional(),
  createdAt: date('createdAt is not a date')
});

/** The first thing wrong with the fields of an app-written sidecar, or undefined when they are whole. */
export function sidecarFieldProblem(value: unknown): string | undefined {
  const result = sidecarFields.safeParse(value);
  return result.success ? undefined : result.error.issues[0]?.message;
}
