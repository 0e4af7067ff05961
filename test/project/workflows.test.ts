import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const { load } = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };
type Step = { uses?: string; run?: string; if?: string; with?: Record<string, string> };
type Workflow = { on: unknown; jobs: Record<string, { strategy?: { matrix: Record<string, unknown> }; steps: Step[] }> };
const workflow = (name: string) => load(readFileSync(`.github/workflows/${name}`, 'utf8')) as Workflow;

describe('the GitHub workflows', () => {
  it('CI runs npm ci and npm test on Linux, macOS and Windows, on the Node of .nvmrc, the Electron suite under Xvfb', () => {
    const { jobs } = workflow('ci.yml');
    expect(jobs.test!.strategy!.matrix.os).toEqual(['ubuntu-24.04', 'macos-latest', 'windows-latest']);
    const steps = jobs.test!.steps;
    expect(steps.find((s) => s.uses?.startsWith('actions/setup-node@'))?.with).toMatchObject({ 'node-version-file': '.nvmrc' });
    const runs = steps.map((s) => s.run ?? '');
    expect(runs).toContain('npm ci');
    expect(runs).toContain('xvfb-run -a npm test');
    expect(runs).toContain('npm test');
  });

  it('a version tag builds every platform’s installers and publishes them with the update feeds', () => {
    const release = workflow('release.yml');
    expect(release.on).toEqual({ push: { tags: ['v*'] } });
    const job = release.jobs.release!;
    expect((job.strategy!.matrix.include as { platform: string }[]).map((m) => m.platform)).toEqual(['--mac', '--win', '--linux']);
    expect(job.steps.map((s) => s.run ?? '')).toContain('npx electron-builder ${{ matrix.platform }} --publish always');
  });
});
