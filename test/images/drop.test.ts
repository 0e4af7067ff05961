import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { inspectDrop } from '../../src/main/core/images/drop';
import { ImageCache } from '../../src/main/core/images/image-cache';
import { tempDirs } from '../support/temp-dirs';
import { FIXTURES, SAMPLE_MP4, fixtureBytes } from './helpers';

const makeDir = tempDirs('ltx-drop-');

function place(path: string, fixture: string): void {
  copyFileSync(join(FIXTURES, fixture), path);
}

describe('inspectDrop on a real folder tree', () => {
  let root: string;
  let cache: ImageCache;

  beforeAll(() => {
    root = makeDir();
    cache = new ImageCache(join(root, 'cache'));
    const trip = join(root, 'trip');
    mkdirSync(join(trip, 'nested', '.hidden'), { recursive: true });
    mkdirSync(join(root, 'outside'));
    place(join(trip, 'img10.jpg'), 'baseline-41x29.jpg');
    place(join(trip, 'img2.png'), 'png-37x23.png');
    place(join(trip, 'IMG1.webp'), 'lossy-45x31.webp');
    place(join(trip, 'z-copy.png'), 'png-37x23.png');
    place(join(trip, 'nested', 'deep.webp'), 'lossless-47x33.webp');
    place(join(trip, 'nested', '.hidden', 'secret.webp'), 'extended-49x35.webp');
    writeFileSync(join(trip, '.DS_Store'), Buffer.from([0, 0, 0, 1, 0x42, 0x75, 0x64, 0x31, 0, 0, 0x10, 0]));
    writeFileSync(join(trip, 'notes.txt'), 'shot list for the trip\n');
    place(join(root, 'outside', 'elsewhere.jpg'), 'exif-41x29.jpg');
    symlinkSync(join(root, 'outside', 'elsewhere.jpg'), join(trip, 'link-out.jpg'));
    symlinkSync(join(root, 'outside'), join(trip, 'link-to-folder'));
    writeFileSync(join(root, 'prompts.csv'), 'prompt,image\n"a cat",img1.webp\n');
    writeFileSync(join(root, 'scan.pdf'), '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n');
    copyFileSync(SAMPLE_MP4, join(root, 'clip.mp4'));
    writeFileSync(join(root, 'sheet.csv'), Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0]));
  });

  it('keeps the images in natural order, each picture once, and sorts out the rest', async () => {
    const dropped = ['trip', 'prompts.csv', 'scan.pdf', 'clip.mp4', 'sheet.csv', 'vanished.png'].map((p) => join(root, p));
    const result = await inspectDrop(dropped, cache);

    expect(result.images.map((i) => [i.name, i.kind, i.width, i.height])).toEqual([
      ['IMG1.webp', 'webp', 45, 31],
      ['img2.png', 'png', 37, 23],
      ['img10.jpg', 'jpeg', 41, 29],
      ['deep.webp', 'webp', 47, 33]
    ]);
    expect(result.csv).toEqual([join(root, 'prompts.csv')]);
    expect(result.refused).toEqual([
      { name: 'trip', reason: '1 other file in "trip" was skipped (only JPG, PNG and WebP images are used).' },
      { name: 'trip', reason: '2 links in "trip" were not followed: they lead outside the folder or to another folder.' },
      { name: 'scan.pdf', reason: `"scan.pdf" is a PDF document, not an image: only JPG, PNG and WebP images can be animated.` },
      { name: 'clip.mp4', reason: `"clip.mp4" is a video, not an image: only JPG, PNG and WebP images can be animated.` },
      {
        name: 'sheet.csv',
        reason:
          '"sheet.csv" is a ZIP archive, not a text file, although its name ends in .csv. Save it as "CSV UTF-8" from your spreadsheet app and drop that file.'
      },
      { name: 'vanished.png', reason: '"vanished.png" was not found: it may have been moved or deleted.' },
      { name: 'z-copy.png', reason: '"z-copy.png" is the same picture as "img2.png", so it appears once.' }
    ]);
  });

  it('caches what it keeps, so each image can be found by its id', async () => {
    const result = await inspectDrop([join(root, 'trip')], cache);
    for (const image of result.images) {
      expect(image.origin).toEqual({ kind: 'file', path: expect.stringContaining(join(root, 'trip')) });
      expect((await cache.find(image.id))?.image.kind).toBe(image.kind);
    }
    // Nothing from outside the dropped folder, nor from its hidden folder, was used.
    const outsideId = (await cache.addFile(join(root, 'outside', 'elsewhere.jpg'))).id;
    expect(result.images.map((i) => i.id)).not.toContain(outsideId);
    expect(result.images.map((i) => i.name)).not.toContain('secret.webp');
  });

  it('counts a file dropped both alone and inside its folder once', async () => {
    const result = await inspectDrop([join(root, 'trip', 'img2.png'), join(root, 'trip')], cache);
    expect(result.images.map((i) => i.name)).toEqual(['IMG1.webp', 'img2.png', 'img10.jpg', 'deep.webp']);
  });

  it('keeps .xlsx and .ods workbooks to import, as CSV files are, and refuses an old .xls saying what to do', async () => {
    const book = fileURLToPath(new URL('../fixtures/sheets/', import.meta.url));
    copyFileSync(join(book, 'prompts.xlsx'), join(root, 'prompts.xlsx'));
    copyFileSync(join(book, 'prompts.ods'), join(root, 'prompts.ods'));
    writeFileSync(join(root, 'old.xls'), Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]));
    const result = await inspectDrop(
      ['prompts.xlsx', 'prompts.ods', 'old.xls'].map((p) => join(root, p)),
      cache
    );
    expect(result.csv).toEqual([join(root, 'prompts.xlsx'), join(root, 'prompts.ods')]);
    expect(result.refused).toEqual([
      {
        name: 'old.xls',
        reason: '"old.xls" is a workbook the importer cannot read. Save it as .xlsx, or as "CSV UTF-8", from your spreadsheet app and drop that file.'
      }
    ]);
  });
});

