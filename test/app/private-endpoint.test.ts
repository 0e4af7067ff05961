/**
 * A bucket endpoint on this computer or a private network is refused when the window saves it,
 * with the same sentence the Settings page shows while it is typed; a public one is stored.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { unreachableEndpoint } from '@shared/address';
import { defaultSettings, type Settings } from '@shared/settings';
import { AppService } from '../../src/main/core/app/app-service';
import { memorySecret, testDesktop } from '../support/app-options';
import { tempDirs } from '../support/temp-dirs';

const makeDir = tempDirs('ltx-private-endpoint-');
const services: AppService[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
});

async function start(): Promise<{ service: AppService; stored: () => Settings }> {
  const dir = makeDir();
  let stored = defaultSettings({ libraryDir: join(dir, 'library'), dataDir: join(dir, 'data') });
  const service = await AppService.start({
    settings: { read: () => structuredClone(stored), write: (next) => void (stored = structuredClone(next)) },
    secrets: memorySecret(),
    hostingSecret: memorySecret(),
    desktop: testDesktop(dir),
    version: '0.1.0',
    resourcesDir: 'resources',
    timeScale: 0.01
  });
  services.push(service);
  return { service, stored: () => stored };
}

describe('saving the bucket endpoint', () => {
  it('refuses one APIXO could never reach, saying why, and stores nothing', async () => {
    const { service, stored } = await start();
    for (const endpoint of ['http://192.168.1.20:9000', 'http://localhost:9000', 'https://10.0.0.5', 'http://[::1]:9000']) {
      const before = stored();
      const result = await service.dispatch('settings:update', [{ hosting: { kind: 's3', s3: { ...before.hosting.s3, endpoint } } }]);
      expect(result.ok, endpoint).toBe(false);
      if (!result.ok) expect(result.message).toBe(unreachableEndpoint(endpoint));
      expect(stored().hosting).toEqual(before.hosting);
    }
  });

  it('stores a public endpoint', async () => {
    const { service, stored } = await start();
    const s3 = { ...stored().hosting.s3, endpoint: 'https://s3.eu-west-1.amazonaws.com' };
    const result = await service.dispatch('settings:update', [{ hosting: { kind: 's3', s3 } }]);
    expect(result.ok).toBe(true);
    expect(stored().hosting).toEqual({ kind: 's3', s3 });
  });
});
