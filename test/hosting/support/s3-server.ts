import { createRequire } from 'node:module';
import S3rver from 's3rver';
import { SigV4Gate } from './sigv4-gate';

/** s3rver's built-in account (lib/models/account.js): the only key pair it knows. */
export const S3RVER_KEY = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface LocalS3 {
  /** The signature-checking endpoint the code under test talks to. */
  endpoint: string;
  /** s3rver itself, which does not check signatures. */
  direct: string;
  gate: SigV4Gate;
  close(): Promise<void>;
}

/** s3rver's account registry: a key pair it should accept besides its own. */
function registerKeyPair(accessKeyId: string, secretAccessKey: string): void {
  const account = createRequire(import.meta.url)('s3rver/lib/models/account.js') as {
    DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void };
  };
  account.DUMMY_ACCOUNT.createKeyPair(accessKeyId, secretAccessKey);
}

/**
 * A real S3-compatible server on 127.0.0.1 (s3rver, files in `dir`) with `buckets`, behind the
 * SigV4 gate, which knows s3rver's own key pair and any `keys` given.
 */
export async function startLocalS3(dir: string, buckets: string[], keys: { accessKeyId: string; secretAccessKey: string }[] = []): Promise<LocalS3> {
  for (const key of keys) registerKeyPair(key.accessKeyId, key.secretAccessKey);
  const s3 = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir,
    configureBuckets: buckets.map((name) => ({ name }))
  });
  const { port } = await s3.run();
  const gate = new SigV4Gate(port, new Map([S3RVER_KEY, ...keys].map((k) => [k.accessKeyId, k.secretAccessKey])));
  const endpoint = await gate.start();
  return {
    endpoint,
    direct: `http://127.0.0.1:${port}`,
    gate,
    async close() {
      await gate.close();
      await s3.close();
    }
  };
}
