import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Mounting a tmpfs needs root; tests that need one skip with this reason otherwise. */
export const TMPFS_SKIP_REASON = 'needs root to mount a small tmpfs (a real disk that fills up)';
export const canMountTmpfs = typeof process.getuid === 'function' && process.getuid() === 0;

/** A small real filesystem of `size` (e.g. '4m'), mounted on a fresh folder. */
export class Tmpfs {
  readonly dir: string;

  constructor(size: string) {
    this.dir = mkdtempSync(join(tmpdir(), 'ltx-tmpfs-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', this.dir]);
  }

  free(): number {
    const info = statfsSync(this.dir);
    return info.bavail * info.bsize;
  }

  /** Writes a ballast file that leaves `leave` bytes free (rounded down to whole pages). */
  fill(leave: number, name = 'ballast.bin'): string {
    const path = join(this.dir, name);
    writeFileSync(path, Buffer.alloc(Math.max(0, this.free() - leave)));
    return path;
  }

  unmount(): void {
    execFileSync('umount', [this.dir]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
