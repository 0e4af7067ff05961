#!/usr/bin/env node
// Checks what scripts/make-icons.mjs wrote: every PNG's IHDR size, and that icon.ico and icon.icns
// parse back with the expected images. Run: node scripts/check-icons.mjs (exits 1 on a problem).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'resources', 'icons');
const problems = [];
const expect = (ok, what) => {
  if (!ok) problems.push(what);
};
const PNG_SIG = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);

/** [width, height] from a PNG's IHDR, or null if it is not a PNG. */
const pngSize = (b) =>
  b.length >= 24 && b.subarray(0, 8).equals(PNG_SIG) && b.toString('latin1', 12, 16) === 'IHDR' ? [b.readUInt32BE(16), b.readUInt32BE(20)] : null;
const checkPng = (what, buf, size) => {
  const got = pngSize(buf);
  expect(got && got[0] === size && got[1] === size, `${what}: expected a ${size}x${size} PNG, got ${got ? got.join('x') : 'no PNG'}`);
};

checkPng('icon.png', fs.readFileSync(path.join(dir, 'icon.png')), 1024);
for (const s of [16, 32, 48, 64, 128, 256, 512, 1024]) {
  checkPng(`png/${s}x${s}.png`, fs.readFileSync(path.join(dir, 'png', `${s}x${s}.png`)), s);
}

// ICO: ICONDIR (reserved 0, type 1, count), 16-byte entries, each pointing at a PNG or a BMP.
const ico = fs.readFileSync(path.join(dir, 'icon.ico'));
expect(ico.readUInt16LE(0) === 0 && ico.readUInt16LE(2) === 1, 'icon.ico: bad ICONDIR');
const icoSizes = [];
for (let i = 0; i < ico.readUInt16LE(4); i++) {
  const e = 6 + 16 * i;
  const size = ico[e] || 256;
  const [len, off] = [ico.readUInt32LE(e + 8), ico.readUInt32LE(e + 12)];
  expect(off + len <= ico.length, `icon.ico: entry ${size} runs past the end`);
  const data = ico.subarray(off, off + len);
  if (pngSize(data)) checkPng(`icon.ico ${size}`, data, size);
  else {
    expect(
      data.readUInt32LE(0) === 40 &&
        data.readInt32LE(4) === size &&
        data.readInt32LE(8) === size * 2 &&
        data.readUInt16LE(14) === 32 &&
        len === 40 + size * size * 4 + Math.ceil(size / 32) * 4 * size,
      `icon.ico: entry ${size} is neither a ${size}px PNG nor a 32-bit BMP of that size`
    );
  }
  icoSizes.push(size);
}
expect(icoSizes.join() === '16,24,32,48,64,128,256', `icon.ico: sizes ${icoSizes.join()}`);

// ICNS: 'icns' + total length, then type + length (header included) + data, big-endian.
const PNG_TYPES = { icp4: 16, icp5: 32, icp6: 64, ic07: 128, ic08: 256, ic09: 512, ic10: 1024, ic11: 32, ic12: 64, ic13: 256, ic14: 512 };
const RGB_TYPES = { is32: 16, il32: 32 };
const MASK_TYPES = { s8mk: 16, l8mk: 32 };
const icns = fs.readFileSync(path.join(dir, 'icon.icns'));
expect(icns.toString('latin1', 0, 4) === 'icns' && icns.readUInt32BE(4) === icns.length, 'icon.icns: bad header');
const types = [];
for (let off = 8; off + 8 <= icns.length;) {
  const type = icns.toString('latin1', off, off + 4);
  const len = icns.readUInt32BE(off + 4);
  if (len < 8 || off + len > icns.length) {
    problems.push(`icon.icns: entry ${type} has a bad length`);
    break;
  }
  const data = icns.subarray(off + 8, off + len);
  if (type in PNG_TYPES) checkPng(`icon.icns ${type}`, data, PNG_TYPES[type]);
  else if (type in MASK_TYPES) expect(data.length === MASK_TYPES[type] ** 2, `icon.icns: ${type} is not ${MASK_TYPES[type]}² bytes`);
  else if (type in RGB_TYPES) {
    let n = 0; // unpacked bytes: 3 planes of w×h
    for (let i = 0; i < data.length;) {
      if (data[i] < 0x80) {
        n += data[i] + 1;
        i += data[i] + 2;
      } else {
        n += data[i] - 125;
        i += 2;
      }
    }
    expect(n === 3 * RGB_TYPES[type] ** 2, `icon.icns: ${type} unpacks to ${n} bytes`);
  }
  types.push(type);
  off += len;
}
for (const t of [...Object.keys(PNG_TYPES), ...Object.keys(RGB_TYPES), ...Object.keys(MASK_TYPES)]) {
  expect(types.includes(t), `icon.icns: no ${t}`);
}

if (problems.length) {
  for (const p of problems) console.error(`check-icons: ${p}`);
  process.exit(1);
}
console.log(`check-icons: ok (9 PNGs, icon.ico ${icoSizes.join('/')}, icon.icns ${types.join(' ')})`);
