import { describe, expect, it } from 'vitest';
import { DEFAULT_HOSTING, type HostingSettings, type S3Hosting } from '@shared/settings';
import { NO_HOSTING_MESSAGE, createImageHost, hostingStatus } from '../../src/main/core/hosting';

const S3: S3Hosting = {
  endpoint: 'https://abc123.r2.cloudflarestorage.com',
  region: 'auto',
  bucket: 'clips',
  accessKeyId: 'AKIDEXAMPLE',
  prefix: 'ltx/',
  pathStyle: true,
  urlHours: 72
};

function settings(kind: HostingSettings['kind'], s3: Partial<S3Hosting> = {}): HostingSettings {
  return { kind, s3: { ...S3, ...s3 } };
}

describe('hostingStatus', () => {
  it('nothing set up: not ready, saying exactly what to set up', () => {
    expect(hostingStatus(DEFAULT_HOSTING, false, false)).toEqual({
      label: 'nothing',
      ready: false,
      secretSet: false,
      simulated: false,
      message:
        'Local images must be hosted for APIXO to fetch them. In Settings → Image hosting, connect an S3-compatible bucket ' +
        '(AWS S3, Cloudflare R2, Backblaze B2, MinIO) or turn on data: URLs (experimental).'
    });
    expect(hostingStatus(DEFAULT_HOSTING, false, false).message).toBe(NO_HOSTING_MESSAGE);
  });

  it('while simulating: ready, the simulator, whatever the settings', () => {
    for (const kind of ['none', 's3', 'data-url'] as const) {
      expect(hostingStatus(settings(kind, { bucket: '' }), false, true)).toEqual({
        label: 'the simulator',
        ready: true,
        secretSet: false,
        simulated: true,
        message: 'While simulating, local images are uploaded to the built-in simulator; nothing leaves this computer.'
      });
    }
  });

  it('a bucket with fields missing: not ready, naming each, the secret key included', () => {
    const status = hostingStatus(settings('s3', { endpoint: '', bucket: ' ', accessKeyId: '' }), false, false);
    expect(status).toMatchObject({ label: 'an S3 bucket', ready: false, secretSet: false });
    expect(status.message).toBe(
      'To host local images in an S3-compatible bucket, fill in the endpoint, bucket, access key ID and secret access key in Settings → Image hosting.'
    );
    expect(hostingStatus(settings('s3'), false, false).message).toBe(
      'To host local images in an S3-compatible bucket, fill in the secret access key in Settings → Image hosting.'
    );
    expect(hostingStatus(settings('s3', { region: '' }), true, false).message).toMatch(/fill in the region in/);
  });

  it('a bucket set up wrongly: not ready, saying what to change', () => {
    expect(hostingStatus(settings('s3', { endpoint: 'r2.example.com' }), true, false)).toMatchObject({
      ready: false,
      message:
        'The endpoint "r2.example.com" is not a web address. In Settings → Image hosting, give it as https://… (for example https://s3.eu-west-1.amazonaws.com).'
    });
    expect(hostingStatus(settings('s3', { urlHours: 200 }), true, false).message).toBe(
      'Links must stay valid for a whole number of hours from 1 to 168 (got 200). Change it in Settings → Image hosting.'
    );
  });

  it('a complete bucket: ready, saying where images go and for how long links last', () => {
    expect(hostingStatus(settings('s3'), true, false)).toEqual({
      label: 'S3 bucket "clips"',
      ready: true,
      secretSet: true,
      simulated: false,
      message:
        'Local images are uploaded to bucket "clips" at https://abc123.r2.cloudflarestorage.com and shared with APIXO through private links valid for 72 hours.'
    });
  });

  it('a bucket on this computer or a private network: not ready, since APIXO could never fetch from it', () => {
    for (const endpoint of ['http://127.0.0.1:9000', 'http://localhost:9000', 'http://192.168.1.20:9000', 'http://[::1]:9000']) {
      const local = settings('s3');
      local.s3.endpoint = endpoint;
      const status = hostingStatus(local, true, false);
      expect(status.ready, endpoint).toBe(false);
      expect(status.message).toMatch(/private network, which APIXO cannot reach/);
    }
  });

  it('a bucket on this computer in another spelling is not ready either (IPv4 in IPv6, decimal, octal, hex, unspecified)', () => {
    const spellings = [
      'http://[::ffff:127.0.0.1]:9000',
      'http://[::ffff:7f00:1]:9000',
      'http://[::127.0.0.1]:9000',
      'http://2130706433:9000',
      'http://0177.0.0.1:9000',
      'http://0x7f.1:9000',
      'http://127.1:9000',
      'http://0.0.0.0:9000',
      'http://[::]:9000',
      'http://minio.localhost.:9000',
      'http://100.64.0.7:9000',
      'http://169.254.169.254',
      'http://[fe80::1]:9000',
      'http://[fd12:3456::1]:9000'
    ];
    for (const endpoint of spellings) {
      const status = hostingStatus(settings('s3', { endpoint }), true, false);
      expect(status.ready, endpoint).toBe(false);
      expect(status.message, endpoint).toMatch(/private network, which APIXO cannot reach from the internet/);
    }
    expect(hostingStatus(settings('s3', { endpoint: 'http://[::ffff:127.0.0.1]:9000' }), true, false).message).toBe(
      'The endpoint [::ffff:7f00:1] (127.0.0.1 written as IPv6, which is this computer) is on this computer or a private network, which APIXO cannot reach ' +
        'from the internet. Use a bucket endpoint that is publicly reachable in Settings → Image hosting.'
    );
    // A public address written as IPv6 through NAT64 is still public.
    expect(hostingStatus(settings('s3', { endpoint: 'https://[64:ff9b::808:808]' }), true, false).ready).toBe(true);
  });

  it('data: URLs: ready, and said to be experimental', () => {
    const status = hostingStatus(settings('data-url'), false, false);
    expect(status).toMatchObject({ label: 'data: URLs (experimental)', ready: true });
    expect(status.message).toBe(
      'Local images up to 1.4 MB are sent inside the request as data: URLs. APIXO does not document these, so this is experimental: ' +
        'if image tasks fail, connect an S3-compatible bucket instead.'
    );
  });
});

describe('createImageHost', () => {
  it('picks the host the settings name, or none when it cannot work yet', () => {
    expect(createImageHost(settings('none'), 'secret')).toBeUndefined();
    expect(createImageHost(settings('s3'), undefined)).toBeUndefined();
    expect(createImageHost(settings('s3', { bucket: '' }), 'secret')).toBeUndefined();
    expect(createImageHost(settings('s3'), 'secret')?.label).toBe('S3 bucket "clips"');
    expect(createImageHost(settings('data-url'), undefined)?.label).toBe('data: URLs (experimental)');
    expect(createImageHost(settings('none'), undefined, { baseUrl: 'http://127.0.0.1:1/api/v1', apiKey: 'k' })?.label).toBe('the simulator');
  });
});
