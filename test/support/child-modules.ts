import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const CORE = fileURLToPath(new URL('../../src/main/core/', import.meta.url));

/**
 * Core modules as plain .mjs files in one temporary folder, for child processes (Node 20 cannot
 * import .ts): each relative import is pointed at its sibling there. `modules` are paths under
 * src/main/core without extension, e.g. `store/journal`.
 */
export function transpileCoreModules(modules: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'ltx-child-'));
  for (const module of modules) {
    const js = ts.transpileModule(readFileSync(join(CORE, `${module}.ts`), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 }
    }).outputText;
    writeFileSync(join(dir, `${basename(module)}.mjs`), js.replace(/from '\.{1,2}\/(?:[\w-]+\/)*([\w-]+)'/g, "from './$1.mjs'"));
  }
  return dir;
}
