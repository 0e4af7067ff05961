import { describe, expect, it } from 'vitest';
import type { ImageKind } from '@shared/images';
import { imageDimensions } from '../../src/main/core/images/image-size';
import { checkImageBytes } from '../../src/main/core/images/image-check';
import { IMAGE_FIXTURES, fixtureBytes, frame, jpegOf, seededRandom, segment } from './helpers';

const KINDS: ImageKind[] = ['jpeg', 'png', 'webp'];

describe('imageDimensions on real images', () => {
  for (const fixture of IMAGE_FIXTURES) {
    it(`reads ${fixture.width}×${fixture.height} from ${fixture.file}`, () => {
      expect(imageDimensions(fixtureBytes(fixture.file), fixture.kind)).toEqual({ width: fixture.width, height: fixture.height });
    });
  }

  it('tells the three WebP layouts and both JPEG codings apart as they really are', () => {
    const chunk = (file: string): string => fixtureBytes(file).subarray(12, 16).toString('latin1');
    expect([chunk('lossy-45x31.webp'), chunk('lossless-47x33.webp'), chunk('extended-49x35.webp')]).toEqual(['VP8 ', 'VP8L', 'VP8X']);
    const firstFrameMarker = (file: string): number => {
      const b = fixtureBytes(file);
      for (let i = 2; i < b.length - 1; i++) if (b[i] === 0xff && [0xc0, 0xc2].includes(b[i + 1])) return b[i + 1];
      return -1;
    };
    expect(firstFrameMarker('baseline-41x29.jpg')).toBe(0xc0);
    expect(firstFrameMarker('progressive-41x29.jpg')).toBe(0xc2);
    // The EXIF block comes first and carries a thumbnail-like frame of 16×16 that must be skipped.
    expect(fixtureBytes('exif-41x29.jpg').subarray(2, 4)).toEqual(Buffer.from([0xff, 0xe1]));
  });

  it('does not read one kind as another', () => {
    for (const fixture of IMAGE_FIXTURES) {
      for (const kind of KINDS.filter((k) => k !== fixture.kind)) {
        expect(imageDimensions(fixtureBytes(fixture.file), kind)).toBeUndefined();
      }
    }
  });
});

