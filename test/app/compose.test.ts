import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BATCH_DEFAULTS, type BatchDefaults } from '@shared/batch-defaults';
import type { ComposerRequest, SourceImage } from '@shared/images';
import type { Sidecar } from '@shared/library';
import { LIMITS } from '@shared/model';
import { composerTasks, defaultsFromSidecar, draftFromSidecar, freshSeeds, type CachedImage } from '../../src/main/core/app/compose';
import { ImageCache } from '../../src/main/core/images/image-cache';
import { TaskActionError } from '../../src/main/core/queue/engine';
import { rejection } from '../support/rejection';
import { tempDirs } from '../support/temp-dirs';
import { mulberry32 } from '../../src/main/core/simulator/random';

const PHOTOS = fileURLToPath(new URL('../fixtures/photos/', import.meta.url));
const LORA = 'https://huggingface.co/acme/film-grain/resolve/main/film-grain.safetensors';
const makeDir = tempDirs('ltx-compose-');

let cache: ImageCache;
let forest: SourceImage;
let lighthouse: SourceImage;
/** An image that only came from the web: its origin is its URL. */
let webDunes: SourceImage;
/** Everything the fake lookup knows, by id. */
const known = new Map<string, CachedImage>();

beforeAll(async () => {
  cache = new ImageCache(join(makeDir(), 'cache'));
  forest = await cache.addFile(join(PHOTOS, 'forest.jpg'));
  lighthouse = await cache.addFile(join(PHOTOS, 'lighthouse.png'));
  const dunes = await cache.addFile(join(PHOTOS, 'dunes.webp'));
  webDunes = { ...dunes, origin: { kind: 'url', url: 'https://photos.example.com/dunes.webp' } };
  for (const image of [forest, lighthouse, webDunes]) known.set(image.id, { image, path: cache.pathOf(image.id, image.kind) });
});

/** The image lookup, counting what it was asked. */
function lookup(): { find: (id: string) => Promise<CachedImage | undefined>; asked: string[] } {
  const asked: string[] = [];
  return { asked, find: async (id) => (asked.push(id), known.get(id)) };
}

/** A host that records every call and gives each image a made-up public URL. */
function recordingHost(): { urls: (images: CachedImage[]) => Promise<Map<string, string>>; calls: string[][] } {
  const calls: string[][] = [];
  const urls = async (images: CachedImage[]): Promise<Map<string, string>> => {
    calls.push(images.map((i) => i.image.id));
    return new Map(images.map((i) => [i.image.id, i.image.origin.kind === 'url' ? i.image.origin.url : `https://cdn.example.com/${i.image.id}`]));
  };
  return { urls, calls };
}

function request(rows: ComposerRequest['rows'], defaults: Partial<BatchDefaults> = {}, takes = 1): ComposerRequest {
  return { name: 'composed', rows, defaults: { ...DEFAULT_BATCH_DEFAULTS, ...defaults }, takes };
}

