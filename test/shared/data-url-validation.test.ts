import { describe, expect, it } from 'vitest';
import { validateInput } from '@shared/validation';

const PNG_BYTES = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

function problems(url: unknown): string[] {
  return validateInput({ mode: 'image-to-video', prompt: 'slow push in', resolution: '720p', duration: 8, image_urls: [url] }).map((p) => p.message);
}

describe('source images as data: URLs', () => {
  it('accepts base64 JPEG, PNG and WebP data: URLs', () => {
    for (const type of ['jpeg', 'png', 'webp', 'PNG']) {
      expect(problems(`data:image/${type};base64,${PNG_BYTES.toString('base64')}`)).toEqual([]);
    }
    // Every padding length.
    for (const n of [3, 4, 5]) expect(problems(`data:image/png;base64,${Buffer.alloc(n, 7).toString('base64')}`)).toEqual([]);
  });

  it('refuses other data: URLs, saying what form is wanted', () => {
    const wanted = 'A source image given as a data: URL must be a base64 JPG, PNG or WebP image ("data:image/png;base64,…"; got ';
    expect(problems('data:image/gif;base64,R0lGODlh')).toEqual([`${wanted}"data:image/gif;base64,").`]);
    expect(problems('data:image/png,rawbytes')).toEqual([`${wanted}"data:image/png,").`]);
    expect(problems('data:text/plain;base64,aGk=')).toEqual([`${wanted}"data:text/plain;base64,").`]);
    expect(problems('DATA:nothing')).toEqual([`${wanted}"DATA:nothing").`]);
  });

  it('refuses base64 that is not well formed', () => {
    const message = 'The source image data: URL is not well-formed base64: create it again from the image file.';
    expect(problems('data:image/png;base64,')).toEqual([message]);
    expect(problems('data:image/png;base64,abc')).toEqual([message]);
    expect(problems('data:image/png;base64,ab=c')).toEqual([message]);
    expect(problems('data:image/png;base64,a b=')).toEqual([message]);
    expect(problems('data:image/png;base64,abc===')).toEqual([message]);
    expect(problems('data:image/png;base64,abcd ')).toEqual([message]);
  });

  it('takes up to 10 MB of image, and names the size past it', () => {
    const limit = 10 * 1024 * 1024;
    // 10 MB is a multiple of 3 plus 1: one padded group at the end.
    const at = Buffer.alloc(limit, 1).toString('base64');
    expect(problems(`data:image/jpeg;base64,${at}`)).toEqual([]);
    const over = Buffer.alloc(limit + 1, 1).toString('base64');
    expect(problems(`data:image/jpeg;base64,${over}`)).toEqual([
      'The source image in the data: URL is just over 10 MB; source images can be at most 10 MB. Resize or compress it.'
    ]);
    const far = 'A'.repeat(16 * 1024 * 1024);
    expect(problems(`data:image/jpeg;base64,${far}`)).toEqual([
      'The source image in the data: URL is 12.0 MB; source images can be at most 10 MB. Resize or compress it.'
    ]);
  });

  it('still wants http(s) for everything else', () => {
    expect(problems('https://example.com/a.jpg')).toEqual([]);
    expect(problems('ftp://example.com/a.jpg')[0]).toMatch(/^The source image must be a public http\(s\) URL/);
  });
});