describe('inspectDrop limits', () => {
  it('keeps at most maxImages and says how many were left out', async () => {
    const root = makeDir();
    const folder = join(root, 'many');
    mkdirSync(folder);
    // Bytes after a PNG's end make each file a different picture file with the same header.
    for (let i = 1; i <= 5; i++) writeFileSync(join(folder, `frame${i}.png`), Buffer.concat([fixtureBytes('png-37x23.png'), Buffer.from([i])]));
    const result = await inspectDrop([folder], new ImageCache(join(root, 'cache')), { maxImages: 3 });
    expect(result.images.map((i) => i.name)).toEqual(['frame1.png', 'frame2.png', 'frame3.png']);
    expect(result.refused).toEqual([
      { name: '2 more images', reason: '2 more images were left out: one drop can bring at most 3 images. Drop the rest separately.' }
    ]);
  });

  it('does not enter folders deeper than maxDepth, and says so', async () => {
    const root = makeDir();
    const top = join(root, 'shoot');
    mkdirSync(join(top, 'a', 'b'), { recursive: true });
    place(join(top, 'a', 'one.png'), 'png-37x23.png');
    place(join(top, 'a', 'b', 'two.jpg'), 'baseline-41x29.jpg');
    const result = await inspectDrop([top], new ImageCache(join(root, 'cache')), { maxDepth: 1 });
    expect(result.images.map((i) => i.name)).toEqual(['one.png']);
    expect(result.refused).toEqual([
      { name: 'shoot', reason: 'Folders nested more than 1 level deep in "shoot" were not searched. Drop those folders themselves to use their images.' }
    ]);
  });

  it('names what a folder without images holds, and HEIC photos in particular', async () => {
    const root = makeDir();
    const phone = join(root, 'phone');
    mkdirSync(phone);
    writeFileSync(join(phone, 'IMG_0001.HEIC'), Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1')]));
    writeFileSync(join(phone, 'IMG_0002.MOV'), Buffer.from([0, 0, 0, 0x14, 0x66, 0x74, 0x79, 0x70, 0x71, 0x74, 0x20, 0x20]));
    const result = await inspectDrop([phone], new ImageCache(join(root, 'cache')));
    expect(result.images).toEqual([]);
    expect(result.refused.map((r) => r.reason)).toEqual([
      'No JPG, PNG or WebP images were found in "phone" (it holds 2 other files).',
      '1 HEIC photo in "phone" cannot be used as it is: export it as JPG (or set the phone to save "Most Compatible" photos) and drop that.'
    ]);
  });

  it('refuses an image-named file in a folder that is not an image, saying what it is', async () => {
    const root = makeDir();
    const folder = join(root, 'mixed');
    mkdirSync(folder);
    place(join(folder, 'good.png'), 'png-37x23.png');
    writeFileSync(join(folder, 'fake.jpg'), 'I am text\n');
    const result = await inspectDrop([folder], new ImageCache(join(root, 'cache')));
    expect(result.images.map((i) => i.name)).toEqual(['good.png']);
    expect(result.refused).toEqual([{ name: 'fake.jpg', reason: '"fake.jpg" is a text file, not an image: only JPG, PNG and WebP images can be animated.' }]);
  });
});