describe('imageDimensions on hand-built headers', () => {
  it('skips DHT, JPG and DAC, which sit among the frame markers but are not frames', () => {
    const bytes = jpegOf(segment(0xc4, [0, 1, 2]), segment(0xc8, [9, 9, 9, 9, 9, 9, 9]), segment(0xcc, [1, 2]), segment(0xc1, frame(300, 200)));
    expect(imageDimensions(bytes, 'jpeg')).toEqual({ width: 300, height: 200 });
  });

  it('accepts every SOF from SOF0 to SOF15 and reads height before width', () => {
    for (const marker of [0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]) {
      expect(imageDimensions(jpegOf(segment(marker, frame(640, 480))), 'jpeg')).toEqual({ width: 640, height: 480 });
    }
  });

  it('gets past fill bytes, restart markers and stray bytes between segments', () => {
    const bytes = jpegOf([0xff, 0xff, 0xff], segment(0xe0, [1, 2, 3]), [0xff, 0xd0, 0x00, 0x00], segment(0xc0, frame(65535, 1)));
    expect(imageDimensions(bytes, 'jpeg')).toEqual({ width: 65535, height: 1 });
  });

  it('finds no size when the scan or the end comes before any frame, or the frame says 0 lines', () => {
    expect(imageDimensions(jpegOf(segment(0xda, [1, 2, 3]), segment(0xc0, frame(8, 8))), 'jpeg')).toBeUndefined();
    expect(imageDimensions(Uint8Array.from([0xff, 0xd8, 0xff, 0xd9, ...segment(0xc0, frame(8, 8))]), 'jpeg')).toBeUndefined();
    expect(imageDimensions(jpegOf(segment(0xc0, frame(8, 0))), 'jpeg')).toBeUndefined();
    expect(imageDimensions(jpegOf([0xff, 0xe1, 0x00, 0x01]), 'jpeg')).toBeUndefined();
    expect(imageDimensions(jpegOf(segment(0xc0, [8, 0, 1])), 'jpeg')).toBeUndefined();
  });

  it('reads the 24-bit canvas of an extended WebP and the 14-bit fields of a lossless one at their limits', () => {
    const riff = (chunk: string, data: number[]): Uint8Array =>
      Uint8Array.from([...Buffer.from('RIFF'), 0, 0, 0, 0, ...Buffer.from('WEBP'), ...Buffer.from(chunk), 10, 0, 0, 0, ...data]);
    // Canvas 20000 × 16777216: width - 1 = 19999 (0x004E1F), height - 1 = 0xFFFFFF.
    expect(imageDimensions(riff('VP8X', [0x10, 0, 0, 0, 0x1f, 0x4e, 0x00, 0xff, 0xff, 0xff]), 'webp')).toEqual({ width: 20000, height: 16777216 });
    // Lossless 16384 × 16384: both 14-bit fields all ones, alpha bit and version 0.
    expect(imageDimensions(riff('VP8L', [0x2f, 0xff, 0xff, 0xff, 0x0f, 0, 0, 0, 0, 0]), 'webp')).toEqual({ width: 16384, height: 16384 });
    expect(imageDimensions(riff('VP8L', [0x2f, 0xff, 0xff, 0xff, 0x2f, 0, 0, 0, 0, 0]), 'webp')).toBeUndefined(); // version 1
    expect(imageDimensions(riff('VP8 ', [0x01, 0, 0, 0x9d, 0x01, 0x2a, 8, 0, 8, 0]), 'webp')).toBeUndefined(); // not a key frame
    expect(imageDimensions(riff('ALPH', [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 'webp')).toBeUndefined();
  });

  it('refuses a PNG whose first chunk is not IHDR, or whose size is 0 or past 2^31 - 1', () => {
    const png = fixtureBytes('png-37x23.png');
    const renamed = Buffer.from(png);
    renamed.write('IDAT', 12, 'latin1');
    expect(imageDimensions(renamed, 'png')).toBeUndefined();
    const zero = Buffer.from(png);
    zero.writeUInt32BE(0, 16);
    expect(imageDimensions(zero, 'png')).toBeUndefined();
    const huge = Buffer.from(png);
    huge.writeUInt32BE(0x80000000, 20);
    expect(imageDimensions(huge, 'png')).toBeUndefined();
  });
});

describe('imageDimensions on hostile bytes', () => {
  it('never throws on any truncation of a real image, and a cut image gives its true size or none', () => {
    for (const fixture of IMAGE_FIXTURES) {
      const bytes = fixtureBytes(fixture.file);
      for (let end = 0; end <= bytes.length; end++) {
        const cut = bytes.subarray(0, end);
        for (const kind of KINDS) {
          const size = imageDimensions(cut, kind);
          if (size) expect({ kind, size }).toEqual({ kind: fixture.kind, size: { width: fixture.width, height: fixture.height } });
        }
        expect(() => checkImageBytes(cut, fixture.file)).not.toThrow();
      }
    }
  });

  it('never throws on a real image with any one byte changed', () => {
    for (const fixture of IMAGE_FIXTURES) {
      const bytes = fixtureBytes(fixture.file);
      for (let at = 0; at < bytes.length; at++) {
        for (const value of [0x00, 0xff, bytes[at] ^ 0x80, 0xd9, 0xda, 0xc0]) {
          const corrupt = Buffer.from(bytes);
          corrupt[at] = value;
          for (const kind of KINDS) {
            const size = imageDimensions(corrupt, kind);
            if (size) expect(size.width > 0 && size.height > 0 && Number.isInteger(size.width * size.height)).toBe(true);
          }
        }
      }
    }
  });

  it('never throws on random bytes behind each signature', () => {
    const random = seededRandom(20250131);
    const signatures: [ImageKind, number[]][] = [
      ['jpeg', [0xff, 0xd8]],
      ['png', [...fixtureBytes('png-37x23.png').subarray(0, 16)]],
      ['webp', [...Buffer.from('RIFF\0\0\0\0WEBPVP8')]]
    ];
    for (let round = 0; round < 3000; round++) {
      const [kind, signature] = signatures[round % signatures.length];
      const tail = Array.from({ length: Math.floor(random() * 64) }, () => (random() < 0.3 ? 0xff : Math.floor(random() * 256)));
      const bytes = Uint8Array.from([...signature, ...tail]);
      expect(() => imageDimensions(bytes, kind)).not.toThrow();
    }
  });
});