describe('composerTasks', () => {
  it('puts a continued row’s parent video on every take’s source, and none on the other rows', async () => {
    const { find } = lookup();
    const parent = { taskId: 'task-of-the-first-shot', file: 'batch-a/first.mp4', frameSec: 4.99 };
    const tasks = await composerTasks(
      request([{ imageId: lighthouse.id, prompt: 'the beam sweeps on', parent }, { prompt: 'a new shot' }], {}, 2),
      find,
      recordingHost().urls
    );
    expect(tasks.map((t) => t.source.parent)).toEqual([parent, parent, undefined, undefined]);
    expect(tasks[0].draft.mode).toBe('image-to-video');
    // Each take has its own copy: a change to one never reaches another.
    expect(tasks[0].source.parent).not.toBe(tasks[1].source.parent);
  });

  it('makes one take per {a|b} alternative of a composed prompt, each with its variant, and refuses a {{column}} it cannot fill', async () => {
    const { find } = lookup();
    const tasks = await composerTasks(
      request([{ prompt: 'a kite over {a beach|a lake} at {dawn|dusk}' }, { prompt: 'no braces here' }], {}, 2),
      find,
      recordingHost().urls
    );
    const variants = [
      ['a kite over a beach at dawn', { variant: 'a beach', 'variant 2': 'dawn' }],
      ['a kite over a beach at dusk', { variant: 'a beach', 'variant 2': 'dusk' }],
      ['a kite over a lake at dawn', { variant: 'a lake', 'variant 2': 'dawn' }],
      ['a kite over a lake at dusk', { variant: 'a lake', 'variant 2': 'dusk' }]
    ];
    // Two takes of each, as an imported row with a count of 2 makes them.
    expect(tasks.filter((t) => t.source.row === 1).map((t) => [t.draft.prompt, t.source.axes])).toEqual([...variants, ...variants]);
    // Every take has its own seed; the row without braces is as written.
    expect(new Set(tasks.filter((t) => t.source.row === 1).map((t) => t.draft.seed)).size).toBe(8);
    expect(tasks.filter((t) => t.source.row === 2).map((t) => [t.draft.prompt, t.source.axes])).toEqual([
      ['no braces here', undefined],
      ['no braces here', undefined]
    ]);
    await expect(composerTasks(request([{ prompt: 'a kite over {{place}}' }]), find, recordingHost().urls)).rejects.toThrow(
      /Row 1 uses \{\{place\}\}, which is filled from a CSV column, and a composed row has none/
    );
  });

  it('makes an image row image-to-video with its hosted URL and cached file, and a text row text-to-video in the chosen shape', async () => {
    const { find } = lookup();
    const { urls, calls } = recordingHost();
    const tasks = await composerTasks(
      request([{ imageId: forest.id, prompt: '  A forest at dawn, mist rising  ' }, { prompt: 'A robot waves' }], {
        resolution: '1080p',
        duration: 8,
        aspectRatio: '9:16'
      }),
      find,
      urls
    );
    expect(calls).toEqual([[forest.id]]);
    expect(tasks).toEqual([
      {
        source: { row: 1, take: 1, name: 'forest.jpg', cells: { prompt: 'A forest at dawn, mist rising', image: 'forest.jpg' } },
        draft: {
          mode: 'image-to-video',
          prompt: 'A forest at dawn, mist rising',
          resolution: '1080p',
          duration: 8,
          aspectRatio: undefined,
          seed: expect.any(Number),
          imageUrl: `https://cdn.example.com/${forest.id}`,
          loras: undefined
        },
        imagePath: cache.pathOf(forest.id, 'jpeg')
      },
      {
        source: { row: 2, take: 1, name: undefined, cells: { prompt: 'A robot waves' } },
        draft: {
          mode: 'text-to-video',
          prompt: 'A robot waves',
          resolution: '1080p',
          duration: 8,
          aspectRatio: '9:16',
          seed: expect.any(Number),
          loras: undefined
        },
        imagePath: undefined
      }
    ]);
  });

  it('uses the LoRA modes when the defaults carry LoRAs', async () => {
    const loras = [{ path: LORA, scale: 0.8 }];
    const tasks = await composerTasks(
      request([{ imageId: forest.id, prompt: 'grainy forest' }, { prompt: 'grainy city' }], { loras }),
      lookup().find,
      recordingHost().urls
    );
    expect(tasks.map((t) => [t.draft.mode, t.draft.loras])).toEqual([
      ['image-to-video-LoRA', loras],
      ['text-to-video-LoRA', loras]
    ]);
    // An empty LoRA list is no LoRA at all.
    const plain = await composerTasks(request([{ prompt: 'plain city' }], { loras: [] }), lookup().find, recordingHost().urls);
    expect(plain.map((t) => [t.draft.mode, t.draft.loras])).toEqual([['text-to-video', undefined]]);
  });

  it('hosts each distinct image once, however many rows and takes use it', async () => {
    const { urls, calls } = recordingHost();
    const tasks = await composerTasks(
      request(
        [
          { imageId: forest.id, prompt: 'one' },
          { imageId: lighthouse.id, prompt: 'two' },
          { imageId: forest.id, prompt: 'three' }
        ],
        {},
        2
      ),
      lookup().find,
      urls
    );
    expect(calls).toHaveLength(1);
    expect([...calls[0]].sort()).toEqual([forest.id, lighthouse.id].sort());
    expect(tasks.map((t) => [t.source.row, t.source.take, t.draft.imageUrl])).toEqual([
      [1, 1, `https://cdn.example.com/${forest.id}`],
      [1, 2, `https://cdn.example.com/${forest.id}`],
      [2, 1, `https://cdn.example.com/${lighthouse.id}`],
      [2, 2, `https://cdn.example.com/${lighthouse.id}`],
      [3, 1, `https://cdn.example.com/${forest.id}`],
      [3, 2, `https://cdn.example.com/${forest.id}`]
    ]);
  });

  it('keeps a web image under its own address in the row cells', async () => {
    const tasks = await composerTasks(request([{ imageId: webDunes.id, prompt: 'wind over dunes' }]), lookup().find, recordingHost().urls);
    expect(tasks[0].source.cells).toEqual({ prompt: 'wind over dunes', image: 'https://photos.example.com/dunes.webp' });
    expect(tasks[0].draft.imageUrl).toBe('https://photos.example.com/dunes.webp');
  });

  describe('seeds of takes', () => {
    it('random policy: every take gets a concrete drawn seed, one take or several', async () => {
      const single = await composerTasks(request([{ prompt: 'a' }, { prompt: 'b' }]), lookup().find, recordingHost().urls, mulberry32(1));
      const again = await composerTasks(request([{ prompt: 'a' }, { prompt: 'b' }]), lookup().find, recordingHost().urls, mulberry32(1));
      expect(single.map((t) => t.draft.seed)).toEqual(again.map((t) => t.draft.seed));
      for (const { draft } of single) expect(draft.seed).toSatisfy((s: number) => Number.isInteger(s) && s >= LIMITS.seedMin && s <= LIMITS.seedMax);
      const takes = await composerTasks(request([{ prompt: 'a' }, { prompt: 'b' }], {}, 3), lookup().find, recordingHost().urls, mulberry32(2));
      expect(takes).toHaveLength(6);
      for (const row of [1, 2]) {
        const seeds = takes.filter((t) => t.source.row === row).map((t) => t.draft.seed);
        expect(new Set(seeds).size).toBe(3);
        for (const seed of seeds) expect(seed).toSatisfy((s: number) => Number.isInteger(s) && s >= LIMITS.seedMin && s <= LIMITS.seedMax);
      }
    });

    it('random policy with the same random source gives the same seeds (a batch can be made again)', async () => {
      const once = await composerTasks(request([{ prompt: 'a' }], {}, 4), lookup().find, recordingHost().urls, mulberry32(7));
      const again = await composerTasks(request([{ prompt: 'a' }], {}, 4), lookup().find, recordingHost().urls, mulberry32(7));
      expect(again.map((t) => t.draft.seed)).toEqual(once.map((t) => t.draft.seed));
    });

    it('fixed policy: the value, counting on for further takes of a row', async () => {
      const tasks = await composerTasks(
        request([{ prompt: 'a' }, { prompt: 'b' }], { seed: { kind: 'fixed', value: 500 } }, 2),
        lookup().find,
        recordingHost().urls
      );
      expect(tasks.map((t) => [t.source.row, t.source.take, t.draft.seed])).toEqual([
        [1, 1, 500],
        [1, 2, 501],
        [2, 1, 500],
        [2, 2, 501]
      ]);
    });

    it('sequential policy: the start plus the take’s position in the whole batch', async () => {
      const tasks = await composerTasks(
        request([{ prompt: 'a' }, { prompt: 'b' }, { prompt: 'c' }], { seed: { kind: 'sequential', start: 100 } }, 2),
        lookup().find,
        recordingHost().urls
      );
      expect(tasks.map((t) => t.draft.seed)).toEqual([100, 101, 102, 103, 104, 105]);
    });
  });

  describe('refusals, before anything is hosted', () => {
    it('a row without a prompt is refused with its number, even after good image rows', async () => {
      const { urls, calls } = recordingHost();
      const error = await rejection(
        composerTasks(
          request([{ imageId: forest.id, prompt: 'fine' }, { imageId: lighthouse.id, prompt: 'also fine' }, { prompt: '  \n\t ' }]),
          lookup().find,
          urls
        ),
        TaskActionError
      );
      expect(error.message).toBe('Row 3 has no prompt: write one, or remove the row.');
      expect(calls).toEqual([]);
    });

    it('a row whose image is gone from the cache is refused with its number', async () => {
      const { urls, calls } = recordingHost();
      const missing = 'ab'.repeat(32);
      const { find, asked } = lookup();
      const error = await rejection(
        composerTasks(
          request([
            { imageId: forest.id, prompt: 'fine' },
            { imageId: missing, prompt: 'lost' }
          ]),
          find,
          urls
        ),
        TaskActionError
      );
      expect(error.message).toBe("Row 2: its image is no longer in the app's cache. Drop the image again.");
      expect(asked).toContain(missing);
      expect(calls).toEqual([]);
    });

    it('a row the API would refuse (prompt too long) is refused with its number and the API’s reason', async () => {
      const { urls, calls } = recordingHost();
      const long = 'x'.repeat(LIMITS.promptMaxChars + 1);
      const error = await rejection(
        composerTasks(
          request([
            { imageId: forest.id, prompt: 'fine' },
            { imageId: lighthouse.id, prompt: long }
          ]),
          lookup().find,
          urls
        ),
        TaskActionError
      );
      expect(error.message).toMatch(/^Row 2: /);
      expect(error.message).toMatch(/prompt/i);
      expect(calls).toEqual([]);
    });

    it('defaults the API would refuse are refused at the first row, with nothing hosted', async () => {
      const cases: { defaults: Partial<BatchDefaults>; takes: number }[] = [
        { defaults: { duration: 99 }, takes: 1 },
        { defaults: { loras: [{ path: LORA, scale: 9 }] }, takes: 1 },
        { defaults: { seed: { kind: 'fixed', value: 0 } }, takes: 1 },
        // The first take is the largest seed, so the second take is past it.
        { defaults: { seed: { kind: 'fixed', value: LIMITS.seedMax } }, takes: 2 }
      ];
      for (const { defaults, takes } of cases) {
        const { urls, calls } = recordingHost();
        const error = await rejection(composerTasks(request([{ imageId: forest.id, prompt: 'fine' }], defaults, takes), lookup().find, urls), TaskActionError);
        expect(error.message, JSON.stringify(defaults)).toMatch(/^Row 1: \S/);
        expect(calls, JSON.stringify(defaults)).toEqual([]);
      }
    });

    it('a batch of text rows never calls the host at all', async () => {
      const { urls, calls } = recordingHost();
      await composerTasks(request([{ prompt: 'a' }, { prompt: 'b' }]), lookup().find, urls);
      expect(calls).toEqual([]);
    });
  });
});

