import { createServer } from 'node:net';
import got from 'got';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3Hosting } from '@shared/settings';
import { HostingError, createS3Host, objectUrl, presignUrl, testImageHost, type S3HostOptions } from '../../src/main/core/hosting';
import { tempDirs } from '../support/temp-dirs';
import { imageBytes, imageFile } from './support/images';
import { S3RVER_KEY, startLocalS3, type LocalS3 } from './support/s3-server';

const tempDir = tempDirs('ltx-s3-host-');
const FAST: S3HostOptions = { retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 5 } };
let s3: LocalS3;
let files: string;

beforeAll(async () => {
  s3 = await startLocalS3(tempDir(), ['clips', 'other']);
  files = tempDir();
});
afterAll(() => s3?.close());

function config(patch: Partial<S3Hosting> = {}): S3Hosting {
  return {
    endpoint: s3.endpoint,
    region: 'us-east-1',
    bucket: 'clips',
    accessKeyId: S3RVER_KEY.accessKeyId,
    prefix: 'ltx-batch-studio/',
    pathStyle: true,
    urlHours: 72,
    ...patch
  };
}

/** The keys in a bucket, from a signed ListObjectsV2 through the gate. */
async function listKeys(bucket: string): Promise<string[]> {
  const url = objectUrl({ endpoint: s3.endpoint, bucket, key: '', pathStyle: true });
  url.searchParams.set('list-type', '2');
  const signed = presignUrl({ method: 'GET', url, region: 'us-east-1', expiresSeconds: 60 }, S3RVER_KEY);
  const res = await got(signed, { throwHttpErrors: false });
  expect(res.statusCode).toBe(200);
  return [...res.body.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]);
}

async function hostingError(promise: Promise<unknown>): Promise<HostingError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e
  );
  expect(error).toBeInstanceOf(HostingError);
  return error as HostingError;
}

