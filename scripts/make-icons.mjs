#!/usr/bin/env node
// Renders the app icon for electron-builder, for every platform:
//   resources/icons/icon.png            1024x1024, the generic source
//   resources/icons/png/NxN.png         16 … 1024, the Linux set (linux.icon: the folder)
//   resources/icons/icon.ico            16, 24, 32, 48, 64, 128 (32-bit BMP) and 256 (PNG)
//   resources/icons/icon.icns           is32/s8mk, il32/l8mk and the PNG types icp4 … ic14
// from resources/icons/icon.svg, and icon-small.svg for the sizes of 32 px and under, where the
// full drawing's detail would blur. SVG → PNG is rsvg-convert (Debian: librsvg2-bin); PNGs are
// shrunk with optipng (Debian: optipng) when it is there. Run: node scripts/make-icons.mjs
// It finishes by running scripts/check-icons.mjs over what it wrote.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = path.join(here, '..', 'resources', 'icons');
const SVG = path.join(dir, 'icon.svg');
const SVG_SMALL = path.join(dir, 'icon-small.svg');
const SMALL_MAX = 32; // sizes up to this many pixels are drawn from icon-small.svg

const has = (tool) => !spawnSync(tool, ['--version'], { stdio: 'ignore' }).error;
if (!has('rsvg-convert')) {
  console.error('make-icons: rsvg-convert is missing: install it with `apt-get install librsvg2-bin`');
  process.exit(1);
}
const optipng = has('optipng');

// ---- render -------------------------------------------------------------------------------

const LINUX = [16, 32, 48, 64, 128, 256, 512, 1024];
const ICO = [16, 24, 32, 48, 64, 128, 256];
// [type, pixels, encoding]: the low-resolution RGB + mask pair is what Finder's list view
// shows on non-Retina screens, the PNG types are everything else.
const ICNS = [
  ['is32', 16, 'rgb'],
  ['s8mk', 16, 'mask'],
  ['il32', 32, 'rgb'],
  ['l8mk', 32, 'mask'],
  ['icp4', 16, 'png'],
  ['icp5', 32, 'png'],
  ['icp6', 64, 'png'],
  ['ic07', 128, 'png'],
  ['ic08', 256, 'png'],
  ['ic09', 512, 'png'],
  ['ic10', 1024, 'png'],
  ['ic11', 32, 'png'],
  ['ic12', 64, 'png'],
  ['ic13', 256, 'png'],
  ['ic14', 512, 'png']
];
const sizes = [...new Set([...LINUX, ...ICO, ...ICNS.map(([, s]) => s)])].sort((a, b) => a - b);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'make-icons-'));
const files = new Map(); // size → rendered PNG file
for (const s of sizes) {
  const out = path.join(tmp, `${s}.png`);
  const r = spawnSync('rsvg-convert', ['-w', s, '-h', s, '-f', 'png', '-o', out, s <= SMALL_MAX ? SVG_SMALL : SVG].map(String), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`rsvg-convert failed at ${s}px: ${r.stderr}`);
  files.set(s, out);
}
// Pixels for the BMP and RGB entries, read before optipng may change the PNG colour type.
const pixels = new Map([...files].map(([s, f]) => [s, decodeRgba(fs.readFileSync(f))]));
if (optipng) {
  const r = spawnSync('optipng', ['-quiet', '-o5', '-strip', 'all', ...files.values()], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`optipng failed: ${r.stderr}`);
} else {
  console.warn('make-icons: optipng is missing (apt-get install optipng): PNGs are left unoptimised');
}
const png = new Map([...files].map(([s, f]) => [s, fs.readFileSync(f)]));
fs.rmSync(tmp, { recursive: true, force: true });

// ---- write --------------------------------------------------------------------------------

const written = [];
const write = (rel, data) => {
  const p = path.join(dir, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, data);
  written.push([rel, data.length]);
};

write('icon.png', png.get(1024));
for (const s of LINUX) write(`png/${s}x${s}.png`, png.get(s));
write('icon.ico', ico(ICO.map((s) => ({ size: s, data: s >= 256 ? png.get(s) : bmp(pixels.get(s)) }))));
write('icon.icns', icns(ICNS.map(([type, s, enc]) => [type, enc === 'png' ? png.get(s) : enc === 'rgb' ? icnsRgb(pixels.get(s)) : icnsMask(pixels.get(s))])));

for (const [rel, n] of written) console.log(`${rel.padEnd(22)} ${(n / 1024).toFixed(1).padStart(7)} KiB`);
console.log(`${'total'.padEnd(22)} ${(written.reduce((t, [, n]) => t + n, 0) / 1024).toFixed(1).padStart(7)} KiB`);

const check = spawnSync(process.execPath, [path.join(here, 'check-icons.mjs')], { stdio: 'inherit' });
process.exit(check.status ?? 1);

// ---- formats ------------------------------------------------------------------------------

