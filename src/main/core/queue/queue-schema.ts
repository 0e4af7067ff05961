/**
 * The queue's records as zod schemas, for what is read back from disk: the snapshot and each
 * journal event (architecture.md, "Persistence and recovery"). The app wrote these files itself,
 * so the schemas check types, not business rules: a record the reducer and engine can work on
 * passes, a damaged one is refused with the path of what is wrong. Objects are loose, so fields
 * an older or newer build wrote are kept as they are.
 */
import { z } from 'zod';
import type { BatchRecord, TaskRecord } from '@shared/batch';
import { ASPECT_RATIOS, MODES, RESOLUTIONS } from '@shared/model';
import type { GenerateRequest } from '@shared/request';
import { TASK_STATES } from '@shared/task-state';
import type { QueueEvent, TaskPatch } from './queue-state';

const state = z.enum(TASK_STATES);
const count = z.int().min(0);
const lora = z.looseObject({ path: z.string(), scale: z.number() });

const request: z.ZodType<GenerateRequest> = z.looseObject({
  request_type: z.enum(['async', 'callback']),
  callback_url: z.string().optional(),
  input: z.discriminatedUnion('mode', [
    z.looseObject({
      mode: z.literal(MODES[0]),
      prompt: z.string(),
      resolution: z.enum(RESOLUTIONS),
      duration: z.number(),
      seed: z.int().optional(),
      aspect_ratio: z.enum(ASPECT_RATIOS).optional()
    }),
    z.looseObject({
      mode: z.literal(MODES[1]),
      prompt: z.string(),
      resolution: z.enum(RESOLUTIONS),
      duration: z.number(),
      seed: z.int().optional(),
      image_urls: z.tuple([z.string()])
    }),
    z.looseObject({
      mode: z.literal(MODES[2]),
      prompt: z.string(),
      resolution: z.enum(RESOLUTIONS),
      duration: z.number(),
      seed: z.int().optional(),
      aspect_ratio: z.enum(ASPECT_RATIOS).optional(),
      loras: z.array(lora)
    }),
    z.looseObject({
      mode: z.literal(MODES[3]),
      prompt: z.string(),
      resolution: z.enum(RESOLUTIONS),
      duration: z.number(),
      seed: z.int().optional(),
      image_urls: z.tuple([z.string()]),
      loras: z.array(lora)
    })
  ])
});

/** What a transition may change (TaskPatch); also the optional fields of a task. */
const taskFields = {
  imagePath: z.string().optional(),
  estimateMicros: z.number(),
  state,
  taskId: z.string().optional(),
  attempts: count,
  autoRetries: count,
  failCode: z.string().optional(),
  failMsg: z.string().optional(),
  note: z.string().optional(),
  resultUrl: z.string().optional(),
  file: z.string().optional(),
  spentMicros: z.number(),
  overdue: z.boolean().optional()
};

export const taskRecordSchema: z.ZodType<TaskRecord> = z.looseObject({
  id: z.string(),
  batchId: z.string(),
  position: count,
  source: z.looseObject({ row: z.int(), take: z.int(), name: z.string().optional(), cells: z.record(z.string(), z.string()) }),
  request,
  ...taskFields,
  times: z.partialRecord(z.enum([...TASK_STATES, 'created']), z.number())
});

const paused = z.looseObject({ reason: z.enum(['user', 'cap']), message: z.string() });

export const batchRecordSchema: z.ZodType<BatchRecord> = z.looseObject({
  id: z.string(),
  name: z.string(),
  createdAt: z.number(),
  libraryDir: z.string(),
  sourceFile: z.string().optional(),
  sourceKey: z.string().optional(),
  capMicros: z.number().optional(),
  paused: paused.optional(),
  taskIds: z.array(z.string())
});

const taskPatch: z.ZodType<TaskPatch> = z.looseObject(z.object(taskFields).partial().shape);
const TASK_PATCH_KEYS = Object.keys(taskFields) as [keyof TaskPatch, ...(keyof TaskPatch)[]];

export const queueEventSchema: z.ZodType<QueueEvent> = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('batch_added'), batch: batchRecordSchema, tasks: z.array(taskRecordSchema) }),
  z.looseObject({
    type: z.literal('batch_changed'),
    id: z.string(),
    patch: z.looseObject({ name: z.string().optional(), paused: paused.optional(), capMicros: z.number().optional() }),
    unset: z.array(z.enum(['paused', 'capMicros'])).optional()
  }),
  z.looseObject({
    type: z.literal('task_changed'),
    id: z.string(),
    at: z.number(),
    state: state.optional(),
    patch: taskPatch.optional(),
    unset: z.array(z.enum(TASK_PATCH_KEYS)).optional()
  })
]);

export const queueSnapshotSchema = z.looseObject({ batches: z.array(batchRecordSchema), tasks: z.array(taskRecordSchema) });

/** The first issue as a short phrase: where it is, and what is wrong there. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'not valid';
  const where = issue.path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
  return where === '' ? issue.message : `${where}: ${issue.message}`;
}

/** A journal line's event, checked; throws (so replay skips and counts it) when it is not one. */
export function parseQueueEvent(json: unknown): QueueEvent {
  const result = queueEventSchema.safeParse(json);
  if (!result.success) throw new Error(`not a queue event (${describeIssue(result.error)})`);
  return result.data;
}
