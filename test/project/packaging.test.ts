/**
 * Packaging, as far as it can run without Electron's binary (its release host is not reachable
 * here): the configuration passes electron-builder's own validation; the real packager then
 * packs the built app for Linux (`--dir`) around a stand-in Electron distribution — a file that
 * carries Electron's fuse wire where the binary would — and the result is read back: what
 * app.asar holds, the fuses as flipped, the update feed's configuration, the icons.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli';

const require = createRequire(import.meta.url);
const asar = require('@electron/asar') as { listPackage(path: string, options?: object): string[]; extractFile(archive: string, file: string): Buffer };
const fuses = require('@electron/fuses') as { getCurrentFuseWire(path: string): Promise<Record<string, number | string>> };
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
  getConfig(dir: string, file: string | null, override: unknown): Promise<Record<string, unknown>>;
  validateConfiguration(config: unknown, logger: unknown): Promise<void>;
};
const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };

/** Electron's fuse sentinel, then the wire: version 1, nine fuses, each '0' or '1' ('1' = Electron's default of enabled). */
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const FUSE_ORDER = [
  'RunAsNode',
  'EnableCookieEncryption',
  'EnableNodeOptionsEnvironmentVariable',
  'EnableNodeCliInspectArguments',
  'EnableEmbeddedAsarIntegrityValidation',
  'OnlyLoadAppFromAsar',
  'LoadBrowserProcessSpecificV8Snapshot',
  'GrantFileProtocolExtraPrivileges',
  'WasmTrapHandlers'
];
const ELECTRON_DEFAULTS = '101100011';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  main: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
let work: string;
let appDir: string;
// The stand-in distribution is a Linux one; macOS and Windows check the configuration only.
const packs = process.platform === 'linux';

