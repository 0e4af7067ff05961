/**
 * Full disks, as a person meets them in the window (real tmpfs mounts; needs root).
 *
 * (a) The data folder fills while a batch submits: the queue view says submitting stopped, names
 *     the folder and what to do, lists each task ID APIXO returned that could not be recorded
 *     (with Copy); once room is made and the person presses Resume, the batch finishes, with
 *     every paid video saved once and nothing paid twice.
 * (b) The library's disk is short of room from the start: the window says submits wait for disk
 *     space on that folder, nothing is paid for, and once room is made the batch goes on by
 *     itself and the videos land.
 *
 * The fill point of (a) is set by events, never by timing: a door in front of the "real API"
 * holds the batch's submits (and the status checks) while the ballast takes every free page of
 * the data folder's disk; then the submits are let through one at a time, so the journal's
 * answers are written one by one until the disk refuses one.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, statfsSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueueStatus } from '@shared/batch';
import { RESCUE_FILE_NAME } from '../../src/main/core/queue/rescue';
import { HAS_CHROMIUM, SCENARIO_TIMEOUT, SKIP_MESSAGE, launchBrowser, openApp } from './browser';
import { GOOD_KEY, startHarness, type Harness, type HarnessOptions } from './harness/server';
import { mp4sUnder, onlyBatch, queuePastedPrompts, snapshot, tasksOf, until } from './helpers';

const ROOT = process.getuid?.() === 0;
if (!ROOT) console.warn('e2e full disk: skipped, mounting a small tmpfs needs root');
if (!HAS_CHROMIUM) console.warn(SKIP_MESSAGE);

const mount = (dir: string, size: string): void => void execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
const unmount = (dir: string): void => {
  try {
    execFileSync('umount', ['-l', dir]);
  } catch {
    // not mounted (the mount itself failed)
  }
};

type Held = { kind: 'submit' | 'status'; let: () => Promise<void> };

/**
 * A door in front of the harness's "real API": it passes every request on, and, while told to,
 * holds submits and status checks until the test lets them through. Answers naming the API's
 * origin (result links) are rewritten to the door's, so the app fetches the videos through it,
 * from the address it was configured with.
 */
class ApiDoor {
  private server: Server | undefined;
  private origin = '';
  private target = '';
  private targetKnown!: () => void;
  /** Requests wait until the API behind the door is known (it starts with the harness). */
  private readonly ready = new Promise<void>((ok) => (this.targetKnown = ok));
  private holding = false;
  readonly held: Held[] = [];

  get baseUrl(): string {
    return `${this.origin}/api/v1`;
  }

  heldOf(kind: Held['kind']): Held[] {
    return this.held.filter((h) => h.kind === kind);
  }

  /** The origin of the API behind the door. */
  lead(target: string): void {
    this.target = target;
    this.targetKnown();
  }

  hold(): void {
    this.holding = true;
  }

  /** Lets the oldest held submit through; resolves once its answer went back to the app. */
  async letNextSubmit(): Promise<boolean> {
    const at = this.held.findIndex((h) => h.kind === 'submit');
    if (at < 0) return false;
    const [next] = this.held.splice(at, 1);
    await next.let();
    return true;
  }

  /** Stops holding and lets everything held through. */
  async open(): Promise<void> {
    this.holding = false;
    await Promise.all(this.held.splice(0).map((h) => h.let()));
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const kind = req.method === 'POST' && req.url?.includes('/generateTask/') ? 'submit' : req.url?.includes('/statusTask/') ? 'status' : undefined;
        const pass = (): Promise<void> => this.forward(req, body, res);
        if (this.holding && kind) this.held.push({ kind, let: pass });
        else void pass();
      });
    });
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', ok));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async forward(req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    await this.ready;
    return new Promise((done) => {
      const out = request(`${this.target}${req.url ?? '/'}`, { method: req.method, headers: { ...req.headers, host: new URL(this.target).host } }, (answer) => {
        const headers = { ...answer.headers };
        if (!String(headers['content-type'] ?? '').includes('json')) {
          res.writeHead(answer.statusCode ?? 502, headers);
          answer.pipe(res);
          res.on('close', () => done());
          return;
        }
        const parts: Buffer[] = [];
        answer.on('data', (c: Buffer) => parts.push(c));
        answer.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8').replaceAll(this.target, this.origin);
          delete headers['content-length'];
          res.writeHead(answer.statusCode ?? 502, { ...headers, 'content-length': Buffer.byteLength(text) });
          res.end(text, () => done());
        });
      });
      out.on('error', () => {
        res.destroy();
        done();
      });
      out.end(body);
    });
  }

  async close(): Promise<void> {
    await this.open();
    this.server?.closeAllConnections();
    await new Promise<void>((ok) => (this.server ? this.server.close(() => ok()) : ok()));
  }
}

