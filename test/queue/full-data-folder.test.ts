import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApixoClient } from '../../src/main/core/apixo';
import { BatchEngine } from '../../src/main/core/queue/engine';
import { QUEUE_JOURNAL } from '../../src/main/core/queue/queue-journal';
import { readRescueFiles, rescueFilePlaces } from '../../src/main/core/queue/rescue';
import { startSimulator } from '../../src/main/core/simulator';
import { readJournalState } from '../../src/main/core/store/journal';
import { TIME_SCALE, rows, settled, submissionsByPrompt, until } from '../support/engine-harness';

const root = process.getuid?.() === 0;
const ROWS = 24;
/** Free space left on the data folder's disk once the batch is added, before the first submit. */
const FILL_POINTS = [0, 2048, 4096, 8192, 12288, 16384, 20480, 24576, 32768];

/** Figures per fill point, printed at the end for the record. */
const figures: string[] = [];
afterAll(() => {
  if (figures.length > 0) console.log(`full data folder during submits:\n${figures.join('\n')}`);
});

describe.skipIf(!root)('a data folder that fills up while a batch is submitting (tmpfs; needs root)', () => {
  const base = mkdtempSync(join(tmpdir(), 'ltx-full-data-'));
  const mounts: string[] = [];
  afterAll(() => {
    for (const mount of mounts) execFileSync('umount', ['-l', mount]);
    rmSync(base, { recursive: true, force: true });
  });

  for (const headroom of FILL_POINTS) {
    it(`keeps every task ID APIXO returned and pays for no row twice (${headroom} bytes left)`, async () => {
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      const dataDir = join(base, `data-${headroom}`);
      const libraryDir = join(base, `library-${headroom}`);
      mkdirSync(dataDir);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dataDir]);
      mounts.push(dataDir);
      const sim = await startSimulator({ timeScale: TIME_SCALE, seed: 7 });
      const client = new ApixoClient({ apiKey: 'sim-key', baseUrl: sim.baseUrl, timeScale: TIME_SCALE, timeoutMs: 5_000 });
      try {
        const options = { dataDir, client, timeScale: TIME_SCALE, concurrency: 8, diskMarginBytes: 0 };
        const engine = await BatchEngine.open(options);
        const batch = engine.addBatch({ name: 'full', libraryDir, tasks: rows(ROWS) });
        const info = statfsSync(dataDir);
        const ballast = join(dataDir, 'ballast');
        writeFileSync(ballast, Buffer.alloc(Math.max(0, info.bavail * info.bsize - headroom)));
        engine.start();
        await until(() => engine.status().storage !== undefined || engine.summary(batch.id)!.counts.done === ROWS, 20_000, 'the disk to fill');
        const held = engine.status();
        const doneBefore = engine.summary(batch.id)!.counts.done ?? 0;
        // No hang: closing waits for the submits already sent, then ends.
        await engine.close();
        const accepted = sim.submissions.map((s) => s.taskId);
        const { state } = await readJournalState(dataDir, QUEUE_JOURNAL);
        const journaled = new Set([...state.tasks.values()].map((t) => t.taskId).filter((id): id is string => id !== undefined));
        const shown = engine.rescued();
        const { entries } = await readRescueFiles(dataDir, rescueFilePlaces(dataDir, [libraryDir]));
        const inFiles = new Set(entries.filter((e) => e.outcome === 'accepted').map((e) => e.taskId));
        // Every POST had its intent journaled first: none went out on an unrecorded submit.
        const intents = [...state.tasks.values()].reduce((n, t) => n + t.attempts, 0);
        expect(accepted.length).toBeLessThanOrEqual(intents);
        const lost = accepted.filter((id) => !journaled.has(id) && !shown.some((r) => r.taskId === id));
        expect(lost).toEqual([]);
        for (const r of shown) {
          expect(inFiles.has(r.taskId)).toBe(true);
          expect(r.file).toBeDefined();
        }
        if (held.storage) {
          expect(held.storage.folder).toBe(dataDir);
          expect(held.storage.message).toContain(`The disk holding ${dataDir} is full`);
          expect(held.activity).toContain('cannot be written');
          // No POST after the first failed write: every submit sent was answered into the journal or the rescue.
        }

        // Room again: the next start attaches every rescued ID and submits no row twice.
        rmSync(ballast);
        const again = await BatchEngine.open(options);
        expect(again.recovery.needsReview).toBe(0);
        expect(again.recovery.attachedRescued).toBe(shown.length);
        again.start();
        const tasks = await settled(again, batch.id, 30_000);
        await again.close();
        const perRow = submissionsByPrompt(sim);
        expect([...perRow.values()].every((n) => n === 1)).toBe(true);
        expect(perRow.size).toBe(tasks.filter((t) => t.state === 'done').length);
        expect(tasks.filter((t) => t.state === 'needs_review')).toEqual([]);
        expect(unhandled).toEqual([]);
        const duplicates = sim.submissions.length - perRow.size;
        const videos = readdirSync(libraryDir).filter((f) => f.endsWith('.mp4'));
        // Every paid video is in the library. A download whose file name the journal refused can
        // land a second copy under another name on the next start (the download stage goes on
        // without a recorded name); never a second payment.
        expect(videos.length).toBeGreaterThanOrEqual(ROWS);
        figures.push(
          `  ${String(headroom).padStart(6)} bytes left: hold ${held.storage ? `after ${held.inFlight} in flight, ${doneBefore} done` : 'never'}; ` +
            `${accepted.length} accepted before the hold, ${accepted.length - shown.length} journaled, ` +
            `${shown.length} rescued (all in files), ${again.recovery.attachedRescued} attached on restart, ` +
            `${tasks.filter((t) => t.state === 'done').length}/${ROWS} done after, ${videos.length} video files, ${duplicates} duplicate submits`
        );
      } finally {
        process.off('unhandledRejection', onUnhandled);
        await sim.close();
      }
    }, 60_000);
  }
});
