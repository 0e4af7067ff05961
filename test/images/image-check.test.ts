import { copyFileSync, mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkImageBytes, checkImageFile, JPEG_HEAD_BYTES, type ImageCheck } from '../../src/main/core/images/image-check';
import { tempDirs } from '../support/temp-dirs';
import { FIXTURES, IMAGE_FIXTURES, SAMPLE_MP4, fixtureBytes, frame, segment } from './helpers';

const makeDir = tempDirs('ltx-image-check-');
let dir: string;

beforeAll(() => {
  dir = makeDir();
});

function write(name: string, data: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
}

function reasonOf(check: ImageCheck): string {
  if (check.ok) throw new Error(`expected a refusal, got ${JSON.stringify(check)}`);
  return check.reason;
}

describe('checkImageFile', () => {
  it('accepts every real fixture with its kind, size and byte count', async () => {
    for (const fixture of IMAGE_FIXTURES) {
      const check = await checkImageFile(join(FIXTURES, fixture.file));
      expect(check).toEqual({
        ok: true,
        kind: fixture.kind,
        width: fixture.width,
        height: fixture.height,
        sizeBytes: fixtureBytes(fixture.file).length
      });
    }
  });

  it('goes by the bytes, not the name: a PNG called .jpg is a PNG', async () => {
    const path = join(dir, 'really-a-png.jpg');
    copyFileSync(join(FIXTURES, 'png-37x23.png'), path);
    expect(await checkImageFile(path)).toMatchObject({ ok: true, kind: 'png', width: 37, height: 23 });
  });

  it('refuses an empty file', async () => {
    expect(reasonOf(await checkImageFile(write('empty.png', '')))).toBe('"empty.png" is empty (0 bytes), so there is no picture in it.');
  });

  it('refuses a file over 10 MB without reading it, saying how large it is', async () => {
    const path = write('huge.jpg', fixtureBytes('baseline-41x29.jpg'));
    truncateSync(path, 11 * 1024 * 1024); // sparse: no 11 MB written to disk
    expect(reasonOf(await checkImageFile(path))).toBe(
      '"huge.jpg" is 11 MB; APIXO takes source images of at most 10 MB. ' +
        'Resize or compress it (for example, save it as JPG at a lower quality) and use that file.'
    );
  });

  it('accepts a file of exactly 10 MB', async () => {
    const path = write('edge.png', fixtureBytes('png-37x23.png'));
    truncateSync(path, 10 * 1024 * 1024);
    expect(await checkImageFile(path)).toMatchObject({ ok: true, kind: 'png', sizeBytes: 10 * 1024 * 1024 });
  });

  it('says what a file really is when it is not JPG, PNG or WebP', async () => {
    const gif = write('party.gif', Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'));
    expect(reasonOf(await checkImageFile(gif))).toBe(
      '"party.gif" is a GIF image: only JPG, PNG and WebP images can be animated. Convert it to JPG, PNG or WebP first.'
    );
    const heic = write('IMG_0001.jpg', Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1')]));
    expect(reasonOf(await checkImageFile(heic))).toBe(
      '"IMG_0001.jpg" is a HEIC image: only JPG, PNG and WebP images can be animated. Convert it to JPG, PNG or WebP first.'
    );
    const text = write('notes.png', 'these are my notes, not a picture\n');
    expect(reasonOf(await checkImageFile(text))).toBe('"notes.png" is a text file, not an image: only JPG, PNG and WebP images can be animated.');
    const video = join(dir, 'clip.webp');
    copyFileSync(SAMPLE_MP4, video);
    expect(reasonOf(await checkImageFile(video))).toBe('"clip.webp" is a video, not an image: only JPG, PNG and WebP images can be animated.');
  });

  it('refuses a folder and a missing file, naming them', async () => {
    mkdirSync(join(dir, 'album.jpg'));
    expect(reasonOf(await checkImageFile(join(dir, 'album.jpg')))).toBe('"album.jpg" is a folder, not an image file.');
    expect(reasonOf(await checkImageFile(join(dir, 'gone.jpg')))).toBe('"gone.jpg" was not found: it may have been moved or deleted.');
  });

  it('refuses a damaged image whose size cannot be read', async () => {
    const cut = write('cut.png', fixtureBytes('png-37x23.png').subarray(0, 20));
    expect(reasonOf(await checkImageFile(cut))).toBe(
      '"cut.png" could not be read as a PNG image: it looks damaged or cut short. ' +
        'Open it in an image editor, save it again as JPG, PNG or WebP, and use that file.'
    );
  });

  it('refuses a JPEG whose frame header lies past the first 512 KB, and accepts it just inside', async () => {
    const filler = (bytes: number): number[][] => {
      const segments: number[][] = [];
      for (let left = bytes; left > 0; left -= 65533) segments.push(segment(0xe2, new Array(Math.min(65533, left)).fill(0x41)));
      return segments;
    };
    const build = (fillerBytes: number): Uint8Array =>
      Uint8Array.from([0xff, 0xd8, ...filler(fillerBytes).flat(), ...segment(0xc0, frame(800, 600)), 0xff, 0xd9]);
    const far = build(JPEG_HEAD_BYTES);
    const near = build(JPEG_HEAD_BYTES - 64 * 1024);
    expect(reasonOf(await checkImageFile(write('far.jpg', far)))).toBe(
      '"far.jpg" could not be read: its width and height are not within its first 512 KB (it may carry very large metadata). ' +
        'Open it in an image editor, save it again as JPG, PNG or WebP, and use that file.'
    );
    expect(await checkImageFile(write('near.jpg', near))).toMatchObject({ ok: true, kind: 'jpeg', width: 800, height: 600 });
    // Bytes in memory follow the same rule, so a download and a dropped file are judged alike.
    expect(checkImageBytes(far, 'far.jpg').ok).toBe(false);
  });
});

describe('checkImageBytes', () => {
  it('checks bytes in memory like a file', () => {
    expect(checkImageBytes(fixtureBytes('lossless-47x33.webp'), 'x.webp')).toMatchObject({ ok: true, kind: 'webp', width: 47, height: 33 });
    expect(reasonOf(checkImageBytes(new Uint8Array(0), 'nothing.jpg'))).toBe('"nothing.jpg" is empty (0 bytes), so there is no picture in it.');
    expect(reasonOf(checkImageBytes(Buffer.from('%PDF-1.7\n%âãÏÓ\n'), 'scan.pdf'))).toBe(
      '"scan.pdf" is a PDF document, not an image: only JPG, PNG and WebP images can be animated.'
    );
  });
});
