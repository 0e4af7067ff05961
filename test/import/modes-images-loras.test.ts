import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatRowProblem, importCsvFile, importCsvText, validRows } from '../../src/main/core/import';
import { TINY_PNG, tempDir, writeFile } from './helpers';

const IMAGE = 'https://cdn.example.com/stills/lighthouse.jpg';
const LORA = 'https://huggingface.co/acme/film-grain/resolve/main/film-grain.safetensors';

describe('mode inference', () => {
  it('infers the mode from the row: image → image-to-video, LoRA → LoRA mode, both → image-to-video-LoRA', () => {
    const r = importCsvText(
      ['prompt,image,lora1_path,lora1_scale', 'Plain text,,,', `With an image,${IMAGE},,`, `With a LoRA,,${LORA},1`, `With both,${IMAGE},${LORA},0.8`].join(
        '\n'
      )
    );
    expect(r.rows.map((row) => row.draft.mode)).toEqual(['text-to-video', 'image-to-video', 'text-to-video-LoRA', 'image-to-video-LoRA']);
    expect(r.problems).toEqual([]);
    expect(r.rows[3].draft).toEqual({
      mode: 'image-to-video-LoRA',
      prompt: 'With both',
      resolution: '720p',
      duration: 5,
      imageUrl: IMAGE,
      seed: expect.any(Number),
      loras: [{ path: LORA, scale: 0.8 }]
    });
  });

  it('uses the batch default mode for rows that say nothing, and folds it into inference', () => {
    const defaults = { mode: 'text-to-video-LoRA' as const, loras: [{ path: LORA, scale: 1 }] };
    const r = importCsvText(`prompt,image\nNo cells,\nAn image,${IMAGE}\n`, { defaults });
    expect(r.rows.map((row) => [row.draft.mode, row.draft.loras])).toEqual([
      ['text-to-video-LoRA', [{ path: LORA, scale: 1 }]],
      ['image-to-video-LoRA', [{ path: LORA, scale: 1 }]]
    ]);
    expect(r.problems).toEqual([]);
  });

  it('treats default LoRAs without a default mode as a LoRA batch', () => {
    const r = importCsvText('prompt\nA cat\n', { defaults: { loras: [{ path: LORA, scale: 1.2 }] } });
    expect(r.rows[0].draft).toMatchObject({ mode: 'text-to-video-LoRA', loras: [{ path: LORA, scale: 1.2 }] });
    expect(r.validCount).toBe(1);
  });

  it('lets an explicit mode win, and reports cells that mode does not use', () => {
    const r = importCsvText(
      [
        'prompt,mode,image,aspect_ratio,lora2_path,lora2_scale',
        `Text with an image,text-to-video,${IMAGE},,,`,
        `Text with a LoRA,t2v,,,${LORA},1`,
        `Image with an aspect,i2v,${IMAGE},9:16,,`
      ].join('\n')
    );
    expect(r.problems.map((p) => [p.row, p.column, p.field, p.code])).toEqual([
      [2, 'image', 'image', 'not_allowed'],
      [3, 'lora2_path', 'lora2_path', 'not_allowed'],
      [4, 'aspect_ratio', 'aspect_ratio', 'not_allowed']
    ]);
    expect(r.validCount).toBe(0);
  });

  it('infers from an image cell even when the aspect column is filled, and the validator reports the aspect', () => {
    const r = importCsvText(`prompt,image,aspect\nA still,${IMAGE},16:9\n`);
    expect(r.rows[0].draft.mode).toBe('image-to-video');
    expect(r.problems.map(formatRowProblem)).toEqual([expect.stringMatching(/^Row 2, aspect: The aspect ratio is only for text-to-video modes/)]);
  });

  it('never applies the batch default aspect to an image-to-video row', () => {
    const r = importCsvText(`prompt,image\nA still,${IMAGE}\n`, { defaults: { aspectRatio: '9:16' } });
    expect(r.rows[0].draft.aspectRatio).toBeUndefined();
    expect(r.problems).toEqual([]);
  });

  it('reports an image mode without an image, and a LoRA mode without a LoRA', () => {
    const r = importCsvText('prompt,mode\nA,image-to-video\nB,text-to-video-LoRA\n');
    expect(r.problems.map((p) => [p.row, p.field, p.code])).toEqual([
      [2, 'image', 'required'],
      [3, 'lora1_path', 'required']
    ]);
  });
});

describe('LoRA cells', () => {
  it('reads up to three LoRAs in slot order, skipping empty slots', () => {
    const r = importCsvText(`prompt,lora1_path,lora1_scale,lora2_path,lora2_scale,lora3_path,lora3_scale\nA,${LORA},1,,,${LORA}?v=3,0.5\n`);
    expect(r.rows[0].draft.loras).toEqual([
      { path: LORA, scale: 1 },
      { path: `${LORA}?v=3`, scale: 0.5 }
    ]);
    expect(r.problems).toEqual([]);
  });

  it('accepts lora_path / lora_scale for the first LoRA', () => {
    const r = importCsvText(`prompt,LoRA Path,LoRA Scale\nA,${LORA},1.5\n`);
    expect(r.rows[0].draft.loras).toEqual([{ path: LORA, scale: 1.5 }]);
  });

  it('reports a scale without a path and a path without a scale, by the slot the person filled', () => {
    const r = importCsvText(`prompt,lora1_path,lora1_scale,lora2_path,LoRA2 Scale\nA,,1,,\nB,${LORA},,,\nC,,,${LORA},\n`);
    expect(r.problems.map((p) => [p.row, p.column, p.field, p.code])).toEqual([
      [2, 'lora1_path', 'lora1_path', 'required'],
      [3, 'lora1_scale', 'lora1_scale', 'required'],
      [4, 'LoRA2 Scale', 'lora2_scale', 'required']
    ]);
    expect(r.problems[2].message).toMatch(/^LoRA 2 needs a scale/);
  });

  it('refuses scales outside 0–4 and scales that are not numbers', () => {
    const r = importCsvText(`prompt,lora1_path,lora1_scale\nA,${LORA},4.5\nB,${LORA},strong\nC,${LORA},"1,2"\n`);
    expect(r.problems.map((p) => [p.row, p.field, p.code])).toEqual([
      [2, 'lora1_scale', 'out_of_range'],
      [3, 'lora1_scale', 'wrong_type'],
      [4, 'lora1_scale', 'wrong_type']
    ]);
    expect(r.problems[2].message).toContain('(got "1,2")');
  });
});

