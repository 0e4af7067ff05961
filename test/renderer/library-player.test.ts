// @vitest-environment happy-dom
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LibraryDetail } from '@shared/library';
import { useComposerStore } from '../../src/renderer/src/stores/composer';
import { useLibraryStore } from '../../src/renderer/src/stores/library';
import { APP_VERSION, writeRecipe } from '../../src/main/core/download/mp4-recipe';
import { byTestId, mountApp, settle, studioFor, until, viewOf, type Mounted } from './setup';
import type { Studio } from './studio';

vi.mock('../../src/renderer/src/lib/poster', () => ({ capturePoster: () => new Promise<string>(() => {}), posterTime: () => 1, POSTER_WIDTH: 320 }));

let mounted: Mounted | undefined;
afterEach(() => {
  mounted?.wrapper.unmount();
  mounted = undefined;
});

async function openLibrary(studio: Studio) {
  mounted = await mountApp(studio);
  await mounted.wrapper.find(byTestId('nav-library')).trigger('click');
  await settle();
  return mounted.wrapper;
}

async function library(): Promise<Studio> {
  const api = await studioFor({}, false);
  api.addVideos(4, (i) => ({ prompt: `A paper boat on a stream, take ${i + 1}` }));
  api.addVideos(1, () => ({
    prompt: 'A fox in the snow, slow motion',
    mode: 'image-to-video-LoRA',
    resolution: '1080p',
    duration: 8,
    seed: 424242,
    imageUrl: 'https://img.example.com/fox.jpg',
    sourceImage: 'fox.jpg',
    loras: [{ path: 'https://models.example.com/snow.safetensors', scale: 0.8 }],
    costMicros: 480_000,
    batch: { id: 'b-fox', name: 'Winter' },
    probe: { width: 1920, height: 1080, fps: 24, hasAudio: false, videoCodec: 'avc1', durationSec: 8 }
  }));
  api.addImage('winter/fox.jpg');
  return api;
}

async function openFirst(from?: Studio) {
  const api = from ?? (await library());
  const w = await openLibrary(api);
  await w.find('[data-index="0"]').find(byTestId('card-open')).trigger('click');
  await settle();
  const player = () => w.find(byTestId('library-player'));
  const video = () => player().find(byTestId('player-video')).element as HTMLVideoElement;
  const press = async (key: string, init: Record<string, unknown> = {}) => {
    await player().trigger('keydown', { key, ...init });
    await settle();
  };
  return { api, w, player, video, press };
}

