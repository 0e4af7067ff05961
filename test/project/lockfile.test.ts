import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without type declarations
import { lockfileProblems } from '../../scripts/check-lockfile.mjs';

type Entry = { os?: string[]; cpu?: string[]; libc?: string[]; optionalDependencies?: Record<string, string> };
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, Entry> };
const check = lockfileProblems as (lock: unknown) => string[];

/** The native packages the build runs on, each with the binaries its lock entries say it has. */
function platformsOf(owner: string): string[] {
  const entry = lock.packages[`node_modules/${owner}`]!;
  return Object.keys(entry.optionalDependencies ?? {})
    .map((dep) => lock.packages[`node_modules/${dep}`])
    .filter((e): e is Entry => e !== undefined && e.os !== undefined)
    .map((e) => `${e.os!.join()}-${e.cpu!.join()}${e.libc ? `-${e.libc.join()}` : ''}`);
}

describe('the lockfile', () => {
  it('holds every optional native package, for every platform', () => {
    expect(check(lock)).toEqual([]);
    const everywhere = ['darwin-x64', 'darwin-arm64', 'win32-x64', 'win32-arm64', 'linux-x64', 'linux-arm64'];
    const withLibc = everywhere.flatMap((p) => (p.startsWith('linux') ? [`${p}-glibc`, `${p}-musl`] : [p]));
    expect(platformsOf('rolldown')).toEqual(expect.arrayContaining(withLibc));
    expect(platformsOf('lightningcss')).toEqual(expect.arrayContaining(withLibc));
    // esbuild ships one Linux binary for glibc and musl alike.
    expect(platformsOf('esbuild')).toEqual(expect.arrayContaining(everywhere));
  });

  it('names each missing one, as a lockfile written on one machine would lack it', () => {
    const trimmed = structuredClone(lock);
    delete trimmed.packages['node_modules/@rolldown/binding-darwin-arm64'];
    delete trimmed.packages['node_modules/lightningcss-win32-x64-msvc'];
    expect(check(trimmed)).toEqual([
      expect.stringMatching(/^lightningcss needs lightningcss-win32-x64-msvc@[\d.^~]+, which is missing$/),
      expect.stringMatching(/^rolldown needs @rolldown\/binding-darwin-arm64@[\d.^~]+, which is missing$/)
    ]);
  });
});