/** Decodes the 8-bit RGBA, non-interlaced PNG that rsvg-convert writes. */
function decodeRgba(buf) {
  let width = 0,
    height = 0,
    off = 8;
  const idat = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || data[9] !== 6 || data[12] !== 0) throw new Error('expected an 8-bit RGBA, non-interlaced PNG');
    } else if (type === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  const px = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const a = x >= 4 ? px[y * stride + x - 4] : 0;
      const b = y > 0 ? px[(y - 1) * stride + x] : 0;
      const c = x >= 4 && y > 0 ? px[(y - 1) * stride + x - 4] : 0;
      let v = raw[y * (stride + 1) + 1 + x];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c,
          pa = Math.abs(p - a),
          pb = Math.abs(p - b),
          pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      px[y * stride + x] = v & 0xff;
    }
  }
  return { width, height, px };
}

/** An ICO image entry as a 32-bit BMP: BITMAPINFOHEADER, BGRA rows bottom-up, then the 1-bit AND mask. */
function bmp({ width: w, height: h, px }) {
  const maskStride = Math.ceil(w / 32) * 4;
  const out = Buffer.alloc(40 + w * h * 4 + maskStride * h);
  out.writeUInt32LE(40, 0); // biSize
  out.writeInt32LE(w, 4);
  out.writeInt32LE(h * 2, 8); // XOR bitmap + AND mask
  out.writeUInt16LE(1, 12); // planes
  out.writeUInt16LE(32, 14); // bits per pixel
  out.writeUInt32LE(w * h * 4 + maskStride * h, 20); // biSizeImage (compression 0 = BI_RGB)
  const maskAt = 40 + w * h * 4;
  for (let y = 0; y < h; y++) {
    const row = h - 1 - y; // bottom-up
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4,
        o = 40 + (row * w + x) * 4;
      out[o] = px[i + 2];
      out[o + 1] = px[i + 1];
      out[o + 2] = px[i];
      out[o + 3] = px[i + 3];
      if (px[i + 3] === 0) out[maskAt + row * maskStride + (x >> 3)] |= 0x80 >> (x & 7);
    }
  }
  return out;
}

/** ICONDIR, one ICONDIRENTRY per image, then the images. */
function ico(images) {
  const head = Buffer.alloc(6 + 16 * images.length);
  head.writeUInt16LE(0, 0); // reserved
  head.writeUInt16LE(1, 2); // type 1 = icon
  head.writeUInt16LE(images.length, 4);
  let offset = head.length;
  images.forEach(({ size, data }, i) => {
    const e = 6 + 16 * i;
    head[e] = size >= 256 ? 0 : size; // 0 means 256
    head[e + 1] = size >= 256 ? 0 : size;
    head[e + 2] = 0; // no palette
    head[e + 3] = 0; // reserved
    head.writeUInt16LE(1, e + 4); // planes
    head.writeUInt16LE(32, e + 6); // bits per pixel
    head.writeUInt32LE(data.length, e + 8);
    head.writeUInt32LE(offset, e + 12);
    offset += data.length;
  });
  return Buffer.concat([head, ...images.map((i) => i.data)]);
}

/** 'icns', the file's length, then per entry its type, length (header included) and data; all big-endian. */
function icns(entries) {
  const parts = entries.map(([type, data]) => {
    const h = Buffer.alloc(8);
    h.write(type, 0, 'latin1');
    h.writeUInt32BE(data.length + 8, 4);
    return Buffer.concat([h, data]);
  });
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'latin1');
  head.writeUInt32BE(8 + parts.reduce((t, p) => t + p.length, 0), 4);
  return Buffer.concat([head, ...parts]);
}

/** is32/il32: the R, G and B planes one after another, each run-length packed
 *  (n < 0x80: n + 1 literal bytes follow; n ≥ 0x80: the next byte n − 125 times). */
function icnsRgb({ width: w, height: h, px }) {
  const out = [];
  for (let ch = 0; ch < 3; ch++) {
    const plane = Buffer.alloc(w * h);
    for (let i = 0; i < w * h; i++) plane[i] = px[i * 4 + ch];
    let i = 0;
    while (i < plane.length) {
      let run = 1;
      while (i + run < plane.length && run < 130 && plane[i + run] === plane[i]) run++;
      if (run >= 3) {
        out.push(0x80 + run - 3, plane[i]);
        i += run;
        continue;
      }
      const start = i; // literals until the next run of three or 128 bytes
      while (i < plane.length && i - start < 128 && !(i + 2 < plane.length && plane[i] === plane[i + 1] && plane[i] === plane[i + 2])) i++;
      out.push(i - start - 1, ...plane.subarray(start, i));
    }
  }
  return Buffer.from(out);
}

/** s8mk/l8mk: the alpha plane, one byte a pixel. */
function icnsMask({ width: w, height: h, px }) {
  const out = Buffer.alloc(w * h);
  for (let i = 0; i < w * h; i++) out[i] = px[i * 4 + 3];
  return out;
}
