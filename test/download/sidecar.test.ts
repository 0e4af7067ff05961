import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SIDECAR_BYTES, readSidecar, writeSidecar, type Sidecar } from '../../src/main/core/download';
import { TempDirs, makeSidecar } from '../library/helpers';

const temp = new TempDirs();
let dir: string;
beforeAll(async () => {
  dir = await temp.make();
});
afterAll(() => temp.cleanup());

async function writeRaw(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('sidecar round trip', () => {
  it('reads back exactly what was written, atomically, leaving no temporary file', async () => {
    const data = makeSidecar('clip.mp4', { favourite: true, sourceImage: 'clip.source.png', seed: 7 }, { seed: 7 });
    const path = join(dir, 'clip.json');
    await writeSidecar(path, data);
    const read = await readSidecar(path);
    expect(read.problem).toBeUndefined();
    expect(read.sidecar).toEqual(data);
    const text = await readFile(path, 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n  "schema": 1,');
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('keeps the name given to the video, and still reads an older sidecar that has none', async () => {
    const named = makeSidecar('named.mp4', { name: 'lighthouse-storm' });
    await writeSidecar(join(dir, 'named.json'), named);
    const read = await readSidecar(join(dir, 'named.json'));
    expect(read.sidecar?.name).toBe('lighthouse-storm');
    expect(read.sidecar?.prompt).toBe(named.prompt);

    const older = JSON.parse(JSON.stringify(makeSidecar('older.mp4'))) as Record<string, unknown>;
    delete older.name;
    delete older.seed;
    const old = await readSidecar(await writeRaw('older.json', JSON.stringify(older)));
    expect(old.problem).toBeUndefined();
    expect(old.sidecar).not.toHaveProperty('name');
    expect(old.sidecar?.seed).toBeUndefined();
  });

  it('replaces an existing sidecar whole', async () => {
    const path = join(dir, 'replace.json');
    await writeSidecar(path, makeSidecar('replace.mp4', { prompt: 'first version with a much longer prompt text' }));
    await writeSidecar(path, makeSidecar('replace.mp4', { prompt: 'second' }));
    expect((await readSidecar(path)).sidecar?.prompt).toBe('second');
  });

  it('keeps fields it does not know (a newer app may add some)', async () => {
    const path = await writeRaw('extra.json', JSON.stringify({ ...makeSidecar('extra.mp4'), rating: 5, notes: { a: 1 } }));
    const read = await readSidecar(path);
    expect(read.sidecar).toMatchObject({ rating: 5, notes: { a: 1 } });
  });

  it('never writes a credential', async () => {
    const data = makeSidecar('k.mp4');
    const withHeaders = { ...data, request: { ...data.request, headers: { authorization: 'Bearer sim-key' } } } as unknown as Sidecar;
    await expect(writeSidecar(join(dir, 'k.json'), withHeaders)).rejects.toThrow(/credential/);
    const withKey = { ...data, apiKey: 'sim-key' } as unknown as Sidecar;
    await expect(writeSidecar(join(dir, 'k.json'), withKey)).rejects.toThrow(/credential/);
    // A CSV column may be called anything: cells are data, not credentials.
    const cells = makeSidecar('k.mp4', { sourceRow: { row: 2, take: 1, cells: { token: 'abc', prompt: 'p' } } });
    await writeSidecar(join(dir, 'k.json'), cells);
    expect(await readFile(join(dir, 'k.json'), 'utf8')).not.toMatch(/authorization|sim-key|Bearer/i);
  });

  it('refuses to write a sidecar that would not read back', async () => {
    const bad = { ...makeSidecar('bad.mp4'), mode: 'video-to-video' } as unknown as Sidecar;
    await expect(writeSidecar(join(dir, 'bad.json'), bad)).rejects.toThrow(/mode/);
    await expect(readFile(join(dir, 'bad.json'))).rejects.toThrow();
  });
});

describe('readSidecar never throws', () => {
  it('says when there is none', async () => {
    expect(await readSidecar(join(dir, 'nothing.json'))).toMatchObject({ sidecar: undefined, problem: 'missing' });
    expect(await readSidecar(join(dir, 'no-folder', 'x.json'))).toMatchObject({ problem: 'missing' });
  });

  it('says when the JSON is broken', async () => {
    const whole = JSON.stringify(makeSidecar('cut.mp4'));
    const read = await readSidecar(await writeRaw('cut.json', whole.slice(0, whole.length >> 1)));
    expect(read).toMatchObject({ sidecar: undefined, problem: 'not_json' });
    expect(read.reason).toMatch(/not valid JSON/);
    expect((await readSidecar(await writeRaw('empty.json', ''))).problem).toBe('not_json');
    expect((await readSidecar(await writeRaw('bom.json', '\u0000\u0001garbage'))).problem).toBe('not_json');
  });

  it('says when the JSON belongs to something else', async () => {
    expect((await readSidecar(await writeRaw('pkg.json', '{"name":"some-package","version":"1.0.0"}'))).problem).toBe('foreign');
    expect((await readSidecar(await writeRaw('list.json', '[1,2,3]'))).problem).toBe('foreign');
    expect((await readSidecar(await writeRaw('null.json', 'null'))).problem).toBe('foreign');
    const other = { ...makeSidecar('o.mp4'), model: 'veo-3' };
    expect(await readSidecar(await writeRaw('other-model.json', JSON.stringify(other)))).toMatchObject({ problem: 'foreign' });
  });

  it('says when a newer app wrote it', async () => {
    const read = await readSidecar(await writeRaw('newer.json', JSON.stringify({ ...makeSidecar('n.mp4'), schema: 2 })));
    expect(read).toMatchObject({ problem: 'newer_schema' });
    expect(read.reason).toMatch(/newer version/);
  });

  it('names the damaged field', async () => {
    const cases: [string, (s: Record<string, unknown>) => void, RegExp][] = [
      ['no-prompt', (s) => delete s.prompt, /prompt/],
      ['bad-resolution', (s) => (s.resolution = '4k'), /resolution/],
      ['bad-file', (s) => (s.file = '../../etc/passwd'), /file/],
      ['bad-probe', (s) => ((s.probe as Record<string, unknown>).width = 'wide'), /probe\.width/],
      ['bad-date', (s) => (s.createdAt = 'yesterday'), /createdAt/],
      ['bad-cells', (s) => ((s.sourceRow as { cells: unknown }).cells = { a: 1 }), /cells/],
      ['bad-favourite', (s) => (s.favourite = 'yes'), /favourite/],
      ['bad-name', (s) => (s.name = 42), /name is not text/],
      ['no-schema', (s) => delete s.schema, /schema/]
    ];
    for (const [name, damage, field] of cases) {
      const data = JSON.parse(JSON.stringify(makeSidecar(`${name}.mp4`))) as Record<string, unknown>;
      damage(data);
      const read = await readSidecar(await writeRaw(`${name}.json`, JSON.stringify(data)));
      expect(read.problem, name).toBe('invalid');
      expect(read.reason, name).toMatch(field);
    }
  });

  it('says when it is too large or not a file', async () => {
    const big = await writeRaw('big.json', ' '.repeat(MAX_SIDECAR_BYTES + 1));
    expect((await readSidecar(big)).problem).toBe('too_large');
    await mkdir(join(dir, 'folder.json'));
    expect((await readSidecar(join(dir, 'folder.json'))).problem).toBe('unreadable');
  });
});
