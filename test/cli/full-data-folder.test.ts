import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, statfsSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/main/cli/output';
import { RESCUE_FILE_NAME } from '../../src/main/core/queue/rescue';
import { requireBuiltCli, runCli } from '../support/cli';

const root = process.getuid?.() === 0;
const ROWS = 40;

/**
 * An APIXO on loopback that fills the data folder's disk the moment it creates a task, before
 * answering: that task's ID can only be kept outside the journal. tmpfs counts whole pages, so
 * it fills at the first submit (from the second on) whose answer cannot fit in the room left in
 * the journal's last page: IDs are long, and the fill comes when that room is shorter than one.
 */
class FillingApi {
  readonly created: string[] = [];
  /** The prompt of each POST, in order. */
  readonly prompts: string[] = [];
  /** Task IDs asked about. */
  readonly polled = new Set<string>();
  /** Index in `created` of the task whose answer found the disk full. */
  filledAt = -1;
  private server?: Server;

  constructor(
    private readonly ballast: string,
    private readonly journal: string
  ) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        if (req.method === 'POST') {
          this.prompts.push((JSON.parse(Buffer.concat(chunks).toString()) as { input: { prompt: string } }).input.prompt);
          const taskId = `task_${this.created.length + 1}_`.padEnd(220, Math.random().toString(36).slice(2, 12));
          this.created.push(taskId);
          const size = statSync(this.journal).size;
          const slack = Math.ceil(size / 4096) * 4096 - size;
          if (this.filledAt < 0 && this.created.length >= 2 && slack < 300) {
            const info = statfsSync(join(this.ballast, '..'));
            writeFileSync(this.ballast, Buffer.alloc(info.bavail * info.bsize));
            this.filledAt = this.created.length - 1;
          }
          res.end(JSON.stringify({ code: 200, msg: 'success', data: { taskId } }));
          return;
        }
        // Every task fails for good (no video to fetch), so that each run settles and exits; by two
        // causes in turn, so that no run of one cause pauses the batch (the breaker).
        const taskId = new URL(req.url ?? '/', 'http://x').searchParams.get('taskId') ?? '';
        this.polled.add(taskId);
        const [failCode, failMsg] = this.created.indexOf(taskId) % 2 === 0 ? ['PROMPT_TOO_LONG', 'too long'] : ['ImageNotAccess', 'no image'];
        res.end(JSON.stringify({ code: 200, msg: 'success', data: { taskId, state: 'failed', failCode, failMsg } }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/v1`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

let figures = '';
afterAll(() => {
  if (figures) console.log(`CLI, full data folder: ${figures}`);
});

describe.skipIf(!root)('ltx-batch run with a data folder that fills up (tmpfs; needs root)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ltx-cli-full-'));
  const dataDir = join(dir, 'data');
  const library = join(dir, 'library');
  beforeAll(() => {
    requireBuiltCli();
    mkdirSync(dataDir);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dataDir]);
  });
  afterAll(() => {
    execFileSync('umount', ['-l', dataDir]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('says once which folder is full and what to do, prints every task ID it could not record, and leaves no lock', async () => {
    const ballast = join(dataDir, 'ballast');
    const api = new FillingApi(ballast, join(dataDir, 'journal.jsonl'));
    const baseUrl = await api.start();
    const csv = join(dir, 'batch.csv');
    writeFileSync(csv, `prompt,duration\n${Array.from({ length: ROWS }, (_, i) => `a paper boat number ${i + 1},5`).join('\n')}\n`);
    try {
      const run = await runCli(
        ['run', csv, '--out', library, '--data-dir', dataDir, '--base-url', baseUrl, '--yes', '--time-scale', '0.002', '--concurrency', '1'],
        { env: { APIXO_API_KEY: 'test-key-123' } }
      );
      const output = `${run.stdout}\n${run.stderr}`;
      expect(run.code, output).toBe(EXIT.stoppedByStorage);
      expect(output).not.toMatch(/^\s+at /m);
      expect(output).not.toContain('JournalError');
      expect(output).toContain(`The disk holding ${dataDir} is full`);
      // Submits stopped at the failed write: the task whose answer found the disk full was the last one created.
      expect(api.filledAt).toBeGreaterThan(0);
      expect(api.created).toHaveLength(api.filledAt + 1);
      // Its ID is printed as soon as it is known, and again at the end with the file it was saved in (the library folder).
      const rescued = api.created[api.filledAt];
      const rescueFile = join(library, RESCUE_FILE_NAME);
      expect(output).toContain(`APIXO created task ${rescued}, but the queue journal could not record it`);
      expect(output.match(/is full/g)).toHaveLength(1);
      expect(output).toContain(`saved in ${rescueFile}`);
      expect(readFileSync(rescueFile, 'utf8')).toContain(rescued);
      expect(output).toMatch(/ltx-batch resume` attaches them by itself/);
      expect(existsSync(join(dataDir, 'lock'))).toBe(false);

      expect(output).toContain('Then run `ltx-batch resume`');
      const status = await runCli(['status', '--data-dir', dataDir]);
      expect(status.stdout).toContain(`Row ${api.filledAt + 2}: ${rescued}`);

      // Room again: resume attaches the rescued ID and submits no row twice.
      rmSync(ballast);
      const resume = await runCli(['resume', '--data-dir', dataDir, '--base-url', baseUrl, '--time-scale', '0.002', '--concurrency', '1', '--json'], {
        env: { APIXO_API_KEY: 'test-key-123' }
      });
      expect(resume.stderr).toBe('');
      const summary = JSON.parse(resume.stdout) as { exitCode: number; attention: { state: string }[] };
      expect(summary.attention.filter((a) => a.state === 'needs_review')).toEqual([]);
      expect(api.polled.has(rescued)).toBe(true);
      // Every row submitted exactly once across both runs.
      expect(api.prompts).toHaveLength(ROWS);
      expect(new Set(api.prompts).size).toBe(ROWS);
      figures = `fill at submit ${api.filledAt + 1} of ${ROWS}: ${api.filledAt + 1} accepted in the first run, 1 rescued and printed, attached by resume; ${api.prompts.length - new Set(api.prompts).size} duplicate submits`;
      expect(existsSync(rescueFile)).toBe(false);
    } finally {
      await api.stop();
    }
  }, 60_000);
});

