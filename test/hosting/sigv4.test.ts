import { describe, expect, it } from 'vitest';
import { presignSteps, presignUrl, objectUrl, uriEncode, MAX_EXPIRES_SECONDS } from '../../src/main/core/hosting/sigv4';

// AWS's worked example from "Authenticating Requests: Using Query Parameters (AWS Signature
// Version 4)" in the Amazon S3 API reference: GET examplebucket/test.txt, valid 86400 s.
const AWS_EXAMPLE = {
  credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
  request: {
    method: 'GET' as const,
    url: objectUrl({ endpoint: 'https://s3.amazonaws.com', bucket: 'examplebucket', key: 'test.txt', pathStyle: false }),
    region: 'us-east-1',
    expiresSeconds: 86_400,
    now: new Date('2013-05-24T00:00:00Z')
  }
};

describe('SigV4 presigned URLs', () => {
  it("reproduces AWS's documented example exactly: string to sign, signature and URL", () => {
    const steps = presignSteps(AWS_EXAMPLE.request, AWS_EXAMPLE.credentials);
    expect(steps.stringToSign).toBe(
      'AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04'
    );
    expect(steps.signature).toBe('aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404');
    expect(presignUrl(AWS_EXAMPLE.request, AWS_EXAMPLE.credentials)).toBe(
      'https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256' +
        '&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request' +
        '&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host' +
        '&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404'
    );
  });

  it('gives a different signature for another secret, method or time', () => {
    const base = presignSteps(AWS_EXAMPLE.request, AWS_EXAMPLE.credentials).signature;
    const otherSecret = presignSteps(AWS_EXAMPLE.request, { ...AWS_EXAMPLE.credentials, secretAccessKey: 'x' }).signature;
    const put = presignSteps({ ...AWS_EXAMPLE.request, method: 'PUT' }, AWS_EXAMPLE.credentials).signature;
    const later = presignSteps({ ...AWS_EXAMPLE.request, now: new Date('2013-05-24T00:00:01Z') }, AWS_EXAMPLE.credentials).signature;
    expect(new Set([base, otherSecret, put, later]).size).toBe(4);
  });

  it('signs the headers a request must carry, by name, beside host', () => {
    const steps = presignSteps({ ...AWS_EXAMPLE.request, method: 'PUT', headers: { 'Content-Type': ' image/png ' } }, AWS_EXAMPLE.credentials);
    const lines = steps.canonicalRequest.split('\n');
    expect(lines[0]).toBe('PUT');
    expect(lines.slice(3, 5)).toEqual(['content-type:image/png', 'host:examplebucket.s3.amazonaws.com']);
    expect(lines[6]).toBe('content-type;host');
    expect(lines[7]).toBe('UNSIGNED-PAYLOAD');
    expect(steps.query).toContain('X-Amz-SignedHeaders=content-type%3Bhost');
  });

  it('refuses a validity outside 1 second to a week', () => {
    expect(() => presignSteps({ ...AWS_EXAMPLE.request, expiresSeconds: MAX_EXPIRES_SECONDS + 1 }, AWS_EXAMPLE.credentials)).toThrow(RangeError);
    expect(() => presignSteps({ ...AWS_EXAMPLE.request, expiresSeconds: 0 }, AWS_EXAMPLE.credentials)).toThrow(RangeError);
    expect(presignUrl({ ...AWS_EXAMPLE.request, expiresSeconds: MAX_EXPIRES_SECONDS }, AWS_EXAMPLE.credentials)).toContain('X-Amz-Expires=604800');
  });
});

describe('object addresses', () => {
  it('encodes keys once, the way S3 signs them: spaces, unicode and reserved characters escaped, "/" kept', () => {
    expect(uriEncode('my images/été 2024/a+b(1)~.png', true)).toBe('my%20images/%C3%A9t%C3%A9%202024/a%2Bb%281%29~.png');
    expect(uriEncode('a/b')).toBe('a%2Fb');
    expect(uriEncode('😀')).toBe('%F0%9F%98%80');
  });

  it('builds path-style and virtual-hosted URLs, keeping a port and a base path', () => {
    const key = 'ltx/été.png';
    expect(objectUrl({ endpoint: 'http://127.0.0.1:9000', bucket: 'clips', key, pathStyle: true }).toString()).toBe(
      'http://127.0.0.1:9000/clips/ltx/%C3%A9t%C3%A9.png'
    );
    expect(objectUrl({ endpoint: 'https://s3.eu-west-1.amazonaws.com/', bucket: 'clips', key, pathStyle: false }).toString()).toBe(
      'https://clips.s3.eu-west-1.amazonaws.com/ltx/%C3%A9t%C3%A9.png'
    );
    expect(objectUrl({ endpoint: 'https://example.com/storage/', bucket: 'clips', key: 'a b.png', pathStyle: true }).toString()).toBe(
      'https://example.com/storage/clips/a%20b.png'
    );
  });

  it('signs the encoded path, so what is sent is what is signed', () => {
    const url = objectUrl({ endpoint: 'http://127.0.0.1:9000', bucket: 'clips', key: 'my images/été.png', pathStyle: true });
    const steps = presignSteps({ ...AWS_EXAMPLE.request, url }, AWS_EXAMPLE.credentials);
    expect(steps.canonicalRequest.split('\n')[1]).toBe('/clips/my%20images/%C3%A9t%C3%A9.png');
    expect(steps.canonicalRequest).toContain('host:127.0.0.1:9000\n');
  });
});
