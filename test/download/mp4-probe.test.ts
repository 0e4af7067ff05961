import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Mp4ProbeError, isMp4Header, probeMp4, type Mp4ProbeProblem } from '../../src/main/core/download';
import { FTYP, SAMPLE_TALL, SAMPLE_WIDE, TempDirs, box, moovAtEnd, readSample, topLevelBoxes } from '../library/helpers';
import { FFMPEG_SKIP_REASON, ffprobeFormat, ffprobeStreams, hasFfmpeg, makeClip } from './ffmpeg';

const temp = new TempDirs();
let dir: string;
let wide: Buffer;

beforeAll(async () => {
  dir = await temp.make();
  wide = await readSample('wide');
});
afterAll(() => temp.cleanup());

async function fileWith(name: string, bytes: Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

async function problemOf(path: string): Promise<{ problem: Mp4ProbeProblem; message: string }> {
  try {
    await probeMp4(path);
  } catch (error) {
    expect(error).toBeInstanceOf(Mp4ProbeError);
    return { problem: (error as Mp4ProbeError).problem, message: (error as Error).message };
  }
  throw new Error(`${path} was probed without error`);
}

describe('probeMp4 on the sample clips', () => {
  it('reads the 16:9 clip', async () => {
    expect(await probeMp4(SAMPLE_WIDE)).toEqual({
      width: 640,
      height: 360,
      durationSec: 4,
      fps: 24,
      hasAudio: true,
      videoCodec: 'avc1',
      audioCodec: 'mp4a'
    });
  });

  it('reads the 9:16 clip', async () => {
    expect(await probeMp4(SAMPLE_TALL)).toEqual({
      width: 360,
      height: 640,
      durationSec: 4,
      fps: 24,
      hasAudio: true,
      videoCodec: 'avc1',
      audioCodec: 'mp4a'
    });
  });

  it('finds the movie box at the end of the file', async () => {
    const moved = moovAtEnd(wide);
    expect(topLevelBoxes(moved).at(-1)?.type).toBe('moov');
    expect(await probeMp4(await fileWith('moov-at-end.mp4', moved))).toEqual(await probeMp4(SAMPLE_WIDE));
  });

  it('reports a file without an audio track', async () => {
    const noAudio = Buffer.from(wide);
    // Turn the sound handler into something else: the track is then not audio.
    const at = noAudio.indexOf('soun', 0, 'latin1');
    noAudio.write('text', at, 'latin1');
    const probe = await probeMp4(await fileWith('silent.mp4', noAudio));
    expect(probe.hasAudio).toBe(false);
    expect(probe.audioCodec).toBeUndefined();
    expect(probe.width).toBe(640);
  });
});

describe('isMp4Header', () => {
  it('accepts bytes that start with an ftyp box', () => {
    expect(isMp4Header(wide.subarray(0, 12))).toBe(true);
    expect(isMp4Header(FTYP)).toBe(true);
  });

  it('refuses anything else', () => {
    expect(isMp4Header(Buffer.from('<!doctype html><html>'))).toBe(false);
    expect(isMp4Header(Buffer.from('{"code":404}'))).toBe(false);
    expect(isMp4Header(new Uint8Array(0))).toBe(false);
    expect(isMp4Header(wide.subarray(0, 7))).toBe(false);
    expect(isMp4Header(moovAtEnd(wide).subarray(32))).toBe(false);
  });
});

describe('probeMp4 on broken and hostile files', () => {
  it('says a zero-length file is empty', async () => {
    const { problem, message } = await problemOf(await fileWith('empty.mp4', new Uint8Array(0)));
    expect(problem).toBe('empty');
    expect(message).toMatch(/empty/);
  });

  it('says a file cut in half is cut short', async () => {
    const { problem, message } = await problemOf(await fileWith('half.mp4', wide.subarray(0, wide.length >> 1)));
    expect(problem).toBe('truncated');
    expect(message).toMatch(/cut short/);
  });

  it('says a file cut inside its movie box is cut short', async () => {
    expect((await problemOf(await fileWith('head.mp4', wide.subarray(0, 1000)))).problem).toBe('truncated');
    expect((await problemOf(await fileWith('header-only.mp4', wide.subarray(0, 36)))).problem).toBe('truncated');
  });

  it('says a moov-at-end file whose end is missing has no movie box or is cut short', async () => {
    const moved = moovAtEnd(wide);
    const mdatEnd = topLevelBoxes(moved)
      .filter((b) => b.type !== 'moov')
      .reduce((n, b) => n + b.bytes.length, 0);
    expect((await problemOf(await fileWith('no-moov.mp4', moved.subarray(0, mdatEnd)))).problem).toBe('no_moov');
    expect((await problemOf(await fileWith('cut-mdat.mp4', moved.subarray(0, mdatEnd - 100)))).problem).toBe('truncated');
  });

  it('says an HTML page or random bytes are not an MP4', async () => {
    expect((await problemOf(await fileWith('page.mp4', Buffer.from('<!DOCTYPE html><html><body>Gone</body></html>')))).problem).toBe('not_mp4');
    let seed = 7;
    const noise = Buffer.alloc(4096, 0).map(() => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff);
    noise[4] = 0x01; // certainly not a printable box type
    expect((await problemOf(await fileWith('noise.mp4', noise))).problem).toBe('not_mp4');
  });

  it('refuses a box that claims more than its parent holds, without allocating it', async () => {
    const liar = Buffer.alloc(8);
    liar.writeUInt32BE(0x7fffffff, 0);
    liar.write('trak', 4, 'latin1');
    const file = Buffer.concat([FTYP, box('moov', liar)]);
    expect((await problemOf(await fileWith('liar.mp4', file))).problem).toBe('malformed');
  });

  it('refuses a top-level box with a 64-bit size beyond the file', async () => {
    const big = Buffer.alloc(16);
    big.writeUInt32BE(1, 0);
    big.write('moov', 4, 'latin1');
    big.writeBigUInt64BE(2n ** 62n, 8);
    expect((await problemOf(await fileWith('huge.mp4', Buffer.concat([FTYP, big, Buffer.alloc(64)])))).problem).toBe('truncated');
  });

  it('refuses an stts that lists more entries than it holds', async () => {
    const copy = Buffer.from(wide);
    const at = copy.indexOf('stts', 0, 'latin1');
    copy.writeUInt32BE(0xffffffff, at + 8); // the entry count
    expect((await problemOf(await fileWith('stts.mp4', copy))).problem).toBe('malformed');
  });

  it('says a movie without a video track has none', async () => {
    const copy = Buffer.from(wide);
    const at = copy.indexOf('vide', 0, 'latin1');
    copy.write('meta', at, 'latin1');
    expect((await problemOf(await fileWith('audio-only.mp4', copy))).problem).toBe('no_video');
  });

  it('ends in an error, not a hang, for a movie box made of zero-sized and tiny boxes', async () => {
    const zero = Buffer.alloc(8);
    zero.write('free', 4, 'latin1'); // size 0: "to the end"
    const tiny = Array.from({ length: 1000 }, () => box('free'));
    const file = Buffer.concat([FTYP, box('moov', ...tiny, zero)]);
    expect((await problemOf(await fileWith('tiny.mp4', file))).problem).toBe('no_video');
  });

  it('says a missing file or a folder cannot be read', async () => {
    expect((await problemOf(join(dir, 'nothing-here.mp4'))).problem).toBe('unreadable');
    const folder = join(dir, 'folder.mp4');
    await mkdir(folder);
    expect((await problemOf(folder)).problem).toBe('unreadable');
  });
});

describe('probeMp4 leniency', () => {
  it('ignores zero padding after a complete movie', async () => {
    const padded = Buffer.concat([moovAtEnd(wide), Buffer.alloc(64)]);
    expect((await probeMp4(await fileWith('padded.mp4', padded))).width).toBe(640);
  });
});

describe.skipIf(!hasFfmpeg)(`probeMp4 on fragmented files made by ffmpeg${hasFfmpeg ? '' : ` (skipped: ${FFMPEG_SKIP_REASON})`}`, () => {
  // Each as ffmpeg writes fragments: an empty movie box and one fragment per keyframe, the same
  // with default-base-is-moof, fragments of half a second, and one fragment per track.
  const kinds: [string, string[]][] = [
    ['frag_keyframe+empty_moov', ['-movflags', 'frag_keyframe+empty_moov']],
    ['with default_base_moof', ['-movflags', 'frag_keyframe+empty_moov+default_base_moof']],
    ['half-second fragments', ['-frag_duration', '500000', '-movflags', 'empty_moov']],
    ['a fragment per track', ['-frag_duration', '500000', '-movflags', 'empty_moov+separate_moof']],
    ['the first fragment in the movie box', ['-movflags', 'frag_keyframe', '-g', '24']]
  ];

  it.each(kinds)('reads the length and frame rate of %s as ffprobe does, without reading the media', async (name, args) => {
    const path = join(dir, `fragmented-${name.replace(/\W+/g, '-')}.mp4`);
    makeClip(path, { faststart: false, seconds: 3, fragmented: args });
    expect(topLevelBoxes(await readFile(path)).some((b) => b.type === 'moof')).toBe(true);
    const probe = await probeMp4(path);
    const format = ffprobeFormat(path);
    const video = ffprobeStreams(path).streams.find((s) => s.codec_type === 'video')!;
    expect(probe.width).toBe(video.width);
    expect(probe.height).toBe(video.height);
    expect(probe.hasAudio).toBe(true);
    // Within a frame of what ffprobe says (it reads the same sample tables).
    expect(Math.abs(probe.durationSec - Number(format.format.duration))).toBeLessThanOrEqual(1 / 24);
    expect(probe.fps).toBeCloseTo(24, 1);
    // The frames the fragments list are the frames ffprobe decodes: 3 s at 24 fps.
    expect(Math.round(probe.fps * probe.durationSec)).toBeGreaterThanOrEqual(Number(video.nb_read_frames) - 1);
  });

  it('says a fragmented file cut inside its last fragment is cut short', async () => {
    const path = join(dir, 'fragmented-cut.mp4');
    makeClip(path, { faststart: false, seconds: 2, fragmented: ['-movflags', 'frag_keyframe+empty_moov'] });
    const whole = await readFile(path);
    const cut = await fileWith('fragmented-cut-short.mp4', whole.subarray(0, whole.length - 100));
    expect((await problemOf(cut)).problem).toBe('truncated');
  });
});
