import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../support/temp-dirs';

const root = join(import.meta.dirname, '../..');

/** What the project's lint config says about `code` written at `filePath`. */
async function lint(filePath: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(code, { filePath: join(root, filePath) });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('the layering lint', () => {
  it('refuses electron in core, main in the renderer and any layer in shared', async () => {
    expect(await lint('src/main/core/util/probe.ts', "import { app } from 'electron';\nexport const name = app.name;\n")).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*Only src\/main\/electron and src\/preload import electron/)
    ]);
    expect(await lint('src/main/core/util/probe.ts', "import { createWindow } from '../../electron/window';\nexport const make = createWindow;\n")).toEqual([
      expect.stringMatching(/core never reaches into src\/main\/electron/)
    ]);
    expect(
      await lint(
        'src/renderer/src/lib/probe.ts',
        "import { readFile } from 'node:fs/promises';\nimport { AppService } from '../../../main/core/app/app-service';\nexport const x = [readFile, AppService];\n"
      )
    ).toEqual([expect.stringMatching(/has no Node/), expect.stringMatching(/The renderer never imports main/)]);
    expect(await lint('src/shared/probe.ts', "import { sleep } from '../main/core/util/sleep';\nexport const wait = sleep;\n")).toEqual([
      expect.stringMatching(/src\/shared is imported by every layer/)
    ]);
  }, 60_000);

  it('lets the Electron glue import electron and core', async () => {
    expect(
      await lint('src/main/electron/probe.ts', "import { app } from 'electron';\nimport { sleep } from '../core/util/sleep';\nexport const x = [app, sleep];\n")
    ).toEqual([]);
  }, 60_000);
});

describe('the folder cycle check', () => {
  const tempDir = tempDirs('ltx-folders-');

  it('names the folders that import each other, with an import on each side', () => {
    const core = tempDir();
    for (const folder of ['a', 'b', 'c']) mkdirSync(join(core, folder));
    writeFileSync(join(core, 'a/one.ts'), "import { two } from '../b/two';\nexport const one = two;\n");
    writeFileSync(join(core, 'b/two.ts'), 'export const two = 2;\n');
    writeFileSync(join(core, 'b/three.ts'), "import { one } from '../a';\nexport const three = one;\n");
    writeFileSync(join(core, 'a/index.ts'), "export { one } from './one';\n");
    writeFileSync(join(core, 'c/four.ts'), "import { two } from '../b/two';\nexport const four = two;\n");
    const run = spawnSync(process.execPath, [join(root, 'scripts/check-folders.mjs'), core], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('import each other in a circle: a, b');
    expect(run.stderr).toMatch(/a → b: .*a\/one\.ts imports .*b\/two\.ts/);
    expect(run.stderr).toMatch(/b → a: .*b\/three\.ts imports .*a\/index\.ts/);
    expect(run.stderr).not.toMatch(/ c →|→ c:|, c\b/); // c imports b, but nothing imports c

    writeFileSync(join(core, 'b/three.ts'), 'export const three = 3;\n');
    expect(execFileSync(process.execPath, [join(root, 'scripts/check-folders.mjs'), core], { encoding: 'utf8' })).toContain('no folder import cycle');
  });
});
