// @vitest-environment happy-dom
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterAll, describe, expect, it } from 'vitest';
import type { QueueStatus } from '@shared/batch';
import QueueStatusLine from '../../src/renderer/src/components/QueueStatusLine.vue';
import { useQueueStore } from '../../src/renderer/src/stores/queue';
import { ApixoClient } from '../../src/main/core/apixo';
import { BatchEngine } from '../../src/main/core/queue/engine';
import { RESCUE_FILE_NAME } from '../../src/main/core/queue/rescue';

const root = process.getuid?.() === 0;

/**
 * The queue's status when the data folder turned read-only while two submits were at APIXO: from
 * a real engine on a tmpfs data folder, with an API on loopback that answers once the test says.
 */
async function statusWithRescuedIds(base: string): Promise<{ status: QueueStatus; ids: string[] }> {
  const dataDir = join(base, 'data');
  mkdirSync(dataDir);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dataDir]);
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST') held.push(res);
      else res.end(JSON.stringify({ code: 200, msg: 'success', data: { taskId: 'x', state: 'processing' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
  const ids = ['task_rescued_one', 'task_rescued_two'];
  try {
    const engine = await BatchEngine.open({ dataDir, client: new ApixoClient({ apiKey: 'k', baseUrl, timeoutMs: 5_000 }), concurrency: 2, diskMarginBytes: 0 });
    const rows = [0, 1].map((i) => ({
      source: { row: i + 2, take: 1, cells: {} },
      draft: { mode: 'text-to-video' as const, prompt: `boat ${i}`, resolution: '480p' as const, duration: 5 }
    }));
    const batch = engine.addBatch({ name: 'window', libraryDir: join(base, 'library'), tasks: rows });
    engine.start();
    while (held.length < 2) await new Promise((r) => setTimeout(r, 5));
    // The disk fills while both submits are at APIXO: a ballast file takes every free page, and
    // a person's pause and resume take the rest of the journal's last page until one is refused.
    const info = statfsSync(dataDir);
    writeFileSync(join(dataDir, 'ballast'), Buffer.alloc(info.bavail * info.bsize));
    for (let refused = false; !refused;) {
      try {
        engine.pauseBatch(batch.id);
        engine.resumeBatch(batch.id);
      } catch {
        refused = true;
      }
    }
    held.forEach((res, i) => res.end(JSON.stringify({ code: 200, msg: 'success', data: { taskId: ids[i] } })));
    while (engine.rescued().length < 2 || engine.rescued().some((r) => !r.file)) await new Promise((r) => setTimeout(r, 5));
    const status = engine.status();
    await engine.close();
    return { status, ids };
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    execFileSync('umount', ['-l', dataDir]);
  }
}

describe.skipIf(!root)('the window shows task IDs the queue could not record (tmpfs; needs root)', () => {
  const base = mkdtempSync(join(tmpdir(), 'ltx-window-rescued-'));
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('lists each with its row and rescue file, and copies it with one click', async () => {
    const { status, ids } = await statusWithRescuedIds(base);
    expect(status.storage?.message).toContain(`The disk holding ${join(base, 'data')} is full`);
    setActivePinia(createPinia());
    const queue = useQueueStore();
    queue.status = status;
    const wrapper = mount(QueueStatusLine, { attachTo: document.body });
    await flushPromises();
    expect(wrapper.find('[data-testid="queue-activity"]').text()).toMatch(/^stopped submitting: the data folder .* cannot be written \(its disk is full\)$/);
    expect(wrapper.find('[data-testid="storage-hold"]').text()).toContain(status.storage!.message);
    const items = wrapper.findAll('[data-testid="rescued-id"]');
    expect(items.map((i) => i.find('code').text())).toEqual(ids);
    expect(items[0].text()).toContain('Row 2');
    expect(items[1].text()).toContain(`saved in ${join(base, 'library', RESCUE_FILE_NAME)}`);
    await items[1].find('[data-testid="copy-rescued"]').trigger('click');
    await flushPromises();
    expect(await navigator.clipboard.readText()).toBe(ids[1]);
    expect(items[1].find('[data-testid="copy-rescued"]').text()).toBe('Copied');
    wrapper.unmount();
  }, 30_000);
});
