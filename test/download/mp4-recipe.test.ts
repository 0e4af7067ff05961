import { copyFile, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeMp4 } from '../../src/main/core/download';
import { APP_VERSION, RECIPE_MEAN, movieWithRecipe, readRecipe, writeRecipe, type VideoRecipe } from '../../src/main/core/download/mp4-recipe';
import { SAMPLE_TALL, SAMPLE_WIDE, TempDirs, box, topLevelBoxes } from '../library/helpers';
import { FFMPEG_SKIP_REASON, decodeErrors, ffprobeFormat, ffprobeStreams, hasFfmpeg, makeClip } from './ffmpeg';

const temp = new TempDirs();
let dir: string;

beforeAll(async () => {
  dir = await temp.make();
});
afterAll(() => temp.cleanup());

const recipe: VideoRecipe = {
  schema: 1,
  app: 'LTX Batch Studio',
  version: APP_VERSION,
  model: 'ltx-2-19b',
  prompt: 'A robot walks through the rain, neon signs — “reflections” everywhere',
  mode: 'text-to-video-LoRA',
  resolution: '720p',
  duration: 8,
  aspectRatio: '16:9',
  seed: 42,
  loras: [{ path: 'https://example.com/style.safetensors', scale: 0.8 }],
  taskId: 'task-abc-123',
  parent: { taskId: 'task-parent-1', file: 'batch/parent.mp4', frameSec: 3.5 },
  axes: { seed: '42', duration: '8' },
  createdAt: '2026-12-03T06:00:00.000Z'
};

function streamFacts(path: string): unknown {
  return ffprobeStreams(path).streams.map((s) => ({
    index: s.index,
    codec: s.codec_name,
    type: s.codec_type,
    duration: s.duration,
    frames: s.nb_read_frames,
    width: s.width,
    height: s.height
  }));
}

function count(haystack: Buffer, needle: string): number {
  let n = 0;
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) n++;
  return n;
}

function order(file: Buffer): string[] {
  return topLevelBoxes(file)
    .map((b) => b.type)
    .filter((t) => t === 'moov' || t === 'mdat');
}

