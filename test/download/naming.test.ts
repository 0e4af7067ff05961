import { readdir, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { partPathFor, reserveUniquePath, safeStem, sanitizeTaskId, sidecarPathFor, slugify, videoBaseName, videoFileName } from '../../src/main/core/download';
import { TempDirs } from '../library/helpers';

const temp = new TempDirs();
afterAll(() => temp.cleanup());

const DAY = new Date(2025, 0, 31, 23, 59); // local time

describe('slugify', () => {
  it('keeps ascii words joined by dashes, lower case', () => {
    expect(slugify('A Small Robot, walking through the RAIN!')).toBe('a-small-robot-walking-through-the-rain');
    expect(slugify('  --multiple   spaces__and___underscores-- ')).toBe('multiple-spaces-and-underscores');
  });

  it('drops accents instead of the letters', () => {
    expect(slugify('Café crème brûlée à Noël')).toBe('cafe-creme-brulee-a-noel');
  });

  it('is at most 40 characters, cut between words', () => {
    const slug = slugify('a cinematic drone shot over snowy mountains at golden hour with fog');
    expect(slug.length).toBeLessThanOrEqual(40);
    expect(slug).toBe('a-cinematic-drone-shot-over-snowy');
    expect('a cinematic drone shot over snowy mountains'.replace(/ /g, '-').startsWith(slug)).toBe(true);
  });

  it('cuts a single long word when there is no better place', () => {
    const slug = slugify('supercalifragilisticexpialidocious'.repeat(3));
    expect(slug).toHaveLength(40);
    expect(slugify(`tiny ${'x'.repeat(60)}`)).toBe(`tiny-${'x'.repeat(35)}`);
  });

  it('says untitled when nothing usable is left', () => {
    expect(slugify('')).toBe('untitled');
    expect(slugify('   ')).toBe('untitled');
    expect(slugify('🎥🤖✨')).toBe('untitled');
    expect(slugify('夜の東京の街')).toBe('untitled');
    expect(slugify('../../..')).toBe('untitled');
  });

  it('never lets path or shell characters through', () => {
    for (const prompt of ['../../etc/passwd', 'C:\\Windows\\System32', 'a/b\\c:d*e?f"g<h>i|j', 'nul\u0000byte', '$(rm -rf ~)']) {
      expect(slugify(prompt)).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    }
  });
});

describe('video names', () => {
  it('reads date, prompt, seed and task', () => {
    expect(videoBaseName({ prompt: 'A small robot in the rain', seed: 42, taskId: '0A1B2C3D4E5F60718293a4b5c6d7e8f9', date: DAY })).toBe(
      '2025-01-31_a-small-robot-in-the-rain_seed-42_0a1b2c3d'
    );
    expect(videoFileName({ prompt: 'x', seed: 2147483647, taskId: 'abc', date: DAY })).toBe('2025-01-31_x_seed-2147483647_abc.mp4');
  });

  it('leaves the seed out when none was recorded, or it is unusable, and never writes srnd', () => {
    for (const seed of [undefined, -1, 1.5, Number.NaN, 2 ** 60]) {
      const name = videoBaseName({ prompt: 'p', seed, taskId: 'abcdef12', date: DAY });
      expect(name).toBe('2025-01-31_p_abcdef12');
      expect(name).not.toContain('srnd');
    }
  });

  it('uses the name given to the video in place of the prompt, sanitised', () => {
    const parts = { prompt: 'A lighthouse in a storm at night', seed: 184467, taskId: 'abcdef12', date: DAY };
    expect(videoBaseName({ ...parts, name: 'lighthouse-storm' })).toBe('2025-01-31_lighthouse-storm_seed-184467_abcdef12');
    expect(videoBaseName({ ...parts, name: '  Phare / Tempête: v2 ' })).toBe('2025-01-31_phare-tempete-v2_seed-184467_abcdef12');
    expect(videoBaseName({ ...parts, name: '../../etc/passwd' })).toBe('2025-01-31_etc-passwd_seed-184467_abcdef12');
    expect(videoBaseName({ ...parts, name: 'con' })).toBe('2025-01-31_con_seed-184467_abcdef12');
  });

  it('falls back to the prompt slug when the name sanitises to nothing', () => {
    for (const name of ['', '   ', '🎥🎥', '///', '***']) {
      expect(videoBaseName({ prompt: 'A lighthouse in a storm', name, seed: 7, taskId: 'abcdef12', date: DAY })).toBe(
        '2025-01-31_a-lighthouse-in-a-storm_seed-7_abcdef12'
      );
    }
  });

  it('strips an untrusted task ID to [a-z0-9]', () => {
    expect(sanitizeTaskId('../../ETC/passwd')).toBe('etcpasswd');
    expect(sanitizeTaskId('task\u0000id\n\r<>:"|?*é')).toBe('taskid');
    const name = videoBaseName({ prompt: 'p', taskId: '../..\\..//C:\\evil', date: DAY });
    expect(name).toBe('2025-01-31_p_cevil');
    expect(videoBaseName({ prompt: 'p', taskId: '////', date: DAY })).toBe('2025-01-31_p_noid');
    expect(videoBaseName({ prompt: 'p', taskId: '🎥'.repeat(50), date: DAY })).toBe('2025-01-31_p_noid');
  });

  it('never produces a Windows device name', () => {
    for (const stem of ['con', 'CON', 'prn', 'aux', 'nul', 'com1', 'LPT9', 'nul.tar']) {
      expect(safeStem(stem)).not.toMatch(/^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i);
    }
    expect(safeStem('console')).toBe('console');
    expect(safeStem('...hidden')).toBe('hidden');
    expect(safeStem('trailing. ')).toBe('trailing');
    expect(safeStem('')).toBe('untitled');
  });

  it('names the sidecar and the part beside the video', () => {
    expect(sidecarPathFor('/lib/a.mp4')).toBe('/lib/a.json');
    expect(sidecarPathFor('/lib/A.MP4')).toBe('/lib/A.json');
    expect(partPathFor('/lib/a.mp4')).toBe('/lib/a.mp4.part');
  });
});

describe('reserveUniquePath', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await temp.make();
  });

  it('takes the plain name when it is free, and reserves it with an empty .part', async () => {
    const path = await reserveUniquePath(dir, 'clip', '.mp4');
    expect(path).toBe(join(dir, 'clip.mp4'));
    expect((await stat(`${path}.part`)).size).toBe(0);
  });

  it('appends -2, -3 … when the video, its sidecar or its download exists', async () => {
    await writeFile(join(dir, 'clip.mp4'), 'x');
    await writeFile(join(dir, 'clip-2.json'), '{}');
    await writeFile(join(dir, 'clip-3.mp4.part'), 'x');
    expect(basename(await reserveUniquePath(dir, 'clip', 'mp4'))).toBe('clip-4.mp4');
    expect(basename(await reserveUniquePath(dir, 'clip', '.mp4'))).toBe('clip-5.mp4');
  });

  it('gives distinct names to reservations made at the same moment', async () => {
    const paths = await Promise.all(Array.from({ length: 12 }, () => reserveUniquePath(dir, 'same', '.mp4')));
    expect(new Set(paths).size).toBe(12);
    expect((await readdir(dir)).filter((n) => n.endsWith('.part'))).toHaveLength(12);
  });

  it('makes an unsafe base safe and refuses an unsafe extension', async () => {
    expect(basename(await reserveUniquePath(dir, '../../escape', '.mp4'))).toBe('escape.mp4');
    expect(basename(await reserveUniquePath(dir, 'CON', '.mp4'))).toBe('CON_.mp4');
    await expect(reserveUniquePath(dir, 'x', '.mp4/../../y')).rejects.toThrow(/extension/);
  });
});
