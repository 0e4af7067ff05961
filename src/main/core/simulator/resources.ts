import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SAMPLE_FILES = { '16:9': 'sample-16x9.mp4', '9:16': 'sample-9x16.mp4' } as const;

function holdsSamples(dir: string): boolean {
  return existsSync(join(dir, SAMPLE_FILES['16:9'])) && existsSync(join(dir, SAMPLE_FILES['9:16']));
}

/**
 * Finds `resources/sim` by walking up from this module: from `src/main/core/simulator/` under
 * vitest and from `out/main/` once bundled. A packaged app also looks in Electron's
 * `process.resourcesPath` (read as a plain property: this module never imports electron).
 */
export function findResourcesDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; dir = dirname(dir)) {
    const candidate = join(dir, 'resources', 'sim');
    if (holdsSamples(candidate)) return candidate;
    if (dirname(dir) === dir) break;
  }
  const packaged = (process as { resourcesPath?: string }).resourcesPath;
  if (packaged) {
    for (const candidate of [join(packaged, 'sim'), join(packaged, 'resources', 'sim')]) {
      if (holdsSamples(candidate)) return candidate;
    }
  }
  const fromCwd = resolve('resources', 'sim');
  if (holdsSamples(fromCwd)) return fromCwd;
  throw new Error(`Simulator sample clips not found: no resources/sim above ${here}. Pass resourcesDir.`);
}
