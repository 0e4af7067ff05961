import { copyFileSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IMAGE_MAX_BYTES } from '@shared/images';
import { inspectImageBytes, inspectImageFile, inspectImageFileSync } from '../../src/main/core/images/image-check';
import { checkLocalImage } from '../../src/main/core/import/local-image';
import { UPLOAD_MAX_BYTES } from '../../src/main/core/simulator';
import { tempDirs } from '../support/temp-dirs';
import { FIXTURES, IMAGE_FIXTURES, SAMPLE_MP4, fixtureBytes } from './helpers';

const makeDir = tempDirs('ltx-one-check-');

describe('one image check for a dropped image, a CSV cell and bytes in memory', () => {
  it('gives the same verdict to each, for good images and every way of being wrong', async () => {
    const dir = makeDir();
    const write = (name: string, data: string | Uint8Array): string => (writeFileSync(join(dir, name), data), join(dir, name));
    const huge = write('huge.png', fixtureBytes('png-37x23.png'));
    truncateSync(huge, IMAGE_MAX_BYTES + 1);
    mkdirSync(join(dir, 'album.jpg'));
    copyFileSync(SAMPLE_MP4, join(dir, 'clip.webp'));
    const paths = [
      ...IMAGE_FIXTURES.map((f) => join(FIXTURES, f.file)),
      write('empty.jpg', ''),
      huge,
      write('notes.png', 'not a picture\n'),
      write('cut.png', fixtureBytes('png-37x23.png').subarray(0, 20)),
      join(dir, 'clip.webp'),
      join(dir, 'album.jpg'),
      join(dir, 'gone.jpg')
    ];
    const problems: string[] = [];
    for (const path of paths) {
      const verdict = await inspectImageFile(path);
      expect(inspectImageFileSync(path)).toEqual(verdict);
      problems.push(verdict.ok ? verdict.kind : verdict.problem);
      const csv = checkLocalImage(path, dir);
      expect(csv.ok).toBe(verdict.ok);
      if (verdict.ok && csv.ok) expect(csv.type).toBe(verdict.kind);
      // A download or a paste of the same bytes is judged the same (a folder or a missing file has no bytes).
      if (!verdict.ok && (verdict.problem === 'folder' || verdict.problem === 'missing')) continue;
      expect(inspectImageBytes(readFileSync(path))).toEqual(verdict);
    }
    expect(problems.slice(IMAGE_FIXTURES.length)).toEqual(['empty', 'too_large', 'not_an_image', 'no_size', 'not_an_image', 'folder', 'missing']);
  });

  it('takes the 10 MB limit from one place, the simulator included', () => {
    expect(IMAGE_MAX_BYTES).toBe(10 * 1024 * 1024);
    expect(UPLOAD_MAX_BYTES).toBe(IMAGE_MAX_BYTES);
  });
});
