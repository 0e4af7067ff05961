/**
 * The queue's records as zod schemas, for what is read back from disk: the snapshot and each
 * journal event (architecture.md, "Persistence and recovery"). The app wrote these files itself,
 * so the schemas check types, not business rules: a record the reducer and engine can work on
 * passes, a damaged one is refused with the path of what is wrong. Objects are loose, so fields
 * an older or newer build wrote are kept as they are, and so are values this build does not know
 * (a state, a mode, a resolution, a time stamp's name a newer build added): refusing the record
 * would drop its task, and with it a paid task ID. Only the shape is checked.
 */
import { z } from 'zod';
import type { BatchRecord, TaskRecord } from '@shared/batch';
import type { Charge, Ledger, SpendWindow, WindowVerdict } from '@shared/money';
import type { GenerateRequest } from '@shared/request';
import type { TaskState } from '@shared/task-state';
import type { ArchivedBatch, QueueEvent, TaskPatch } from './queue-state';

/** A name this build may not know: any string is kept (typed as this build's names). */
const known = <T extends string>() => z.string() as unknown as z.ZodType<T>;

const state = known<TaskState>();
const count = z.int().min(0);
const lora = z.looseObject({ path: z.string(), scale: z.number() });

const request = z.looseObject({
  request_type: z.string(),
  callback_url: z.string().optional(),
  input: z.looseObject({
    mode: z.string(),
    prompt: z.string(),
    resolution: z.string(),
    duration: z.number(),
    seed: z.int().optional(),
    aspect_ratio: z.string().optional(),
    image_urls: z.array(z.string()).optional(),
    loras: z.array(lora).optional()
  })
}) as unknown as z.ZodType<GenerateRequest>;

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
  ledger: known<Ledger>().optional(),
  window: z.int().optional(),
  charge: known<Charge>().optional(),
  overdue: z.boolean().optional(),
  retryAt: z.number().optional(),
  priority: z.number().optional(),
  edits: count.optional(),
  failedAttempts: z.array(z.looseObject({ window: z.int(), micros: z.number() })).optional()
};

/** Where the app hosted a task's image: the reference its link is signed again from (never the signed link). */
const imageRef = z.looseObject({
  host: known<'s3' | 'simulator'>(),
  sha256: z.string(),
  copy: z.string(),
  endpoint: z.string().optional(),
  bucket: z.string().optional(),
  key: z.string().optional()
});

const taskRecordSchema: z.ZodType<TaskRecord> = z.looseObject({
  id: z.string(),
  batchId: z.string(),
  position: count,
  source: z.looseObject({ row: z.int(), take: z.int(), name: z.string().optional(), cells: z.record(z.string(), z.string()) }),
  request,
  // A damaged reference is dropped, never the task: the link is then sent as it was kept.
  image: imageRef.optional().catch(undefined),
  ...taskFields,
  times: z.record(z.string(), z.number())
});

const paused = z.looseObject({ reason: known<'user' | 'cap' | 'ledger' | 'breaker'>(), message: z.string() });

const batchRecordSchema: z.ZodType<BatchRecord> = z.looseObject({
  id: z.string(),
  name: z.string(),
  createdAt: z.number(),
  libraryDir: z.string(),
  sourceFile: z.string().optional(),
  sourceKey: z.string().optional(),
  capMicros: z.number().optional(),
  paused: paused.optional(),
  simulated: z.boolean().optional(),
  simulatedKept: z.boolean().optional(),
  // Not worth a batch: a damaged colour or breaker time is dropped.
  colour: z.int().optional().catch(undefined),
  breakerSince: z.number().optional().catch(undefined),
  taskIds: z.array(z.string())
});

const share = z.looseObject({ succeededMicros: z.number(), failedMicros: z.number() });

const spendWindowSchema = z.looseObject({
  id: z.int(),
  openedAt: z.number(),
  openingMicros: z.number().optional(),
  closedAt: z.number().optional(),
  closingMicros: z.number().optional(),
  measuredMicros: z.number().optional(),
  verdict: known<WindowVerdict>().optional(),
  batches: z.record(z.string(), share).optional()
}) as unknown as z.ZodType<SpendWindow>;

/** A frozen summary of an archived batch: its batch, counts and money (checked loosely: it is shown, not worked on). */
const archivedBatchSchema = z.looseObject({
  summary: z.looseObject({
    batch: z.looseObject({ id: z.string(), name: z.string(), createdAt: z.number(), libraryDir: z.string() }),
    counts: z.record(z.string(), z.number()),
    total: count,
    costs: z.looseObject({ spentMicros: z.number(), simulated: z.looseObject({ spentMicros: z.number() }) }),
    failures: z.record(z.string(), z.number()),
    archivedAt: z.number()
  }),
  openShares: z.record(z.string(), share).optional()
}) as unknown as z.ZodType<ArchivedBatch>;

const taskPatch: z.ZodType<TaskPatch> = z.looseObject({
  ...z.object(taskFields).partial().shape,
  // Only "edit and retry" changes these.
  request: request.optional(),
  image: imageRef.optional().catch(undefined)
});

const queueEventSchema: z.ZodType<QueueEvent> = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('batch_added'), batch: batchRecordSchema, tasks: z.array(taskRecordSchema) }),
  z.looseObject({
    type: z.literal('batch_changed'),
    id: z.string(),
    patch: z.looseObject({
      name: z.string().optional(),
      paused: paused.optional(),
      capMicros: z.number().optional(),
      simulated: z.boolean().optional(),
      simulatedKept: z.boolean().optional(),
      breakerSince: z.number().optional(),
      colour: z.int().optional()
    }),
    unset: z.array(known<'paused' | 'capMicros' | 'simulated'>()).optional()
  }),
  z.looseObject({ type: z.literal('batch_order'), ids: z.array(z.string()) }),
  z.looseObject({ type: z.literal('batch_archived'), id: z.string(), archived: archivedBatchSchema }),
  z.looseObject({ type: z.literal('spend_window'), window: spendWindowSchema }),
  z.looseObject({
    type: z.literal('task_changed'),
    id: z.string(),
    at: z.number(),
    state: state.optional(),
    patch: taskPatch.optional(),
    unset: z.array(known<keyof TaskPatch>()).optional()
  })
]);

export const queueSnapshotSchema = z.looseObject({
  batches: z.array(batchRecordSchema),
  tasks: z.array(taskRecordSchema),
  windows: z.array(spendWindowSchema).optional(),
  order: z.array(z.string()).optional(),
  archived: z.array(archivedBatchSchema).optional()
});

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
