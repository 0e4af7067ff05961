// Fetches Electron's binary after `npm install`.
// Electron's own postinstall is denied in package.json#allowScripts so that an install on a
// machine that cannot reach Electron's release host still succeeds: everything but `npm start`
// (the build, the tests, the CLI) works without the binary.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
let electronDir;
try {
  electronDir = dirname(require.resolve('electron/package.json'));
} catch {
  process.exit(0); // production install without devDependencies: nothing to fetch
}

if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
  console.log('Electron binary: skipped (ELECTRON_SKIP_BINARY_DOWNLOAD is set).');
  process.exit(0);
}

const result = spawnSync(process.execPath, [join(electronDir, 'install.js')], {
  stdio: ['ignore', 'pipe', 'pipe'],
  timeout: 10 * 60 * 1000,
  encoding: 'utf8'
});

if (result.status === 0 && existsSync(join(electronDir, 'path.txt'))) {
  console.log('Electron binary: ready.');
} else {
  console.log(
    "Electron binary: not downloaded (Electron's release host is unreachable) — " +
      '`npm test`, the build and the CLI work without it; `npm start` needs it: rerun `npm install` with internet access.'
  );
}
