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

async function openVideo(seed: number | undefined): Promise<Mounted['wrapper']> {
  const api = await studioFor({}, false);
  api.addVideos(1, () => ({ prompt: 'A koi pond seen from above', seed }));
  mounted = await mountApp(api);
  const w = mounted.wrapper;
  await w.find(byTestId('nav-library')).trigger('click');
  await settle();
  await w.find('[data-index="0"]').find(byTestId('card-open')).trigger('click');
  await settle();
  return w;
}

async function seedShownFor(seed: number | undefined): Promise<string> {
  return (await openVideo(seed)).find(byTestId('library-player')).find(byTestId('meta-seed')).text();
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

  it('offers "Re-run same seed" only when the seed is known, and says why not', async () => {
    const known = (await openVideo(184467)).find(byTestId('library-player')).find(byTestId('action-rerun'));
    expect(known.attributes('disabled')).toBeUndefined();
    mounted?.wrapper.unmount();
    mounted = undefined;
    const unknown = (await openVideo(undefined)).find(byTestId('library-player')).find(byTestId('action-rerun'));
    expect(unknown.attributes('disabled')).toBeDefined();
    expect(unknown.attributes('title')).toBe('The seed of this video was not recorded, so it cannot be made again with the same seed. Use New takes instead.');
  });
});