describe('the player', () => {
  it('opens on click with everything known about the video', async () => {
    const { player, video } = await openFirst();
    const p = player();
    expect(p.attributes('role')).toBe('dialog');
    expect(video().getAttribute('src')).toMatch(/^ltx-media:\/\/library\/winter\/.+\.mp4$/);
    expect(video().controls).toBe(true);
    const meta = p.find(byTestId('library-meta'));
    expect(meta.find(byTestId('meta-prompt')).text()).toBe('A fox in the snow, slow motion');
    expect(meta.find(byTestId('meta-mode')).text()).toBe('Image to video with LoRA');
    expect(meta.find(byTestId('meta-seed')).text()).toBe('424242');
    expect(meta.text()).toContain('https://models.example.com/snow.safetensors × 0.8');
    expect(meta.find(byTestId('meta-source-image')).attributes('src')).toBe('ltx-media://library/winter/fox.jpg');
    expect(meta.find(byTestId('meta-task')).text()).toMatch(/^task-/);
    expect(meta.find(byTestId('meta-cost')).text()).toBe('$0.48');
    expect(meta.find(byTestId('meta-generated')).text()).toBe('in 64 s');
    expect(meta.text()).toContain('Winter');
    expect(meta.find(byTestId('meta-video')).text()).toBe('1920×1080 · 24 fps · avc1');
    expect(meta.find(byTestId('meta-audio')).text()).toBe('No');
    expect(meta.find(byTestId('meta-origin')).text()).toBe('Made by LTX Batch Studio');
    expect(meta.text()).toContain('1080p');
    expect(meta.text()).toContain('8 s');
    expect(meta.text()).toContain('16:9');
  });

  it('space plays and pauses; J/K/L and the arrows seek; , and . step one frame; M mutes', async () => {
    const { video, press } = await openFirst();
    const v = video();
    v.pause();
    await press(' ');
    expect(v.paused).toBe(false);
    await press('k');
    expect(v.paused).toBe(true);
    v.currentTime = 30;
    await press('j');
    expect(v.currentTime).toBe(20);
    await press('l');
    expect(v.currentTime).toBe(30);
    await press('ArrowLeft');
    expect(v.currentTime).toBe(25);
    await press('ArrowRight');
    expect(v.currentTime).toBe(30);
    await press('.');
    expect(v.currentTime).toBeCloseTo(30 + 1 / 24, 6);
    await press(',');
    await press(',');
    expect(v.currentTime).toBeCloseTo(30 - 1 / 24, 6);
    expect(v.paused).toBe(true);
    v.currentTime = 3;
    await press('j');
    expect(v.currentTime).toBe(0);
    await press('m');
    expect(v.muted).toBe(true);
    await press('M');
    expect(v.muted).toBe(false);
  });

  it('a frame step pauses a playing video first', async () => {
    const { video, press } = await openFirst();
    await video().play();
    await press('.');
    expect(video().paused).toBe(true);
  });

  it('↓/↑ and PageDown/PageUp move to the next and previous video; Esc closes', async () => {
    const { w, player, press } = await openFirst();
    const first = player().attributes('data-path');
    expect(player().find(byTestId('player-position')).text()).toBe('1 of 5');
    await press('ArrowDown');
    expect(player().attributes('data-path')).toBe(w.find('[data-index="1"]').attributes('data-path'));
    expect(player().find(byTestId('player-position')).text()).toBe('2 of 5');
    await press('PageDown');
    expect(player().find(byTestId('player-position')).text()).toBe('3 of 5');
    await press('PageUp');
    await press('ArrowUp');
    expect(player().attributes('data-path')).toBe(first);
    await press('ArrowUp');
    expect(player().attributes('data-path')).toBe(first);
    await press('Escape');
    expect(w.find(byTestId('library-player')).exists()).toBe(false);
  });

  it('Space on one of its buttons presses the button instead of playing', async () => {
    const { player, video } = await openFirst();
    video().pause();
    await player().find(byTestId('action-copy')).trigger('keydown', { key: ' ' });
    expect(video().paused).toBe(true);
  });

  it('favourites the video, copies its prompt, and reveals it', async () => {
    const { api, player } = await openFirst();
    const path = player().attributes('data-path')!;
    await player().find(byTestId('action-favourite')).trigger('click');
    await settle();
    expect((await api.call('library:get', path)).favourite).toBe(true);
    expect(player().find(byTestId('action-favourite')).attributes('aria-pressed')).toBe('true');
    await player().find(byTestId('meta-copy')).trigger('click');
    await settle();
    expect(await navigator.clipboard.readText()).toBe('A fox in the snow, slow motion');
    expect(player().find(byTestId('notice-player')).text()).toContain('Copied the prompt.');
    await player().find(byTestId('action-reveal')).trigger('click');
    await settle();
    expect(api.desktop.revealed).toEqual([join(api.libraryDir, path)]);
  });

  it('deleting the open video asks, closes the player and removes its card', async () => {
    const { api, w, player } = await openFirst();
    const path = player().attributes('data-path')!;
    await player().find(byTestId('action-delete')).trigger('click');
    expect(w.find(byTestId('confirm-title')).text()).toBe('Move 1 video to the trash?');
    await w.find(byTestId('confirm-delete')).trigger('click');
    await settle();
    expect(existsSync(join(api.libraryDir, path))).toBe(false);
    expect(w.find(byTestId('undo-notice')).text()).toContain('Moved 1 video to the trash.');
    expect(w.find(byTestId('library-player')).exists()).toBe(false);
    expect(w.find(`[data-path="${path}"]`).exists()).toBe(false);
    expect(w.find(byTestId('library-count')).text()).toBe('4 videos');
  });

  it('closes when its video is deleted outside the app, and the selection forgets it', async () => {
    const { api, w, player } = await openFirst();
    const path = player().attributes('data-path')!;
    await player().trigger('keydown', { key: 'Escape' });
    await w.find('[data-index="0"]').find(byTestId('card-check')).trigger('click');
    await w.find('[data-index="1"]').find(byTestId('card-check')).trigger('click');
    await w.find('[data-index="0"]').find(byTestId('card-open')).trigger('click');
    await settle();
    expect(w.find(byTestId('selection-count')).text()).toBe('2 selected');
    api.removeVideos([path]);
    await until(() => expect(w.find(byTestId('library-player')).exists()).toBe(false));
    expect(w.find(byTestId('selection-count')).text()).toBe('1 selected');
    expect(w.find(byTestId('library-count')).text()).toBe('4 videos');
  });

  it('P keeps a video opened from the queue even when the grid does not list it', async () => {
    const api = await library();
    const [path] = api.addVideos(1, () => ({ prompt: 'A heron at dawn' }));
    const w = await openLibrary(api);
    // Favourites only: the grid lists none of the five, as when the queue's Play opens an unlisted video.
    const store = useLibraryStore();
    store.filters.favouritesOnly = true;
    await until(() => expect(store.total).toBe(0));
    await mounted!.router.push({ name: 'library', query: { video: path } });
    await until(() => expect(store.detail?.path).toBe(path));
    expect(store.openIndex).toBeNull();
    await w.find(byTestId('library-player')).trigger('keydown', { key: 'p' });
    await until(async () => {
      const detail = await api.api.invoke('library:get', path);
      expect(detail.ok && (detail.value as LibraryDetail).verdict).toBe('keep');
    });
  });

  it('“Use these settings” prefills the composer and shows it', async () => {
    const { player } = await openFirst();
    await player().find(byTestId('action-use')).trigger('click');
    await settle();
    expect(viewOf(mounted!)).toBe('compose');
    expect(useComposerStore().rows.map((r) => r.prompt)).toEqual(['A fox in the snow, slow motion']);
    expect(useComposerStore().defaults).toMatchObject({ mode: 'image-to-video-LoRA', resolution: '1080p', seed: { kind: 'fixed', value: 424242 } });
  });

  it('a refused action is shown in the player, in words', async () => {
    const { player } = await openFirst();
    // No refusal of a re-run can be caused from here (the queue takes any number of videos), so the bridge answers this one.
    mounted!.api.failNext('library:rerun', 'The queue is full: wait for some videos to finish.');
    await player().find(byTestId('action-rerun')).trigger('click');
    await mounted!.wrapper.find(byTestId('confirm-rerun')).trigger('click');
    await settle();
    expect(player().find(byTestId('error-player')).text()).toBe('The queue is full: wait for some videos to finish.');
    expect(viewOf(mounted!)).toBe('library');
  });

  it('explains a video of unknown origin and a damaged sidecar', async () => {
    const api = await studioFor({}, false);
    // The sample clip, beside a sidecar cut short.
    api.addUnknownVideo('found-footage.mp4', { sidecarText: '{"schema": 1, "app": "LTX Batch Studio", "prompt": "A fox' });
    const { player } = await openFirst(api);
    const meta = player().find(byTestId('library-meta'));
    expect(meta.find(byTestId('meta-origin')).text()).toBe('Unknown origin');
    expect(meta.find(byTestId('meta-problem')).text()).toContain('Its sidecar file is damaged (not valid JSON), perhaps cut short or edited by hand.');
    expect(meta.find(byTestId('meta-problem')).text()).toContain('The sidecar is not valid JSON (it may be cut short or edited by hand).');
    expect(meta.find(byTestId('meta-video')).text()).toBe('640×360 · 24 fps · avc1');
    expect(meta.find(byTestId('meta-audio')).text()).toBe('Yes (mp4a)');
    expect(meta.find(byTestId('meta-file')).text()).toBe('found-footage.mp4');
    expect(player().find(byTestId('action-use')).attributes('disabled')).toBeDefined();
    expect(player().find(byTestId('action-favourite')).attributes('disabled')).toBeDefined();
  });

  it('shows a video with no sidecar but a recipe inside its file as "recipe from the file", and starring it writes its sidecar', async () => {
    const api = await studioFor({}, false);
    const path = api.addUnknownVideo('copied.mp4');
    const abs = join(api.libraryDir, path);
    const written = await writeRecipe(abs, {
      schema: 1,
      app: 'LTX Batch Studio',
      version: APP_VERSION,
      model: 'ltx-2-19b',
      prompt: 'A heron lifts off a misty lake',
      mode: 'text-to-video',
      resolution: '720p',
      duration: 8,
      seed: 99,
      taskId: 'task-from-the-file'
    });
    expect(written).toEqual({ written: true });
    const { player } = await openFirst(api);
    const meta = player().find(byTestId('library-meta'));
    expect(meta.find(byTestId('meta-origin')).text()).toBe('Recipe from the file');
    expect(meta.find(byTestId('meta-prompt')).text()).toBe('A heron lifts off a misty lake');
    expect(meta.find(byTestId('meta-seed')).text()).toBe('99');
    expect(meta.find(byTestId('meta-task')).text()).toBe('task-from-the-file');
    expect(meta.find(byTestId('meta-file-recipe')).text()).toContain('read from the recipe LTX Batch Studio wrote inside the file');
    expect(meta.find(byTestId('meta-problem')).exists()).toBe(false);
    expect(player().find(byTestId('verdict-keep')).attributes('disabled')).toBeUndefined();
    await player().find(byTestId('action-favourite')).trigger('click');
    await until(() => expect(existsSync(abs.replace(/\.mp4$/, '.json'))).toBe(true));
    await until(() => expect(player().find(byTestId('meta-origin')).text()).toBe('Made by LTX Batch Studio'));
  });

  it('says when the file itself could not be read', async () => {
    const api = await studioFor({}, false);
    api.addUnknownVideo('broken.mp4', { truncated: true });
    const { player } = await openFirst(api);
    expect(player().find(byTestId('meta-problem')).text()).toContain(
      'The file itself could not be read: The file is cut short: its ftyp box needs 24 bytes but the file has 12.'
    );
    expect(player().find(byTestId('meta-problem')).text()).toContain('It has no sidecar file');
  });
});
