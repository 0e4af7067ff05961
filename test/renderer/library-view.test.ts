// @vitest-environment happy-dom
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DOMWrapper } from '@vue/test-utils';
import { useComposerStore } from '../../src/renderer/src/stores/composer';
import { byTestId, JPEG_DATA_URL, mountApp, settle, studioFor, until, viewOf, type Mounted } from './setup';
import type { Studio } from './studio';

// happy-dom cannot decode video: poster frames are tested in library-store.test.ts.
vi.mock('../../src/renderer/src/lib/poster', () => ({ capturePoster: () => new Promise<string>(() => {}), posterTime: () => 1, POSTER_WIDTH: 320 }));

let mounted: Mounted | undefined;
afterEach(() => {
  mounted?.wrapper.unmount();
  mounted = undefined;
  localStorage.clear();
});

const studio = (fill: (s: Studio) => void = () => {}) => studioFor({}, false).then((s) => (fill(s), s));

async function openLibrary(s: Studio | Promise<Studio>) {
  mounted = await mountApp(await s);
  await mounted.wrapper.find(byTestId('nav-library')).trigger('click');
  await settle();
  return mounted.wrapper;
}

/** 30 videos: 10 of robots (image to video, 1080p, 9:16), 20 of lakes (text to video, 720p, 16:9). */
function mixedLibrary(): Promise<Studio> {
  return studio((s) => {
    s.addVideos(20, (i) => ({ prompt: `A calm lake at dawn, take ${i + 1}` }));
    s.addVideos(10, (i) => ({
      prompt: `A small robot waters a plant ${i + 1}`,
      mode: 'image-to-video',
      resolution: '1080p',
      aspectRatio: '9:16',
      imageUrl: 'https://example.com/robot.jpg',
      sourceImage: 'robot.jpg',
      duration: 10
    }));
    // The source image is kept beside them, so nothing is fetched from the web.
    s.addImage('spring-campaign/robot.jpg');
  });
}

const count = (w: Mounted['wrapper']) => w.find(byTestId('library-count')).text();
const cards = (w: Mounted['wrapper']) => w.findAll(byTestId('library-card'));
const card = (w: Mounted['wrapper'], index: number): DOMWrapper<Element> => w.find(`[data-index="${index}"]`);

async function typeSearch(w: Mounted['wrapper'], text: string): Promise<void> {
  await w.find(byTestId('library-search')).setValue(text);
}

