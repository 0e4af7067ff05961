// Files read back from disk: hand-written checks and casts against zod schemas.
//   TSX_TSCONFIG_PATH=tsconfig.node.json npx tsx test/bench/zod-bench.ts
// - 10,000 sidecars: the hand-written validateSidecar against the zod field schema, and whether
//   every damaged sidecar gets the same words from both;
// - a 10,000-task queue: the snapshot (cast against zod) and the full journal replay (events cast
//   against each one checked by zod).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { performance } from 'node:perf_hooks';
import type { BatchRecord, TaskRecord } from '@shared/batch';
import { MODEL_ID } from '@shared/model';
import { SIDECAR_APP, SIDECAR_SCHEMA, validateSidecar } from '../../src/main/core/download/sidecar';
import { sidecarFieldProblem } from './sidecar-zod';
import { parseQueueEvent } from '../../src/main/core/queue/queue-schema';
import {
  applyQueueEvent,
  emptyQueueState,
  queueStateFromJson,
  queueStateToJson,
  type QueueEvent,
  type QueueState
} from '../../src/main/core/queue/queue-state';
import { readJournalState } from '../../src/main/core/store/journal';
import { makeSidecar } from '../library/helpers';
import { compactFixture, writeJournalFixture } from './journal-fixture';
import { median, seededRandom } from './stats';

const ROUNDS = 7;