function sidecar(overrides: Partial<Sidecar> = {}): Sidecar {
  return {
    schema: 1,
    app: 'LTX Batch Studio',
    model: 'ltx-2-19b',
    file: 'forest_s42.mp4',
    prompt: 'A forest at dawn',
    mode: 'image-to-video-LoRA',
    resolution: '1080p',
    duration: 12,
    seed: 42,
    imageUrl: 'https://cdn.example.com/forest.jpg',
    sourceImage: 'forest_s42.source.jpg',
    loras: [{ path: LORA, scale: 1.5 }],
    request: {
      request_type: 'async',
      input: {
        mode: 'image-to-video-LoRA',
        prompt: 'A forest at dawn',
        resolution: '1080p',
        duration: 12,
        seed: 42,
        image_urls: ['https://cdn.example.com/forest.jpg'],
        loras: [{ path: LORA, scale: 1.5 }]
      }
    },
    taskId: 'task-1',
    batch: { id: 'b1', name: 'forests' },
    sourceRow: { row: 2, take: 1, cells: { prompt: 'A forest at dawn' } },
    estimateMicros: 1_000_000,
    timings: { submittedAt: '2025-01-31T12:00:00.000Z', succeededAt: '2025-01-31T12:01:00.000Z', downloadedAt: '2025-01-31T12:01:05.000Z' },
    probe: { width: 1920, height: 1080, durationSec: 12, fps: 25, hasAudio: true },
    createdAt: '2025-01-31T12:01:05.000Z',
    ...overrides
  };
}

