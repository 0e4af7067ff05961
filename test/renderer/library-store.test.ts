// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { InvokeArgs, InvokeChannel } from '@shared/ipc';
import type { LibraryQuery } from '@shared/library';
import { mediaUrl } from '../../src/renderer/src/stores/ipc';
import { useLibraryStore } from '../../src/renderer/src/stores/library';
import { byTestId, install, JPEG_DATA_URL, mountApp, settle, studioFor, until, type Mounted } from './setup';
import type { ServiceBridge, Studio } from './studio';

/** Poster captures the test finishes by hand, in any order. */
const posters = vi.hoisted(() => ({
  pending: [] as { url: string; resolve: (dataUrl: string) => void; reject: (error: Error) => void }[]
}));
vi.mock('../../src/renderer/src/lib/poster', () => ({
  capturePoster: (url: string) => new Promise<string>((resolve, reject) => posters.pending.push({ url, resolve, reject })),
  posterTime: () => 1,
  POSTER_WIDTH: 320
}));

let mounted: Mounted | undefined;
beforeEach(() => {
  posters.pending.length = 0;
});
afterEach(() => {
  mounted = undefined;
});

async function openLibrary(studio: Studio) {
  mounted = await mountApp(studio);
  await mounted.wrapper.find(byTestId('nav-library')).trigger('click');
  await settle();
  return mounted.wrapper;
}

/** Makes `library:query` answers for queries matching `slow` wait until the returned function is called. */
function delayQueries(api: ServiceBridge, slow: (q: LibraryQuery) => boolean): () => void {
  const original = api.invoke.bind(api);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  api.invoke = (async <C extends InvokeChannel>(channel: C, ...args: InvokeArgs<C>) => {
    if (channel === 'library:query' && slow(args[0] as LibraryQuery)) {
      const answer = original(channel, ...args);
      await gate;
      return answer;
    }
    return original(channel, ...args);
  }) as typeof api.invoke;
  return release;
}

describe('library store', () => {
  it('builds media URLs from the bridge’s media base', async () => {
    await install();
    expect(mediaUrl('library/a%20b/c.mp4')).toBe('ltx-media://library/a%20b/c.mp4');
    expect(mediaUrl('cache/thumbs/x.jpg')).toBe('ltx-media://cache/thumbs/x.jpg');
  });

  it('a slow answer to an older search never replaces a newer one', async () => {
    const studio = await studioFor({}, false);
    studio.addVideos(6, (i) => ({ prompt: i < 2 ? `robot ${i}` : `lake ${i}` }));
    const { api } = await install(studio);
    const library = useLibraryStore();
    library.activate();
    await settle();
    const release = delayQueries(api, (q) => q.text === 'robot');
    library.filters.text = 'robot';
    await settle();
    library.filters.text = 'lake';
    await settle();
    expect(library.countText).toBe('4 of 6 videos');
    release();
    await settle();
    expect(library.countText).toBe('4 of 6 videos');
    expect(library.itemAt(0)?.prompt).toMatch(/^lake/);
  });

  it('keeps the pages it fetched and fetches only missing ones', async () => {
    const studio = await studioFor({}, false);
    studio.addVideos(1000);
    const { api } = await install(studio);
    const library = useLibraryStore();
    library.activate();
    await settle();
    expect(api.callsOf('library:query')).toHaveLength(1);
    await library.ensureRange(420, 460);
    await library.ensureRange(0, 40);
    await library.ensureRange(430, 470);
    const offsets = api.callsOf('library:query').map((c) => (c.args[0] as LibraryQuery).offset);
    expect(offsets).toEqual([0, 400]);
    expect(library.itemAt(450)).toBeDefined();
    expect(library.itemAt(650)).toBeUndefined();
  });

  it('refreshes what is on screen when videos arrive, change or go', async () => {
    const studio = await studioFor({}, false);
    const [first] = studio.addVideos(3);
    await install(studio);
    const library = useLibraryStore();
    const stop = library.listen();
    library.activate();
    await settle();
    expect(library.countText).toBe('3 videos');
    // Another program (or the download stage) puts videos in the folder; the folder watch says so.
    studio.addVideos(2, () => ({ prompt: 'Brand new', createdAt: Date.now() }));
    await until(() => expect(library.countText).toBe('5 videos'));
    expect(library.itemAt(0)?.prompt).toBe('Brand new');
    studio.removeVideos([first]);
    await until(() => expect(library.countText).toBe('4 videos'));
    stop();
  });

  it('catches up when the screen is shown again after changes came while it was hidden', async () => {
    const studio = await studioFor({}, false);
    studio.addVideos(3);
    const { api } = await install(studio);
    const library = useLibraryStore();
    library.listen();
    library.activate();
    await settle();
    library.deactivate();
    const before = api.callsOf('library:query').length;
    let changes = 0;
    studio.service.on('library:changed', (change) => void (changes += change.changed.length));
    studio.addVideos(2);
    studio.addVideos(2);
    await until(() => expect(changes).toBeGreaterThanOrEqual(4));
    await settle();
    expect(api.callsOf('library:query')).toHaveLength(before);
    library.activate();
    await settle();
    expect(api.callsOf('library:query')).toHaveLength(before + 1);
    expect(library.countText).toBe('7 videos');
  });

  it('changing the query clears the selection', async () => {
    const studio = await studioFor({}, false);
    studio.addVideos(5);
    await install(studio);
    const library = useLibraryStore();
    library.activate();
    await settle();
    library.toggle(0);
    await library.selectRange(3);
    expect(library.selection.size).toBe(4);
    library.filters.sort = 'oldest';
    await settle();
    expect(library.selection.size).toBe(0);
  });
});

