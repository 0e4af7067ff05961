import { copyFile, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEDIA_SCHEME, mediaResponse, mediaUrlFor, parseRange, resolveMediaUrl } from '../../src/main/core/library/media-files';
import { SAMPLE_WIDE, TempDirs } from './helpers';

const temp = new TempDirs();
let library: string;
let cache: string;
let outside: string;
let roots: Record<string, string>;
let sample: Buffer;
let video: string;

beforeAll(async () => {
  const base = await temp.make('ltx-media-');
  library = join(base, 'library');
  cache = join(base, 'cache');
  outside = join(base, 'outside');
  await Promise.all([mkdir(join(library, '2025-01-02', 'with space'), { recursive: true }), mkdir(cache), mkdir(outside)]);
  video = join(library, '2025-01-02', 'clip.mp4');
  await copyFile(SAMPLE_WIDE, video);
  await copyFile(SAMPLE_WIDE, join(library, '2025-01-02', 'with space', 'a #1 & é.mp4'));
  await writeFile(join(library, '2025-01-02', 'clip.json'), '{"schema":1}\n');
  await writeFile(join(library, 'notes.txt'), 'not media');
  await mkdir(join(library, 'folder.mp4'));
  await writeFile(join(cache, 'poster.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
  await copyFile(SAMPLE_WIDE, join(outside, 'secret.mp4'));
  await symlink(join(outside, 'secret.mp4'), join(library, 'escape.mp4'));
  await symlink(outside, join(library, 'escape-dir'));
  await symlink(video, join(library, 'alias.mp4'));
  sample = await readFile(SAMPLE_WIDE);
  roots = { library, cache };
});
afterAll(() => temp.cleanup());

async function refusal(url: string): Promise<number> {
  const result = await resolveMediaUrl(url, roots);
  if (result.ok) throw new Error(`${url} was accepted as ${result.path}`);
  return result.status;
}

describe('resolveMediaUrl', () => {
  it('resolves files inside a root, decoding each segment once', async () => {
    expect(await resolveMediaUrl(`${MEDIA_SCHEME}://library/2025-01-02/clip.mp4`, roots)).toEqual({ ok: true, path: video });
    expect(await resolveMediaUrl('ltx-media://library/2025-01-02/clip.json', roots)).toMatchObject({ ok: true });
    expect(await resolveMediaUrl('ltx-media://cache/poster.jpg', roots)).toEqual({ ok: true, path: join(cache, 'poster.jpg') });
    const odd = mediaUrlFor('library', '2025-01-02/with space/a #1 & é.mp4');
    expect(odd).toBe('ltx-media://library/2025-01-02/with%20space/a%20%231%20%26%20%C3%A9.mp4');
    expect(await resolveMediaUrl(odd, roots)).toEqual({ ok: true, path: join(library, '2025-01-02', 'with space', 'a #1 & é.mp4') });
    expect(mediaUrlFor('library', '2025-01-02\\clip.mp4')).toBe('ltx-media://library/2025-01-02/clip.mp4');
  });

  it('refuses dot segments, raw or encoded', async () => {
    expect(await refusal('ltx-media://library/../outside/secret.mp4')).toBe(403);
    expect(await refusal('ltx-media://library/2025-01-02/../../outside/secret.mp4')).toBe(403);
    expect(await refusal('ltx-media://library/%2e%2e/outside/secret.mp4')).toBe(403);
    expect(await refusal('ltx-media://library/%2E%2E/outside/secret.mp4')).toBe(403);
    expect(await refusal('ltx-media://library/.%2e/outside/secret.mp4')).toBe(403);
    expect(await refusal('ltx-media://library/./2025-01-02/clip.mp4')).toBe(403);
  });

  it('refuses encoded separators, backslashes and NUL', async () => {
    expect(await refusal('ltx-media://library/..%2foutside%2fsecret.mp4')).toBe(403);
    expect(await refusal('ltx-media://library/2025-01-02%2Fclip.mp4')).toBe(403);
    expect(await refusal('ltx-media://library/..%5coutside%5csecret.mp4')).toBe(403);
    expect(await refusal('ltx-media://library/2025-01-02%5Cclip.mp4')).toBe(403);
    expect(await refusal('ltx-media://library/..\\outside\\secret.mp4')).toBe(403);
    expect(await refusal('ltx-media://library/2025-01-02\\clip.mp4')).toBe(403);
    expect(await refusal('ltx-media://library/2025-01-02/clip.mp4%00.txt')).toBe(403);
    expect(await refusal('ltx-media://library/2025-01-02/clip%00.mp4')).toBe(403);
  });

  it('refuses absolute-looking paths and drive letters', async () => {
    expect(await refusal(`ltx-media://library/${join(outside, 'secret.mp4')}`)).toBe(403);
    expect(await refusal(`ltx-media://library/${encodeURIComponent(join(outside, 'secret.mp4'))}`)).toBe(403);
    expect(await refusal('ltx-media://library//etc/passwd.json')).toBe(403);
    expect(await refusal('ltx-media://library/C:/Windows/win.mp4')).toBe(403);
    expect(await refusal('ltx-media://library/c%3A%5CWindows%5Cwin.mp4')).toBe(403);
  });

  it('answers 404 for an unknown root or a missing file, 400 for what is not a media URL', async () => {
    expect(await refusal('ltx-media://other/clip.mp4')).toBe(404);
    expect(await refusal('ltx-media://constructor/clip.mp4')).toBe(404);
    expect(await refusal('ltx-media://__proto__/clip.mp4')).toBe(404);
    expect(await refusal('ltx-media://library/2025-01-02/missing.mp4')).toBe(404);
    expect(await refusal('ltx-media://library/nowhere/missing.mp4')).toBe(404);
    expect(await refusal('file:///etc/passwd')).toBe(400);
    expect(await refusal('not a url')).toBe(400);
    expect(await refusal('ltx-media://library/')).toBe(400);
    expect(await refusal('ltx-media://library/bad%zz.mp4')).toBe(400);
  });

  it('refuses directories and file types it does not serve', async () => {
    expect(await refusal('ltx-media://library/2025-01-02')).toBe(403);
    expect(await refusal('ltx-media://library/folder.mp4')).toBe(403);
    expect(await refusal('ltx-media://library/notes.txt')).toBe(403);
    expect(await refusal('ltx-media://library/2025-01-02/clip.MP4.exe')).toBe(403);
  });

  it('refuses symlinks leading out of the root and follows those staying inside', async () => {
    expect(await refusal('ltx-media://library/escape.mp4')).toBe(403);
    expect(await refusal('ltx-media://library/escape-dir/secret.mp4')).toBe(403);
    expect(await resolveMediaUrl('ltx-media://library/alias.mp4', roots)).toEqual({ ok: true, path: video });
  });
});

async function bytes(response: Response): Promise<Buffer> {
  return Buffer.from(await response.arrayBuffer());
}

describe('mediaResponse', () => {
  it('serves the whole file with 200', async () => {
    const response = await mediaResponse(video, null);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String(sample.length));
    expect(response.headers.get('accept-ranges')).toBe('bytes');
    expect(response.headers.get('content-type')).toBe('video/mp4');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('content-range')).toBeNull();
    expect((await bytes(response)).equals(sample)).toBe(true);
    expect((await mediaResponse(join(cache, 'poster.jpg'), null)).headers.get('content-type')).toBe('image/jpeg');
  });

  it('serves bytes=0-99 as 206 with the exact bytes', async () => {
    const response = await mediaResponse(video, 'bytes=0-99');
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe(`bytes 0-99/${sample.length}`);
    expect(response.headers.get('content-length')).toBe('100');
    expect((await bytes(response)).equals(sample.subarray(0, 100))).toBe(true);
  });

  it('serves an open range bytes=100-', async () => {
    const response = await mediaResponse(video, 'bytes=100-');
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe(`bytes 100-${sample.length - 1}/${sample.length}`);
    expect(response.headers.get('content-length')).toBe(String(sample.length - 100));
    expect((await bytes(response)).equals(sample.subarray(100))).toBe(true);
  });

  it('serves a suffix range bytes=-50', async () => {
    const response = await mediaResponse(video, 'bytes=-50');
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe(`bytes ${sample.length - 50}-${sample.length - 1}/${sample.length}`);
    expect((await bytes(response)).equals(sample.subarray(sample.length - 50))).toBe(true);
  });

  it('clamps a range running past the end', async () => {
    const response = await mediaResponse(video, `bytes=${sample.length - 10}-${sample.length + 1000}`);
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe(`bytes ${sample.length - 10}-${sample.length - 1}/${sample.length}`);
    expect((await bytes(response)).equals(sample.subarray(sample.length - 10))).toBe(true);
    const whole = await mediaResponse(video, `bytes=-${sample.length * 2}`);
    expect(whole.status).toBe(206);
    expect((await bytes(whole)).equals(sample)).toBe(true);
  });

  it('answers 416 to an unsatisfiable range', async () => {
    for (const header of [`bytes=${sample.length}-`, `bytes=${sample.length + 5}-${sample.length + 9}`, 'bytes=-0']) {
      const response = await mediaResponse(video, header);
      expect(response.status, header).toBe(416);
      expect(response.headers.get('content-range')).toBe(`bytes */${sample.length}`);
      expect((await bytes(response)).length).toBe(0);
    }
  });

  it('serves the whole file for several ranges or a header it does not understand', async () => {
    for (const header of ['bytes=0-9,20-29', 'items=0-9', 'bytes=9-0', 'bytes=abc', 'bytes=-']) {
      const response = await mediaResponse(video, header);
      expect(response.status, header).toBe(200);
      expect((await bytes(response)).length).toBe(sample.length);
    }
  });

  it('answers HEAD with headers only', async () => {
    const full = await mediaResponse(video, null, 'HEAD');
    expect(full.status).toBe(200);
    expect(full.headers.get('content-length')).toBe(String(sample.length));
    expect(full.body).toBeNull();
    const partial = await mediaResponse(video, 'bytes=0-99', 'HEAD');
    expect(partial.status).toBe(206);
    expect(partial.headers.get('content-range')).toBe(`bytes 0-99/${sample.length}`);
    expect(partial.headers.get('content-length')).toBe('100');
    expect(partial.body).toBeNull();
  });
});

describe('parseRange', () => {
  it('reads the three single-range forms', () => {
    expect(parseRange('bytes=0-99', 1000)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=100-', 1000)).toEqual({ start: 100, end: 999 });
    expect(parseRange('bytes=-50', 1000)).toEqual({ start: 950, end: 999 });
    expect(parseRange(null, 1000)).toBeUndefined();
    expect(parseRange('bytes=0-', 0)).toBe('unsatisfiable');
  });
});
