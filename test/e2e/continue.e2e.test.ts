import { copyFileSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { Sidecar } from '@shared/library';
import { SCREENS_DIR, describeE2e, e2eSession, openApp } from './browser';
import { ffprobeFormat, hasFfmpeg } from '../download/ffmpeg';
import { mp4sUnder, queuePastedPrompts, snapshot, tasksOf, until } from './helpers';

const PROMPT = 'a lighthouse beam sweeping through the storm';

/** A PNG's width and height, from its IHDR chunk. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

function sidecarOf(video: string): Sidecar {
  return JSON.parse(readFileSync(video.replace(/\.mp4$/, '.json'), 'utf8')) as Sidecar;
}

describeE2e('continue a shot from its last frame, and its lineage in the library', () => {
  const session = e2eSession();

  it('takes the last frame at full size into the composer, makes the next shot, and the player links it to its parent', async () => {
    const { browser, harness } = session;
    const app = await openApp(browser, harness, 'continue');
    const page = app.page;
    try {
      // A first shot, made on the simulator.
      await queuePastedPrompts(page, [PROMPT]);
      await until('the first shot is done', async () => ((await snapshot(harness)).batches[0]?.counts.done === 1 ? true : undefined), 45_000);
      const [firstVideo] = mp4sUnder(harness.libraryDir);
      const first = sidecarOf(firstVideo);

      // Open it in the player and continue from its last frame.
      await page.getByTestId('nav-library').click();
      await page.getByTestId('card-open').first().click();
      await page.getByTestId('library-player').waitFor();
      await expect.poll(() => page.$eval('[data-testid="player-video"]', (v) => (v as HTMLVideoElement).readyState)).toBeGreaterThanOrEqual(1);
      const shown = await page.$eval('[data-testid="player-video"]', (v) => ({
        width: (v as HTMLVideoElement).videoWidth,
        height: (v as HTMLVideoElement).videoHeight,
        duration: (v as HTMLVideoElement).duration
      }));
      expect(shown).toMatchObject({ width: first.probe.width, height: first.probe.height });
      await page.getByTestId('continue-last').click();

      // The composer opens with one image-to-video row: the frame, the prompt, and where it comes from.
      await page.getByTestId('composer-view').waitFor();
      await expect.poll(() => page.getByTestId('composer-row').count()).toBe(1);
      await expect.poll(() => page.getByTestId('row-prompt').inputValue()).toBe(PROMPT);
      await expect.poll(() => page.$eval('[data-testid="composer-thumb"]', (i) => (i as HTMLImageElement).naturalWidth)).toBe(shown.width);
      expect(await page.getByTestId('composer-row').innerText()).toContain(`${shown.width}×${shown.height}`);
      expect(await page.getByTestId('composer-row-parent').innerText()).toMatch(
        new RegExp(`^Continues ${firstVideo.split('/').pop()!.replace(/[.]/g, '\\.')} from \\d+\\.\\d s$`)
      );
      // The frame was cached as any local image: a PNG of the video's own size.
      const sources = join(harness.dataDir, 'cache', 'sources');
      const pngs = readdirSync(sources).filter((f) => f.endsWith('.png'));
      expect(pngs).toHaveLength(1);
      expect(pngSize(readFileSync(join(sources, pngs[0])))).toEqual({ width: shown.width, height: shown.height });
      // Kept beside the screenshots, to look at: the picture itself, not a blank canvas.
      mkdirSync(SCREENS_DIR, { recursive: true });
      copyFileSync(join(sources, pngs[0]), join(SCREENS_DIR, 'continue-captured-frame.png'));
      await app.screen('continue-composer');

      await expect.poll(() => page.getByTestId('composer-add').isEnabled()).toBe(true);
      await page.getByTestId('composer-add').click();
      await page.getByTestId('composer-confirm').click();
      await until(
        'the next shot is done',
        async () => ((await snapshot(harness)).batches.find((b) => b.counts.done === 1 && b.batch.id !== first.batch.id) ? true : undefined),
        45_000
      );
      const next = (await snapshot(harness)).batches.find((b) => b.batch.id !== first.batch.id)!;
      const [task] = await tasksOf(harness, next.batch.id);
      expect(task.request.input.mode).toBe('image-to-video');
      expect(task.request.input.prompt).toBe(PROMPT);

      // Its sidecar names its parent: the first shot's task, file and the frame's time near its end.
      const nextVideo = mp4sUnder(harness.libraryDir).find((v) => v !== firstVideo)!;
      const parent = sidecarOf(nextVideo).parent!;
      expect(parent).toMatchObject({ taskId: first.taskId, file: firstVideo.slice(harness.libraryDir.length + 1) });
      expect(parent.frameSec).toBeGreaterThan(shown.duration - 0.1);
      expect(parent.frameSec).toBeLessThanOrEqual(shown.duration);
      // And so does the recipe inside its MP4, as ffprobe reads it: the file carries its lineage anywhere.
      if (hasFfmpeg) {
        const tags = ffprobeFormat(nextVideo).format.tags ?? {};
        expect(tags.comment).toBe(PROMPT);
        expect(JSON.parse(tags.recipe!)).toMatchObject({ mode: 'image-to-video', parent });
      }

      // Its player says where it came from, with a link that opens the parent.
      await page.getByTestId('nav-library').click();
      await expect.poll(() => page.getByTestId('library-card').count()).toBe(2);
      await page.locator(`[data-testid="library-card"][data-path="${parent.file.replace(/"/g, '\\"')}"]`).waitFor();
      const nextPath = nextVideo.slice(harness.libraryDir.length + 1);
      await page.locator(`[data-testid="library-card"][data-path="${nextPath}"] [data-testid="card-open"]`).click();
      await page.getByTestId('library-player').waitFor();
      await expect.poll(() => page.getByTestId('lineage-parent').innerText()).toBe(`Continued from ${PROMPT} at ${parent.frameSec.toFixed(1)}\u00a0s`);
      await expect.poll(() => page.getByTestId('lineage-play-chain').innerText()).toMatch(/Play chain \(2 videos\)/);
      await app.screen('lineage-view');

      // Play chain: the first shot, then this one, back to back.
      await page.getByTestId('lineage-play-chain').click();
      await expect.poll(() => page.getByTestId('player-video').getAttribute('data-chain')).toBe(parent.file);
      await expect.poll(() => page.getByTestId('lineage-chain-now').innerText()).toMatch(/^Playing the chain: 1 of 2/);
      await expect.poll(() => page.$eval('[data-testid="player-video"]', (v) => (v as HTMLVideoElement).readyState)).toBeGreaterThanOrEqual(1);
      await page.$eval('[data-testid="player-video"]', (v) => {
        const video = v as HTMLVideoElement;
        video.muted = true;
        video.currentTime = Math.max(0, video.duration - 0.3);
        return video.play();
      });
      await expect.poll(() => page.getByTestId('player-video').getAttribute('data-chain'), { timeout: 15_000 }).toBe(nextPath);
      await expect.poll(() => page.getByTestId('lineage-chain-now').innerText()).toMatch(/^Playing the chain: 2 of 2/);
      await page.getByTestId('lineage-stop-chain').click();

      // The parent link opens the first shot, which lists what continues it.
      await page.getByTestId('lineage-parent-link').click();
      await expect.poll(() => page.getByTestId('library-player').getAttribute('data-path')).toBe(parent.file);
      await expect.poll(() => page.getByTestId('lineage-children').innerText()).toMatch(/^Continued in: 1 video/);
      expect(await page.getByTestId('lineage-parent').count()).toBe(0);

      // "Continue from this frame": the frame the player is paused on.
      await expect.poll(() => page.$eval('[data-testid="player-video"]', (v) => (v as HTMLVideoElement).readyState)).toBeGreaterThanOrEqual(1);
      await page.$eval('[data-testid="player-video"]', (v) => {
        const video = v as HTMLVideoElement;
        video.pause();
        video.currentTime = 1.5;
      });
      await expect.poll(() => page.$eval('[data-testid="player-video"]', (v) => (v as HTMLVideoElement).seeking)).toBe(false);
      await page.getByTestId('continue-here').click();
      await page.getByTestId('composer-view').waitFor();
      await expect.poll(() => page.getByTestId('composer-row-parent').innerText()).toMatch(/ from 1\.5 s$/);
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