describe('source images', () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'stills'));
  mkdirSync(join(dir, 'a-folder.png'));
  writeFile(join(dir, 'stills'), 'tiny.png', TINY_PNG);
  writeFile(dir, 'fake.jpg', 'this is text, not a JPEG\n');
  writeFile(dir, 'empty.png', '');
  writeFile(dir, 'anim.gif', Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00', 'latin1'));
  const big = Buffer.alloc(10 * 1024 * 1024 + 1);
  TINY_PNG.copy(big);
  writeFile(dir, 'huge.png', big);
  // A JPEG cut short after its first bytes: the right magic, no frame header to give its size.
  writeFile(dir, 'cut.jpg', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]));

  it('accepts a real local PNG: the row is valid, imagePath is absolute, the URL comes later', async () => {
    const csv = writeFile(dir, 'local.csv', 'prompt,image\nThe tiny still comes alive,stills/tiny.png\n');
    const r = await importCsvFile(csv);
    expect(r.problems).toEqual([]);
    expect(r.validCount).toBe(1);
    expect(r.rows[0].imagePath).toBe(join(dir, 'stills', 'tiny.png'));
    expect(r.rows[0].draft).toEqual({
      mode: 'image-to-video',
      prompt: 'The tiny still comes alive',
      resolution: '720p',
      duration: 5,
      seed: expect.any(Number)
    });
    expect(validRows(r)).toHaveLength(1);
  });

  it('reads relative paths from baseDir, and takes absolute paths and file:// URLs as they are', () => {
    const absolute = join(dir, 'stills', 'tiny.png');
    const r = importCsvText(`prompt,image\nRelative,stills/tiny.png\nAbsolute,${absolute}\nFile URL,${pathToFileURL(absolute).href}\n`, { baseDir: dir });
    expect(r.problems).toEqual([]);
    expect(r.rows.map((row) => row.imagePath)).toEqual([absolute, absolute, absolute]);
  });

  it('says which way a local image is wrong', async () => {
    const csv = writeFile(
      dir,
      'bad-images.csv',
      [
        'prompt,image',
        'Text pretending,fake.jpg',
        'Missing,nowhere/missing.png',
        'A folder,a-folder.png',
        'Empty,empty.png',
        'A GIF,anim.gif',
        'Too big,huge.png',
        'Cut short,cut.jpg'
      ].join('\n')
    );
    const r = await importCsvFile(csv);
    expect(r.validCount).toBe(0);
    expect(r.problems.map((p) => [p.row, p.column, p.code])).toEqual([
      [2, 'image', 'not_an_image'],
      [3, 'image', 'file_not_found'],
      [4, 'image', 'not_a_file'],
      [5, 'image', 'not_an_image'],
      [6, 'image', 'not_an_image'],
      [7, 'image', 'file_too_large'],
      [8, 'image', 'not_an_image']
    ]);
    const messages = r.problems.map(formatRowProblem);
    expect(messages[0]).toBe('Row 2, image: The image "fake.jpg" is not a JPEG, PNG or WebP file (it is text). Convert it to JPG, PNG or WebP.');
    expect(messages[1]).toContain(join(dir, 'nowhere', 'missing.png'));
    expect(messages[4]).toContain('(it is a GIF image)');
    expect(messages[5]).toBe('Row 7, image: The image "huge.png" is 10.0 MB; source images can be at most 10 MB. Resize or compress it.');
    expect(messages[6]).toMatch(/"cut\.jpg" looks like a JPEG file, but its width and height could not be read/);
    expect(r.rows.every((row) => row.imagePath === undefined)).toBe(true);
  });

  it('passes an http(s) URL to the draft, and lets the validator refuse other schemes', () => {
    const r = importCsvText(`prompt,image\nA,${IMAGE}\nB,ftp://example.com/a.jpg\n`);
    expect(r.rows[0].draft.imageUrl).toBe(IMAGE);
    expect(r.rows[0].imagePath).toBeUndefined();
    expect(r.problems.map((p) => [p.row, p.field, p.code])).toEqual([[3, 'image', 'invalid_url']]);
  });

  it('checks an image used by many rows once and answers the same for each', () => {
    const lines = ['prompt,image', ...Array.from({ length: 200 }, (_, i) => `Take ${i},stills/tiny.png`)];
    const r = importCsvText(lines.join('\n'), { baseDir: dir });
    expect(r.validCount).toBe(200);
    expect(new Set(r.rows.map((row) => row.imagePath)).size).toBe(1);
  });
});