describe('the S3 host against a real S3-compatible server', () => {
  it('uploads an image and answers a presigned link that serves the same bytes, with its type', async () => {
    const bytes = imageBytes('jpeg', 4096);
    const image = imageFile(files, 'photo.jpg', bytes, 'jpeg');
    const url = await createS3Host(config(), S3RVER_KEY.secretAccessKey, FAST).host(image);

    expect(url.startsWith(`${s3.endpoint}/clips/ltx-batch-studio/${image.id}.jpg?`)).toBe(true);
    expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe(String(72 * 3600));
    const res = await got(url, { responseType: 'buffer' });
    expect(Buffer.from(res.body).equals(bytes)).toBe(true);
    expect(res.headers['content-type']).toBe('image/jpeg');
    // Every request was signed and checked: HEAD, PUT, then the link's GET.
    const mine = s3.gate.records.filter((r) => r.path.includes(image.id));
    expect(mine.map((r) => [r.method, r.verdict])).toEqual([
      ['HEAD', 'passed'],
      ['PUT', 'passed'],
      ['GET', 'passed']
    ]);
  });

  it('puts the same image once: a second host finds it with a HEAD and skips the upload', async () => {
    const image = imageFile(files, 'twice.png', imageBytes('png'), 'png');
    const host = createS3Host(config({ prefix: 'twice/' }), S3RVER_KEY.secretAccessKey, FAST);
    const first = await host.host(image);
    const second = await host.host({ ...image, name: 'the same picture.png' });

    expect(new URL(first).pathname).toBe(new URL(second).pathname);
    expect(await listKeys('clips').then((keys) => keys.filter((k) => k.startsWith('twice/')))).toEqual([`twice/${image.id}.png`]);
    const puts = s3.gate.records.filter((r) => r.method === 'PUT' && r.path.includes(image.id));
    expect(puts).toHaveLength(1);
  });

  it('handles keys with spaces and unicode in the prefix, signed as S3 checks them', async () => {
    const bytes = imageBytes('webp');
    const image = imageFile(files, 'été.webp', bytes, 'webp');
    const prefix = 'my images/été 2024/';
    const url = await createS3Host(config({ prefix }), S3RVER_KEY.secretAccessKey, FAST).host(image);

    expect(new URL(url).pathname).toBe(`/clips/my%20images/%C3%A9t%C3%A9%202024/${image.id}.webp`);
    expect(Buffer.from((await got(url, { responseType: 'buffer' })).body).equals(bytes)).toBe(true);
    expect(await listKeys('clips')).toContain(`${prefix}${image.id}.webp`);
  });

  it('says the secret key is wrong when the signature does not match', async () => {
    const image = imageFile(files, 'wrong-secret.png', imageBytes('png'), 'png');
    const error = await hostingError(createS3Host(config(), 'not-the-secret', FAST).host(image));

    expect(error.reason).toBe('credentials');
    expect(error.message).toMatch(/refused the secret access key/);
    expect(error.message).toContain('Settings → Image hosting');
    expect(error.message).toContain('"S3RVER"');
    expect(await listKeys('clips')).not.toContain(`ltx-batch-studio/${image.id}.png`);
  });

  it('refuses a presigned link whose signature was tampered with (and notes that s3rver alone would not)', async () => {
    const image = imageFile(files, 'tamper.png', imageBytes('png'), 'png');
    const url = new URL(await createS3Host(config(), S3RVER_KEY.secretAccessKey, FAST).host(image));
    const signature = url.searchParams.get('X-Amz-Signature')!;
    url.searchParams.set('X-Amz-Signature', `${signature[0] === '0' ? '1' : '0'}${signature.slice(1)}`);

    const refused = await got(url, { throwHttpErrors: false });
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('<Code>SignatureDoesNotMatch</Code>');
    // Why the gate exists: s3rver 3.7 serves the object whatever the SigV4 signature says.
    const direct = await got(`${s3.direct}${url.pathname}${url.search}`, { throwHttpErrors: false });
    expect(direct.statusCode).toBe(200);
  });

  it('says the access key ID is unknown', async () => {
    const image = imageFile(files, 'wrong-id.png', imageBytes('png'), 'png');
    const error = await hostingError(createS3Host(config({ accessKeyId: 'NOBODY' }), 'whatever', FAST).host(image));
    expect(error.reason).toBe('credentials');
    expect(error.message).toMatch(/does not know access key ID "NOBODY"/);
    expect(error.message).toContain('Settings → Image hosting');
  });

  it('says the bucket does not exist', async () => {
    const image = imageFile(files, 'no-bucket.png', imageBytes('png'), 'png');
    const error = await hostingError(createS3Host(config({ bucket: 'missing-bucket' }), S3RVER_KEY.secretAccessKey, FAST).host(image));
    expect(error.reason).toBe('bucket');
    expect(error.message).toBe(
      `There is no bucket "missing-bucket" at ${s3.endpoint}. In Settings → Image hosting, check the bucket name and the endpoint, or create the bucket.`
    );
  });

  it('says the endpoint cannot be reached, after retrying', async () => {
    const port = await closedPort();
    const image = imageFile(files, 'unreachable.png', imageBytes('png'), 'png');
    const error = await hostingError(createS3Host(config({ endpoint: `http://127.0.0.1:${port}` }), S3RVER_KEY.secretAccessKey, FAST).host(image));
    expect(error.reason).toBe('unreachable');
    expect(error.message).toBe(
      `Could not connect to the storage endpoint http://127.0.0.1:${port}: the connection was refused. ` +
        "In Settings → Image hosting, check the endpoint's address and port, and that the storage service is running."
    );
  });

  it('says which settings are missing or wrong before sending anything', async () => {
    const image = imageFile(files, 'unset.png', imageBytes('png'), 'png');
    const before = s3.gate.records.length;
    const missing = await hostingError(createS3Host(config({ bucket: '' }), '', FAST).host(image));
    expect(missing.reason).toBe('settings');
    expect(missing.message).toBe('The bucket is not fully set up: fill in the bucket and secret access key in Settings → Image hosting.');
    const endpoint = await hostingError(createS3Host(config({ endpoint: 's3.example.com' }), 'x', FAST).host(image));
    expect(endpoint.message).toMatch(/^The endpoint "s3.example.com" is not a web address/);
    const dots = await hostingError(createS3Host(config({ prefix: 'a/../b/' }), 'x', FAST).host(image));
    expect(dots.message).toMatch(/has a "\." or "\.\." folder/);
    expect(s3.gate.records.length).toBe(before);
  });

  it('retries a busy server, and says it is busy when it stays so', async () => {
    const image = imageFile(files, 'busy.png', imageBytes('png'), 'png');
    s3.gate.failNext(1);
    const url = await createS3Host(config(), S3RVER_KEY.secretAccessKey, FAST).host(image);
    expect((await got(url, { responseType: 'buffer' })).statusCode).toBe(200);
    const mine = s3.gate.records.filter((r) => r.path.includes(image.id));
    expect(mine.map((r) => [r.method, r.verdict])).toEqual([
      ['HEAD', 'failed_on_purpose'],
      ['HEAD', 'passed'],
      ['PUT', 'passed'],
      ['GET', 'passed']
    ]);

    const other = imageFile(files, 'still-busy.png', imageBytes('png'), 'png');
    s3.gate.failNext(4);
    const error = await hostingError(createS3Host(config(), S3RVER_KEY.secretAccessKey, FAST).host(other));
    s3.gate.failNext(0);
    expect(error.reason).toBe('server');
    expect(error.message).toBe(
      `The storage service at ${s3.endpoint} answered HTTP 503 (SlowDown) while uploading "still-busy.png". It may be busy or down: try again in a few minutes.`
    );
  });

  it('makes links valid for the configured hours, a week at most', async () => {
    const image = imageFile(files, 'week.png', imageBytes('png'), 'png');
    const url = await createS3Host(config({ urlHours: 168 }), S3RVER_KEY.secretAccessKey, FAST).host(image);
    expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe('604800');
  });

  it('passes the hosting test by round trip, but says APIXO cannot reach a bucket on this computer', async () => {
    const result = await testImageHost(createS3Host(config(), S3RVER_KEY.secretAccessKey, FAST));
    expect(result.ok).toBe(false);
    expect(result.message).toBe(
      'The test image was uploaded to S3 bucket "clips" and fetched back, but its link points at 127.0.0.1, ' +
        'which APIXO cannot reach from the internet. Use an endpoint that is publicly reachable in Settings → Image hosting.'
    );
    const wrong = await testImageHost(createS3Host(config(), 'wrong', FAST));
    expect(wrong.ok).toBe(false);
    expect(wrong.message).toMatch(/^The test image could not be hosted\. The bucket refused the secret access key/);
  });
});

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
