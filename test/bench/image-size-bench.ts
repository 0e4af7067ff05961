// Image headers: src/main/core/images/image-size.ts against the `image-size` package, on a corpus
// of real images (test/fixtures/images-corpus/make.sh, test/fixtures/images, test/fixtures/photos)
// plus cut and hostile files derived here.
//   npm install --no-save image-size   (not a dependency of the app)
//   TSX_TSCONFIG_PATH=tsconfig.node.json npx tsx test/bench/image-size-bench.ts
// ffprobe (Debian's ffmpeg) gives the photos' sizes; without it they are left out.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { ImageKind } from '@shared/images';
import { imageDimensions, type ImageDimensions } from '../../src/main/core/images/image-size';
import { median } from './stats';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

interface Case {
  name: string;
  bytes: Uint8Array;
  kind: ImageKind;
  /** The true size, or undefined when the bytes hold none (the right answer is "no size"). */
  expect: ImageDimensions | undefined;
  /** Cut-short copies may rightly give the true size or none. */
  eitherOrNone?: boolean;
}

const KIND_OF: Record<string, ImageKind> = { jpg: 'jpeg', jpeg: 'jpeg', png: 'png', webp: 'webp' };

type ImageSizeFn = (input: Uint8Array) => { width?: number; height?: number; type?: string };
let imageSize: ImageSizeFn = () => {
  throw new Error('image-size is not loaded');
};

/** The package behind the same contract: the kind asked for, a size or undefined, never a throw. */
function packageDimensions(bytes: Uint8Array, kind: ImageKind): ImageDimensions | undefined {
  try {
    const r = imageSize(bytes);
    if (KIND_OF[r.type ?? ''] !== kind || r.width === undefined || r.height === undefined) return undefined;
    return { width: r.width, height: r.height };
  } catch {
    return undefined;
  }
}

function realImages(): Case[] {
  const cases: Case[] = [];
  const add = (dir: string, file: string, width: number, height: number): void => {
    const ext = file.split('.').pop()!.toLowerCase();
    cases.push({ name: `${dir}/${file}`, bytes: readFileSync(join(FIXTURES, dir, file)), kind: KIND_OF[ext], expect: { width, height } });
  };
  for (const file of readdirSync(join(FIXTURES, 'images-corpus'))) {
    const m = /-(\d+)x(\d+)\.(jpg|png|webp)$/.exec(file);
    if (m) add('images-corpus', file, Number(m[1]), Number(m[2]));
  }
  for (const file of readdirSync(join(FIXTURES, 'images'))) {
    const m = /-(\d+)x(\d+)\.(jpg|png|webp)$/.exec(file);
    if (m) add('images', file, Number(m[1]), Number(m[2]));
  }
  // The photos' sizes, as ffprobe reads them.
  for (const [file, [width, height]] of Object.entries(PHOTO_SIZES)) add('photos', file, width, height);
  return cases;
}

const PHOTO_SIZES: Record<string, [number, number]> = {};

const u16 = (n: number): number[] => [n >> 8, n & 0xff];

