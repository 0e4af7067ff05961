import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli';

/** Electron's binary, where `npm install` could download it. */
function electronBinary(): string | undefined {
  try {
    const dir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
    const pathFile = join(dir, 'path.txt');
    if (!existsSync(pathFile)) return undefined;
    const binary = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
    return existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

const binary = electronBinary();
if (!binary) console.log("Electron app suite skipped: Electron's binary is not installed here (its release host was unreachable during npm install).");

describe.skipIf(!binary)('the desktop app, launched as Electron', () => {
  const home = mkdtempSync(join(tmpdir(), 'ltx-electron-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('opens one secure window showing the first-run choices, simulated', async () => {
    const { _electron } = await import('playwright-core');
    const app = await _electron.launch({
      executablePath: binary,
      args: [join(ROOT, 'out/main/index.js'), `--user-data-dir=${join(home, 'user-data')}`],
      env: { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, 'config'), APIXO_API_KEY: '' }
    });
    try {
      const page = await app.firstWindow();
      await page.getByTestId('sim-badge').waitFor();
      await page.getByTestId('try-example').waitFor();
      await page.getByTestId('add-key').waitFor();
      const prefs = await app.evaluate(({ BrowserWindow }) => {
        const [win] = BrowserWindow.getAllWindows();
        // Not in Electron's typings, but there at runtime: the preferences the page really got.
        const web = (win.webContents as unknown as { getLastWebPreferences(): Record<string, unknown> | null }).getLastWebPreferences();
        return {
          count: BrowserWindow.getAllWindows().length,
          sandbox: web?.sandbox,
          contextIsolation: web?.contextIsolation,
          nodeIntegration: web?.nodeIntegration
        };
      });
      expect(prefs).toEqual({ count: 1, sandbox: true, contextIsolation: true, nodeIntegration: false });
      expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
      // The page comes from the app's own scheme, never file://.
      expect(page.url()).toBe('app://studio/index.html');
      const help = await app.evaluate(({ Menu }) =>
        Menu.getApplicationMenu()
          ?.items.find((item) => item.role === 'help')
          ?.submenu?.items.map((item) => item.label)
      );
      expect(help).toEqual(expect.arrayContaining(['Open logs folder', 'Copy diagnostics']));
      const logsDir = await app.evaluate(({ app: electronApp }) => electronApp.getPath('logs'));
      expect(readFileSync(join(logsDir, 'main.log'), 'utf8')).toMatch(/starting version=\S+ electron=45\./);
      await page.screenshot({ path: join(ROOT, 'test-results/screens/electron-first-run.png') });
    } finally {
      await app.close();
    }
  }, 60_000);
});