describe('poster frames', () => {
  it('captures at most two at once, only for cards on screen, and saves each through main', async () => {
    const studio = await studioFor({}, false);
    studio.addVideos(2000);
    const w = await openLibrary(studio);
    const api = mounted!.api;
    const onScreen = new Set(w.findAll(byTestId('library-card')).map((c) => c.attributes('data-path')));
    expect(posters.pending).toHaveLength(2);
    const first = posters.pending.shift()!;
    const firstPath = decodeURIComponent(first.url.replace('ltx-media://library/', ''));
    expect(onScreen.has(firstPath)).toBe(true);

    first.resolve(JPEG_DATA_URL);
    await settle();
    expect(api.callsOf('library:thumbnail')[0].args).toEqual([firstPath, JPEG_DATA_URL]);
    const img = w.find(`[data-path="${firstPath}"] img.poster`);
    const saved = (await studio.call('library:get', firstPath)).thumb;
    expect(saved).toMatch(/^cache\/thumbs\//);
    expect(img.attributes('src')).toBe(`ltx-media://${saved}`);
    // One finished, one more started: still two at once.
    expect(posters.pending).toHaveLength(2);

    for (let i = 0; i < 100 && posters.pending.length > 0; i++) {
      posters.pending.shift()!.reject(new Error('cannot decode'));
      await settle();
    }
    // Failures keep the placeholder and are not sent to main; every card on screen was tried, nothing off screen.
    expect(api.callsOf('library:thumbnail')).toHaveLength(1);
    expect(posters.pending).toHaveLength(0);
    expect(w.findAll(byTestId('library-card')).filter((c) => c.find('.placeholder').exists()).length).toBe(onScreen.size - 1);
  });

  it('never captures the same video twice, even after a refresh', async () => {
    const studio = await studioFor({}, false);
    studio.addVideos(3);
    const w = await openLibrary(studio);
    const started = () => posters.pending.map((p) => p.url);
    expect(started()).toHaveLength(2);
    const urls = new Set(started());
    posters.pending.splice(0).forEach((p) => p.reject(new Error('no')));
    await settle();
    expect(posters.pending).toHaveLength(1);
    urls.add(posters.pending[0].url);
    posters.pending.splice(0).forEach((p) => p.reject(new Error('no')));
    await settle();
    expect(urls.size).toBe(3);
    studio.addVideos(1);
    // Only the new video is tried.
    await until(() => expect(posters.pending).toHaveLength(1));
    expect(urls.has(posters.pending[0].url)).toBe(false);
    expect(w.findAll(byTestId('library-card'))).toHaveLength(4);
  });
});
