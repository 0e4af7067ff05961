import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

/** The committed hostile-CSV corpus. */
export const FIXTURES = fileURLToPath(new URL('../fixtures/csv/', import.meta.url));
export const fixture = (name: string): string => join(FIXTURES, name);

/** The repository's example batches. */
export const EXAMPLES = fileURLToPath(new URL('../../resources/examples/', import.meta.url));

/** A fresh temp folder for this test file, removed when its tests are done. */
export function tempDir(prefix = 'ltx-import-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function writeFile(dir: string, name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** A real 1×1 PNG. */
export const TINY_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

/** A small seeded generator: the same seed gives the same numbers. */
export { mulberry32 as seeded } from '../../src/main/core/simulator/random';
