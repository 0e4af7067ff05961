/** Telling a signed link from a plain one, and taking its signature off wherever it would be written down. */
import { describe, expect, it } from 'vitest';
import { isSignedUrl, unsignedRequest, unsignedUrl, withoutSignedQueries } from '@shared/image-link';
import type { GenerateRequest } from '@shared/request';
import { createS3Host, presignUrl } from '../../src/main/core/hosting';
import { Redactor } from '../../src/main/core/log/redact';

const CREDS = { accessKeyId: 'AKIASIGNEDLINKS0001', secretAccessKey: 'signed-links-secret-0001' };
const PRESIGNED = presignUrl(
  {
    method: 'GET',
    url: new URL('https://clips.s3.eu-west-1.amazonaws.com/ltx/ab.jpg'),
    region: 'eu-west-1',
    expiresSeconds: 604_800,
    now: new Date('2026-12-01T10:00:00Z')
  },
  CREDS
);
const RESULT = 'http://127.0.0.1:4010/files/0a1b2c.mp4?expires=1764583200000&sig=' + 'ab'.repeat(32);

describe('signed links', () => {
  it('knows presigned S3, Google and Azure links and signed result links, and leaves plain ones alone', () => {
    expect(isSignedUrl(PRESIGNED)).toBe(true);
    expect(isSignedUrl(RESULT)).toBe(true);
    expect(isSignedUrl('https://storage.googleapis.com/b/o.jpg?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Signature=00')).toBe(true);
    expect(isSignedUrl('https://acct.blob.core.windows.net/c/o.jpg?sv=2024-01-01&se=2026-12-02&sig=abc%3D')).toBe(true);
    expect(isSignedUrl('https://images.example.com/cat.jpg?width=800&design=2')).toBe(false);
    expect(isSignedUrl('https://images.example.com/cat.jpg')).toBe(false);
    expect(isSignedUrl('data:image/png;base64,iVBORw0KGgo=')).toBe(false);
  });

  it('unsigns to scheme://host/path, and keeps other links as they are', () => {
    expect(unsignedUrl(PRESIGNED)).toBe('https://clips.s3.eu-west-1.amazonaws.com/ltx/ab.jpg');
    expect(unsignedUrl(RESULT)).toBe('http://127.0.0.1:4010/files/0a1b2c.mp4');
    expect(unsignedUrl('https://images.example.com/cat.jpg?width=800')).toBe('https://images.example.com/cat.jpg?width=800');
    const request: GenerateRequest = {
      request_type: 'async',
      input: { mode: 'image-to-video', prompt: 'p', resolution: '480p', duration: 6, image_urls: [PRESIGNED] }
    };
    expect(unsignedRequest(request).input).toEqual({ ...request.input, image_urls: ['https://clips.s3.eu-west-1.amazonaws.com/ltx/ab.jpg'] });
  });

  it('takes signed queries out of free text and JSON, up to the end of the link', () => {
    const json = JSON.stringify({ imageUrl: PRESIGNED, note: `see ${RESULT}.`, other: 'https://example.com/a?b=1' });
    const clean = withoutSignedQueries(json);
    expect(JSON.parse(clean)).toEqual({
      imageUrl: 'https://clips.s3.eu-west-1.amazonaws.com/ltx/ab.jpg',
      note: 'see http://127.0.0.1:4010/files/0a1b2c.mp4',
      other: 'https://example.com/a?b=1'
    });
    expect(clean).not.toContain(CREDS.accessKeyId);
  });

  it('redaction strips the signed query of a result link from a log line', () => {
    const line = new Redactor().redact(`download failed for ${RESULT}: reset`);
    expect(line).toBe('download failed for http://127.0.0.1:4010/files/0a1b2c.mp4?(signed query removed): reset');
  });

  it("an S3 host knows its own links, signed or not, and no other bucket's", () => {
    const config = {
      endpoint: 'https://s3.eu-west-1.amazonaws.com',
      region: 'eu-west-1',
      bucket: 'clips',
      accessKeyId: CREDS.accessKeyId,
      prefix: 'ltx/',
      pathStyle: false,
      urlHours: 24
    };
    const host = createS3Host(config, CREDS.secretAccessKey);
    const sha = 'c'.repeat(64);
    const link = `https://clips.s3.eu-west-1.amazonaws.com/ltx/${sha}.jpg`;
    const ref = { host: 's3', sha256: sha, copy: `${sha}.jpg`, endpoint: config.endpoint, bucket: 'clips', key: `ltx/${sha}.jpg` };
    expect(host.referenceOf(link)).toEqual(ref);
    expect(host.referenceOf(`${link}?X-Amz-Signature=00`)).toEqual(ref);
    expect(host.referenceOf(`https://other.s3.eu-west-1.amazonaws.com/ltx/${sha}.jpg`)).toBeUndefined();
    expect(host.referenceOf('https://clips.s3.eu-west-1.amazonaws.com/ltx/photo.jpg')).toBeUndefined();
  });
});
