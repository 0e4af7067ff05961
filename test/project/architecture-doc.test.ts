import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const doc = readFileSync(join(root, 'docs/architecture.md'), 'utf8');
const sections = new Set([...doc.matchAll(/^#{2,3} (.+)$/gm)].map((m) => m[1]!.trim()));

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (/\.(ts|mts|mjs|js|vue)$/.test(entry.name)) yield path;
  }
}

/** Every section of architecture.md the code cites (the file name, a comma, the quoted section), as `file: section`. */
function citations(): string[] {
  const cited: string[] = [];
  const files = [...['src', 'test', 'scripts'].flatMap((dir) => [...sources(join(root, dir))]), join(root, 'eslint.config.js')];
  for (const file of files) {
    // A comment may wrap the section's name over two lines: `"The library folder is the\n * source of truth"`.
    const text = readFileSync(file, 'utf8').replace(/\n\s*(\*|\/\/)\s*/g, ' ');
    for (const match of text.matchAll(/architecture\.md[,:]\s*"([^"]+)"/g)) cited.push(`${relative(root, file)}: ${match[1]}`);
  }
  return cited;
}

describe('docs/architecture.md', () => {
  it('has every section the code cites', () => {
    const cited = citations();
    expect(cited.length).toBeGreaterThan(10);
    expect(cited.filter((c) => !sections.has(c.slice(c.indexOf(': ') + 2)))).toEqual([]);
  });

  it('draws the folder graph of src/main/core as the imports have it', () => {
    const block = /<!-- core-graph -->\s*```text\n([\s\S]*?)```/.exec(doc);
    expect(block, 'a ```text block after <!-- core-graph -->').not.toBeNull();
    const actual = execFileSync(process.execPath, [join(root, 'scripts/check-folders.mjs'), '--graph'], { encoding: 'utf8' });
    expect(block![1]!.trim().split('\n')).toEqual(actual.split('\n').filter((line) => line.includes('→')));
  });

  it('lists every folder of src/main/core', () => {
    const folders = readdirSync(join(root, 'src/main/core'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    const listed = [...doc.matchAll(/^\| `([a-z]+)\/` *\|/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual(folders.sort());
  });
});