describe('library grid', () => {
  it('shows a card per video with poster, duration, resolution and mode badges, and the count', async () => {
    const s = await studio();
    const [path] = s.addVideos(1, () => ({
      prompt: 'A lighthouse in a storm',
      mode: 'image-to-video-LoRA',
      resolution: '1080p',
      duration: 12,
      imageUrl: 'https://example.com/a.jpg',
      loras: [{ path: 'https://example.com/style.safetensors', scale: 1 }]
    }));
    // Its poster frame was saved before.
    await s.start();
    await s.call('library:thumbnail', path, JPEG_DATA_URL);
    const w = await openLibrary(s);
    expect(count(w)).toBe('1 video');
    const c = cards(w)[0];
    expect(c.text()).toContain('A lighthouse in a storm');
    expect(c.text()).toContain('1080p');
    expect(c.find(byTestId('card-duration')).text()).toBe('0:12');
    expect(c.findAll('.badge').map((b) => b.text())).toEqual(['i2v', 'LoRA']);
    expect(c.find('img.poster').attributes('src')).toMatch(/^ltx-media:\/\/cache\/thumbs\/[\w-]+\.jpg$/);
    expect(c.find(byTestId('card-open')).attributes('aria-label')).toBe('A lighthouse in a storm, seed 1001, 12 seconds, 1080p, image to video, LoRA');
  });

  it('marks videos of unknown origin (no sidecar), and they cannot be starred', async () => {
    const w = await openLibrary(studio((s) => s.addUnknownVideo('holiday.mp4')));
    const c = cards(w)[0];
    expect(c.find(byTestId('card-unknown')).text()).toBe('unknown origin');
    expect(c.text()).toContain('holiday.mp4');
    expect(c.find(byTestId('card-star')).attributes('disabled')).toBeDefined();
    expect(c.find('.placeholder').exists()).toBe(true);
  });

  it('renders only a screenful of 10,000 videos and fetches pages as it scrolls', async () => {
    const w = await openLibrary(studio((s) => s.addVideos(10_000)));
    const api = mounted!.api;
    expect(count(w)).toBe('10,000 videos');
    expect(cards(w).length).toBeGreaterThan(8);
    expect(cards(w).length).toBeLessThan(60);
    expect(api.callsOf('library:query')).toHaveLength(1);

    const viewport = w.find('.vl-viewport');
    const rowHeight =
      parseFloat((w.find('.vl-spacer').element as HTMLElement).style.height) /
      Math.ceil(10_000 / Number(w.find(byTestId('library-grid')).attributes('data-columns')));
    (viewport.element as HTMLElement).scrollTop = 1000 * rowHeight;
    await viewport.trigger('scroll');
    await settle();
    const shown = cards(w).map((c) => Number(c.attributes('data-index')));
    expect(shown.length).toBeLessThan(60);
    const columns = Number(w.find(byTestId('library-grid')).attributes('data-columns'));
    expect(Math.min(...shown)).toBeGreaterThanOrEqual((1000 - 3) * columns);
    const offsets = api.callsOf('library:query').map((c) => (c.args[0] as { offset: number }).offset);
    expect(offsets.length).toBeLessThanOrEqual(3);
    expect(offsets.every((o) => o === 0 || Math.abs(o - 1000 * columns) <= 400)).toBe(true);
  });

  it('the card size slider changes how many cards fit in a row, and is remembered', async () => {
    const s = await mixedLibrary();
    let w = await openLibrary(s);
    const columns = () => Number(w.find(byTestId('library-grid')).attributes('data-columns'));
    const before = columns();
    await w.find(byTestId('library-card-size')).setValue('360');
    await settle();
    expect(columns()).toBeLessThan(before);
    mounted!.wrapper.unmount();
    w = await openLibrary(s);
    expect((w.find(byTestId('library-card-size')).element as HTMLInputElement).value).toBe('360');
    expect(columns()).toBeLessThan(before);
  });

  it('plays a muted preview while a card is hovered, and stops when the mouse leaves', async () => {
    const w = await openLibrary(mixedLibrary());
    const c = card(w, 0);
    await c.trigger('mouseover');
    await vi.waitFor(() => expect(card(w, 0).find(byTestId('card-preview')).exists()).toBe(true));
    const preview = card(w, 0).find(byTestId('card-preview')).element as HTMLVideoElement;
    expect(preview.muted).toBe(true);
    expect(w.findAll(byTestId('card-preview'))).toHaveLength(1);
    await card(w, 0).trigger('mouseout');
    expect(card(w, 0).find(byTestId('card-preview')).exists()).toBe(false);
  });

  it('arrow keys move focus between cards', async () => {
    const w = await openLibrary(mixedLibrary());
    const columns = Number(w.find(byTestId('library-grid')).attributes('data-columns'));
    const first = card(w, 0).find(byTestId('card-open'));
    expect(first.attributes('tabindex')).toBe('0');
    (first.element as HTMLElement).focus();
    await first.trigger('keydown', { key: 'ArrowRight' });
    await settle();
    expect(document.activeElement?.closest('[data-index]')?.getAttribute('data-index')).toBe('1');
    await card(w, 1).find(byTestId('card-open')).trigger('keydown', { key: 'ArrowDown' });
    await settle();
    expect(document.activeElement?.closest('[data-index]')?.getAttribute('data-index')).toBe(String(1 + columns));
    expect(
      card(w, 1 + columns)
        .find(byTestId('card-open'))
        .attributes('tabindex')
    ).toBe('0');
  });
});

