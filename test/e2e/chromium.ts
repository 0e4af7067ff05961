/**
 * Real headless Chromium (Debian's `chromium` package) driven by playwright-core, on the harness:
 * used by the e2e scenarios and the renderer bench. Nothing here needs the test runner.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { REPO_DIR, type Harness } from './harness/server';
import type { InvokeChannel, IpcResult, PageChannel, WindowApi } from '@shared/ipc';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM_PATH);
export const SKIP_MESSAGE = `e2e: skipped, ${CHROMIUM_PATH} is missing (install Debian's chromium: apt-get install -y chromium)`;

export const SCREENS_DIR = join(REPO_DIR, 'test-results', 'screens');
export const VIEWPORT = { width: 1280, height: 800 };

/** Generous: a scenario runs a whole batch through the real engine at timeScale 0.01. */
export const SCENARIO_TIMEOUT = 60_000;

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run']
  });
}

export interface OpenPage {
  context: BrowserContext;
  page: Page;
  /** Uncaught errors and console errors the page reported. */
  errors: string[];
  /** Saves `test-results/screens/<scenario>-<moment>.png`. */
  screen(moment: string): Promise<string>;
  close(): Promise<void>;
}

/** A fresh context and page on the harness, with the app loaded and the event stream open. */
export async function openApp(
  browser: Browser,
  harness: Harness,
  scenario: string,
  options: { initScript?: string; timeoutMs?: number } = {}
): Promise<OpenPage> {
  const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1, colorScheme: 'light' });
  if (options.initScript) await context.addInitScript({ content: options.initScript });
  const page = await context.newPage();
  page.setDefaultTimeout(options.timeoutMs ?? 15_000);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // A failed load is reported below with its address instead.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(`console: ${message.text()}`);
  });
  page.on('response', (response) => {
    // Chromium asks for a favicon on its own; the Electron window never does.
    if (response.status() >= 400 && !response.url().endsWith('/favicon.ico')) errors.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  page.on('requestfailed', (request) => {
    // The event stream is cut when the context closes. A video let go of while it still loads (a
    // player closed, a hover preview ended, a frame taken) is aborted by the page on purpose: any
    // other failure of a media request is an error.
    const url = request.url();
    const why = request.failure()?.errorText ?? '';
    if (url.endsWith('/api/events') || (why === 'net::ERR_ABORTED' && /\/__media\/.+\.mp4(?:$|\?)/.test(url))) return;
    errors.push(`request failed: ${url} (${why})`);
  });
  await page.goto(harness.url);
  await page.waitForFunction(() => (window as unknown as { __harness?: { eventsOpen(): boolean } }).__harness?.eventsOpen() === true);
  return {
    context,
    page,
    errors,
    screen: (moment) => screenshot(page, scenario, moment),
    close: () => context.close()
  };
}

export async function screenshot(page: Page, scenario: string, moment: string): Promise<string> {
  mkdirSync(SCREENS_DIR, { recursive: true });
  const path = join(SCREENS_DIR, `${scenario}-${moment}.png`);
  await page.screenshot({ path, fullPage: true, animations: 'disabled', caret: 'initial' });
  return path;
}

/** Calls `window.api.invoke` in the page, the way the renderer's stores do. */
export function pageInvoke<C extends InvokeChannel>(page: Page, channel: C, ...args: unknown[]): Promise<IpcResult<unknown>> {
  return page.evaluate(([c, a]) => (window as unknown as { api: WindowApi }).api.invoke(c as PageChannel, ...(a as [])), [channel, args] as const);
}

/** The element by its data-testid. */
export function byTestId(page: Page, id: string) {
  return page.getByTestId(id);
}
