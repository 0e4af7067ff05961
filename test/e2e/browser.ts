/**
 * The test runner's side of the e2e scenarios: skipped with a one-line reason where Chromium is
 * missing, and one browser plus one harness per test file.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, type SuiteFactory } from 'vitest';
import { HAS_CHROMIUM, SCENARIO_TIMEOUT, SKIP_MESSAGE, launchBrowser } from './chromium';
import { startHarness, type Harness, type HarnessOptions } from './harness/server';

export * from './chromium';

let warned = false;

/** `describe`, skipped with a one-line reason where Chromium is missing. */
export function describeE2e(name: string, factory: SuiteFactory): void {
  if (!HAS_CHROMIUM && !warned) {
    warned = true;
    console.warn(SKIP_MESSAGE);
  }
  describe.skipIf(!HAS_CHROMIUM)(name, { timeout: SCENARIO_TIMEOUT }, factory);
}

/**
 * One browser and one harness for a test file: started before its tests, closed after them.
 * Read `browser` and `harness` inside a test.
 */
export function e2eSession(options: HarnessOptions = {}): { readonly browser: Browser; readonly harness: Harness } {
  let browser: Browser | undefined;
  let harness: Harness | undefined;
  beforeAll(async () => {
    [browser, harness] = await Promise.all([launchBrowser(), startHarness(options)]);
  });
  afterAll(async () => {
    await browser?.close();
    await harness?.close();
  });
  return {
    get browser() {
      if (!browser) throw new Error('the e2e session has not started');
      return browser;
    },
    get harness() {
      if (!harness) throw new Error('the e2e session has not started');
      return harness;
    }
  };
}
