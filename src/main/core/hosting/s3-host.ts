import got, { RequestError, type Got } from 'got';
import type { ImageRef } from '@shared/request';
import type { S3Hosting } from '@shared/settings';
import { backoffDelay, type RetryPolicy } from '../util/retry';
import { sleep } from '../util/sleep';
import { IMAGE_MIME } from './image-kinds';
import { readImage } from './read-image';
import { assertS3Config, objectKey } from './s3-config';
import { networkFailure, s3Failure, type S3Context } from './s3-errors';
import { MAX_EXPIRES_SECONDS, objectUrl, presignUrl, type Credentials } from './sigv4';
import { placeWords } from './place-words';
import { HostingError, contentName, type ImageHost, type ImageToHost } from './types';

export interface S3HostOptions {
  /** Retries of each request on network errors and 5xx (the PUT too: its key is content-addressed). */
  retry?: RetryPolicy;
  /** Multiplies backoff waits (tests run the real schedule faster). */
  timeScale?: number;
  /** Whole-request timeout. */
  timeoutMs?: number;
  /** The signing clock. */
  now?: () => Date;
  random?: () => number;
}

export const DEFAULT_S3_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 400, maxDelayMs: 3_000 };

/** Signed requests are made valid for a short while: they are used at once. */
const REQUEST_EXPIRES_SECONDS = 15 * 60;

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * Hosts images in an S3-compatible bucket (AWS S3, Cloudflare R2, Backblaze B2, MinIO): a PUT
 * to `<prefix><sha256>.<ext>` (skipped when a HEAD finds that object already, same size), then a
 * presigned GET link valid `urlHours` hours, which is what APIXO fetches. The bucket stays private.
 */
export function createS3Host(config: S3Hosting, secretAccessKey: string, options: S3HostOptions = {}): ImageHost {
  const policy = options.retry ?? DEFAULT_S3_RETRY;
  const timeScale = options.timeScale ?? 1;
  const now = options.now ?? ((): Date => new Date());
  const random = options.random ?? Math.random;
  const credentials: Credentials = { accessKeyId: config.accessKeyId.trim(), secretAccessKey: secretAccessKey.trim() };
  const endpoint = config.endpoint.trim().replace(/\/+$/, '');
  const bucket = config.bucket.trim();
  const region = config.region.trim();
  const http: Got = got.extend({
    throwHttpErrors: false,
    followRedirect: false,
    retry: { limit: 0 },
    responseType: 'text',
    timeout: { request: options.timeoutMs ?? 60_000, connect: 10_000 },
    headers: { 'user-agent': 'LTX-Batch-Studio/0.1' }
  });

  const locate = (key: string): URL => objectUrl({ endpoint, bucket, key, pathStyle: config.pathStyle });
  const context = (key: string): S3Context => ({
    endpoint,
    bucket,
    accessKeyId: credentials.accessKeyId,
    region,
    pathStyle: config.pathStyle,
    host: locate(key).host
  });

  /** One request, retried on network errors and 5xx with capped, jittered backoff. */
  async function send(method: 'HEAD' | 'PUT', key: string, body?: Buffer, contentType?: string): Promise<Answer> {
    const headers = contentType ? { 'content-type': contentType } : undefined;
    for (let attempt = 1; ; attempt++) {
      const url = presignUrl({ method, url: locate(key), region, expiresSeconds: REQUEST_EXPIRES_SECONDS, now: now(), headers }, credentials);
      try {
        const res = await http(url, { method, body, headers });
        const answer = { status: res.statusCode, body: res.body, headers: res.headers };
        if (res.statusCode < 500) return answer;
        if (attempt >= policy.attempts) return answer;
      } catch (error) {
        if (!(error instanceof RequestError)) throw error;
        if (attempt >= policy.attempts) throw networkFailure(error, context(key));
      }
      await sleep(backoffDelay(attempt - 1, policy, random) * timeScale);
    }
  }

  const label = `S3 bucket ${JSON.stringify(bucket)}`;
  /** The link APIXO fetches: a presigned GET valid `urlHours` hours (a week at most). */
  const link = (key: string): string => {
    const expiresSeconds = Math.min(config.urlHours * 3600, MAX_EXPIRES_SECONDS);
    return presignUrl({ method: 'GET', url: locate(key), region, expiresSeconds, now: now() }, credentials);
  };
  /** The key of an object link of this bucket (signed or not), else undefined. */
  const keyOf = (url: string): string | undefined => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return undefined;
    }
    const base = locate('');
    if (parsed.origin !== base.origin || !parsed.pathname.startsWith(base.pathname)) return undefined;
    try {
      return decodeURIComponent(parsed.pathname.slice(base.pathname.length));
    } catch {
      return undefined;
    }
  };

  return {
    label,
    reference(image: ImageToHost): ImageRef {
      const key = objectKey(config.prefix, image.id, image.kind);
      return { host: 's3', sha256: image.id, copy: key.slice(key.lastIndexOf('/') + 1), endpoint, bucket, key };
    },
    referenceOf(url: string): ImageRef | undefined {
      const key = keyOf(url);
      const named = key === undefined ? undefined : contentName(key);
      return named && { host: 's3', ...named, endpoint, bucket, key };
    },
    async relink(ref: ImageRef): Promise<string> {
      if (ref.host !== 's3') {
        throw new HostingError(`${placeWords(ref)}, but images go to ${label} now. Add the row again to host the image there.`, 'settings');
      }
      if (ref.endpoint !== endpoint || ref.bucket !== bucket || !ref.key) {
        throw new HostingError(
          `${placeWords(ref)}, but Settings → Image hosting now names bucket ${JSON.stringify(bucket)} at ${endpoint}, so its link cannot be signed again. ` +
            'Set the bucket back, or add the row again to host the image in the new bucket.',
          'settings'
        );
      }
      assertS3Config(config, secretAccessKey);
      return link(ref.key);
    },
    async host(image: ImageToHost): Promise<string> {
      assertS3Config(config, secretAccessKey);
      const key = objectKey(config.prefix, image.id, image.kind);
      const head = await send('HEAD', key);
      const length = Number(head.headers['content-length']);
      // A HEAD carries no error body, so anything but "already there" is left to the PUT to explain.
      if (head.status !== 200 || length !== image.sizeBytes) {
        const bytes = await readImage(image);
        const put = await send('PUT', key, bytes, IMAGE_MIME[image.kind]);
        if (put.status !== 200) throw s3Failure(put.status, put.body, context(key), `while uploading ${JSON.stringify(image.name)}`);
      }
      return link(key);
    }
  };
}