describe.skipIf(!root)('ltx-batch run with a data folder that cannot be written from the start (tmpfs; needs root)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ltx-cli-nowrite-'));
  const full = join(dir, 'full');
  const readOnly = join(dir, 'ro');
  beforeAll(() => {
    requireBuiltCli();
    mkdirSync(full);
    mkdirSync(readOnly);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', full]);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,ro', 'tmpfs', readOnly]);
    const info = statfsSync(full);
    writeFileSync(join(full, 'ballast'), Buffer.alloc(info.bavail * info.bsize));
  });
  afterAll(() => {
    execFileSync('umount', ['-l', full]);
    execFileSync('umount', ['-l', readOnly]);
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['full', () => full, (d: string) => `The disk holding ${d} is full`],
    ['read-only', () => join(readOnly, 'data'), (d: string) => `${d} cannot be written (the disk is read-only`]
  ])('a %s data folder: one message naming it, exit 4, nothing left behind', async (_what, dataDir, words) => {
    const csv = join(dir, 'one.csv');
    writeFileSync(csv, 'prompt,duration\na boat,5\n');
    const run = await runCli(['run', csv, '--out', join(dir, 'library'), '--data-dir', dataDir(), '--yes', '--time-scale', '0.002'], {
      env: { APIXO_API_KEY: '' }
    });
    expect(run.code, run.stderr).toBe(EXIT.stoppedByStorage);
    expect(run.stderr).toContain(`✗ ${words(dataDir())}`);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.stderr.match(/^✗/gm)).toHaveLength(1);
    if (_what === 'full') {
      // The built-in simulator's folder may be made before the disk refuses its first write; it holds no file.
      expect(readdirSync(full).sort()).toEqual(expect.arrayContaining(['ballast', 'logs']));
      expect(readdirSync(full).filter((name) => !['ballast', 'logs', 'simulator'].includes(name))).toEqual([]);
      if (existsSync(join(full, 'simulator'))) expect(readdirSync(join(full, 'simulator')).filter((name) => !name.endsWith('.lock'))).toEqual([]);
    }
  });
});
