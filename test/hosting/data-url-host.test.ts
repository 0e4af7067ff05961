import { describe, expect, it } from 'vitest';
import { buildRequest } from '@shared/request-builder';
import { validateRequest } from '@shared/validation';
import { DATA_URL_MAX_BYTES, HostingError, createDataUrlHost, testImageHost } from '../../src/main/core/hosting';
import { tempDirs } from '../support/temp-dirs';
import { imageBytes, imageFile } from './support/images';

const tempDir = tempDirs('ltx-data-url-');

describe('the data: URL host (experimental)', () => {
  it('turns an image into a data: URL that decodes to the same bytes and passes validation', async () => {
    const bytes = imageBytes('webp', 2000);
    const image = imageFile(tempDir(), 'cat.webp', bytes, 'webp');
    const host = createDataUrlHost();
    const url = await host.host(image);

    expect(host.label).toBe('data: URLs (experimental)');
    expect(url.startsWith('data:image/webp;base64,')).toBe(true);
    expect(Buffer.from(url.slice('data:image/webp;base64,'.length), 'base64').equals(bytes)).toBe(true);
    const body = buildRequest({ mode: 'image-to-video', prompt: 'the cat turns', resolution: '480p', duration: 5, imageUrl: url }, {});
    expect(validateRequest(body)).toEqual([]);
  });

  it('takes an image of exactly the limit, and refuses a bigger one with a sentence recommending a bucket', async () => {
    const dir = tempDir();
    const atLimit = imageFile(dir, 'at-limit.png', imageBytes('png', DATA_URL_MAX_BYTES - 8), 'png');
    expect(atLimit.sizeBytes).toBe(DATA_URL_MAX_BYTES);
    await expect(createDataUrlHost().host(atLimit)).resolves.toMatch(/^data:image\/png;base64,/);

    const big = imageFile(dir, 'poster.png', imageBytes('png', 2 * 1024 * 1024), 'png');
    const error = await createDataUrlHost()
      .host(big)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostingError);
    expect((error as HostingError).reason).toBe('too_large');
    expect((error as HostingError).message).toBe(
      'The image "poster.png" is 2.0 MB; images sent as data: URLs can be at most 1.4 MB, because the URL is stored with every task ' +
        "in the queue's journal. Connect an S3-compatible bucket in Settings → Image hosting to use larger images."
    );
  });

  it('says so when the file is gone', async () => {
    const image = { path: `${tempDir()}/gone.png`, id: 'x', kind: 'png' as const, sizeBytes: 10, name: 'gone.png' };
    await expect(createDataUrlHost().host(image)).rejects.toThrow(
      /The image "gone.png" could not be read from .*gone\.png \(ENOENT\)\. Check that the file is still there/
    );
  });

  it('passes the hosting test, saying that APIXO may still refuse data: URLs', async () => {
    const result = await testImageHost(createDataUrlHost());
    expect(result).toEqual({
      ok: true,
      message:
        'The test image was turned into a data: URL and read back unchanged. APIXO does not document data: URLs, so whether it accepts them shows only when an image task runs.'
    });
  });
});
