import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSettings, type Settings } from '@shared/settings';
import { AppService } from '../../src/main/core/app/app-service';
import { presignUrl } from '../../src/main/core/hosting';
import { openFileLog, type FileLog } from '../../src/main/core/log/file-log';
import { startSimulator, type Simulator } from '../../src/main/core/simulator';
import { memorySecret, testDesktop, type TestDesktop } from '../support/app-options';

// Secrets that look like real ones, so a leak would be plain to see.
const KEY = 'apx_live_7Hq2Vb9Lm4Xc1Zt8Rk5Nw3Py6Js0Df2G';
const BUCKET_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY';
const ACCESS_KEY_ID = 'AKIAZ7QXLM4VEXAMPLE2';
const TIME_SCALE = 0.002;

let dir: string;
let sim: Simulator;
let service: AppService;
let fileLog: FileLog;
let desktop: TestDesktop;
let stored: Settings;

async function call<T>(channel: string, ...args: unknown[]): Promise<T> {
  const result = await service.dispatch(channel, args);
  if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
  return result.value as T;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ltx-diag-'));
  const base = defaultSettings({ libraryDir: join(dir, 'library'), dataDir: join(dir, 'data') });
  stored = {
    ...base,
    hosting: {
      kind: 's3',
      s3: { ...base.hosting.s3, endpoint: 'https://s3.eu-west-1.amazonaws.com', region: 'eu-west-1', bucket: 'studio-clips', accessKeyId: ACCESS_KEY_ID }
    }
  };
  sim = await startSimulator({ apiKey: KEY, timeScale: TIME_SCALE });
  fileLog = openFileLog({ dir: join(dir, 'logs'), fileName: 'main.log', level: 'debug' });
  const secrets = memorySecret(KEY);
  const hostingSecret = memorySecret(BUCKET_SECRET);
  fileLog.redactor.keep(() => [secrets.get(), hostingSecret.get()]);
  desktop = testDesktop(dir);
  service = await AppService.start({
    settings: { read: () => structuredClone(stored), write: (next) => void (stored = next) },
    secrets,
    hostingSecret,
    desktop,
    version: '0.1.0',
    resourcesDir: 'resources',
    apiBaseUrl: sim.baseUrl,
    timeScale: TIME_SCALE,
    log: fileLog.logger,
    logs: { dir: join(dir, 'logs'), path: fileLog.path, tail: fileLog.tail, problem: fileLog.problem }
  });
});
afterAll(async () => {
  await service.close();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('logs and diagnostics', () => {
  it('log a real run with its context, keep every credential out of the log and of the diagnostics', async () => {
    const preview = await call<{ token: string }>('import:text', { text: 'prompt\na red kite over dunes\na calm lake [sim:fail:SensitiveContent]\n' });
    const summary = await call<{ batch: { id: string } }>('batches:create', { token: preview.token, name: 'kites', skipInvalid: false });
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const s = service.snapshot().batches.find((b) => b.batch.id === summary.batch.id)!;
      if ((s.counts.done ?? 0) + (s.counts.failed ?? 0) === 2) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    // A refused call from the window, and texts that carry secrets the way server answers and errors can.
    expect((await service.dispatch('library:export', ['not', 'a', 'list'])).ok).toBe(false);
    const signed = presignUrl(
      { method: 'GET', url: new URL('https://studio-clips.s3.eu-west-1.amazonaws.com/ltx/photo.jpg'), region: 'eu-west-1', expiresSeconds: 604800 },
      { accessKeyId: ACCESS_KEY_ID, secretAccessKey: BUCKET_SECRET }
    );
    fileLog.logger.child('hosting').warn(`APIXO could not fetch ${signed}: answered with key ${KEY}`, { authorization: `Bearer ${KEY}` });

    const log = readFileSync(fileLog.path, 'utf8');
    expect(log).toMatch(/\(engine\) batch added: 2 task\(s\) batch=\S+ name=kites/);
    expect(log).toMatch(/\(engine\) task done batch=\S+ task=\S+ row=2 taskId=[0-9a-f]{32} from=downloading/);
    expect(log).toMatch(/\[warn\]\s+\(engine\) task failed batch=\S+ task=\S+ row=3 taskId=[0-9a-f]{32} from=\S+ failCode=SensitiveContent/);
    expect(log).toMatch(/\(engine\/download\) downloaded \d+ bytes in 1 attempt\(s\)/);
    expect(log).toMatch(/\(apixo\) POST \/generateTask\/ltx-2-19b → 200 in \d+ ms/);
    expect(log).toMatch(/\(ipc\) IPC call refused: .* channel=library:export/);
    expect(log).toMatch(
      /\(hosting\) APIXO could not fetch https:\/\/studio-clips\.s3\.eu-west-1\.amazonaws\.com\/ltx\/photo\.jpg\?\(signed query removed\): answered with key \*\*\* authorization="\*\*\*"$/m
    );

    const diagnostics = await call<string>('app:diagnostics');
    expect(diagnostics).toMatch(/^LTX Batch Studio 0\.1\.0 — diagnostics, \d{4}-/);
    expect(diagnostics).toContain(`Node ${process.versions.node}`);
    expect(diagnostics).toContain('APIXO.');
    expect(diagnostics).toContain('API key: set');
    expect(diagnostics).toMatch(/- b\S+ "kites": 2 tasks · (1 done, 1 failed|1 failed, 1 done)/);
    expect(diagnostics).toContain('"accessKeyId": "…PLE2"');
    expect(diagnostics).toContain('"secretAccessKey": "(set)"');
    expect(diagnostics).toContain(`## Log (last `);
    expect(diagnostics).toMatch(/task done batch=/);
    const logPart = diagnostics.slice(diagnostics.indexOf('## Log'));
    expect(logPart.split('\n').length - 1).toBeLessThanOrEqual(200);

    for (const [name, text] of [
      ['log', log],
      ['diagnostics', diagnostics]
    ] as const) {
      for (const secret of [KEY, BUCKET_SECRET, ACCESS_KEY_ID, 'X-Amz-Signature=', 'X-Amz-Credential=']) {
        expect(text.includes(secret), `${secret} in the ${name}`).toBe(false);
      }
    }
  });

  it('opens the logs folder from the window, and says where it is', async () => {
    await call('app:open-logs');
    expect(desktop.opened).toEqual([join(dir, 'logs')]);
    expect(await call('app:info')).toMatchObject({ logsDir: join(dir, 'logs') });
  });
});
