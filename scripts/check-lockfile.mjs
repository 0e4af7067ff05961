// Checks that package-lock.json holds every platform's native package, so that `npm ci` works on
// a fresh clone and every packager's machine installs the binary its platform needs.
// `node scripts/check-lockfile.mjs [package-lock.json]`: one line, exit 1 when something is missing.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const name = (p) => p.slice(p.lastIndexOf('node_modules/') + 'node_modules/'.length);

/** Where npm resolves `dep` from the package at `from`: the nearest node_modules up the tree. */
function resolve(packages, from, dep) {
  for (let at = from; ;) {
    const candidate = `${at ? `${at}/` : ''}node_modules/${dep}`;
    if (packages[candidate]) return candidate;
    if (!at) return undefined;
    const cut = at.lastIndexOf('/node_modules/');
    at = cut < 0 ? '' : at.slice(0, cut);
  }
}

/**
 * What the lockfile lacks: every optional dependency a locked package declares must be locked
 * too. npm writes all platforms' binaries into a lockfile made from scratch, but one updated on
 * a single machine can keep only that machine's; `npm ci` then refuses it, and another platform
 * installs without its native binary.
 */
export function lockfileProblems(lock) {
  const packages = lock.packages ?? {};
  const problems = [];
  for (const [path, entry] of Object.entries(packages)) {
    for (const [dep, range] of Object.entries(entry.optionalDependencies ?? {})) {
      if (!resolve(packages, path, dep)) problems.push(`${path ? name(path) : 'the project'} needs ${dep}@${range}, which is missing`);
    }
  }
  return problems;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2] ?? 'package-lock.json';
  const problems = lockfileProblems(JSON.parse(readFileSync(file, 'utf8')));
  if (problems.length) {
    console.error(`${file} is incomplete: ${problems.join('; ')}. Regenerate it with \`rm -rf node_modules package-lock.json && npm install\`.`);
    process.exit(1);
  }
  console.log(`${file}: every platform's native packages are locked.`);
}