describe('draftFromSidecar', () => {
  it('is the draft the video was made from, with the seed given', () => {
    expect(draftFromSidecar(sidecar(), 7)).toEqual({
      mode: 'image-to-video-LoRA',
      prompt: 'A forest at dawn',
      resolution: '1080p',
      duration: 12,
      aspectRatio: undefined,
      seed: 7,
      imageUrl: 'https://cdn.example.com/forest.jpg',
      loras: [{ path: LORA, scale: 1.5 }]
    });
    const text = sidecar({ mode: 'text-to-video', aspectRatio: '9:16', imageUrl: undefined, sourceImage: undefined, loras: undefined });
    expect(draftFromSidecar(text, undefined)).toMatchObject({ mode: 'text-to-video', aspectRatio: '9:16', seed: undefined, imageUrl: undefined });
  });
});

describe('freshSeeds', () => {
  it('gives the number asked for, all different, none the seed to avoid and none the random marker', () => {
    const seeds = freshSeeds(50, 42, mulberry32(3));
    expect(seeds).toHaveLength(50);
    expect(new Set(seeds).size).toBe(50);
    for (const seed of seeds) {
      expect(seed).not.toBe(42);
      expect(seed).toSatisfy((s: number) => Number.isInteger(s) && s >= LIMITS.seedMin && s <= LIMITS.seedMax);
    }
  });

  it('skips a draw equal to the seed to avoid', () => {
    // The first draws give the avoided seed: the answer must still be new seeds.
    const draws = [0, 0, 0.5, 0.25];
    const random = (): number => draws.shift() ?? 0.75;
    const avoid = LIMITS.seedMin; // what a draw of 0 gives
    const seeds = freshSeeds(2, avoid, random);
    expect(seeds).toHaveLength(2);
    expect(seeds).not.toContain(avoid);
  });
});

