/**
 * Argument schemas for every invoke channel: main checks each call against them before any
 * handler runs, because a window's arguments are untrusted input.
 */
import { z } from 'zod';
import { ASPECT_RATIOS, LIMITS, MODES, RESOLUTIONS } from './model';
import { FIELDS } from './import-types';
import { SETTINGS_LIMITS } from './settings';
import { WATCH_MAX, type InvokeArgs, type InvokeChannel } from './ipc';
import { FAILURE_GROUPS } from './triage';
import { FRAME_DATA_URL_MAX, PNG_DATA_URL_PREFIX } from './images';
import { SWEEP_AXIS_MAX, type SweepSpec } from './sweep';

const id = z.string().min(1).max(256);
const micros = z.number().int().min(0).max(1e15);
const text = (max: number) => z.string().max(max);
const folder = z.string().min(1).max(4096);

const seedPolicy = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('random') }).strict(),
  z.object({ kind: z.literal('fixed'), value: z.number().int().min(LIMITS.randomSeed).max(LIMITS.seedMax) }).strict(),
  z.object({ kind: z.literal('sequential'), start: z.number().int().min(LIMITS.seedMin).max(LIMITS.seedMax) }).strict()
]);

const lora = z.object({ path: text(2048).min(1), scale: z.number().min(LIMITS.loraScaleMin).max(LIMITS.loraScaleMax) }).strict();

const batchDefaults = z
  .object({
    mode: z.enum(MODES).optional(),
    resolution: z.enum(RESOLUTIONS),
    duration: z.number().int().min(LIMITS.durationMin).max(LIMITS.durationMax),
    aspectRatio: z.enum(ASPECT_RATIOS),
    seed: seedPolicy,
    loras: z.array(lora).max(LIMITS.lorasMax).optional()
  })
  .strict();

const axisValues = <T extends z.ZodType>(value: T, what: string) => z.array(value).max(SWEEP_AXIS_MAX, `a sweep tries at most ${SWEEP_AXIS_MAX} ${what}`);

/** A sweep's axes (sweep.ts): every bad value refused in words. */
const sweepSpec = z
  .object({
    seeds: z
      .object({
        count: z
          .number()
          .int('the number of new seeds is a whole number')
          .min(1, 'ask for at least one new seed')
          .max(SWEEP_AXIS_MAX, `a sweep draws at most ${SWEEP_AXIS_MAX} new seeds`)
          .optional(),
        list: axisValues(
          z
            .number()
            .int('a seed is a whole number')
            .min(LIMITS.seedMin, `a seed is ${LIMITS.seedMin} to ${LIMITS.seedMax}`)
            .max(LIMITS.seedMax, `a seed is ${LIMITS.seedMin} to ${LIMITS.seedMax}`),
          'seeds'
        ).optional()
      })
      .strict()
      .refine((s) => (s.count === undefined) !== (s.list === undefined), 'the seeds are either a number of new seeds or a list of seeds, not both')
      .transform((s): SweepSpec['seeds'] => (s.list !== undefined ? { list: s.list } : { count: s.count! }))
      .optional(),
    durations: axisValues(
      z
        .number()
        .int('a duration is a whole number of seconds')
        .min(LIMITS.durationMin, `a duration is ${LIMITS.durationMin} to ${LIMITS.durationMax} seconds`)
        .max(LIMITS.durationMax, `a duration is ${LIMITS.durationMin} to ${LIMITS.durationMax} seconds`),
      'durations'
    ).optional(),
    resolutions: axisValues(z.enum(RESOLUTIONS, `a resolution is one of ${RESOLUTIONS.join(', ')}`), 'resolutions').optional(),
    aspectRatios: axisValues(z.enum(ASPECT_RATIOS, `an aspect ratio is one of ${ASPECT_RATIOS.join(', ')}`), 'aspect ratios').optional(),
    loraScales: axisValues(
      z
        .number()
        .min(LIMITS.loraScaleMin, `a LoRA scale is ${LIMITS.loraScaleMin} to ${LIMITS.loraScaleMax}`)
        .max(LIMITS.loraScaleMax, `a LoRA scale is ${LIMITS.loraScaleMin} to ${LIMITS.loraScaleMax}`),
      'LoRA scales'
    ).optional()
  })
  .strict();

