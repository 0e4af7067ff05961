// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LibraryDetail, LibraryPage } from '@shared/library';
import { byTestId, mountApp, settle, studioFor, type Mounted } from './setup';

vi.mock('../../src/renderer/src/lib/poster', () => ({ capturePoster: () => new Promise<string>(() => {}), posterTime: () => 1, POSTER_WIDTH: 320 }));

// A video the simulator made cost nothing: the library carries its sidecar's `simulated` and says
// so on its card and in its details, never as money spent (docs/architecture.md, "Money").

let mounted: Mounted | undefined;
afterEach(() => {
  mounted?.wrapper.unmount();
  mounted = undefined;
});

describe('a simulated video in the library', () => {
  it('carries the sidecar’s "simulated" into its entry and details', async () => {
    const api = await studioFor({}, false);
    const [sim, real] = [
      api.addVideos(1, () => ({ prompt: 'A koi pond seen from above', simulated: true }))[0],
      api.addVideos(1, () => ({ prompt: 'A lighthouse at dusk' }))[0]
    ];
    await api.start();
    const page = await api.api.invoke('library:query', {});
    if (!page.ok) throw new Error(page.message);
    const items = (page.value as LibraryPage).items;
    expect(items.find((i) => i.path === sim)?.simulated).toBe(true);
    expect(items.find((i) => i.path === real)).not.toHaveProperty('simulated');
    const detail = await api.api.invoke('library:get', sim);
    if (!detail.ok) throw new Error(detail.message);
    expect((detail.value as LibraryDetail).simulated).toBe(true);
  });

  it('shows its cost as "simulated — nothing charged", and a real one’s as money', async () => {
    const api = await studioFor({}, false);
    api.addVideos(1, () => ({ prompt: 'A koi pond seen from above', simulated: true, createdAt: Date.UTC(2025, 0, 2) }));
    api.addVideos(1, () => ({ prompt: 'A lighthouse at dusk', createdAt: Date.UTC(2025, 0, 1) }));
    mounted = await mountApp(api);
    const w = mounted.wrapper;
    await w.find(byTestId('nav-library')).trigger('click');
    await settle();
    const cards = w.findAll(byTestId('library-card'));
    expect(cards).toHaveLength(2);
    // Newest first: the simulated one, with its badge; the real one has none.
    expect(cards[0].find(byTestId('card-simulated')).text()).toBe('simulated');
    expect(cards[0].find(byTestId('card-open')).attributes('aria-label')).toContain('simulated, nothing charged');
    expect(cards[1].find(byTestId('card-simulated')).exists()).toBe(false);

    await cards[0].find(byTestId('card-open')).trigger('click');
    await settle();
    const cost = w.find(byTestId('library-player')).find(byTestId('meta-cost')).text();
    expect(cost).toBe("simulated — nothing charged ($0.08 at APIXO's prices)");
    expect(cost).not.toMatch(/^\$/);
  });
});
