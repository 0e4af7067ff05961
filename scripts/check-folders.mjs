// The folders of src/main/core form no cycle (docs/architecture.md, "Layers"): for every pair of
// folders, imports go one way at most. ESLint's import-x/no-cycle catches cycles between files;
// this catches the wider ones, where a.ts in one folder imports the other folder's b.ts, whose
// neighbour imports back. `--graph` prints which folder imports which; a path argument checks
// another folder (the tests use one).
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const core = resolve(process.argv.slice(2).find((arg) => !arg.startsWith('--')) ?? join(root, 'src/main/core'));

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) yield path;
  }
}

/** The file a relative specifier names, as TypeScript resolves it. */
function resolveSpecifier(from, spec) {
  const base = resolve(dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

const folderOf = (path) => relative(core, path).split(sep)[0];
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

/** folder → folder → one import that makes the edge, for the message. */
const edges = new Map();
for (const file of files(core)) {
  const from = folderOf(file);
  if (from.endsWith('.ts')) continue; // a file directly in core/ belongs to no folder
  for (const [, spec] of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
    const target = resolveSpecifier(file, spec);
    if (!target || !target.startsWith(core + sep)) continue;
    const to = folderOf(target);
    if (to === from || to.endsWith('.ts')) continue;
    if (!edges.has(from)) edges.set(from, new Map());
    if (!edges.get(from).has(to)) edges.get(from).set(to, `${relative(root, file)} imports ${relative(root, target)}`);
  }
}

/** Tarjan's strongly connected components: any with more than one folder is a cycle. */
function cycles() {
  let index = 0;
  const order = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  const visit = (v) => {
    order.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v)?.keys() ?? []) {
      if (!order.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), order.get(w)));
    }
    if (low.get(v) === order.get(v)) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of edges.keys()) if (!order.has(v)) visit(v);
  return found;
}

if (process.argv.includes('--graph')) {
  for (const [from, to] of [...edges].sort(([a], [b]) => a.localeCompare(b))) console.log(`${from} → ${[...to.keys()].sort().join(', ')}`);
}
const found = cycles();
for (const component of found) {
  console.error(`These folders of ${relative(root, core) || core} import each other in a circle: ${component.join(', ')}`);
  for (const from of component) {
    for (const [to, example] of edges.get(from) ?? []) if (component.includes(to)) console.error(`  ${from} → ${to}: ${example}`);
  }
}
if (found.length > 0) {
  console.error('Move what both sides need into the lower folder (or src/shared), so imports go one way.');
  process.exit(1);
}
console.log(`${relative(root, core) || core}: no folder import cycle`);