describe('defaultsFromSidecar', () => {
  const fallback: BatchDefaults = { resolution: '480p', duration: 5, aspectRatio: '9:16', seed: { kind: 'sequential', start: 1 } };

  it('takes the video’s own settings and fixes its seed', () => {
    expect(defaultsFromSidecar(sidecar(), fallback)).toEqual({
      mode: 'image-to-video-LoRA',
      resolution: '1080p',
      duration: 12,
      aspectRatio: '9:16',
      seed: { kind: 'fixed', value: 42 },
      loras: [{ path: LORA, scale: 1.5 }]
    });
  });

  it('keeps a text video’s own aspect ratio', () => {
    expect(defaultsFromSidecar(sidecar({ mode: 'text-to-video', aspectRatio: '16:9', loras: undefined }), fallback)).toMatchObject({ aspectRatio: '16:9' });
  });

  it('makes the seed random when the video had none, or the random marker', () => {
    expect(defaultsFromSidecar(sidecar({ seed: undefined }), fallback).seed).toEqual({ kind: 'random' });
    expect(defaultsFromSidecar(sidecar({ seed: LIMITS.randomSeed }), fallback).seed).toEqual({ kind: 'random' });
  });
});

describe('composerTasks with a sweep', () => {
  it('tries every take across the same axes as an import, recording them on each task', async () => {
    const { find } = lookup();
    const { urls } = recordingHost();
    const tasks = await composerTasks(
      {
        ...request([{ prompt: 'A fox' }, { imageId: forest.id, prompt: 'The forest breathes' }]),
        sweep: { seeds: { count: 2 }, durations: [5, 10], aspectRatios: ['16:9', '9:16'] }
      },
      find,
      urls,
      mulberry32(3)
    );
    // The text row: 2 seeds × 2 durations × 2 aspect ratios; the image row sets its own aspect ratio.
    expect(tasks.filter((t) => t.source.row === 1)).toHaveLength(8);
    expect(tasks.filter((t) => t.source.row === 2)).toHaveLength(4);
    const vertical = tasks.find((t) => t.source.row === 1 && t.source.axes?.aspect_ratio === '9:16' && t.source.axes.duration === '10')!;
    expect(vertical.draft).toMatchObject({ aspectRatio: '9:16', duration: 10, seed: Number(vertical.source.axes!.seed) });
    expect(new Set(tasks.filter((t) => t.source.row === 1).map((t) => t.draft.seed)).size).toBe(2);
    expect(tasks.filter((t) => t.source.row === 2).every((t) => t.draft.imageUrl === `https://cdn.example.com/${forest.id}`)).toBe(true);
  });

  it('refuses a sweep over the cap before anything is hosted', async () => {
    const { find } = lookup();
    const { urls, calls } = recordingHost();
    const error = await rejection(
      composerTasks(
        { ...request([{ imageId: forest.id, prompt: 'A' }], {}, 10), sweep: { seeds: { count: 50 }, durations: [5, 10] } },
        find,
        urls,
        mulberry32(1),
        500
      ),
      TaskActionError
    );
    expect(error.message).toMatch(/^1 prompt \(10 takes\) × 50 seeds × 2 durations = 1,000 videos, \$[\d.,]+: more than the 500 videos one sweep can make/);
    expect(calls).toEqual([]);
  });
});
