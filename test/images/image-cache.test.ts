import { createHash } from 'node:crypto';
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImageCache } from '../../src/main/core/images/image-cache';
import { ImageRefusal } from '../../src/main/core/images/image-refusal';
import { rejection } from '../support/rejection';
import { tempDirs } from '../support/temp-dirs';
import { FIXTURES, fixtureBytes } from './helpers';

const makeDir = tempDirs('ltx-image-cache-');

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describe('ImageCache', () => {
  it('copies a checked file under its hash and describes it', async () => {
    const cacheDir = join(makeDir(), 'cache');
    const source = join(FIXTURES, 'progressive-41x29.jpg');
    const bytes = fixtureBytes('progressive-41x29.jpg');
    const image = await new ImageCache(cacheDir).addFile(source);
    const id = sha256(bytes);
    expect(image).toEqual({
      id,
      name: 'progressive-41x29.jpg',
      kind: 'jpeg',
      width: 41,
      height: 29,
      sizeBytes: bytes.length,
      preview: `cache/sources/${id}.jpg`,
      origin: { kind: 'file', path: source }
    });
    expect(readFileSync(join(cacheDir, 'sources', `${id}.jpg`))).toEqual(bytes);
  });

  it('keeps the same bytes once, under one id, whatever they are called', async () => {
    const dir = makeDir();
    const cache = new ImageCache(join(dir, 'cache'));
    copyFileSync(join(FIXTURES, 'lossy-45x31.webp'), join(dir, 'a.webp'));
    copyFileSync(join(FIXTURES, 'lossy-45x31.webp'), join(dir, 'copy of a.webp'));
    const first = await cache.addFile(join(dir, 'a.webp'));
    const second = await cache.addFile(join(dir, 'copy of a.webp'));
    const third = await cache.addBytes(fixtureBytes('lossy-45x31.webp'), 'pasted.webp', { kind: 'url', url: 'https://example.com/a.webp' });
    expect(new Set([first.id, second.id, third.id]).size).toBe(1);
    expect([first.name, second.name, third.name]).toEqual(['a.webp', 'copy of a.webp', 'pasted.webp']);
    expect(third.origin).toEqual({ kind: 'url', url: 'https://example.com/a.webp' });
    // One file, and no temporary file left behind.
    expect(readdirSync(join(dir, 'cache', 'sources'))).toEqual([`${first.id}.webp`]);
  });

  it('finds an image again from a new instance, as after a restart', async () => {
    const cacheDir = join(makeDir(), 'cache');
    const added = await new ImageCache(cacheDir).addFile(join(FIXTURES, 'png-37x23.png'));
    const reopened = new ImageCache(cacheDir);
    const found = await reopened.find(added.id);
    const path = join(cacheDir, 'sources', `${added.id}.png`);
    expect(found).toEqual({
      path,
      image: { ...added, name: `${added.id}.png`, origin: { kind: 'file', path } }
    });
    expect(reopened.pathOf(added.id, 'png')).toBe(path);
    expect(await reopened.find('0'.repeat(64))).toBeUndefined();
  });

  it('does not find a cached file that has been damaged', async () => {
    const cacheDir = join(makeDir(), 'cache');
    const cache = new ImageCache(cacheDir);
    const added = await cache.addFile(join(FIXTURES, 'png-37x23.png'));
    writeFileSync(cache.pathOf(added.id, 'png'), 'not a png any more');
    expect(await cache.find(added.id)).toBeUndefined();
  });

  it('refuses ids that are not 64 lowercase hex characters, so no path can be built from them', async () => {
    const cache = new ImageCache(join(makeDir(), 'cache'));
    for (const id of ['../../etc/passwd', 'A'.repeat(64), 'a'.repeat(63), `${'a'.repeat(64)}/x`, '']) {
      expect(() => cache.pathOf(id, 'png')).toThrow(/Not an image id/);
      await expect(cache.find(id)).rejects.toThrow(/expected 64 hexadecimal characters/);
    }
  });

  it('throws ImageRefusal with the reason for what it does not take', async () => {
    const dir = makeDir();
    const cache = new ImageCache(join(dir, 'cache'));
    writeFileSync(join(dir, 'photo.jpg'), Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'));
    const refusal = await rejection(cache.addFile(join(dir, 'photo.jpg')), ImageRefusal);
    expect(refusal.reason).toBe('"photo.jpg" is a GIF image: only JPG, PNG and WebP images can be animated. Convert it to JPG, PNG or WebP first.');
    const fromBytes = await rejection(
      cache.addBytes(Buffer.from('<!doctype html><html></html>'), 'page.png', { kind: 'url', url: 'https://x.test/page.png' }),
      ImageRefusal
    );
    expect(fromBytes.message).toBe('"page.png" is an HTML page, not an image: only JPG, PNG and WebP images can be animated.');
    await rejection(cache.addFile(join(dir, 'missing.png')), ImageRefusal);
  });
});
