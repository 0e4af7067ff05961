import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { transpileCoreModules } from '../support/child-modules';
import { tempDirs } from '../support/temp-dirs';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireDataLock, DataFolderLockedError, type DataLock } from '../../src/main/core/store/lock';

const tempDir = tempDirs('ltx-lock-');

const held: DataLock[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  await Promise.all(held.splice(0).map((lock) => lock.release()));
  children.splice(0).forEach((child) => child.kill('SIGKILL'));
});

async function acquire(dir: string): Promise<DataLock> {
  const lock = await acquireDataLock(dir);
  held.push(lock);
  return lock;
}

const readLock = (dir: string): Record<string, unknown> => JSON.parse(readFileSync(join(dir, 'lock'), 'utf8'));

/** The lock module as plain .mjs, for child processes (Node 20 cannot import .ts). */
const childModules = (() => {
  let dir: string | undefined;
  return (): string => (dir ??= transpileCoreModules(['store/fs-durable', 'store/lock']));
})();

interface Child {
  process: ChildProcess;
  /** The first line the child prints. */
  firstLine: Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startChild(body: string, args: string[]): Child {
  const dir = childModules();
  const script = join(dir, `child-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(script, `import { acquireDataLock } from './lock.mjs';\n${body}`);
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('exit', () => reject(new Error(`child exited without output: ${err}`)));
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal }))
  );
  return { process: child, firstLine, exited };
}

/** A child that takes the lock, says so, and holds it until killed. */
const HOLDER = `
const lock = await acquireDataLock(process.argv[2]);
console.log('locked ' + process.pid);
setInterval(() => {}, 1000);
`;

/** A pid that certainly belonged to a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

describe('data folder lock', () => {
  it('writes who holds it, and release removes it so the folder can be taken again', async () => {
    const dir = tempDir();
    const lock = await acquire(dir);
    expect(readLock(dir)).toMatchObject({ pid: process.pid, host: hostname() });
    expect(new Date(readLock(dir).startedAt as string).getTime()).toBeGreaterThan(Date.now() - 60_000);
    await lock.release();
    await lock.release();
    expect(existsSync(join(dir, 'lock'))).toBe(false);
    await acquire(dir);
    expect(readdirSync(dir)).toEqual(['lock']); // no temp files left behind
  });

  it('refuses a second acquire in the same process', async () => {
    const dir = tempDir();
    await acquire(dir);
    const error = await acquireDataLock(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataFolderLockedError);
    expect((error as Error).message).toBe(`This LTX Batch Studio process (pid ${process.pid}) already holds the data folder ${dir}; it was opened twice.`);
  });

  it('refuses while another process holds the folder, and takes over once it is SIGKILLed', async () => {
    const dir = tempDir();
    const holder = startChild(HOLDER, [dir]);
    const pid = Number((await holder.firstLine).split(' ')[1]);

    const error = await acquireDataLock(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataFolderLockedError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^Another LTX Batch Studio process \\(pid ${pid}, started \\d\\d:\\d\\d\\) is using the data folder ` +
          `${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\. Close it, or use another --data-dir\\.$`
      )
    );
    expect((error as DataFolderLockedError).owner.pid).toBe(pid);

    holder.process.kill('SIGKILL');
    await holder.exited;
    await acquire(dir);
    expect(readLock(dir).pid).toBe(process.pid);
  });

  it('is released when its process exits normally, with releaseOnExit', async () => {
    const dir = tempDir();
    const child = startChild(
      `const lock = (await acquireDataLock(process.argv[2])).releaseOnExit();
console.log('locked');
setTimeout(() => process.exit(0), 20);`,
      [dir]
    );
    await child.firstLine;
    expect(existsSync(join(dir, 'lock'))).toBe(true);
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(join(dir, 'lock'))).toBe(false);
  });

  it('takes over a stale lock: dead pid, empty file, corrupt file, or our own pid from an earlier life', async () => {
    const stale = [
      JSON.stringify({ pid: await deadPid(), host: hostname(), startedAt: new Date().toISOString() }),
      '',
      '{"pid": 12',
      JSON.stringify({ pid: 'x', host: hostname() }),
      JSON.stringify({ pid: process.pid, host: hostname(), startedAt: '2020-01-01T00:00:00Z', token: 'old' })
    ];
    for (const content of stale) {
      const dir = tempDir();
      writeFileSync(join(dir, 'lock'), content);
      utimesSync(join(dir, 'lock'), new Date(Date.now() - 5000), new Date(Date.now() - 5000));
      const lock = await acquire(dir);
      expect(readLock(dir)).toMatchObject({ pid: process.pid, token: lock.owner.token });
    }
  });

  it('gives a just-created unreadable lock a moment to be written before calling it stale', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'lock'), '');
    const alive = JSON.stringify({ pid: process.ppid, host: hostname(), startedAt: new Date().toISOString() });
    setTimeout(() => writeFileSync(join(dir, 'lock'), alive), 100);
    await expect(acquireDataLock(dir)).rejects.toThrow(`(pid ${process.ppid}, started`);
  });

  it.runIf(existsSync('/proc/sys/kernel/random/boot_id'))('treats a lock from before a reboot as stale, even if its pid is alive now', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'lock'), JSON.stringify({ pid: process.ppid, host: hostname(), startedAt: 0, bootId: 'an-earlier-boot' }));
    await acquire(dir);
    expect(readLock(dir).pid).toBe(process.pid);
  });

  it('never takes over a lock held on another computer, and says how to clear it', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'lock'), JSON.stringify({ pid: 4242, host: 'studio-mac', startedAt: '2025-03-01T14:02:00Z' }));
    const error = await acquireDataLock(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataFolderLockedError);
    expect((error as Error).message).toMatch(/\(pid 4242 on studio-mac, started 2025-03-0\d \d\d:\d\d\)/);
    expect((error as Error).message).toContain(`If it is no longer running on studio-mac, delete ${join(dir, 'lock')}.`);
  });

  it('release leaves alone a lock that someone else has taken since', async () => {
    const dir = tempDir();
    const lock = await acquire(dir);
    const theirs = JSON.stringify({ pid: 99999, host: 'elsewhere', startedAt: 0 });
    writeFileSync(join(dir, 'lock'), theirs);
    await lock.release();
    expect(readFileSync(join(dir, 'lock'), 'utf8')).toBe(theirs);
  });

  it('lets exactly one of several processes racing for a stale lock win', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'lock'), JSON.stringify({ pid: await deadPid(), host: hostname(), startedAt: 0 }));
    const startAt = Date.now() + 400; // every child tries at the same moment
    const racers = Array.from({ length: 6 }, () =>
      startChild(
        `const [dir, at] = process.argv.slice(2);
while (Date.now() < Number(at)) {}
try { await acquireDataLock(dir); console.log('won'); setInterval(() => {}, 1000); }
catch (e) { console.log(e.name === 'DataFolderLockedError' ? 'lost' : 'error ' + e.message); process.exit(0); }`,
        [dir, String(startAt)]
      )
    );
    const results = await Promise.all(racers.map((r) => r.firstLine));
    expect(results.filter((r) => r === 'won')).toHaveLength(1);
    expect(results.filter((r) => r === 'lost')).toHaveLength(5);
    const winner = racers[results.indexOf('won')];
    expect(readLock(dir).pid).toBe(winner.process.pid);
    expect(readdirSync(dir)).toEqual(['lock']);
  });
});