describe('search and filters', () => {
  it('updates the count line as you type, and says when nothing matches', async () => {
    const w = await openLibrary(mixedLibrary());
    expect(count(w)).toBe('30 videos');
    await typeSearch(w, 'robot');
    await vi.waitFor(async () => {
      await settle();
      expect(count(w)).toBe('10 of 30 videos');
    });
    expect(cards(w)).toHaveLength(10);
    expect(cards(w).every((c) => c.text().includes('robot'))).toBe(true);

    await typeSearch(w, 'zebra');
    await vi.waitFor(async () => {
      await settle();
      expect(w.find(byTestId('library-no-match')).exists()).toBe(true);
    });
    expect(count(w)).toBe('0 of 30 videos');
    expect(w.find(byTestId('library-no-match')).text()).toContain('Nothing in your 30 videos has “zebra” in its name, prompt or file name');
    await w.find(byTestId('empty-clear')).trigger('click');
    await settle();
    expect(count(w)).toBe('30 videos');
    expect((w.find(byTestId('library-search')).element as HTMLInputElement).value).toBe('');
  });

  it('shows how many videos each option would show, and narrows the grid when ticked', async () => {
    const w = await openLibrary(mixedLibrary());
    expect(w.find(byTestId('facet-mode-text-to-video')).text()).toBe('20');
    expect(w.find(byTestId('facet-mode-image-to-video')).text()).toBe('10');
    expect(w.find(byTestId('facet-resolution-1080p')).text()).toBe('10');
    expect(w.find(byTestId('facet-aspect-9:16')).text()).toBe('10');

    await w.find(byTestId('filter-resolution-1080p')).setValue(true);
    await settle();
    expect(count(w)).toBe('10 of 30 videos');
    // Each dimension is counted without its own filter: 720p still says how many there are.
    expect(w.find(byTestId('facet-resolution-720p')).text()).toBe('20');
    expect(w.find(byTestId('facet-mode-text-to-video')).text()).toBe('0');

    await w.find(byTestId('filter-resolution-720p')).setValue(true);
    await settle();
    expect(count(w)).toBe('30 of 30 videos');
  });

  it('a swept library filters by its axes, says each take’s values, and sorts a row’s takes together', async () => {
    const w = await openLibrary(
      studio((s) => {
        s.addVideos(3, () => ({ prompt: 'A lake, unswept' }));
        let take = 0;
        for (const seed of [11, 12, 13]) {
          for (const duration of [5, 10]) {
            take++;
            s.addVideos(1, () => ({ prompt: 'A kite over a beach', seed, duration, row: 4, take, axes: { seed: String(seed), duration: String(duration) } }));
          }
        }
      })
    );
    // The axes show only because the library has swept videos; each value with its count.
    expect(w.find(byTestId('filter-axis-seed')).find('legend').text()).toBe('Sweep: Seed');
    expect(w.find(byTestId('filter-axis-duration')).text()).toContain('10 s');
    await w.find(byTestId('filter-axis-duration-10')).setValue(true);
    await settle();
    expect(count(w)).toBe('3 of 9 videos');
    // The other axis counts within it.
    expect(w.find(byTestId('filter-axis-seed')).text()).toMatch(/seed 11\s*1/);
    const seeds = w.findAll(byTestId('card-seed')).map((c) => c.text());
    expect(seeds.sort()).toEqual(['seed 11 · 10 s', 'seed 12 · 10 s', 'seed 13 · 10 s']);
    expect(w.find(byTestId('card-takes')).attributes('title')).toBe('row 4 · 6 takes of this prompt · 3 seeds × 2 durations');

    await w.find(byTestId('filter-axis-duration-10')).setValue(false);
    await w.find(byTestId('library-sort')).setValue('row');
    await settle();
    const order = w.findAll(byTestId('card-seed')).map((c) => c.text());
    // The unswept row 2 first, then row 4's six takes in order.
    expect(order.slice(3)).toEqual(['seed 11 · 5 s', 'seed 11 · 10 s', 'seed 12 · 5 s', 'seed 12 · 10 s', 'seed 13 · 5 s', 'seed 13 · 10 s']);
  });

  it('filters by length, batch, date and favourites, and sorts', async () => {
    const s = await mixedLibrary();
    s.addVideos(2, (i) => ({
      prompt: `Old film ${i}`,
      batch: { id: 'b-old', name: 'Archive' },
      createdAt: Date.UTC(2024, 5, 1) + i,
      favourite: true,
      duration: 20
    }));
    s.addVideos(1, () => ({ prompt: 'Fresh today', createdAt: Date.now() - 60_000 }));
    const w = await openLibrary(s);
    expect(count(w)).toBe('33 videos');

    const min = w.find(byTestId('filter-duration-min'));
    await min.setValue('10');
    await min.trigger('change');
    await settle();
    expect(count(w)).toBe('12 of 33 videos');
    await min.setValue('');
    await min.trigger('change');
    await settle();

    await w.find(byTestId('filter-batch')).setValue('b-old');
    await settle();
    expect(count(w)).toBe('2 of 33 videos');
    (w.find(byTestId('filter-batch')).findAll('option')[0].element as HTMLOptionElement).selected = true;
    await w.find(byTestId('filter-batch')).trigger('change');
    await settle();
    expect(count(w)).toBe('33 videos');

    await w.find(byTestId('filter-date')).setValue('week');
    await settle();
    expect(count(w)).toBe('1 of 33 videos');
    expect(cards(w)[0].text()).toContain('Fresh today');
    await w.find(byTestId('filter-date')).setValue('all');
    await settle();

    expect(w.find(byTestId('facet-favourites')).text()).toBe('2');
    await w.find(byTestId('filter-favourites')).setValue(true);
    await settle();
    expect(count(w)).toBe('2 of 33 videos');
    await w.find(byTestId('filter-favourites')).setValue(false);
    await settle();

    await w.find(byTestId('library-sort')).setValue('oldest');
    await settle();
    expect(cards(w)[0].text()).toContain('Old film');
    await w.find(byTestId('library-sort')).setValue('duration');
    await settle();
    expect(cards(w)[0].find(byTestId('card-duration')).text()).toBe('0:20');
  });

  it('an empty library says how it fills, and offers to import or compose', async () => {
    const s = await studio();
    const w = await openLibrary(s);
    const empty = w.find(byTestId('library-empty'));
    expect(empty.text()).toContain('Your library is empty');
    expect(empty.text()).toContain(s.libraryDir);
    expect(w.find(byTestId('empty-compose')).text()).toBe('Compose a batch');
    await w.find(byTestId('empty-import')).trigger('click');
    await settle();
    expect(viewOf(mounted!)).toBe('import');
  });

  it('a video arriving in an empty library shows up without reloading', async () => {
    const s = await studio();
    const w = await openLibrary(s);
    expect(w.find(byTestId('library-empty')).exists()).toBe(true);
    s.addVideos(1, () => ({ prompt: 'The first one' }));
    await until(() => expect(cards(w)).toHaveLength(1));
    expect(count(w)).toBe('1 video');
  });
});

