import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageKind } from '@shared/images';
import { TEST_PNG, type ImageToHost } from '../../../src/main/core/hosting';

const MAGIC: Record<ImageKind, Buffer> = {
  jpeg: Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
  png: TEST_PNG.subarray(0, 8),
  webp: Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBPVP8 ')])
};

/** Bytes that start like an image of `kind` (what servers sniff), followed by `size` random bytes. */
export function imageBytes(kind: ImageKind, size = 256): Buffer {
  return Buffer.concat([MAGIC[kind], randomBytes(size)]);
}

/** Writes `bytes` to `dir/name` and describes it the way the app hands images to a host. */
export function imageFile(dir: string, name: string, bytes: Buffer, kind: ImageKind): ImageToHost {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return { path, id: createHash('sha256').update(bytes).digest('hex'), kind, sizeBytes: bytes.length, name };
}
