import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UPLOAD_MAX_BYTES, failMessage, startSimulator, uploadUrl, type Simulator } from '../../src/main/core/simulator';
import { Api, body, untilComplete } from './helpers';

let sim: Simulator;
let api: Api;

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0.001, seed: 23 });
  api = new Api(sim);
});
afterAll(() => sim.close());

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const JPEG_MAGIC = Buffer.from([0xff, 0xd8, 0xff, 0xe0]);

function png(size = 200): Buffer {
  return Buffer.concat([PNG_MAGIC, randomBytes(size)]);
}

async function put(target: Simulator, name: string, bytes: Buffer, key: string | null = target.apiKey): Promise<{ status: number; json: any }> {
  const res = await fetch(uploadUrl(target.baseUrl, name), {
    method: 'PUT',
    headers: key === null ? {} : { authorization: `Bearer ${key}` },
    body: new Uint8Array(bytes)
  });
  return { status: res.status, json: await res.json() };
}

function imageTask(url: string): ReturnType<typeof body> {
  return body({ mode: 'image-to-video', imageUrl: url, aspectRatio: undefined });
}

async function outcome(taskId: string): Promise<any> {
  await untilComplete(sim, taskId);
  return (await api.status(taskId)).json.data;
}

describe('the simulator image upload', () => {
  it('stores a PUT image and serves it publicly at the URL it answers, with its type', async () => {
    const bytes = png();
    const answer = await put(sim, 'my photo.png', bytes);
    const id = `${createHash('sha256').update(bytes).digest('hex')}.png`;
    expect(answer).toEqual({ status: 200, json: { code: 200, message: 'success', data: { url: `${sim.baseUrl}/sim/uploads/${id}` } } });

    const served = await fetch(answer.json.data.url);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await served.arrayBuffer()).equals(bytes)).toBe(true);
    const head = await fetch(answer.json.data.url, { method: 'HEAD' });
    expect([head.status, head.headers.get('content-length')]).toEqual([200, String(bytes.length)]);
  });

  it('keeps one copy of the same bytes, whatever name they come under', async () => {
    const bytes = png();
    const before = sim.counts().uploads;
    const a = await put(sim, 'a.png', bytes);
    const b = await put(sim, 'b.png', bytes);
    expect(a.json.data.url).toBe(b.json.data.url);
    expect(sim.counts().uploads).toBe(before + 1);
  });

  it('wants the API key', async () => {
    expect(await put(sim, 'x.png', png(), null)).toEqual({ status: 401, json: { code: 401, message: 'Invalid or missing API key' } });
    expect((await put(sim, 'x.png', png(), 'wrong')).status).toBe(401);
  });

  it('refuses what is not a JPEG, PNG or WebP, an empty body, and more than 10 MB, in the API envelope', async () => {
    expect(await put(sim, 'notes.png', Buffer.from('just some text'))).toEqual({
      status: 400,
      json: { code: 400, message: 'Invalid request', data: { error: 'The upload is not a JPEG, PNG or WebP image (it is text)' } }
    });
    expect((await put(sim, 'anim.gif', Buffer.from('GIF89a......'))).json.data.error).toBe('The upload is not a JPEG, PNG or WebP image (it is a GIF image)');
    expect((await put(sim, 'empty.png', Buffer.alloc(0))).json).toEqual({ code: 400, message: 'Invalid request', data: { error: 'The upload is empty' } });
    const big = await put(sim, 'big.jpg', Buffer.concat([JPEG_MAGIC, Buffer.alloc(UPLOAD_MAX_BYTES)]));
    expect(big).toEqual({ status: 413, json: { code: 413, message: 'Request body too large', data: { error: 'The image exceeds 10 MB' } } });
    // Still serving afterwards.
    expect((await put(sim, 'after.jpg', Buffer.concat([JPEG_MAGIC, randomBytes(50)]))).status).toBe(200);
  });

  it('answers 404 for an unknown upload and 405 for other methods', async () => {
    expect((await fetch(`${sim.baseUrl}/sim/uploads/${'0'.repeat(64)}.png`)).status).toBe(404);
    const del = await fetch(`${sim.baseUrl}/sim/uploads/x.png`, { method: 'DELETE', headers: { authorization: `Bearer ${sim.apiKey}` } });
    expect([del.status, del.headers.get('allow')]).toEqual([405, 'PUT, GET, HEAD']);
  });

  it('forgets the oldest uploads past its memory cap', async () => {
    const small = await startSimulator({ timeScale: 0.001, seed: 1, uploadsCapBytes: 1000 });
    try {
      const first = await put(small, 'first.png', png(400));
      const second = await put(small, 'second.png', png(400));
      const third = await put(small, 'third.png', png(400));
      expect(small.counts().uploads).toBe(2);
      expect((await fetch(first.json.data.url)).status).toBe(404);
      expect((await fetch(second.json.data.url)).status).toBe(200);
      expect((await fetch(third.json.data.url)).status).toBe(200);
    } finally {
      await small.close();
    }
  });
});

describe('image tasks and the simulator uploads', () => {
  it('succeeds with an uploaded image', async () => {
    const { json } = await put(sim, 'source.png', png());
    const data = await outcome(await api.create(imageTask(json.data.url)));
    expect(data.state).toBe('success');
  });

  it('fails like APIXO (ImageNotAccess) when the upload the URL names does not exist, and refunds it', async () => {
    const balance = await api.balance();
    const taskId = await api.create(imageTask(`${sim.baseUrl}/sim/uploads/${'ab'.repeat(32)}.png`));
    const data = await outcome(taskId);
    expect(data).toMatchObject({ state: 'failed', failCode: 'ImageNotAccess', failMsg: failMessage('ImageNotAccess') });
    expect(sim.task(taskId)!.refunded).toBe(true);
    expect(await api.balance()).toBe(balance);
  });

  it('recognises its own uploads under localhost as well', async () => {
    const url = `http://localhost:${sim.port}/api/v1/sim/uploads/${'cd'.repeat(32)}.png`;
    expect((await outcome(await api.create(imageTask(url)))).failCode).toBe('ImageNotAccess');
  });

  it('accepts a data: URL image, and fails one whose bytes are not an image with ImageFormatIncorrect', async () => {
    const good = await outcome(await api.create(imageTask(`data:image/png;base64,${png().toString('base64')}`)));
    expect(good.state).toBe('success');
    const text = Buffer.from('definitely not an image').toString('base64');
    const bad = await outcome(await api.create(imageTask(`data:image/jpeg;base64,${text}`)));
    expect(bad).toMatchObject({ state: 'failed', failCode: 'ImageFormatIncorrect', failMsg: failMessage('ImageFormatIncorrect') });
  });

  it('refuses a malformed data: URL at submit, in the server words', async () => {
    const answer = await api.submit(imageTask('data:image/gif;base64,R0lGODlh'));
    expect(answer.status).toBe(400);
    expect(answer.json.data.error).toMatch(/^Invalid image_urls: A source image given as a data: URL must be a base64 JPG, PNG or WebP image/);
  });

  it('leaves other image URLs alone (it does not fetch them)', async () => {
    expect((await outcome(await api.create(imageTask('https://example.com/photo.jpg')))).state).toBe('success');
  });
});