beforeAll(() => {
  if (!packs) return;
  if (!existsSync(join(ROOT, pkg.main))) throw new Error(`${pkg.main} is missing: run \`npm run build\` (npm test does) first.`);
  work = mkdtempSync(join(tmpdir(), 'ltx-pack-'));
  const dist = join(work, 'electron-dist');
  mkdirSync(dist, { recursive: true });
  writeFileSync(
    join(dist, 'electron'),
    Buffer.concat([Buffer.from('#!/bin/sh\n# stand-in\n'), Buffer.from(SENTINEL), Buffer.from([1, 9]), Buffer.from(ELECTRON_DEFAULTS)])
  );
  chmodSync(join(dist, 'electron'), 0o755);
  writeFileSync(join(dist, 'LICENSE'), 'MIT');
  writeFileSync(join(dist, 'version'), pkg.devDependencies.electron!);
  const run = spawnSync(
    process.execPath,
    [
      require.resolve('electron-builder/cli.js'),
      '--linux',
      '--dir',
      '--x64',
      '--publish',
      'never',
      `-c.electronDist=${dist}`,
      `-c.directories.output=${join(work, 'out')}`
    ],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: 'true' } }
  );
  if (run.status !== 0) throw new Error(`electron-builder failed:\n${run.stdout}\n${run.stderr}`);
  appDir = join(work, 'out', 'linux-unpacked');
}, 120_000);
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('packaging', () => {
  it('has a configuration electron-builder accepts, with every target the studio ships', async () => {
    const config = await getConfig(ROOT, null, null);
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    const targets = (platform: string) =>
      (config[platform] as { target: { target: string; arch: string[] }[] }).target.map((t) => `${t.target}:${t.arch.join('+')}`);
    expect(targets('mac')).toEqual(['dmg:x64+arm64', 'zip:x64+arm64']);
    expect(targets('win')).toEqual(['nsis:x64']);
    expect(targets('linux')).toEqual(['AppImage:x64', 'deb:x64']);
    // A typo is caught by the same validation, so the check above means something.
    await expect(validateConfiguration({ ...config, electronFuses: { runAsNod: false } }, new DebugLogger(false))).rejects.toThrow(/electronFuses/);
  });

  it.runIf(packs)('packs into app.asar what the app reads at run time, and nothing of the sources or the tools', () => {
    const files = asar.listPackage(join(appDir, 'resources', 'app.asar'));
    for (const needed of [
      `/${pkg.main}`,
      '/out/main/cli.js',
      '/out/preload/index.cjs',
      '/out/renderer/index.html',
      '/resources/sim/sample-16x9.mp4',
      '/resources/sim/sample-9x16.mp4',
      '/resources/examples/example.csv',
      '/resources/examples/template.csv',
      '/package.json'
    ]) {
      expect(files, needed).toContain(needed);
    }
    // Every file the built app consists of is packed.
    const built = readdirSync(join(ROOT, 'out'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && !e.name.endsWith('.map'))
      .map((e) => join(e.parentPath, e.name).slice(ROOT.length).replaceAll('\\', '/'));
    for (const file of built) expect(files, file).toContain(file.startsWith('/') ? file : `/${file}`);
    for (const dep of Object.keys(pkg.dependencies)) expect(files, dep).toContain(`/node_modules/${dep}/package.json`);
    const modules = new Set(files.filter((f) => /^\/node_modules\/[^/]+\/package\.json$/.test(f)).map((f) => f.split('/')[2]));
    for (const tool of ['electron', 'vite', 'vitest', 'electron-builder', 'typescript', 'vue', 'playwright-core']) expect(modules.has(tool), tool).toBe(false);
    expect(files.filter((f) => f.startsWith('/src/') || f.startsWith('/test/') || f.endsWith('.map') || f.startsWith('/resources/icons'))).toEqual([]);
    // The packed page is the built one, CSP and all.
    expect(asar.extractFile(join(appDir, 'resources', 'app.asar'), 'out/renderer/index.html').toString()).toContain('http-equiv="Content-Security-Policy"');
  });

  it.runIf(packs)('flips the fuses: no running as Node, no NODE_OPTIONS or --inspect, cookies encrypted, the ASAR checked and the only app', async () => {
    const wire = await fuses.getCurrentFuseWire(join(appDir, 'ltx-batch-studio'));
    const state = Object.fromEntries(FUSE_ORDER.map((name, i) => [name, String.fromCharCode(Number(wire[i]))]));
    expect(state).toEqual({
      RunAsNode: '0',
      EnableCookieEncryption: '1',
      EnableNodeOptionsEnvironmentVariable: '0',
      EnableNodeCliInspectArguments: '0',
      EnableEmbeddedAsarIntegrityValidation: '1',
      OnlyLoadAppFromAsar: '1',
      LoadBrowserProcessSpecificV8Snapshot: '0',
      GrantFileProtocolExtraPrivileges: '0',
      // Left as Electron ships it (enabled); electron-builder 26 does not name this fuse.
      WasmTrapHandlers: '1'
    });
  });

  it.runIf(packs)('points the updater at the GitHub releases', () => {
    const feed = readFileSync(join(appDir, 'resources', 'app-update.yml'), 'utf8');
    expect(feed).toMatch(/^provider: github$/m);
    expect(feed).toMatch(/^repo: ltx-batch-studio$/m);
  });

  it('has an icon for every platform', () => {
    const pngSize = (file: string) => {
      const head = readFileSync(join(ROOT, file)).subarray(16, 24);
      return [head.readUInt32BE(0), head.readUInt32BE(4)];
    };
    for (const n of [16, 32, 48, 64, 128, 256, 512, 1024]) expect(pngSize(`resources/icons/png/${n}x${n}.png`)).toEqual([n, n]);
    expect(readFileSync(join(ROOT, 'resources/icons/icon.icns')).subarray(0, 4).toString()).toBe('icns');
    expect(readFileSync(join(ROOT, 'resources/icons/icon.ico')).readUInt16LE(2)).toBe(1);
  });
});
