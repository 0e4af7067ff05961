/** Node-side checks for the e2e scenarios: the library folder, the queue as the service sees it. */
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BatchSummary, TaskRecord } from '@shared/batch';
import type { Page as ItemPage, QueueSnapshot } from '@shared/ipc';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import type { Harness } from './harness/server';

/**
 * Every `.mp4` under a folder (finished videos only: downloads in progress end in `.part`), as the
 * library lists them: a folder whose name starts with a dot (the held deletes) is not looked in.
 */
export function mp4sUnder(dir: string): string[] {
  const found: string[] = [];
  const walk = (at: string): void => {
    let names: string[];
    try {
      names = readdirSync(at);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) {
        if (!name.startsWith('.')) walk(path);
      } else if (name.endsWith('.mp4')) found.push(path);
    }
  };
  walk(dir);
  return found.sort();
}

export function snapshot(harness: Harness): Promise<QueueSnapshot> {
  return harness.invoke<QueueSnapshot>('queue:snapshot');
}

export async function onlyBatch(harness: Harness): Promise<BatchSummary> {
  const { batches } = await snapshot(harness);
  if (batches.length !== 1) throw new Error(`expected one batch, found ${batches.length}`);
  return batches[0];
}

export async function tasksOf(harness: Harness, batchId: string): Promise<TaskRecord[]> {
  const tasks: TaskRecord[] = [];
  for (;;) {
    const page = await harness.invoke<ItemPage<TaskRecord>>('tasks:page', batchId, { offset: tasks.length, limit: 1000 });
    tasks.push(...page.items);
    if (page.items.length === 0 || tasks.length >= page.total) return tasks;
  }
}

/** Polls a Node-side condition (the page's own waits cover the DOM). */
export async function until<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Pastes prompts, one per line, and adds them to the queue through the confirm dialog. */
export async function queuePastedPrompts(page: Page, prompts: string[]): Promise<void> {
  await page.getByTestId('paste-input').fill(prompts.join('\n'));
  await page.getByTestId('paste-import').click();
  await expect.poll(() => page.getByTestId('import-row').count()).toBe(prompts.length);
  await page.getByTestId('add-to-queue').click();
  await page.getByTestId('confirm-add').click();
  await page.getByTestId('batch-row').waitFor();
}

/**
 * Writes a CSV into the harness folder, drops it on the page, adds its one row to the queue and
 * waits for its `videos` to be done: a finished video to look at.
 */
export async function makeFromCsv(page: Page, harness: Harness, name: string, text: string, videos = 1): Promise<void> {
  const csv = join(harness.dir, name);
  writeFileSync(csv, text);
  await dropPaths(page, [csv]);
  await expect.poll(() => page.getByTestId('import-row').count()).toBeGreaterThan(0);
  await page.getByTestId('add-to-queue').click();
  await page.getByTestId('confirm-add').click();
  await until(`${videos} video(s) done`, async () => ((await snapshot(harness)).batches[0]?.counts.done === videos ? true : undefined), 45_000);
}

/**
 * Drops files (or folders) on the page as a person would from the file manager: a real `drop`
 * event whose DataTransfer holds File objects. Their paths reach the app the way Electron's
 * webUtils.getPathForFile gives them, through the harness bridge.
 */
export async function dropPaths(page: Page, paths: string[], target = 'main'): Promise<void> {
  const byName = Object.fromEntries(paths.map((p) => [p.split(/[\\/]/).pop()!, p]));
  await page.evaluate((map) => (window as unknown as { __harness: { setDropPaths(m: Record<string, string>): void } }).__harness.setDropPaths(map), byName);
  const dataTransfer = await page.evaluateHandle((names) => {
    const data = new DataTransfer();
    for (const name of names) data.items.add(new File([new Uint8Array(1)], name));
    return data;
  }, Object.keys(byName));
  for (const type of ['dragenter', 'dragover', 'drop']) await page.dispatchEvent(target, type, { dataTransfer });
}

/** Drops what a web page gives when an image is dragged out of it: its link, no file. */
export async function dropUrl(page: Page, url: string, target = 'main'): Promise<void> {
  const dataTransfer = await page.evaluateHandle((link) => {
    const data = new DataTransfer();
    data.setData('text/uri-list', link);
    data.setData('text/html', `<img src="${link}">`);
    return data;
  }, url);
  for (const type of ['dragenter', 'dragover', 'drop']) await page.dispatchEvent(target, type, { dataTransfer });
}