describe.skipIf(!hasFfmpeg)(`the recipe inside ffmpeg-made videos${hasFfmpeg ? '' : ` (skipped: ${FFMPEG_SKIP_REASON})`}`, () => {
  for (const faststart of [true, false]) {
    const layout = faststart ? 'moov before mdat (fast start)' : 'moov after mdat';
    it(`writes tags ffprobe shows, and leaves the media as it was: ${layout}`, async () => {
      const path = join(dir, `clip-${faststart ? 'fast' : 'end'}.mp4`);
      makeClip(path, { faststart });
      const before = { streams: streamFacts(path), probe: await probeMp4(path), order: order(await readFile(path)) };
      expect(before.order).toEqual(faststart ? ['moov', 'mdat'] : ['mdat', 'moov']);

      expect(await writeRecipe(path, recipe)).toEqual({ written: true });

      const tags = ffprobeFormat(path).format.tags ?? {};
      expect(tags.title).toBe(recipe.prompt);
      expect(tags.comment).toBe(recipe.prompt);
      expect(tags.description).toBe(recipe.prompt);
      expect(tags.encoder).toBe(`LTX Batch Studio ${APP_VERSION}`);
      expect(JSON.parse(tags.recipe)).toEqual(recipe);
      expect(streamFacts(path)).toEqual(before.streams);
      expect(decodeErrors(path)).toBe('');
      expect(await probeMp4(path)).toEqual(before.probe);
      expect(order(await readFile(path))).toEqual(before.order);
      expect(await readRecipe(path)).toEqual({ recipe });
      // Nothing left beside it.
      expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    });

    it(`writing again replaces the recipe rather than adding a second: ${layout}`, async () => {
      const path = join(dir, `twice-${faststart ? 'fast' : 'end'}.mp4`);
      makeClip(path, { faststart });
      const before = streamFacts(path);
      expect(await writeRecipe(path, recipe)).toEqual({ written: true });
      const second = { ...recipe, prompt: 'A second, longer prompt: the sea at dawn, seen from a lighthouse', seed: 7 };
      expect(await writeRecipe(path, second)).toEqual({ written: true });
      const twice = await readFile(path);
      expect(count(twice, RECIPE_MEAN)).toBe(1);
      expect(count(twice, 'LTX Batch Studio ')).toBe(1);
      expect((await readRecipe(path)).recipe).toEqual(second);
      expect(ffprobeFormat(path).format.tags?.comment).toBe(second.prompt);
      expect(streamFacts(path)).toEqual(before);
      expect(decodeErrors(path)).toBe('');
      // A shorter recipe shrinks the movie box: the media moves back.
      const third = { ...recipe, prompt: 'Short', loras: undefined, parent: undefined, axes: undefined };
      expect(await writeRecipe(path, third)).toEqual({ written: true });
      expect((await readFile(path)).length).toBeLessThan(twice.length);
      expect((await readRecipe(path)).recipe?.prompt).toBe('Short');
      expect(streamFacts(path)).toEqual(before);
      expect(decodeErrors(path)).toBe('');
    });
  }

  it('keeps the tags another program wrote', async () => {
    const path = join(dir, 'tagged.mp4');
    makeClip(path, { faststart: true });
    const { execFileSync } = await import('node:child_process');
    const tagged = join(dir, 'tagged-artist.mp4');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', path, '-c', 'copy', '-metadata', 'artist=Someone Else', '-movflags', '+faststart', tagged]);
    expect(await writeRecipe(tagged, recipe)).toEqual({ written: true });
    const tags = ffprobeFormat(tagged).format.tags ?? {};
    expect(tags.artist).toBe('Someone Else');
    expect(tags.comment).toBe(recipe.prompt);
    expect(decodeErrors(tagged)).toBe('');
  });

  it('writes into a file whose media box has a 64-bit size', async () => {
    const plain = join(dir, 'to-widen.mp4');
    makeClip(plain, { faststart: false });
    // ffmpeg leaves an 8-byte free box before the media for this: the media box's header takes
    // its place as a 64-bit one, and no chunk moves.
    const boxes = topLevelBoxes(await readFile(plain));
    expect(boxes.map((b) => b.type)).toEqual(['ftyp', 'free', 'mdat', 'moov']);
    expect(boxes[1].bytes.length).toBe(8);
    const mdat = boxes[2].bytes;
    const wide = Buffer.alloc(16);
    wide.writeUInt32BE(1, 0);
    wide.write('mdat', 4, 'latin1');
    wide.writeBigUInt64BE(BigInt(mdat.length + 8), 8);
    const path = join(dir, 'wide-mdat.mp4');
    await writeFile(path, Buffer.concat([boxes[0].bytes, wide, mdat.subarray(8), boxes[3].bytes]));
    const before = { streams: streamFacts(path), probe: await probeMp4(path) };
    expect(decodeErrors(path)).toBe('');

    expect(await writeRecipe(path, recipe)).toEqual({ written: true });
    expect(streamFacts(path)).toEqual(before.streams);
    expect(await probeMp4(path)).toEqual(before.probe);
    expect(decodeErrors(path)).toBe('');
    expect(ffprobeFormat(path).format.tags?.comment).toBe(recipe.prompt);
  });

  it('leaves a fragmented MP4 as it is, and says why', async () => {
    const plain = join(dir, 'to-fragment.mp4');
    makeClip(plain, { faststart: false });
    const path = join(dir, 'fragmented.mp4');
    const { execFileSync } = await import('node:child_process');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', plain, '-c', 'copy', '-movflags', 'frag_keyframe+empty_moov', path]);
    const bytes = await readFile(path);
    const result = await writeRecipe(path, recipe);
    expect(result.written).toBe(false);
    expect(result.reason).toMatch(/fragmented/);
    expect(await readFile(path)).toEqual(bytes);
    expect((await readRecipe(path)).recipe).toBeUndefined();
  });

  it('reads no recipe from a foreign freeform atom or from bad JSON, and says why', async () => {
    const path = join(dir, 'junk.mp4');
    makeClip(path, { faststart: true });
    expect(await readRecipe(path)).toEqual({ recipe: undefined, reason: 'The file carries no recipe.' });
    await writeRecipe(path, recipe);
    const good = await readFile(path);

    const foreign = Buffer.from(good);
    foreign.write('org.other.program!!', foreign.indexOf(RECIPE_MEAN), 'latin1');
    await writeFile(join(dir, 'foreign.mp4'), foreign);
    expect(await readRecipe(join(dir, 'foreign.mp4'))).toEqual({ recipe: undefined, reason: 'The file carries no recipe.' });

    const broken = Buffer.from(good);
    broken.write('X', broken.indexOf('{"schema":1'), 'latin1');
    await writeFile(join(dir, 'broken.mp4'), broken);
    expect(await readRecipe(join(dir, 'broken.mp4'))).toEqual({ recipe: undefined, reason: 'The recipe in the file is not valid JSON.' });

    const other = Buffer.from(good);
    other.write('"app":"Other Studio Xyz"', other.indexOf('"app":"LTX Batch Studio"'), 'latin1');
    await writeFile(join(dir, 'other.mp4'), other);
    expect((await readRecipe(join(dir, 'other.mp4'))).reason).toMatch(/not written by LTX Batch Studio/);

    // A video with a foreign recipe still gets ours written beside it, the foreign atom kept.
    expect(await writeRecipe(join(dir, 'foreign.mp4'), recipe)).toEqual({ written: true });
    const both = await readFile(join(dir, 'foreign.mp4'));
    expect(count(both, 'org.other.program!!')).toBe(1);
    expect((await readRecipe(join(dir, 'foreign.mp4'))).recipe).toEqual(recipe);
  });
});

