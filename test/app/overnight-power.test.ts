import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PowerMonitor } from 'electron';
import { isSettled } from '@shared/batch-summary';
import { defaultSettings, type Settings } from '@shared/settings';
import { AppService } from '../../src/main/core/app/app-service';
import { watchPower } from '../../src/main/electron/power';
import { memorySecret, testDesktop } from '../support/app-options';
import { until } from '../support/engine-harness';
import { memoryLog } from '../support/memory-log';

// The desktop's power glue over a real app service on the built-in simulator: the system is kept
// awake exactly while videos are in the works (unless the person said no), and sleep and wake
// reach the queue. The OS side (the blocker, the monitor) is the one thing recorded here.
let dir: string;
let service: AppService;
let stored: Settings;
let lines: string[];
let stop: () => void;
let systemOnline = true;
const blocks: { started: string[]; stopped: number[]; active: Set<number> } = { started: [], stopped: [], active: new Set() };
const monitor = new EventEmitter();

async function call(channel: string, ...args: unknown[]): Promise<unknown> {
  const result = await service.dispatch(channel, args);
  if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
  return result.value;
}

async function runExample(): Promise<void> {
  const preview = (await call('import:example')) as { token: string };
  const summary = (await call('batches:create', { token: preview.token, name: 'night', skipInvalid: false })) as { batch: { id: string } };
  const settledNow = (): boolean => {
    const batch = service.snapshot().batches.find((b) => b.batch.id === summary.batch.id);
    return batch !== undefined && isSettled(batch);
  };
  await until(settledNow, 30_000, 'the batch to finish');
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ltx-power-'));
  stored = defaultSettings({ libraryDir: join(dir, 'library'), dataDir: join(dir, 'data') });
  blocks.started = [];
  blocks.stopped = [];
  blocks.active.clear();
  systemOnline = true;
  const memory = memoryLog();
  lines = memory.lines;
  service = await AppService.start({
    settings: { read: () => stored, write: (next) => void (stored = next) },
    secrets: memorySecret(),
    hostingSecret: memorySecret(),
    desktop: testDesktop(dir),
    version: '0.1.0',
    resourcesDir: 'resources',
    timeScale: 0.002,
    log: memory.log
  });
  let next = 0;
  stop = watchPower({
    service,
    keepAwake: () => stored.keepAwake,
    blocker: {
      start: (type) => {
        blocks.started.push(type);
        blocks.active.add(++next);
        return next;
      },
      stop: (id) => {
        blocks.stopped.push(id);
        return blocks.active.delete(id);
      }
    },
    monitor: monitor as unknown as Pick<PowerMonitor, 'on' | 'off'>,
    net: { isOnline: () => systemOnline },
    onlineCheckMs: 5
  });
});
afterEach(async () => {
  stop();
  await service.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('an overnight run and the power of the machine', () => {
  it('keeps the system awake while videos are in the works, and lets it sleep once they are done', async () => {
    expect(blocks.started).toEqual([]);
    const awakeWhileBusy: boolean[] = [];
    const off = service.on('queue:changed', (d) => awakeWhileBusy.push(d.status.inFlight === 0 || blocks.active.size === 1));
    await runExample();
    await until(() => blocks.active.size === 0, 10_000, 'the blocker to be released');
    off();
    expect(blocks.started).toEqual(['prevent-app-suspension']);
    expect(blocks.stopped).toHaveLength(1);
    expect(awakeWhileBusy.every(Boolean)).toBe(true);
  }, 40_000);

  it('never holds the system awake when the person turned it off', async () => {
    expect(await call('settings:update', { keepAwake: false })).toMatchObject({ keepAwake: false });
    await runExample();
    expect(blocks.started).toEqual([]);
  }, 40_000);

  it('says at once when the system reports no network, and carries on when an answer comes again', async () => {
    systemOnline = false;
    await until(() => service.snapshot().status.activity.startsWith('Offline'), 10_000, 'the app to say it is offline');
    expect(service.snapshot().status.activity).toMatch(/^Offline: cannot reach APIXO since \d\d:\d\d; carrying on when the connection is back$/);
    systemOnline = true;
    await until(() => !service.snapshot().status.activity.startsWith('Offline'), 10_000, 'the app to be online again');
    expect(lines.filter((l) => l.includes('offline:'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('online again'))).toHaveLength(1);
  });

  it('tells the queue when the computer sleeps and wakes', async () => {
    monitor.emit('suspend');
    monitor.emit('resume');
    expect(lines.some((l) => l.includes('going to sleep: polls wait'))).toBe(true);
    expect(lines.some((l) => l.includes('awake again'))).toBe(true);
  });
});
