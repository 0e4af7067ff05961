/** Main says `app:changed` whenever the API it talks to may have changed, so the window never has to guess. */
import { describe, expect, it } from 'vitest';
import type { AppChange } from '@shared/ipc';
import { GOOD_KEY, Studio } from './studio';

async function watched(options: ConstructorParameters<typeof Studio>[0] = {}) {
  const studio = await new Studio(options).start();
  const seen: AppChange[] = [];
  studio.service.on('app:changed', (change) => void seen.push(change));
  return { studio, seen };
}

describe('app:changed', () => {
  it('is pushed when a key is saved or cleared, saying which API is used now', async () => {
    const { studio, seen } = await watched();
    try {
      await studio.call('key:set', GOOD_KEY);
      expect(seen).toEqual([{ simulated: false, apiLabel: 'APIXO' }]);
      await studio.call('key:clear');
      expect(seen.at(-1)).toEqual({ simulated: true, apiLabel: 'Simulator' });
      expect((await studio.call('app:info')).simulated).toBe(true);
    } finally {
      await studio.close();
    }
  });

  it('is pushed when the simulator is switched, after the settings', async () => {
    const { studio, seen } = await watched({ apiKey: GOOD_KEY });
    const order: string[] = [];
    studio.service.on('settings:changed', () => void order.push('settings'));
    studio.service.on('app:changed', () => void order.push('app'));
    try {
      const changed = studio.next('app:changed');
      await studio.call('settings:update', { simulator: 'on' });
      expect(await changed).toEqual({ simulated: true, apiLabel: 'Simulator' });
      expect(order).toEqual(['settings', 'app']);
      expect(seen).toHaveLength(1);
      // A change that does not touch the connection says nothing.
      await studio.call('settings:update', { theme: 'dark' });
      expect(seen).toHaveLength(1);
    } finally {
      await studio.close();
    }
  });
});
