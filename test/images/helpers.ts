import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ImageKind } from '@shared/images';

export const FIXTURES = fileURLToPath(new URL('../fixtures/images/', import.meta.url));

/** The source clip the simulator serves: a real MP4, for "this is a video" refusals. */
export const SAMPLE_MP4 = fileURLToPath(new URL('../../resources/sim/sample-16x9.mp4', import.meta.url));

export interface Fixture {
  file: string;
  kind: ImageKind;
  width: number;
  height: number;
}

/** Small real images (made once with ffmpeg and jpegtran), with the sizes they were made at. */
export const IMAGE_FIXTURES: Fixture[] = [
  { file: 'png-37x23.png', kind: 'png', width: 37, height: 23 },
  { file: 'baseline-41x29.jpg', kind: 'jpeg', width: 41, height: 29 },
  { file: 'progressive-41x29.jpg', kind: 'jpeg', width: 41, height: 29 },
  { file: 'exif-41x29.jpg', kind: 'jpeg', width: 41, height: 29 },
  { file: 'lossy-45x31.webp', kind: 'webp', width: 45, height: 31 },
  { file: 'lossless-47x33.webp', kind: 'webp', width: 47, height: 33 },
  { file: 'extended-49x35.webp', kind: 'webp', width: 49, height: 35 }
];

export function fixtureBytes(file: string): Buffer {
  return readFileSync(`${FIXTURES}${file}`);
}

/** A JPEG built by hand: SOI, the given segments, then EOI. */
export function jpegOf(...segments: number[][]): Uint8Array {
  return Uint8Array.from([0xff, 0xd8, ...segments.flat(), 0xff, 0xd9]);
}

/** A JPEG segment: marker, big-endian length (counting itself), payload. */
export function segment(marker: number, payload: number[]): number[] {
  const length = payload.length + 2;
  return [0xff, marker, length >> 8, length & 0xff, ...payload];
}

/** A frame header payload: 8-bit precision, height, width, one component. */
export function frame(width: number, height: number): number[] {
  return [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0];
}

/** A deterministic random source, so a fuzz failure can be replayed. */
export { mulberry32 as seededRandom } from '../../src/main/core/simulator/random';
