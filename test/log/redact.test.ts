import { describe, expect, it } from 'vitest';
import { presignUrl } from '../../src/main/core/hosting/sigv4';
import { Redactor } from '../../src/main/core/log/redact';

const KEY = 'apx_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';

describe('redaction', () => {
  const redactor = new Redactor();
  let key: string | undefined;
  redactor.keep(() => [key, SECRET]);

  it('scrubs the secrets it knows, including a key saved after the log opened', () => {
    expect(redactor.redact(`POST with ${KEY}`)).toBe(`POST with ${KEY}`);
    key = KEY;
    expect(redactor.redact(`failMsg: bad key ${KEY}; secret ${SECRET}`)).toBe('failMsg: bad key ***; secret ***');
  });

  it('removes the signed query of a presigned link, and names no access key', () => {
    const url = presignUrl(
      {
        method: 'GET',
        url: new URL('https://bucket.s3.eu-west-1.amazonaws.com/ltx/abc.jpg'),
        region: 'eu-west-1',
        expiresSeconds: 604800,
        now: new Date('2026-12-01T10:00:00Z')
      },
      { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET }
    );
    expect(url).toContain('X-Amz-Signature=');
    const line = redactor.redact(`hosted photo.jpg at ${url} for task t-1`);
    expect(line).toBe('hosted photo.jpg at https://bucket.s3.eu-west-1.amazonaws.com/ltx/abc.jpg?(signed query removed) for task t-1');
    // A signature seen outside a whole URL goes too.
    expect(redactor.redact(`X-Amz-Credential=${ACCESS_KEY_ID}%2F20261201%2Feu-west-1&X-Amz-Signature=deadbeef`)).toBe(
      'X-Amz-Credential=***&X-Amz-Signature=***'
    );
  });

  it('removes bearer tokens and authorization headers of any key, and shortens inline images', () => {
    expect(redactor.redact('authorization: Bearer sk-other-key-123456')).toBe('authorization: ***');
    expect(redactor.redact('sent "Bearer abc.def-ghi"')).toBe('sent "Bearer ***"');
    expect(redactor.redact(`{"authorization":"Token zzz"}`)).toBe('{"authorization":"***"}');
    const inline = `data:image/jpeg;base64,${'A'.repeat(4096)}`;
    expect(redactor.redact(`image_urls: ["${inline}"]`)).toBe('image_urls: ["data:image/jpeg;base64,… (3 KB inline)"]');
  });

  it('leaves ordinary words alone', () => {
    const text = 'row 12, duration: must be a whole number from 5 to 20 (got "7.5"); https://docs.apixo.ai/models?tab=video';
    expect(redactor.redact(text)).toBe(text);
  });
});
