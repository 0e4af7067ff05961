/**
 * The stores form no import cycle, the info and navigation parts import no other store, and no
 * store navigates: views move on when a store's action says it worked.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '../../src/renderer/src/stores');
const files = readdirSync(DIR).filter((f) => f.endsWith('.ts'));
const source = (name: string) => readFileSync(join(DIR, `${name}.ts`), 'utf8');
const imports = new Map(
  files.map((f) => {
    const name = f.replace(/\.ts$/, '');
    return [name, [...source(name).matchAll(/from '\.\/([\w-]+)'/g)].map((m) => m[1])];
  })
);

function cycleFrom(start: string, path: string[] = []): string[] | undefined {
  if (path.includes(start)) return [...path.slice(path.indexOf(start)), start];
  for (const next of imports.get(start) ?? []) {
    const found = cycleFrom(next, [...path, start]);
    if (found) return found;
  }
  return undefined;
}

describe('the renderer stores', () => {
  it('import each other without a cycle', () => {
    expect(files.length).toBeGreaterThan(5);
    for (const name of imports.keys()) expect(cycleFrom(name), name).toBeUndefined();
  });

  it('leave the server info to one store that imports no other store', () => {
    expect(imports.get('info')).toEqual(['ipc']);
  });

  it('never navigate, and never ask for the server info themselves', () => {
    for (const name of imports.keys()) {
      const text = source(name);
      expect(text, name).not.toMatch(/vue-router|\.go\(|router/);
      if (name !== 'info') expect(text, name).not.toMatch(/'app:info'|useInfoStore/);
    }
  });
});
