import { execFileSync } from 'node:child_process';
import { ftruncateSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Journal, isJournalError, type JournalFileOps } from '../../src/main/core/store/journal';
import { tempDirs } from '../support/temp-dirs';

type Ev = { type: 'set'; key: string; value: string };
type State = Record<string, string>;
const apply = (state: State, ev: Ev): void => {
  state[ev.key] = ev.value;
};
const options = (fileOps?: Partial<JournalFileOps>) => ({ initial: (): State => ({}), apply, onWarning: () => undefined, fileOps });
const set = (key: string, value = `value of ${key}`): Ev => ({ type: 'set', key, value });

const tempDir = tempDirs('ltx-journal-full-');

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated`), { code });
}

describe('journal: a disk that stops taking writes (fault-injected file calls)', () => {
  it('a write that stops half-way applies nothing and leaves no fragment; the next append lands on a clean line', async () => {
    const dir = tempDir();
    let failNext = false;
    const journal = await Journal.open<Ev, State>(
      dir,
      options({
        // Writes the first half of the line, then the disk is full.
        writeSync: (fd, data, offset, length) => {
          if (!failNext) return writeSync(fd, data, offset, length);
          failNext = false;
          writeSync(fd, data, offset, Math.floor(length / 2));
          throw errno('ENOSPC');
        }
      })
    );
    journal.append(set('a'), { durable: true });
    const sizeBefore = statSync(journal.path).size;
    failNext = true;
    const error = thrown(() => journal.append(set('b'), { durable: true }));
    expect(isJournalError(error, 'failed')).toBe(true);
    expect((error as { problem?: string }).problem).toBe('full');
    expect((error as Error).message).toContain(`The disk holding ${journal.dir} is full`);
    expect(journal.state).toEqual({ a: 'value of a' });
    expect(journal.seq).toBe(1);
    expect(statSync(journal.path).size).toBe(sizeBefore);
    // Room again: the same event is written, and replays.
    journal.append(set('b'), { durable: true });
    await journal.close();
    const again = await Journal.open<Ev, State>(dir, options());
    expect(again.state).toEqual({ a: 'value of a', b: 'value of b' });
    expect(again.recovery.skippedCorrupt + again.recovery.tornBytes).toBe(0);
    await again.close();
  });

  it('a failed sync of a durable line takes the line back out', async () => {
    const dir = tempDir();
    let failSync = false;
    const journal = await Journal.open<Ev, State>(
      dir,
      options({
        fdatasyncSync: () => {
          if (failSync) throw errno('EIO');
        }
      })
    );
    journal.append(set('a'), { durable: true });
    failSync = true;
    const error = thrown(() => journal.append(set('b'), { durable: true }));
    expect(isJournalError(error, 'failed')).toBe(true);
    expect((error as { problem?: string }).problem).toBe('gone');
    expect(journal.state).toEqual({ a: 'value of a' });
    expect(readFileSync(journal.path, 'utf8')).not.toContain('value of b');
    failSync = false;
    await journal.close();
  });

  it('when even cutting the fragment off fails, nothing is appended until it can be cut off', async () => {
    const dir = tempDir();
    let broken = true;
    let failWrite = false;
    const journal = await Journal.open<Ev, State>(
      dir,
      options({
        writeSync: (fd, data, offset, length) => {
          if (!failWrite) return writeSync(fd, data, offset, length);
          failWrite = false;
          writeSync(fd, data, offset, 5);
          throw errno('EROFS');
        },
        ftruncateSync: (fd, length) => {
          if (broken) throw errno('EROFS');
          ftruncateSync(fd, length);
        }
      })
    );
    journal.append(set('a'));
    failWrite = true;
    expect((thrown(() => journal.append(set('b'))) as { problem?: string }).problem).toBe('read_only');
    // Still read-only: refused before writing anything after the fragment.
    const error = thrown(() => journal.append(set('c')));
    expect(isJournalError(error, 'failed')).toBe(true);
    expect(journal.state).toEqual({ a: 'value of a' });
    broken = false;
    journal.append(set('c'), { durable: true });
    await journal.close();
    const again = await Journal.open<Ev, State>(dir, options());
    expect(again.state).toEqual({ a: 'value of a', c: 'value of c' });
    expect(again.recovery.skippedCorrupt).toBe(0);
    await again.close();
  });
});

const root = process.getuid?.() === 0;
describe.skipIf(!root)('journal: a real filesystem that fills up (tmpfs; needs root)', () => {
  let mount = '';
  beforeAll(() => {
    mount = join(tempDir(), 'small');
    mkdirSync(mount);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mount]);
  });
  afterAll(() => {
    execFileSync('umount', ['-l', mount]);
    rmSync(mount, { recursive: true, force: true });
  });

  it('every append that returned is on disk and replays; every one that threw left no trace; room again means writes again', async () => {
    const ballast = join(mount, 'ballast');
    writeFileSync(ballast, Buffer.alloc(256 * 1024));
    const journal = await Journal.open<Ev, State>(mount, options());
    const accepted: string[] = [];
    let refused = 0;
    const big = 'x'.repeat(3000);
    for (let i = 0; i < 400; i++) {
      try {
        journal.append(set(`k${i}`, big), { durable: i % 3 === 0 });
        accepted.push(`k${i}`);
      } catch (error) {
        expect(isJournalError(error, 'failed')).toBe(true);
        expect((error as { problem?: string }).problem).toBe('full');
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(0);
    expect(Object.keys(journal.state)).toEqual(accepted);
    // Room again: the same journal takes the next event.
    rmSync(ballast);
    journal.append(set('after', big), { durable: true });
    await journal.close();
    const replayed = await Journal.open<Ev, State>(mount, options());
    expect(Object.keys(replayed.state)).toEqual([...accepted, 'after']);
    expect(replayed.recovery.skippedCorrupt).toBe(0);
    expect(replayed.recovery.tornBytes).toBe(0);
    await replayed.close();
  });
});