/** A file taking every free page of the disk holding `dir` (or `bytes` of it). */
function ballast(dir: string, bytes?: number): string {
  const path = join(dir, 'ballast.bin');
  const { bavail, bsize } = statfsSync(dir);
  writeFileSync(path, Buffer.alloc(bytes ?? bavail * bsize, 1));
  return path;
}

const status = async (harness: Harness): Promise<QueueStatus> => (await snapshot(harness)).status;

/** One browser and one harness whose folders sit on the test's small disks, mounted first. */
function fullDiskSession(setup: (base: string, tmpfs: (dir: string, size: string) => void) => Promise<HarnessOptions>, started?: (harness: Harness) => void) {
  let browser: Browser | undefined;
  let harness: Harness | undefined;
  let base = '';
  const mounts: string[] = [];
  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'ltx-e2e-disk-'));
    const options = await setup(base, (dir, size) => {
      mkdirSync(dir);
      mount(dir, size);
      mounts.push(dir);
    });
    [browser, harness] = await Promise.all([launchBrowser(), startHarness(options)]);
    started?.(harness);
  });
  afterAll(async () => {
    await browser?.close();
    await harness?.close();
    for (const dir of mounts) unmount(dir);
    if (base) rmSync(base, { recursive: true, force: true });
  });
  return {
    get browser() {
      if (!browser) throw new Error('the session has not started');
      return browser;
    },
    get harness() {
      if (!harness) throw new Error('the session has not started');
      return harness;
    }
  };
}

const PROMPTS = [
  'A tram rattling down a hill at dawn',
  'Snow falling on a quiet village square',
  'A hummingbird hovering at a red flower',
  'Steam rising from a bowl of ramen',
  'A sailboat tacking into a stiff breeze',
  'Fireflies over a meadow at dusk',
  'A potter shaping clay on a wheel',
  'Rain running down a train window at night',
  'A fox trotting across fresh snow',
  'Waves breaking on black volcanic sand',
  'A lighthouse beam sweeping through fog',
  'Bees crawling over a honeycomb',
  'A paper boat drifting down a gutter',
  'Autumn leaves swirling in a courtyard'
].flatMap((p) => [p, `${p}, seen from above`]);

