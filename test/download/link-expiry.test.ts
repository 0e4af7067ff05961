import { describe, expect, it } from 'vitest';
import { RESULT_RETENTION_MS, linkExpiresAt, signedExpiry } from '../../src/main/core/download/link-expiry';

// When a result link stops working, read from the link itself or from APIXO's retention.

const AT = Date.UTC(2026, 11, 3, 8, 0, 0);

describe('result link expiry', () => {
  it('reads the expiry each kind of signed link carries', () => {
    expect(signedExpiry(`http://127.0.0.1:5/files/a.mp4?expires=${AT}&sig=ab`)).toBe(AT);
    expect(signedExpiry(`https://cdn.example.com/a.mp4?Expires=${AT / 1000}&Signature=x`)).toBe(AT);
    expect(signedExpiry('https://bucket.s3.amazonaws.com/a.mp4?X-Amz-Date=20261203T080000Z&X-Amz-Expires=3600&X-Amz-Signature=x')).toBe(AT + 3_600_000);
    expect(signedExpiry('https://storage.googleapis.com/b/a.mp4?X-Goog-Date=20261203T080000Z&X-Goog-Expires=600')).toBe(AT + 600_000);
    expect(signedExpiry('https://acct.blob.core.windows.net/c/a.mp4?se=2026-12-03T08:00:00Z&sig=x')).toBe(AT);
  });

  it('finds none in a plain link or a broken one', () => {
    expect(signedExpiry('https://cdn.example.com/a.mp4')).toBeUndefined();
    expect(signedExpiry('https://cdn.example.com/a.mp4?expires=soon')).toBeUndefined();
    expect(signedExpiry('not a link')).toBeUndefined();
  });

  it('assumes the shorter retention (24 hours) from success, and a sooner signed expiry wins', () => {
    expect(linkExpiresAt('https://cdn.example.com/a.mp4', AT)).toBe(AT + RESULT_RETENTION_MS);
    expect(linkExpiresAt(`https://cdn.example.com/a.mp4?expires=${AT + 60_000}`, AT)).toBe(AT + 60_000);
    // A link signed for 15 days still counts as kept 24 hours.
    expect(linkExpiresAt(`https://cdn.example.com/a.mp4?expires=${AT + 15 * RESULT_RETENTION_MS}`, AT)).toBe(AT + RESULT_RETENTION_MS);
    // The retention runs at the app's time scale.
    expect(linkExpiresAt('https://cdn.example.com/a.mp4', AT, 0.001)).toBe(AT + RESULT_RETENTION_MS * 0.001);
  });
});
