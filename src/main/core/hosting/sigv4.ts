import { createHash, createHmac } from 'node:crypto';

/**
 * AWS Signature Version 4, query-string form ("presigned URLs"), for S3-compatible storage.
 * Every request the S3 host makes is a presigned URL, so one signing path covers PUT, HEAD and
 * the GET link APIXO fetches; the payload is never hashed (`UNSIGNED-PAYLOAD`, as S3 allows).
 */

/** S3 refuses a presigned URL valid for longer than a week. */
export const MAX_EXPIRES_SECONDS = 604_800;

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** Where an object lives: the endpoint, the bucket and the object's key (unencoded). */
export interface ObjectLocation {
  /** `https://s3.eu-west-1.amazonaws.com`, `http://127.0.0.1:9000` … (a path after the host is kept). */
  endpoint: string;
  bucket: string;
  key: string;
  /** `endpoint/bucket/key` rather than `bucket.endpoint/key`. */
  pathStyle: boolean;
}

export interface PresignRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'DELETE';
  /** The request's URL, its path already encoded by `objectUrl` (its query, if any, is signed too). */
  url: URL;
  region: string;
  /** Seconds the URL stays valid: 1 to 604800. */
  expiresSeconds: number;
  /** The signing time; now unless given. */
  now?: Date;
  /** Headers the request must carry with exactly these values (`content-type` …); `host` is always signed. */
  headers?: Record<string, string>;
  /** `s3` unless given. */
  service?: string;
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** RFC 3986 percent-encoding of the UTF-8 bytes, as SigV4 wants it; `/` kept when `keepSlash`. */
export function uriEncode(text: string, keepSlash = false): string {
  let out = '';
  for (const char of text) {
    if (UNRESERVED.test(char) || (keepSlash && char === '/')) {
      out += char;
    } else {
      for (const byte of Buffer.from(char, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return out;
}

/** The URL of an object, path-style or virtual-hosted, with its key encoded once (as S3 signs it). */
export function objectUrl(location: ObjectLocation): URL {
  const url = new URL(location.endpoint);
  const base = url.pathname.replace(/\/+$/, '');
  const key = uriEncode(location.key, true);
  if (location.pathStyle) {
    url.pathname = `${base}/${uriEncode(location.bucket)}/${key}`;
  } else {
    url.hostname = `${location.bucket}.${url.hostname}`;
    url.pathname = `${base}/${key}`;
  }
  return url;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function hmac(key: Buffer | string, text: string): Buffer {
  return createHmac('sha256', key).update(text, 'utf8').digest();
}

/** `20130524T000000Z`. */
function amzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** The canonical request, the string to sign and the signature, exposed for tests and diagnostics. */
export interface SigningSteps {
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
  /** The query string of the final URL, signature included. */
  query: string;
}

/** Computes every step of a presigned request; `presignUrl` is the usual entry. */
export function presignSteps(request: PresignRequest, credentials: Credentials): SigningSteps {
  const { url, region } = request;
  const service = request.service ?? 's3';
  const expires = request.expiresSeconds;
  if (!Number.isInteger(expires) || expires < 1 || expires > MAX_EXPIRES_SECONDS) {
    throw new RangeError(`A presigned URL must be valid for 1 to ${MAX_EXPIRES_SECONDS} seconds (got ${expires}).`);
  }
  const timestamp = amzDate(request.now ?? new Date());
  const day = timestamp.slice(0, 8);
  const scope = `${day}/${region}/${service}/aws4_request`;

  const headers = new Map<string, string>([['host', url.host]]);
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    headers.set(name.toLowerCase(), value.trim().replace(/\s+/g, ' '));
  }
  const names = [...headers.keys()].sort();
  const signedHeaders = names.join(';');

  const params: [string, string][] = [...url.searchParams.entries()];
  params.push(
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
    ['X-Amz-Credential', `${credentials.accessKeyId}/${scope}`],
    ['X-Amz-Date', timestamp],
    ['X-Amz-Expires', String(expires)],
    ['X-Amz-SignedHeaders', signedHeaders]
  );
  // Sorted by the encoded name, then value, in byte order (plain < on ASCII strings).
  const encoded = params.map(([k, v]) => [uriEncode(k), uriEncode(v)] as const);
  encoded.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  const canonicalQuery = encoded.map(([k, v]) => `${k}=${v}`).join('&');

  const canonicalRequest = [
    request.method,
    url.pathname || '/',
    canonicalQuery,
    names.map((name) => `${name}:${headers.get(name)}\n`).join(''),
    signedHeaders,
    'UNSIGNED-PAYLOAD'
  ].join('\n');
  const stringToSign = ['AWS4-HMAC-SHA256', timestamp, scope, sha256Hex(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, day), region), service), 'aws4_request');
  const signature = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  return { canonicalRequest, stringToSign, signature, query: `${canonicalQuery}&X-Amz-Signature=${signature}` };
}

/** A presigned URL: anyone holding it may make this one kind of request until it expires. */
export function presignUrl(request: PresignRequest, credentials: Credentials): string {
  const { query } = presignSteps(request, credentials);
  const url = new URL(request.url);
  url.search = '';
  url.hash = '';
  return `${url.toString()}?${query}`;
}