const libraryPath = text(4096).min(1);
const libraryPaths = z.array(libraryPath).min(1).max(100_000);
const imageId = z.string().regex(/^[0-9a-f]{64}$/, 'an image id is 64 hex characters');
const strings = z.array(text(64)).max(16);
const videoParent = z.object({ taskId: id, file: libraryPath, frameSec: z.number().min(0).max(1e6) }).strict();

const libraryQuery = z
  .object({
    text: text(1000),
    modes: strings,
    resolutions: strings,
    aspects: strings,
    durationMin: z.number().min(0).max(1e6),
    durationMax: z.number().min(0).max(1e6),
    batchId: id,
    from: z.number().min(0).max(1e15),
    to: z.number().min(0).max(1e15),
    favourite: z.boolean(),
    verdicts: z.array(z.enum(['keep', 'reject', 'unreviewed'])).max(3),
    axes: z.record(text(64), z.array(text(1000)).max(256)).refine((axes) => Object.keys(axes).length <= 16, 'at most 16 axes'),
    sort: z.enum(['newest', 'oldest', 'duration', 'cost', 'row']),
    offset: z.number().int().min(0),
    limit: z.number().int().min(1).max(1000)
  })
  .partial()
  .strict();

const s3Hosting = z
  .object({
    endpoint: text(2048),
    region: text(64),
    bucket: text(255),
    accessKeyId: text(256),
    prefix: text(512),
    pathStyle: z.boolean(),
    urlHours: z.number().int().min(SETTINGS_LIMITS.urlHoursMin).max(SETTINGS_LIMITS.urlHoursMax)
  })
  .strict();

const mapping = z.record(text(256), z.enum(FIELDS).nullable());
const page = z.object({ offset: z.number().int().min(0), limit: z.number().int().min(1).max(1000) }).strict();

/** Every setting a window may change (all optional); also used to check settings read from disk. */
export const settingsPatch = z
  .object({
    concurrency: z.number().int().min(1).max(SETTINGS_LIMITS.concurrencyMax),
    libraryDir: folder,
    dataDir: folder,
    defaults: batchDefaults,
    caps: z.object({ perBatchMicros: micros.optional(), overallMicros: micros.optional() }).strict(),
    notifications: z.boolean(),
    keepAwake: z.boolean(),
    theme: z.enum(['system', 'light', 'dark']),
    requestBudgetPerMinute: z.number().int().min(SETTINGS_LIMITS.budgetMin).max(SETTINGS_LIMITS.budgetMax),
    simulator: z.enum(['auto', 'on', 'off']),
    hosting: z.object({ kind: z.enum(['none', 's3', 'data-url']), s3: s3Hosting }).strict()
  })
  .partial()
  .strict();

/** A token main gave for a file or folder the person chose (chosen-files.ts); never a path. */
const token = z.string().min(1).max(128);

/** A folder path the window sends instead of a token: refused with what to do instead. */
const typedFolder = (what: string) =>
  z.never({ error: `the ${what} is chosen with Browse… in Settings, never by a path the window sends. Click Browse… and pick the folder` }).optional();

/** What `settings:update` takes from the window: the folders as tokens of folders chosen in main's dialog. */
export const settingsUpdate = settingsPatch
  .omit({ libraryDir: true, dataDir: true })
  .extend({ libraryFolder: token.optional(), dataFolder: token.optional(), libraryDir: typedFolder('library folder'), dataDir: typedFolder('data folder') });