describe('selection and actions', () => {
  it('Ctrl+click toggles, Shift+click selects a range, Ctrl+A selects every match', async () => {
    const w = await openLibrary(mixedLibrary());
    await card(w, 1).find(byTestId('card-open')).trigger('click', { ctrlKey: true });
    expect(w.find(byTestId('selection-count')).text()).toBe('1 selected');
    expect(card(w, 1).attributes('aria-selected')).toBe('true');
    await card(w, 4).find(byTestId('card-open')).trigger('click', { shiftKey: true });
    await settle();
    expect(w.find(byTestId('selection-count')).text()).toBe('4 selected');
    expect([1, 2, 3, 4].every((i) => card(w, i).attributes('aria-selected') === 'true')).toBe(true);
    expect(card(w, 0).attributes('aria-selected')).toBe('false');
    // Another Shift+click replaces the range, as in a file manager.
    await card(w, 2).find(byTestId('card-open')).trigger('click', { shiftKey: true });
    await settle();
    expect(w.find(byTestId('selection-count')).text()).toBe('2 selected');
    expect(card(w, 4).attributes('aria-selected')).toBe('false');
    await card(w, 4).find(byTestId('card-open')).trigger('click', { shiftKey: true });
    await settle();
    await card(w, 2).find(byTestId('card-open')).trigger('click', { metaKey: true });
    expect(w.find(byTestId('selection-count')).text()).toBe('3 selected');
    expect(w.find(byTestId('library-player')).exists()).toBe(false);

    await card(w, 0).find(byTestId('card-open')).trigger('keydown', { key: 'a', ctrlKey: true });
    await settle();
    expect(w.find(byTestId('selection-count')).text()).toBe('30 selected');
    await card(w, 0).find(byTestId('card-open')).trigger('keydown', { key: 'Escape' });
    expect(w.find(byTestId('selection-bar')).exists()).toBe(false);
  });

  it('deleting asks first, naming the count, then the cards are gone', async () => {
    const w = await openLibrary(mixedLibrary());
    const api = mounted!.api;
    const paths = [0, 1, 2].map((i) => card(w, i).attributes('data-path')!);
    for (const i of [0, 1, 2]) await card(w, i).find(byTestId('card-check')).trigger('click');
    expect(w.find(byTestId('selection-count')).text()).toBe('3 selected');
    await w.find(byTestId('actions-selection')).find(byTestId('action-delete')).trigger('click');
    const dialog = w.find(byTestId('confirm-dialog'));
    expect(dialog.find(byTestId('confirm-title')).text()).toBe('Move 3 videos to the trash?');
    expect(dialog.text()).toContain('Their sidecars and source images go too.');
    expect(api.callsOf('library:delete')).toHaveLength(0);

    await w.find(byTestId('confirm-delete')).trigger('click');
    await settle();
    expect(api.callsOf('library:delete')[0].args).toEqual([paths]);
    expect(count(w)).toBe('27 videos');
    const shown = cards(w).map((c) => c.attributes('data-path'));
    expect(paths.some((p) => shown.includes(p))).toBe(false);
    expect(w.find(byTestId('selection-bar')).exists()).toBe(false);
    // Held aside while Undo is offered (the OS trash takes them once the grace has passed).
    expect(w.find(byTestId('undo-notice')).text()).toContain('Moved 3 videos to the trash.');
    expect(w.find(byTestId('undo-delete')).exists()).toBe(true);
  });

  it('cancelling the delete keeps everything', async () => {
    const w = await openLibrary(mixedLibrary());
    const api = mounted!.api;
    await card(w, 0).find(byTestId('card-check')).trigger('click');
    await w.find(byTestId('action-delete')).trigger('click');
    expect(w.find(byTestId('confirm-title')).text()).toBe('Move 1 video to the trash?');
    await w.find(byTestId('confirm-cancel')).trigger('click');
    await settle();
    expect(api.callsOf('library:delete')).toHaveLength(0);
    expect(count(w)).toBe('30 videos');
  });

  // A file in use no longer fails the delete itself: it is held aside for the undo, and only
  // the OS trash, after the grace, can refuse it.
  it('a call that fails shows its message next to the controls', async () => {
    const w = await openLibrary(mixedLibrary());
    const api = mounted!.api;
    await card(w, 0).find(byTestId('card-check')).trigger('click');
    // Main reports a file it cannot change per video; a call that fails as a whole (a read-only
    // drive) cannot be caused from here, so the bridge answers this one.
    api.failNext('library:favourite', 'The library folder is read-only: check its permissions.');
    await w.find(byTestId('action-favourite')).trigger('click');
    await settle();
    expect(w.find(byTestId('error-selection')).text()).toBe('The library folder is read-only: check its permissions.');
  });

  it('exports to a chosen folder and says where the manifest is; cancelling the folder does nothing', async () => {
    const s = await mixedLibrary();
    const w = await openLibrary(s);
    const api = mounted!.api;
    await card(w, 0).find(byTestId('card-check')).trigger('click');
    await card(w, 1).find(byTestId('card-check')).trigger('click');
    s.desktop.nextFolder = null;
    await w.find(byTestId('action-export')).trigger('click');
    await settle();
    expect(api.callsOf('dialog:choose-folder').map((c) => c.args)).toEqual([['export']]);
    expect(s.desktop.dialogs).toEqual(['Export videos to…']);
    expect(api.callsOf('library:export')).toHaveLength(0);
    expect(w.find(byTestId('notice-selection')).exists()).toBe(false);

    // The person makes the folder in the dialog and picks it.
    const folder = join(s.dir, 'Delivery');
    mkdirSync(folder);
    s.desktop.nextFolder = folder;
    await w.find(byTestId('action-export')).trigger('click');
    await settle();
    // The export names the folder by the token main gave for it, never by its path.
    expect(api.callsOf('library:export')[0].args[1]).not.toContain(folder);
    expect(readdirSync(folder).filter((f) => f.endsWith('.mp4'))).toHaveLength(2);
    expect(existsSync(join(folder, 'manifest.csv'))).toBe(true);
    expect(w.find(byTestId('notice-selection')).text()).toContain(
      `Copied 2 videos to ${folder}. The manifest is ${join(folder, 'manifest.csv')} (and, for spreadsheets, ${join(folder, 'manifest.xlsx')}).`
    );
  });

  it('stars a video from its card, and the favourites filter finds it', async () => {
    const s = await mixedLibrary();
    const w = await openLibrary(s);
    const path = card(w, 3).attributes('data-path');
    await card(w, 3).find(byTestId('card-star')).trigger('click');
    await settle();
    expect(card(w, 3).find(byTestId('card-star')).attributes('aria-pressed')).toBe('true');
    expect((await s.call('library:get', path!)).favourite).toBe(true);
    // The counts follow main's change notice.
    await until(() => expect(w.find(byTestId('facet-favourites')).text()).toBe('1'));
    await w.find(byTestId('filter-favourites')).setValue(true);
    await settle();
    expect(count(w)).toBe('1 of 30 videos');
    expect(cards(w)[0].attributes('data-path')).toBe(path);
  });

  it('new takes asks how many (1–10), then the new batch is in the queue', async () => {
    const w = await openLibrary(mixedLibrary());
    const api = mounted!.api;
    const paths = [0, 1].map((i) => card(w, i).attributes('data-path')!);
    await card(w, 0).find(byTestId('card-check')).trigger('click');
    await card(w, 1).find(byTestId('card-check')).trigger('click');
    await w.find(byTestId('action-takes')).trigger('click');
    expect(w.find(byTestId('confirm-title')).text()).toBe('New takes of 2 videos');
    await w.find(byTestId('rerun-takes')).setValue('11');
    expect(w.find(byTestId('confirm-dialog')).text()).toContain('Takes must be a whole number from 1 to 10.');
    expect(w.find(byTestId('confirm-rerun')).attributes('disabled')).toBeDefined();
    await w.find(byTestId('rerun-takes')).setValue('3');
    expect(w.find(byTestId('confirm-dialog')).text()).toContain('6 videos join the queue as a new batch');
    await w.find(byTestId('confirm-rerun')).trigger('click');
    await settle();
    expect(api.callsOf('library:rerun')[0].args).toEqual([{ paths, seeds: 'new', takes: 3 }]);
    expect(viewOf(mounted!)).toBe('queue');
    expect(w.find(byTestId('batch-row')).text()).toContain('New takes: 2 videos');
  });

  it('re-run with the same seed asks, then goes to the queue', async () => {
    const w = await openLibrary(mixedLibrary());
    const api = mounted!.api;
    const path = card(w, 0).attributes('data-path');
    await card(w, 0).find(byTestId('card-check')).trigger('click');
    await w.find(byTestId('action-rerun')).trigger('click');
    expect(w.find(byTestId('confirm-title')).text()).toBe('Re-run this video with the same seed?');
    await w.find(byTestId('confirm-rerun')).trigger('click');
    await settle();
    expect(api.callsOf('library:rerun')[0].args).toEqual([{ paths: [path], seeds: 'same', takes: 1 }]);
    expect(viewOf(mounted!)).toBe('queue');
  });

  it('copies the prompts of the selection, one per line', async () => {
    const w = await openLibrary(mixedLibrary());
    await card(w, 0).find(byTestId('card-check')).trigger('click');
    await card(w, 1).find(byTestId('card-check')).trigger('click');
    await w.find(byTestId('action-copy')).trigger('click');
    await settle();
    const copied = await navigator.clipboard.readText();
    expect(copied.split('\n')).toHaveLength(2);
    expect(copied).toContain('A small robot waters a plant');
    expect(w.find(byTestId('notice-selection')).text()).toContain('Copied 2 prompts, one per line.');
  });

  it('“Use these settings” fills the composer from one video and opens it', async () => {
    const w = await openLibrary(mixedLibrary());
    await card(w, 0).find(byTestId('card-check')).trigger('click');
    await card(w, 1).find(byTestId('card-check')).trigger('click');
    expect(w.find(byTestId('action-use')).attributes('disabled')).toBeDefined();
    await card(w, 1).find(byTestId('card-check')).trigger('click');
    const prompt = cards(w)[0].find('.prompt').text();
    await w.find(byTestId('action-use')).trigger('click');
    await settle();
    expect(viewOf(mounted!)).toBe('compose');
    const composer = useComposerStore();
    expect(composer.rows.map((r) => r.prompt)).toEqual([prompt]);
    expect(composer.defaults).toMatchObject({ mode: 'image-to-video', resolution: '1080p', duration: 10 });
  });
});