describe.skipIf(!ROOT || !HAS_CHROMIUM)('e2e: full disks (tmpfs; needs root)', { timeout: SCENARIO_TIMEOUT * 2 }, () => {
  describe('the data folder fills while a batch submits', () => {
    /** Submits at APIXO at once: enough answers to fill the journal's last page (4 KiB, about 22 of them) with two to spare. */
    const AT_ONCE = 25;
    const door = new ApiDoor();
    let dataDir = '';
    const session = fullDiskSession(
      async (base, tmpfs) => {
        dataDir = join(base, 'data');
        tmpfs(dataDir, '1m');
        await door.start();
        return { apiKey: GOOD_KEY, settings: { dataDir, libraryDir: join(base, 'library'), concurrency: AT_ONCE }, apiBaseUrl: door.baseUrl };
      },
      (harness) => door.lead(harness.simulator.origin)
    );
    afterAll(() => door.close());

    it('stops submitting, shows the task IDs it could not record with Copy, and finishes after Resume', async () => {
      const { browser, harness } = session;

      const app = await openApp(browser, harness, 'full-disk-data');
      const { page } = app;
      try {
        await app.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: harness.url });
        door.hold();
        // More rows than the preview shows at once: its summary says how many.
        await page.getByTestId('paste-input').fill(PROMPTS.join('\n'));
        await page.getByTestId('paste-import').click();
        await expect.poll(() => page.getByTestId('import-summary').innerText()).toMatch(new RegExp(`^${PROMPTS.length} videos to make`));
        await page.getByTestId('add-to-queue').click();
        await page.getByTestId('confirm-add').click();
        await page.getByTestId('batch-row').waitFor();

        // Every slot's submit is at the door, its intent on disk.
        await until('the first submits at the API', () => door.heldOf('submit').length === AT_ONCE, 15_000);
        const journal = join(dataDir, 'journal.jsonl');
        const { bsize } = statfsSync(dataDir);
        const size = (): number => statSync(journal).size;
        let answered = 0;
        const answerOne = async (): Promise<QueueStatus> => {
          expect(await door.letNextSubmit(), 'no submit left at the door').toBe(true);
          answered++;
          return until('the app to take the answer', async () => {
            const s = await status(harness);
            return ((await onlyBatch(harness)).counts.submitted ?? 0) + (s.rescued?.length ?? 0) >= answered && s;
          });
        };

        // APIXO answers one submit at a time, each recorded, until the last page of the journal
        // has less room left than one more answer takes; then the ballast takes every free page.
        let answerBytes = 0;
        while (answerBytes === 0 || (bsize - (size() % bsize)) % bsize >= answerBytes) {
          const before = size();
          expect((await answerOne()).storage).toBeUndefined();
          answerBytes = Math.max(answerBytes, size() - before);
        }
        const recorded = answered;
        const ballastFile = ballast(dataDir);
        expect(statfsSync(dataDir).bavail).toBe(0);

        // The next answer does not fit: submitting stops, and that ID and the next one are kept.
        expect((await answerOne()).storage?.folder).toBe(dataDir);
        await answerOne();
        const held = await until('the unrecorded IDs in a rescue file', async () => {
          const s = await status(harness);
          return s.rescued?.length === 2 && s.rescued.every((r) => r.file) && s;
        });
        expect((await onlyBatch(harness)).counts.submitted).toBe(recorded);
        const rescuedIds = held.rescued!.map((r) => r.taskId!);
        const paidIds = harness.simulator.submissions.map((s) => s.taskId);
        expect(paidIds).toHaveLength(recorded + 2);
        expect(paidIds).toEqual(expect.arrayContaining(rescuedIds));
        const rescueFile = join(harness.libraryDir, RESCUE_FILE_NAME);
        for (const id of rescuedIds) expect(readFileSync(rescueFile, 'utf8')).toContain(id);

        // The window: one message naming the folder and what to do, and the IDs with Copy.
        const hold = page.getByTestId('storage-hold');
        await hold.waitFor();
        const holdText = await hold.innerText();
        expect(holdText).toContain(`The disk holding ${dataDir} is full`);
        expect(holdText).toMatch(/Free some space/);
        expect(holdText).toContain('Once there is room, press Resume');
        expect(await page.getByTestId('queue-activity').innerText()).toBe(
          `stopped submitting: the data folder ${dataDir} cannot be written (its disk is full)`
        );
        await expect.poll(() => page.getByTestId('rescued-id').count()).toBe(rescuedIds.length);
        const shown = await page.locator('[data-testid="rescued-id"] code').allInnerTexts();
        expect(shown).toEqual(rescuedIds);
        expect(await page.getByTestId('rescued-id').first().innerText()).toContain(`saved in ${rescueFile}`);
        await app.screen('1-storage-hold');

        const first = page.getByTestId('rescued-id').first();
        await first.getByTestId('copy-rescued').click();
        await expect.poll(() => first.getByTestId('copy-rescued').innerText()).toBe('Copied');
        expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(rescuedIds[0]);
        await app.screen('2-copied');

        // While the hold lasts, nothing more is submitted.
        expect(harness.simulator.submissions).toHaveLength(recorded + 2);

        // Room is made; the answers still on their way are recorded; the person resumes.
        rmSync(ballastFile);
        await door.open();
        await page.getByTestId('resume-storage').click();
        await expect.poll(() => page.getByTestId('storage-hold').count()).toBe(0);
        const { batch } = await onlyBatch(harness);
        await until('the batch to finish', async () => (await onlyBatch(harness)).counts.done === PROMPTS.length || undefined, 45_000);
        await expect
          .poll(() => page.getByTestId('batch-progress').innerText(), { timeout: 10_000 })
          .toContain(`${PROMPTS.length} of ${PROMPTS.length} finished`);
        expect(await page.getByTestId('rescued-ids').count()).toBe(0);
        // Every row on screen says what main has: done, and the file it was saved as.
        const final = await tasksOf(harness, batch.id);
        const rows = page.getByTestId('task-row');
        await rows.first().waitFor();
        for (const row of await rows.all()) {
          const id = await row.getAttribute('data-task-id');
          const task = final.find((t) => t.id === id)!;
          expect(await row.getAttribute('data-state')).toBe('done');
          expect(await row.getByTestId('task-explanation').innerText()).toBe(`Saved as ${task.file}`);
        }
        await app.screen('3-resumed-done');

        // Every paid video saved once; nothing paid twice.
        const tasks = await tasksOf(harness, batch.id);
        const all = harness.simulator.submissions.map((s) => s.taskId);
        expect(all).toHaveLength(PROMPTS.length);
        expect(tasks.map((t) => t.taskId).sort()).toEqual([...all].sort());
        expect(mp4sUnder(harness.libraryDir)).toHaveLength(PROMPTS.length);
        expect(app.errors).toEqual([]);
      } finally {
        await app.close();
      }
    });
  });

  describe('the library disk is short of room from the start', () => {
    let libraryDir = '';
    let ballastFile = '';
    const session = fullDiskSession(async (base, tmpfs) => {
      libraryDir = join(base, 'library');
      // Room for the app's margin (256 MB) and a few videos in flight, once the ballast goes.
      tmpfs(libraryDir, '400m');
      ballastFile = ballast(libraryDir, 200 * 1024 * 1024);
      return { apiKey: GOOD_KEY, settings: { libraryDir } };
    });

    it('says submits wait for disk space, pays for nothing, and goes on by itself once there is room', async () => {
      const { browser, harness } = session;
      const app = await openApp(browser, harness, 'full-disk-library');
      const { page } = app;
      const prompts = PROMPTS.slice(0, 3);
      try {
        await queuePastedPrompts(page, prompts);
        await expect
          .poll(() => page.getByTestId('queue-activity').innerText())
          .toMatch(new RegExp(`^waiting for disk space: the disk holding ${libraryDir} has \\d+ MB free`));
        expect((await status(harness)).diskSpace?.folder).toBe(libraryDir);
        const notice = await page.getByTestId('disk-space-hold').innerText();
        expect(notice).toContain(`The disk holding ${libraryDir} has`);
        expect(notice).toContain('submits go on by themselves once there is room');
        expect(harness.simulator.submissions).toHaveLength(0);
        await app.screen('1-waiting-for-space');

        rmSync(ballastFile);
        await until('the batch to finish', async () => (await onlyBatch(harness)).counts.done === prompts.length || undefined, 45_000);
        await expect
          .poll(() => page.getByTestId('batch-progress').innerText(), { timeout: 10_000 })
          .toContain(`${prompts.length} of ${prompts.length} finished`);
        expect(await page.getByTestId('disk-space-hold').count()).toBe(0);
        expect(mp4sUnder(libraryDir)).toHaveLength(prompts.length);
        expect(harness.simulator.submissions).toHaveLength(prompts.length);
        await app.screen('2-videos-landed');
        expect(app.errors).toEqual([]);
      } finally {
        await app.close();
      }
    });
  });
});