const none = z.tuple([]);
const oneId = z.tuple([id]);
const ids = z.array(id).min(1).max(100_000);
const failureGroup = z.enum(FAILURE_GROUPS);
const batchMove = z.union([z.enum(['up', 'down', 'top', 'bottom']), z.number().int().min(0).max(1_000_000)]);
const taskEdit = z
  .object({
    prompt: text(LIMITS.promptMaxChars).min(1),
    resolution: z.enum(RESOLUTIONS),
    duration: z.number().int().min(LIMITS.durationMin).max(LIMITS.durationMax),
    aspectRatio: z.enum(ASPECT_RATIOS),
    seed: z.number().int().min(LIMITS.seedMin).max(LIMITS.seedMax).nullable(),
    imageUrl: text(4096).min(1)
  })
  .partial()
  .strict();

/** One schema per channel, checked to match the contract's argument types. */
export const INVOKE_SCHEMAS = {
  'app:info': none,
  'app:diagnostics': none,
  'app:open-logs': none,
  'settings:get': none,
  'settings:update': z.tuple([settingsUpdate]),
  'key:status': none,
  'key:set': z.tuple([z.string().trim().min(8).max(512)]),
  'key:clear': none,
  'key:test': z.union([z.tuple([]), z.tuple([z.string().trim().min(1).max(512)])]),
  'import:text': z.tuple([
    z
      .object({
        text: z.string().max(64 * 1024 * 1024),
        fileName: text(1024).optional(),
        lines: z.boolean().optional(),
        defaults: batchDefaults.partial().optional(),
        mapping: mapping.optional(),
        sweep: sweepSpec.optional()
      })
      .strict()
  ]),
  'import:file': z.tuple([
    z
      .object({
        file: token,
        defaults: batchDefaults.partial().optional(),
        mapping: mapping.optional(),
        sweep: sweepSpec.optional(),
        sheet: z.string().min(1).max(256).optional()
      })
      .strict()
  ]),
  'import:example': none,
  'import:rows': z.tuple([id, page]),
  'import:columns': z.tuple([id]),
  'import:edit': z.tuple([
    id,
    z.object({ row: z.number().int().min(1).max(10_000_000), column: z.number().int().min(1).max(100_000), text: text(1_000_000) }).strict()
  ]),
  'import:undo': z.tuple([id]),
  'import:redo': z.tuple([id]),
  'import:choices': z.tuple([
    id,
    z.object({ defaults: batchDefaults.partial().optional(), mapping: mapping.optional(), sweep: sweepSpec.optional() }).strict()
  ]),
  'import:save': z.tuple([id, z.object({ format: z.enum(['csv', 'xlsx']), replace: z.boolean() }).strict()]),
  'batches:create': z.tuple([z.object({ token: id, name: text(200).min(1), skipInvalid: z.boolean(), capMicros: micros.optional() }).strict()]),
  'batches:pause': oneId,
  'batches:resume': oneId,
  'batches:cancel': oneId,
  'batches:retry-failed': oneId,
  'batches:set-cap': z.tuple([id, micros.nullable()]),
  'batches:move': z.tuple([id, batchMove]),
  'batches:archive': z.tuple([ids]),
  'batches:retry-group': z.tuple([id.nullable(), failureGroup]),
  'batches:abandon-group': z.tuple([id.nullable(), failureGroup]),
  'tasks:page': z.tuple([id, page]),
  'tasks:states': oneId,
  'queue:watch': z.tuple([
    z.object({ ids: z.array(id).max(WATCH_MAX), have: z.record(id, z.number().int().min(0)).refine((h) => Object.keys(h).length <= WATCH_MAX) }).strict()
  ]),
  'tasks:resubmit': oneId,
  'tasks:abandon': oneId,
  'tasks:retry': oneId,
  'tasks:cancel': oneId,
  'tasks:attach': z.tuple([id, id]),
  'tasks:failures': z.tuple([id.nullable(), failureGroup, page]),
  'tasks:edit-retry': z.tuple([id, taskEdit]),
  'tasks:to-front': z.tuple([ids]),
  'queue:snapshot': none,
  'queue:set-concurrency': z.tuple([z.number().int().min(1).max(SETTINGS_LIMITS.concurrencyMax)]),
  'queue:resume-account': none,
  'queue:pause-all': none,
  'queue:resume-all': none,
  'queue:ledger-question': none,
  'queue:ledger-choice': z.union([z.tuple([z.enum(['keep', 'cancel', 'real'])]), z.tuple([z.enum(['keep', 'cancel', 'real']), z.array(id).max(10_000)])]),
  'library:query': z.tuple([libraryQuery]),
  'library:get': z.tuple([libraryPath]),
  'library:favourite': z.tuple([libraryPaths, z.boolean()]),
  'library:verdict': z.tuple([libraryPaths, z.enum(['keep', 'reject']).nullable()]),
  'library:delete': z.tuple([libraryPaths]),
  'library:trash-rejected': oneId,
  'library:undo-delete': z.tuple([token]),
  'library:drag-out': z.tuple([libraryPath]),
  'library:reveal': z.tuple([libraryPath]),
  'library:export': z.tuple([libraryPaths, token]),
  'library:thumbnail': z.tuple([
    libraryPath,
    z
      .string()
      .max(4 * 1024 * 1024)
      .startsWith('data:image/jpeg;base64,')
  ]),
  'library:rerun': z.tuple([z.object({ paths: libraryPaths, seeds: z.enum(['same', 'new']), takes: z.number().int().min(1).max(100) }).strict()]),
  'library:use': z.tuple([libraryPath]),
  'library:continue': z.tuple([
    libraryPath,
    z.number().min(0).max(1e6),
    z.string().max(FRAME_DATA_URL_MAX).startsWith(PNG_DATA_URL_PREFIX, 'the frame is not a PNG data URL (data:image/png;base64,…)')
  ]),
  'dialog:choose-folder': z.tuple([z.enum(['export', 'library', 'data'])]),
  'dialog:choose-csv': none,
  'dialog:choose-images': none,
  'drop:inspect': z.tuple([z.array(folder).min(1).max(10_000)]),
  'images:from-url': z.tuple([text(8192).min(1)]),
  'composer:create': z.tuple([
    z
      .object({
        name: text(200).min(1),
        rows: z
          .array(z.object({ imageId: imageId.optional(), prompt: text(100_000), parent: videoParent.optional() }).strict())
          .min(1)
          .max(100_000),
        defaults: batchDefaults,
        takes: z.number().int().min(1).max(100),
        capMicros: micros.optional(),
        sweep: sweepSpec.optional()
      })
      .strict()
  ]),
  'hosting:status': none,
  'hosting:set-secret': z.tuple([z.string().trim().min(1).max(1024)]),
  'hosting:clear-secret': none,
  'hosting:test': none,
  'update:status': none,
  'update:check': none,
  'update:install': z.tuple([z.boolean()]),
  'update:cancel': none
} satisfies { [C in InvokeChannel]: z.ZodType<InvokeArgs<C>> };

/** Checks a call's arguments: the parsed arguments, or a sentence saying what is wrong. */
export function parseInvokeArgs<C extends InvokeChannel>(channel: C, args: unknown): { ok: true; args: InvokeArgs<C> } | { ok: false; message: string } {
  const schema = INVOKE_SCHEMAS[channel] as z.ZodType<InvokeArgs<C>>;
  const result = schema.safeParse(args);
  if (result.success) return { ok: true, args: result.data };
  const issue = result.error.issues[0];
  const where = issue?.path.length ? ` (argument ${issue.path.join('.')})` : '';
  return { ok: false, message: `${channel} was called with a wrong argument${where}: ${issue?.message ?? 'invalid'}.` };
}
