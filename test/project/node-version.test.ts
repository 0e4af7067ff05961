import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nodeTooOld } from '../../scripts/node-version.mjs';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string }; devDependencies: Record<string, string> };
const electronPkg = JSON.parse(readFileSync('node_modules/electron/package.json', 'utf8')) as { version: string; dependencies: Record<string, string> };
const major = (range: string) => Number(/(\d+)/.exec(range)![1]);

describe('the Node the project runs on', () => {
  it('is the Node major that the pinned Electron embeds, everywhere it is written down', () => {
    expect(electronPkg.version).toBe(pkg.devDependencies.electron);
    // Electron's own package types its main process with the @types/node of the Node it embeds.
    const embedded = major(electronPkg.dependencies['@types/node']!);
    expect(major(pkg.engines.node)).toBe(embedded);
    expect(major(readFileSync('.nvmrc', 'utf8'))).toBe(embedded);
    expect(major(readFileSync('.node-version', 'utf8'))).toBe(embedded);
    expect(major(pkg.devDependencies['@types/node']!)).toBe(embedded);
  });

  it('is what these tests run on', () => {
    expect(nodeTooOld(process.versions.node, pkg.engines.node)).toBeUndefined();
  });

  it('refuses an older Node in one line that names the Node needed', () => {
    const line = nodeTooOld('20.20.2', '>=24.11.0');
    expect(line).toBe(
      'LTX Batch Studio needs Node 24.11.0 or newer (the Node inside Electron), but this is Node 20.20.2. Install Node 24 (`nvm install` reads .nvmrc) and run the command again.'
    );
    expect(line).not.toContain('\n');
    expect(nodeTooOld('v24.10.9', '>=24.11.0')).toMatch(/this is Node 24\.10\.9\./);
    expect(nodeTooOld('24.11.0', '>=24.11.0')).toBeUndefined();
    expect(nodeTooOld('26.1.0', '>=24.11.0')).toBeUndefined();
  });
});
