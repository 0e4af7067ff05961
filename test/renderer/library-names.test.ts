// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { byTestId, mountApp, settle, studioFor, type Mounted } from './setup';

vi.mock('../../src/renderer/src/lib/poster', () => ({ capturePoster: () => new Promise<string>(() => {}), posterTime: () => 1, POSTER_WIDTH: 320 }));

// A video named in its CSV is titled by that name on its card and in the player, and found by it;
// its prompt stays in the details.

let mounted: Mounted | undefined;
afterEach(() => {
  mounted?.wrapper.unmount();
  mounted = undefined;
});

async function openLibrary(): Promise<Mounted['wrapper']> {
  const api = await studioFor({}, false);
  api.addVideos(1, () => ({ prompt: 'A lighthouse in a storm at night, waves breaking', title: 'Phare en tempête' }));
  api.addVideos(2, (i) => ({ prompt: `A koi pond seen from above, take ${i + 1}` }));
  mounted = await mountApp(api);
  const w = mounted.wrapper;
  await w.find(byTestId('nav-library')).trigger('click');
  await settle();
  return w;
}

const cardTitles = (w: Mounted['wrapper']): string[] => w.findAll(byTestId('card-title')).map((c) => c.text());

describe('a named video in the library window', () => {
  it('is titled by its name on its card and in the player, with its prompt in the details', async () => {
    const w = await openLibrary();
    expect(cardTitles(w)).toContain('Phare en tempête');
    expect(cardTitles(w)).not.toContain('A lighthouse in a storm at night, waves breaking');
    const index = cardTitles(w).indexOf('Phare en tempête');
    await w.find(`[data-index="${index}"]`).find(byTestId('card-open')).trigger('click');
    await settle();
    const player = w.find(byTestId('library-player'));
    expect(player.find('#player-title').text()).toBe('Phare en tempête');
    expect(player.find(byTestId('meta-name')).text()).toBe('Phare en tempête');
    expect(player.find(byTestId('meta-prompt')).text()).toBe('A lighthouse in a storm at night, waves breaking');
  });

  it('is found by its name', async () => {
    const w = await openLibrary();
    await w.find(byTestId('library-search')).setValue('tempete');
    await vi.waitFor(async () => {
      await settle();
      expect(cardTitles(w)).toEqual(['Phare en tempête']);
    });
  });
});