describe('the recipe writer on files it must not change', () => {
  it('accepts the sample clips the simulator serves', async () => {
    for (const sample of [SAMPLE_WIDE, SAMPLE_TALL]) {
      const path = join(dir, `sample-${sample === SAMPLE_WIDE ? 'wide' : 'tall'}.mp4`);
      await copyFile(sample, path);
      const probe = await probeMp4(path);
      expect(await writeRecipe(path, recipe)).toEqual({ written: true });
      expect(await probeMp4(path)).toEqual(probe);
      expect((await readRecipe(path)).recipe).toEqual(recipe);
      if (hasFfmpeg) expect(decodeErrors(path)).toBe('');
    }
  });

  it('walks no deeper into a metadata item than its own boxes, however deep another program nested it', async () => {
    // An item `udta` holding meta › ilst › udta … 10,000 levels deep: walked as boxes it would be
    // copied once per level (gigabytes for this 280 KB box); as a leaf it is kept byte for byte.
    let nested = box('data', Buffer.alloc(8));
    for (let level = 0; level < 10_000; level++) nested = box('udta', box('meta', Buffer.alloc(4), box('ilst', nested)));
    const hdlr = box('hdlr', Buffer.alloc(8), Buffer.from('mdir'), Buffer.alloc(13));
    const foreign = box('udta', box('meta', Buffer.alloc(4), hdlr, box('ilst', nested)));
    const boxes = topLevelBoxes(await readFile(SAMPLE_WIDE));
    const path = join(dir, 'deep.mp4');
    // The movie box last, so the chunk offsets before it stay right.
    const moov = boxes.find((b) => b.type === 'moov')!.bytes;
    const rest = boxes.filter((b) => b.type !== 'moov').map((b) => b.bytes);
    await writeFile(path, Buffer.concat([...rest, box('moov', moov.subarray(8), foreign)]));
    expect((await readRecipe(path)).recipe).toBeUndefined();
    expect(await writeRecipe(path, recipe)).toEqual({ written: true });
    expect((await readRecipe(path)).recipe).toEqual(recipe);
    expect((await readFile(path)).includes(nested)).toBe(true);
  });

  it('leaves a fast-start file alone when it holds offsets the writer does not move (saio, a top-level meta)', async () => {
    const whole = await readFile(SAMPLE_WIDE);
    const saio = box('saio', Buffer.alloc(4), Buffer.from([0, 0, 0, 1, 0, 0, 0, 0]));
    const cases = [
      { name: 'encrypted.mp4', bytes: insertInto(whole, ['moov', 'trak', 'mdia', 'minf', 'stbl'], saio), reason: /saio/ },
      { name: 'items.mp4', bytes: insertInto(whole, [], box('meta', Buffer.alloc(4)), 1), reason: /top-level metadata box/ }
    ];
    for (const { name, bytes, reason } of cases) {
      const path = join(dir, name);
      await writeFile(path, bytes);
      const result = await writeRecipe(path, recipe);
      expect(result.written).toBe(false);
      expect(result.reason).toMatch(reason);
      expect((await readFile(path)).equals(bytes)).toBe(true);
    }
  });

  it('leaves a file that is not an MP4, or is cut short, as it is', async () => {
    const text = join(dir, 'notes.mp4');
    await writeFile(text, 'just some text, not a video');
    expect(await writeRecipe(text, recipe)).toEqual({ written: false, reason: 'it is not an MP4 (it does not start with an ftyp box)' });
    expect(await readFile(text, 'utf8')).toBe('just some text, not a video');

    const whole = await readFile(SAMPLE_WIDE);
    const cut = join(dir, 'cut.mp4');
    await writeFile(cut, whole.subarray(0, whole.length - 1000));
    const result = await writeRecipe(cut, recipe);
    expect(result.written).toBe(false);
    expect(result.reason).toMatch(/cut short/);
    expect((await readFile(cut)).length).toBe(whole.length - 1000);
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});

describe('chunk offsets of a fast-start file', () => {
  /** A movie box with one track whose chunk table holds `offsets` (32-bit). */
  function movie(offsets: number[]): Buffer {
    const table = Buffer.alloc(8 + 4 * offsets.length);
    table.writeUInt32BE(offsets.length, 4);
    offsets.forEach((o, i) => table.writeUInt32BE(o, 8 + 4 * i));
    return box('moov', box('trak', box('mdia', box('minf', box('stbl', box('stco', table))))));
  }

  /** The chunk table of a movie box built by `movie`, after the writer: its type and offsets. */
  function tableOf(moov: Buffer): { type: string; offsets: number[] } {
    const at = Math.max(moov.indexOf('stco'), moov.indexOf('co64'));
    const type = moov.toString('latin1', at, at + 4);
    const count = moov.readUInt32BE(at + 8);
    const wide = type === 'co64';
    const offsets = Array.from({ length: count }, (_, i) => (wide ? Number(moov.readBigUInt64BE(at + 12 + 8 * i)) : moov.readUInt32BE(at + 12 + 4 * i)));
    return { type, offsets };
  }

  it('moves every offset past the movie box by what the box grew, and leaves those before it', () => {
    const before = movie([10, 5_000, 6_000]);
    const moovEnd = 4_000;
    const after = movieWithRecipe(before, moovEnd, true, recipe);
    const grew = after.length - before.length;
    expect(grew).toBeGreaterThan(0);
    expect(tableOf(after)).toEqual({ type: 'stco', offsets: [10, 5_000 + grew, 6_000 + grew] });
    // Media before the movie box only: nothing moves.
    expect(tableOf(movieWithRecipe(before, moovEnd, false, recipe))).toEqual({ type: 'stco', offsets: [10, 5_000, 6_000] });
  });

  it('turns a 32-bit table that would overflow into co64, counting the growth that itself adds', () => {
    const near = 0xffffffff - 100;
    const before = movie([5_000, near]);
    const after = movieWithRecipe(before, 4_000, true, recipe);
    const grew = after.length - before.length;
    const { type, offsets } = tableOf(after);
    expect(type).toBe('co64');
    expect(offsets).toEqual([5_000 + grew, near + grew]);
    expect(offsets[1]).toBeGreaterThan(0xffffffff);
  });
});

/**
 * `file` with `inserted` put as the first child of the box at `path` (by type, first match at
 * each level), every box on the way grown to hold it; with an empty path, as top-level box
 * number `at`.
 */
function insertInto(file: Buffer, path: readonly string[], inserted: Buffer, at = 0): Buffer {
  if (path.length === 0) {
    const boxes = topLevelBoxes(file).map((b) => b.bytes);
    return Buffer.concat([...boxes.slice(0, at), inserted, ...boxes.slice(at)]);
  }
  const grow = (bytes: Buffer, rest: readonly string[]): Buffer => {
    const body = bytes.subarray(8);
    const children: Buffer[] = [];
    for (let i = 0; i < body.length;) {
      const size = body.readUInt32BE(i);
      children.push(body.subarray(i, i + size));
      i += size;
    }
    const index = children.findIndex((c) => c.toString('latin1', 4, 8) === rest[0]);
    const inner = rest.length === 1 ? box(rest[0], inserted, children[index].subarray(8)) : grow(children[index], rest.slice(1));
    return box(bytes.toString('latin1', 4, 8), ...children.slice(0, index), inner, ...children.slice(index + 1));
  };
  const boxes = topLevelBoxes(file);
  return Buffer.concat(
    boxes.map((b) => (b.type === path[0] ? (path.length === 1 ? box(path[0], inserted, b.bytes.subarray(8)) : grow(b.bytes, path.slice(1))) : b.bytes))
  );
}
