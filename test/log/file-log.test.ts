import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openFileLog } from '../../src/main/core/log/file-log';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ltx-log-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the log file', () => {
  it('writes one line per event with its scope and context, at the level asked', () => {
    const log = openFileLog({ dir: join(dir, 'logs'), fileName: 'main.log' });
    const engine = log.logger.child('engine', { batch: 'b-7' });
    engine.info('task submitted', { task: 't-3', row: 12, taskId: 'abc123' });
    engine.debug('not written at info');
    engine.warn('paused', { reason: 'the balance ran out' });
    const lines = readFileSync(join(dir, 'logs', 'main.log'), 'utf8')
      .trim()
      .split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] \[info\]\s+\(engine\) task submitted batch=b-7 task=t-3 row=12 taskId=abc123$/);
    expect(lines[1]).toMatch(/\[warn\]\s+\(engine\) paused batch=b-7 reason="the balance ran out"$/);
    expect(log.tail(1)).toEqual([lines[1]]);
  });

  it('writes an error with its code and stack', () => {
    const log = openFileLog({ dir, fileName: 'main.log' });
    const error = Object.assign(new Error('disk gone'), { code: 'EIO' });
    log.logger.error('internal error', { channel: 'library:export', error });
    const text = readFileSync(join(dir, 'main.log'), 'utf8');
    expect(text).toMatch(/\[error\]\s+internal error channel=library:export\nError EIO: disk gone\n\s+at /);
  });

  it('rotates by size, keeping the newest files, and reads its tail across a rotation', () => {
    const log = openFileLog({ dir, fileName: 'cli.log', maxBytes: 2000, keep: 2 });
    for (let i = 0; i < 200; i++) log.logger.info(`line ${String(i).padStart(3, '0')} ${'x'.repeat(40)}`);
    expect(readdirSync(dir).sort()).toEqual(['cli.1.log', 'cli.2.log', 'cli.log']);
    const tail = log.tail(40);
    expect(tail).toHaveLength(40);
    expect(tail.at(-1)).toMatch(/line 199 /);
    expect(tail.map((l) => Number(/line (\d+)/.exec(l)![1]))).toEqual([...Array(40).keys()].map((k) => 160 + k));
  });

  it('never stops the app when its folder cannot be written: it says so once', () => {
    writeFileSync(join(dir, 'not-a-folder'), '');
    const problems: string[] = [];
    const log = openFileLog({ dir: join(dir, 'not-a-folder', 'logs'), fileName: 'main.log', onProblem: (m) => problems.push(m) });
    for (let i = 0; i < 5; i++) log.logger.error('still running');
    expect(problems).toEqual([
      `The log folder ${join(dir, 'not-a-folder', 'logs')} cannot be written (ENOTDIR), so this session keeps no log file. The app carries on.`
    ]);
    expect(log.problem()).toBe(problems[0]);
    expect(log.tail(10)).toEqual([]);
  });

  const root = process.getuid?.() === 0;
  it.skipIf(!root)('a disk that fills up loses lines, says so once, and writes again once there is room (tmpfs)', () => {
    const mount = join(dir, 'small');
    execFileSync('mkdir', ['-p', mount]);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mount]);
    try {
      const problems: string[] = [];
      const log = openFileLog({ dir: mount, fileName: 'main.log', maxBytes: 0, onProblem: (m) => problems.push(m) });
      const filler = join(mount, 'filler');
      writeFileSync(filler, Buffer.alloc(40 * 1024));
      for (let i = 0; i < 2000; i++) log.logger.info(`line ${i} ${'y'.repeat(60)}`);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toBe(`The log file ${join(mount, 'main.log')} could not be written (ENOSPC); lines are lost until it can be. The app carries on.`);
      rmSync(filler);
      log.logger.info('room again');
      expect(log.tail(1)[0]).toMatch(/room again$/);
    } finally {
      execFileSync('umount', [mount]);
    }
  });
});
