// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { byTestId, mountApp, settle, studioFor, type Mounted } from './setup';

vi.mock('../../src/renderer/src/lib/poster', () => ({ capturePoster: () => new Promise<string>(() => {}), posterTime: () => 1, POSTER_WIDTH: 320 }));

// A video's seed in the library's details: the number it was made with, or, for a sidecar written
// before the app chose every seed itself, "not recorded" (never "random", which cannot be made again).

let mounted: Mounted | undefined;
afterEach(() => {
  mounted?.wrapper.unmount();
  mounted = undefined;
});

async function seedShownFor(seed: number | undefined): Promise<string> {
  const api = await studioFor({}, false);
  api.addVideos(1, () => ({ prompt: 'A koi pond seen from above', seed }));
  mounted = await mountApp(api);
  const w = mounted.wrapper;
  await w.find(byTestId('nav-library')).trigger('click');
  await settle();
  await w.find('[data-index="0"]').find(byTestId('card-open')).trigger('click');
  await settle();
  return w.find(byTestId('library-player')).find(byTestId('meta-seed')).text();
}

describe('the seed in a video’s details', () => {
  it('is the number it was made with', async () => {
    expect(await seedShownFor(184467)).toBe('184467');
  });

  it('says "not recorded" for an old sidecar without one, never "random"', async () => {
    const shown = await seedShownFor(undefined);
    expect(shown).toBe('not recorded');
    expect(shown).not.toMatch(/random/i);
  });
});