function time(fn: () => void, rounds = ROUNDS): number {
  const ms: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

async function timeAsync(fn: () => Promise<void>, rounds = 5): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

/** The old snapshot reader: a cast. */
function castStateFromJson(json: unknown): QueueState {
  const { batches, tasks } = json as { batches: BatchRecord[]; tasks: TaskRecord[] };
  return {
    batches: new Map(batches.map((b) => [b.id, b])),
    tasks: new Map(tasks.map((t) => [t.id, t])),
    windows: new Map(),
    order: batches.map((b) => b.id),
    archived: new Map()
  };
}

/**
 * The zod way, in validateSidecar's words: its first checks (whose JSON it is, which schema),
 * which sort a file into foreign, newer or invalid and stay hand-written either way, then the fields by zod.
 */
function zodReason(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'The JSON is not an object.';
  const v = value as Record<string, unknown>;
  if (v.app !== SIDECAR_APP) return `The JSON was not written by ${SIDECAR_APP}.`;
  if (v.model !== MODEL_ID) return `The JSON describes another model (${String(v.model).slice(0, 40)}).`;
  if (Number.isSafeInteger(v.schema) && (v.schema as number) > SIDECAR_SCHEMA) {
    return `The sidecar was written by a newer version of ${SIDECAR_APP} (schema ${String(v.schema)}); update the app to read it.`;
  }
  if (v.schema !== SIDECAR_SCHEMA) return 'The sidecar has no valid schema number.';
  const wrong = sidecarFieldProblem(value);
  return wrong ? `The sidecar is damaged: ${wrong}.` : undefined;
}

const DAMAGES: unknown[] = [undefined, null, 0, -1, 1.5, 2 ** 60, '', 'x', 'yesterday', '../x', 'a'.repeat(300), true, [], {}, ['x'], { a: 1 }];
const PATHS = [
  'file',
  'prompt',
  'mode',
  'resolution',
  'duration',
  'aspectRatio',
  'seed',
  'imageUrl',
  'sourceImage',
  'loras',
  'loras.0',
  'loras.0.path',
  'loras.0.scale',
  'request',
  'request.input',
  'taskId',
  'batch',
  'batch.id',
  'batch.name',
  'sourceRow',
  'sourceRow.row',
  'sourceRow.take',
  'sourceRow.cells',
  'sourceRow.cells.prompt',
  'estimateMicros',
  'costMicros',
  'timings',
  'timings.submittedAt',
  'timings.succeededAt',
  'timings.downloadedAt',
  'timings.queuedAt',
  'timings.generationMs',
  'probe',
  'probe.width',
  'probe.height',
  'probe.durationSec',
  'probe.fps',
  'probe.hasAudio',
  'probe.videoCodec',
  'probe.audioCodec',
  'favourite',
  'createdAt'
];

function damaged(path: string, value: unknown, base: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(base);
  const parts = path.split('.');
  let at: Record<string, unknown> = copy;
  for (const part of parts.slice(0, -1)) {
    if (typeof at[part] !== 'object' || at[part] === null) return copy;
    at = at[part] as Record<string, unknown>;
  }
  const last = parts.at(-1)!;
  // JSON has no holes in its lists: a removed list item is spliced out.
  if (value === undefined && Array.isArray(at)) (at as unknown[]).splice(Number(last), 1);
  else if (value === undefined) delete at[last];
  else at[last] = value;
  return copy;
}

function messages(): { cases: number; same: number; diffs: string[] } {
  const base = JSON.parse(
    JSON.stringify(makeSidecar('clip.mp4', { seed: 7, sourceImage: 'clip.source.png', loras: [{ path: 'a/b', scale: 1 }] }, { seed: 7 }))
  );
  const cases: Record<string, unknown>[] = [];
  for (const path of PATHS) for (const value of DAMAGES) cases.push(damaged(path, value, base));
  // Two fields damaged at once: the first one in reading order must be the one named.
  const random = seededRandom(7);
  for (let i = 0; i < 3000; i++) {
    const a = PATHS[Math.floor(random() * PATHS.length)];
    const b = PATHS[Math.floor(random() * PATHS.length)];
    const va = DAMAGES[Math.floor(random() * DAMAGES.length)];
    const vb = DAMAGES[Math.floor(random() * DAMAGES.length)];
    cases.push(damaged(b, vb, damaged(a, va, base)));
  }
  const diffs: string[] = [];
  let same = 0;
  for (const c of cases) {
    const hand = validateSidecar(c).reason;
    const zod = zodReason(c);
    if (hand === zod) same++;
    else if (diffs.length < 20) diffs.push(`hand: ${hand} | zod: ${zod}`);
  }
  return { cases: cases.length, same, diffs };
}

async function main(): Promise<void> {
  console.log(`files read back from disk, hand-written or cast against zod (node ${process.version}); median of ${ROUNDS} rounds`);

  // Sidecars.
  const texts = Array.from({ length: 10_000 }, (_, i) =>
    JSON.stringify(makeSidecar(`clip-${i}.mp4`, { favourite: i % 3 === 0 }, { seed: i, prompt: `prompt number ${i} `.repeat(1 + (i % 20)) }), null, 2)
  );
  const parsed = texts.map((t) => JSON.parse(t) as unknown);
  const jsonMs = time(() => texts.forEach((t) => JSON.parse(t)));
  const handMs = time(() => parsed.forEach((v) => validateSidecar(v)));
  const zodMs = time(() => parsed.forEach((v) => zodReason(v)));
  console.log(`10,000 sidecars | JSON.parse ${jsonMs.toFixed(1)} ms | hand-written check ${handMs.toFixed(1)} ms | zod check ${zodMs.toFixed(1)} ms`);
  const m = messages();
  console.log(`damaged sidecars | ${m.cases} | same words from both: ${m.same}`);
  for (const d of m.diffs) console.log(`    ${d}`);

  // The queue.
  const dir = await mkdtemp(join(tmpdir(), 'ltx-zod-bench-'));
  try {
    const fixture = await writeJournalFixture(join(dir, 'data'), join(dir, 'library'));
    const replay = (checked: boolean) => async (): Promise<void> => {
      await readJournalState<QueueEvent, QueueState>(join(dir, 'data'), {
        initial: emptyQueueState,
        apply: applyQueueEvent,
        fromSnapshot: checked ? queueStateFromJson : castStateFromJson,
        ...(checked ? { parseEvent: parseQueueEvent } : {}),
        onWarning: (w) => console.warn(w)
      });
    };
    const read = (checked: boolean) =>
      readJournalState<QueueEvent, QueueState>(join(dir, 'data'), {
        initial: emptyQueueState,
        apply: applyQueueEvent,
        ...(checked ? { parseEvent: parseQueueEvent } : {}),
        onWarning: (w) => console.warn(w)
      });
    const [plain, checked] = [await read(false), await read(true)];
    console.log(`replay through zod gives the same queue: ${isDeepStrictEqual(plain.state, checked.state)}, events refused: ${checked.recovery.rejected}`);
    const castReplay = await timeAsync(replay(false));
    const zodReplay = await timeAsync(replay(true));
    console.log(
      `journal replay, ${fixture.tasks} tasks, ${fixture.lines} events, ${(fixture.bytes / 2 ** 20).toFixed(1)} MiB | cast ${castReplay.toFixed(0)} ms | zod ${zodReplay.toFixed(0)} ms`
    );

    const { snapshotBytes } = await compactFixture(join(dir, 'data'));
    const snapshotText = await readFile(join(dir, 'data', 'snapshot.json'), 'utf8');
    const state = (JSON.parse(snapshotText) as { state: unknown }).state;
    const parseMs = time(() => JSON.parse(snapshotText));
    const castMs = time(() => castStateFromJson(state));
    const zodStateMs = time(() => queueStateFromJson(state));
    console.log(
      `snapshot, ${fixture.tasks} tasks, ${(snapshotBytes / 2 ** 20).toFixed(1)} MiB | JSON.parse ${parseMs.toFixed(1)} ms | cast ${castMs.toFixed(2)} ms | zod ${zodStateMs.toFixed(1)} ms`
    );
    // Round trip: what zod reads back is what was written.
    const again = queueStateToJson(queueStateFromJson(state));
    console.log(`snapshot round trip through zod unchanged: ${isDeepStrictEqual(again, state)}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
