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

/** A real S3-compatible server on 127.0.0.1 (s3rver, files in `dir`) with `buckets`, behind the SigV4 gate. */
export async function startLocalS3(dir: string, buckets: string[]): Promise<LocalS3> {
  const s3 = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir,
    configureBuckets: buckets.map((name) => ({ name }))
  });
  const { port } = await s3.run();
  const gate = new SigV4Gate(port, new Map([[S3RVER_KEY.accessKeyId, S3RVER_KEY.secretAccessKey]]));
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