/** A baseline JPEG with an EXIF block (orientation 6, "rotate 90°") whose IFD1 holds a 16×16 thumbnail. */
function exifRotated(jpeg: Uint8Array): Uint8Array {
  const thumb = [0xff, 0xd8, 0xff, 0xc0, ...u16(17), 8, ...u16(16), ...u16(16), 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xff, 0xd9];
  // TIFF, big-endian: IFD0 with one entry (Orientation = 6), then IFD1 pointing at the thumbnail.
  const ifd0At = 8;
  const ifd1At = ifd0At + 2 + 12 + 4;
  const thumbAt = ifd1At + 2 + 24 + 4;
  const entry = (tag: number, type: number, count: number, value: number): number[] => [
    ...u16(tag),
    ...u16(type),
    0,
    0,
    ...u16(count),
    ...(type === 3 ? [...u16(value), 0, 0] : [value >>> 24, (value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff])
  ];
  const tiff = [
    0x4d,
    0x4d,
    0,
    42,
    0,
    0,
    0,
    ifd0At,
    0,
    1,
    ...entry(0x0112, 3, 1, 6),
    0,
    0,
    0,
    ifd1At,
    0,
    2,
    ...entry(0x0201, 4, 1, thumbAt),
    ...entry(0x0202, 4, 1, thumb.length),
    0,
    0,
    0,
    0,
    ...thumb
  ];
  const body = [...Buffer.from('Exif\0\0', 'latin1'), ...tiff];
  const app1 = [0xff, 0xe1, ...u16(body.length + 2), ...body];
  return Uint8Array.from([0xff, 0xd8, ...app1, ...jpeg.subarray(2)]);
}

const jpegOf = (...segments: number[][]): Uint8Array => Uint8Array.from([0xff, 0xd8, ...segments.flat(), 0xff, 0xd9]);
const segment = (marker: number, payload: number[]): number[] => [0xff, marker, ...u16(payload.length + 2), ...payload];
const frame = (w: number, h: number): number[] => [8, ...u16(h), ...u16(w), 1, 1, 0x11, 0];

function handMade(baseline: Uint8Array, png: Uint8Array): Case[] {
  const cases: Case[] = [];
  const c = (name: string, kind: ImageKind, bytes: Uint8Array, expect?: ImageDimensions): void => void cases.push({ name, kind, bytes, expect });
  c('jpeg: EXIF orientation 6 with a 16×16 thumbnail', 'jpeg', exifRotated(baseline), { width: 320, height: 240 });
  for (const marker of [0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]) {
    c(`jpeg: SOF ${marker.toString(16)}`, 'jpeg', jpegOf(segment(0xe0, [0, 0]), segment(marker, frame(640, 480))), { width: 640, height: 480 });
  }
  c('jpeg: DHT before the frame', 'jpeg', jpegOf(segment(0xc4, [0, 1, 2]), segment(0xc0, frame(300, 200))), { width: 300, height: 200 });
  c('jpeg: fill bytes before a marker', 'jpeg', jpegOf([0xff, 0xff], segment(0xe0, [1, 2]), segment(0xc0, frame(31, 17))), { width: 31, height: 17 });
  c('jpeg: no APP0 first (straight to a table)', 'jpeg', jpegOf(segment(0xdb, new Array(65).fill(1)), segment(0xc0, frame(77, 55))), { width: 77, height: 55 });
  c('jpeg: scan before any frame', 'jpeg', jpegOf(segment(0xe0, [0, 0]), segment(0xda, [1, 2, 3]), segment(0xc0, frame(8, 8))));
  c('jpeg: frame of 0 lines', 'jpeg', jpegOf(segment(0xe0, [0, 0]), segment(0xc0, frame(8, 0))));
  c('jpeg: frame cut inside', 'jpeg', Uint8Array.from([0xff, 0xd8, ...segment(0xe0, [0, 0]), 0xff, 0xc0, 0, 17, 8, 0]));
  c('jpeg: segment length 0', 'jpeg', Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0, 0xff, 0xc0, ...u16(17), ...frame(9, 9)]));
  c('jpeg: segment length past the end', 'jpeg', Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0xff, 0xf0, 1, 2, 3]));
  c('jpeg: only SOI', 'jpeg', Uint8Array.from([0xff, 0xd8]));
  const pngWith = (edit: (b: Buffer) => void): Uint8Array => {
    const b = Buffer.from(png);
    edit(b);
    return b;
  };
  c(
    'png: first chunk not IHDR',
    'png',
    pngWith((b) => b.write('IDAT', 12, 'latin1'))
  );
  c(
    'png: width 0',
    'png',
    pngWith((b) => b.writeUInt32BE(0, 16))
  );
  c(
    'png: height 2^31',
    'png',
    pngWith((b) => b.writeUInt32BE(0x80000000, 20))
  );
  c(
    'png: IHDR length 0',
    'png',
    pngWith((b) => b.writeUInt32BE(0, 8))
  );
  const riff = (chunk: string, data: number[]): Uint8Array =>
    Uint8Array.from([...Buffer.from('RIFF'), 0, 0, 0, 0, ...Buffer.from('WEBP'), ...Buffer.from(chunk), 10, 0, 0, 0, ...data]);
  c('webp: VP8X canvas 20000×16777216', 'webp', riff('VP8X', [0x10, 0, 0, 0, 0x1f, 0x4e, 0x00, 0xff, 0xff, 0xff]), { width: 20000, height: 16777216 });
  c('webp: VP8L 16384×16384', 'webp', riff('VP8L', [0x2f, 0xff, 0xff, 0xff, 0x0f, 0, 0, 0, 0, 0]), { width: 16384, height: 16384 });
  c('webp: VP8L version 1', 'webp', riff('VP8L', [0x2f, 0xff, 0xff, 0xff, 0x2f, 0, 0, 0, 0, 0]));
  c('webp: VP8L without its signature byte', 'webp', riff('VP8L', [0x00, 0x10, 0, 0, 0, 0, 0, 0, 0, 0]));
  c('webp: VP8 not a key frame', 'webp', riff('VP8 ', [0x01, 0, 0, 0x9d, 0x01, 0x2a, 8, 0, 8, 0]));
  c('webp: VP8 without its start code', 'webp', riff('VP8 ', [0x00, 0, 0, 0x11, 0x22, 0x33, 8, 0, 8, 0]));
  c('webp: VP8 of width 0', 'webp', riff('VP8 ', [0x00, 0, 0, 0x9d, 0x01, 0x2a, 0, 0, 8, 0]));
  c('webp: ALPH first', 'webp', riff('ALPH', [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
  c('webp: cut after VP8X tag', 'webp', Uint8Array.from([...Buffer.from('RIFF'), 0, 0, 0, 0, ...Buffer.from('WEBPVP8X')]));
  // One kind named as another (a .jpg that is a PNG): no size for the kind asked.
  c('png bytes asked as jpeg', 'jpeg', png);
  c('jpeg bytes asked as png', 'png', baseline);
  return cases;
}

/** Every real image cut at a few points: the true size or none, never another size. */
function cutShort(real: Case[]): Case[] {
  const cases: Case[] = [];
  for (const r of real) {
    for (const end of [2, 8, 12, 16, 20, 24, 26, 28, 29, 30, 40, 100, r.bytes.length >> 1]) {
      if (end < r.bytes.length) cases.push({ ...r, name: `${r.name} cut at ${end}`, bytes: r.bytes.subarray(0, end), eitherOrNone: true });
    }
  }
  return cases;
}

type Verdict = 'right' | 'wrong size' | 'missed' | 'threw';

function judge(c: Case, read: (b: Uint8Array, k: ImageKind) => ImageDimensions | undefined): Verdict {
  let got: ImageDimensions | undefined;
  try {
    got = read(c.bytes, c.kind);
  } catch {
    return 'threw';
  }
  const same = (a?: ImageDimensions, b?: ImageDimensions): boolean => a?.width === b?.width && a?.height === b?.height;
  if (c.eitherOrNone) return got === undefined || same(got, c.expect) ? 'right' : 'wrong size';
  if (c.expect === undefined) return got === undefined ? 'right' : 'wrong size';
  return same(got, c.expect) ? 'right' : got === undefined ? 'missed' : 'wrong size';
}

async function photoSizes(): Promise<void> {
  const { execFileSync } = await import('node:child_process');
  for (const file of ['dunes.webp', 'forest.jpg', 'harbour.jpg', 'lighthouse.png']) {
    try {
      const out = execFileSync(
        'ffprobe',
        ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', join(FIXTURES, 'photos', file)],
        { encoding: 'utf8' }
      );
      const [w, h] = out.trim().split(',').map(Number);
      PHOTO_SIZES[file] = [w, h];
    } catch {
      // without ffprobe the photos are left out below
    }
  }
}

async function main(): Promise<void> {
  const name = 'image-size';
  try {
    imageSize = ((await import(name)) as { imageSize: ImageSizeFn }).imageSize;
  } catch {
    console.log('image-size is not installed: npm install --no-save image-size');
    process.exit(1);
  }
  await photoSizes();
  const real = realImages();
  const baseline = real.find((c) => c.name.endsWith('jpeg-baseline-320x240.jpg'))!.bytes;
  const png = real.find((c) => c.name.endsWith('png-rgb-300x200.png'))!.bytes;
  const groups: [string, Case[]][] = [
    ['real images', real],
    ['hand-made headers', handMade(baseline, png)],
    ['cut short', cutShort(real)]
  ];
  const impls: [string, (b: Uint8Array, k: ImageKind) => ImageDimensions | undefined][] = [
    ['hand-written', imageDimensions],
    ['image-size pkg', packageDimensions],
    // The package as it is: a throw counts as "threw", a size with a missing side as wrong.
    [
      'image-size raw',
      (b) => {
        const r = imageSize(b);
        return { width: r.width ?? NaN, height: r.height ?? NaN };
      }
    ]
  ];
  console.log(`image headers, correctness (node ${process.version})`);
  for (const [group, cases] of groups) {
    for (const [name, read] of impls) {
      const counts: Record<Verdict, number> = { right: 0, 'wrong size': 0, missed: 0, threw: 0 };
      const bad: string[] = [];
      for (const c of cases) {
        const v = judge(c, read);
        counts[v]++;
        if (v !== 'right' && name !== 'image-size raw') bad.push(`${c.name}: ${v}`);
      }
      console.log(
        `${group} (${cases.length}) | ${name} | ${Object.entries(counts)
          .map(([k, n]) => `${k} ${n}`)
          .join(', ')}`
      );
      for (const line of bad) console.log(`    ${line}`);
    }
  }
  // Speed: every real image once per pass, 2,000 passes, median of 7 rounds.
  console.log('\nspeed: ns per image read, median of 7 rounds of 2,000 passes over the real images');
  for (const [name, read] of impls.slice(0, 2)) {
    const rounds: number[] = [];
    for (let round = 0; round < 7; round++) {
      const t0 = performance.now();
      for (let pass = 0; pass < 2000; pass++) for (const c of real) read(c.bytes, c.kind);
      rounds.push(((performance.now() - t0) * 1e6) / (2000 * real.length));
    }
    console.log(`${name} | ${median(rounds).toFixed(0)} ns`);
  }
}

await main();
