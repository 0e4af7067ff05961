import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { IMAGE_EXT, type ImageKind } from '@shared/images';
import type { GenerateRequest } from '@shared/request';
import { IMAGE_MAX_BYTES } from '@shared/images';
import { sniffImage } from '../images/content-kind';
import { envelope, sendEnvelope, sendText, type Envelope } from './http-io';

/**
 * The simulator's own image upload, standing in for a bucket while simulating (APIXO has none):
 * `PUT <baseUrl>/sim/uploads/<name>` with the API key and the image's bytes answers
 * `{data: {url}}`, a public `<baseUrl>/sim/uploads/<sha256>.<ext>` that GET serves. Uploads are
 * kept in memory under a total cap, oldest dropped first (and in the state folder, if there is
 * one: state.ts); a task whose upload is gone fails the way APIXO fails an image it cannot fetch.
 */

/** The path every upload lives under (the simulator's baseUrl ends in `/api/v1`). */
export const UPLOAD_PREFIX = '/api/v1/sim/uploads/';
/** APIXO takes images up to 10 MB. */
export const UPLOAD_MAX_BYTES = IMAGE_MAX_BYTES;
/** All uploads together; past it the oldest are forgotten. */
export const DEFAULT_UPLOADS_CAP_BYTES = 256 * 1024 * 1024;
/** Past this an oversized upload is no longer drained: the socket is destroyed. */
const DRAIN_CAP_BYTES = 16 * 1024 * 1024;

const DATA_URL = /^data:image\/(jpeg|png|webp);base64,/i;

/** Where a client PUTs an image, from the simulator's `baseUrl` (`http://127.0.0.1:PORT/api/v1`). */
export function uploadUrl(baseUrl: string, name: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/sim/uploads/${encodeURIComponent(name || 'image')}`;
}

export interface StoredUpload {
  /** `<sha256>.<ext>`: the same bytes always get the same id. */
  id: string;
  kind: ImageKind;
  bytes: Buffer;
  /** The name it was uploaded as. */
  name: string;
}

/** Told of every upload kept and forgotten, to save them in the simulator's state folder. */
export interface UploadHooks {
  kept(upload: StoredUpload): void;
  forgotten(id: string): void;
}

/** The uploads, in memory, oldest first (a Map keeps insertion order). */
export class UploadStore {
  private readonly byId = new Map<string, StoredUpload>();
  private totalBytes = 0;
  hooks: UploadHooks | undefined;

  constructor(private readonly capBytes: number = DEFAULT_UPLOADS_CAP_BYTES) {}

  get size(): number {
    return this.byId.size;
  }

  get(id: string): StoredUpload | undefined {
    return this.byId.get(id);
  }

  /** Stores an image (or refreshes its age if already there) and forgets the oldest past the cap. */
  put(bytes: Buffer, kind: ImageKind, name: string): StoredUpload {
    const id = `${createHash('sha256').update(bytes).digest('hex')}.${IMAGE_EXT[kind]}`;
    const old = this.byId.get(id);
    if (old) {
      this.byId.delete(id);
      this.totalBytes -= old.bytes.length;
    }
    const upload: StoredUpload = { id, kind, bytes, name };
    this.byId.set(id, upload);
    this.totalBytes += bytes.length;
    this.hooks?.kept(upload);
    for (const [oldest, stored] of this.byId) {
      if (this.totalBytes <= this.capBytes || oldest === id) break;
      this.byId.delete(oldest);
      this.totalBytes -= stored.bytes.length;
      this.hooks?.forgotten(oldest);
    }
    return upload;
  }
}

/** JPEG, PNG or WebP by magic bytes, or undefined. */
export function imageKindOf(bytes: Uint8Array): ImageKind | undefined {
  const kind = sniffImage(bytes.subarray(0, 16));
  return kind === 'jpeg' || kind === 'png' || kind === 'webp' ? kind : undefined;
}

type BytesRead = { kind: 'ok'; bytes: Buffer } | { kind: 'too_large' } | { kind: 'aborted' };

/** Reads a binary body of at most `cap` bytes; a bigger one is drained (up to a point) and dropped. */
function readBytes(req: IncomingMessage, cap: number): Promise<BytesRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: BytesRead): void => {
      if (!done) {
        done = true;
        resolve(result);
      }
    };
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > DRAIN_CAP_BYTES) {
      req.destroy();
      return finish({ kind: 'too_large' });
    }
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > DRAIN_CAP_BYTES) {
        req.destroy();
        finish({ kind: 'too_large' });
      } else if (size <= cap) {
        chunks.push(chunk);
      } else {
        chunks.length = 0;
      }
    });
    req.on('end', () => finish(size > cap ? { kind: 'too_large' } : { kind: 'ok', bytes: Buffer.concat(chunks) }));
    req.on('error', () => finish({ kind: 'aborted' }));
    req.on('close', () => finish({ kind: 'aborted' }));
  });
}

function invalid(error: string): Envelope {
  return envelope(400, 'Invalid request', { error });
}

/**
 * `PUT …/sim/uploads/<name>` (the key already checked): stores the image and answers its public
 * URL. Answers the HTTP status sent (0 when the socket went away first).
 */
export async function receiveUpload(req: IncomingMessage, res: ServerResponse, store: UploadStore, name: string, baseUrl: string): Promise<number> {
  const read = await readBytes(req, UPLOAD_MAX_BYTES);
  if (read.kind === 'aborted') return 0;
  let answer: Envelope;
  if (read.kind === 'too_large') {
    if (req.socket.destroyed) return 0;
    answer = envelope(413, 'Request body too large', { error: `The image exceeds ${UPLOAD_MAX_BYTES / (1024 * 1024)} MB` });
  } else if (name === '') {
    answer = invalid('Missing upload name: PUT the image to /sim/uploads/<file name>');
  } else if (read.bytes.length === 0) {
    answer = invalid('The upload is empty');
  } else {
    const kind = imageKindOf(read.bytes);
    if (!kind) {
      answer = invalid(`The upload is not a JPEG, PNG or WebP image (it is ${sniffImage(read.bytes.subarray(0, 16))})`);
    } else {
      const upload = store.put(read.bytes, kind, name);
      answer = envelope(200, 'success', { url: `${baseUrl}/sim/uploads/${upload.id}` });
    }
  }
  sendEnvelope(res, answer, answer.code === 413 ? { connection: 'close' } : undefined);
  return answer.code;
}

/** `GET|HEAD …/sim/uploads/<id>`: public, as a bucket's link would be. Answers the HTTP status sent. */
export function serveUpload(req: IncomingMessage, res: ServerResponse, store: UploadStore, id: string): number {
  const upload = store.get(id);
  if (!upload) {
    sendText(res, 404, 'Not Found');
    return 404;
  }
  res.writeHead(200, {
    'content-type': `image/${upload.kind}`,
    'content-length': upload.bytes.length,
    'cache-control': 'private, max-age=3600'
  });
  res.end(req.method === 'HEAD' ? undefined : upload.bytes);
  return 200;
}

/**
 * The failCode a task's source image leads to, as APIXO would report after trying to fetch it:
 * an upload of this simulator that is gone (ImageNotAccess), or a `data:` URL whose bytes are
 * not a JPEG, PNG or WebP (ImageFormatIncorrect). Other URLs are not fetched: undefined.
 */
export function imageFailure(body: GenerateRequest, origin: string, store: UploadStore): string | undefined {
  const url = 'image_urls' in body.input ? body.input.image_urls[0] : undefined;
  if (url === undefined) return undefined;
  const data = DATA_URL.exec(url);
  if (data) return imageKindOf(Buffer.from(url.slice(data[0].length), 'base64')) ? undefined : 'ImageFormatIncorrect';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const own = parsed.origin === origin || (parsed.hostname === 'localhost' && parsed.port === new URL(origin).port);
  if (!own || !parsed.pathname.startsWith(UPLOAD_PREFIX)) return undefined;
  return store.get(uploadId(parsed.pathname)) ? undefined : 'ImageNotAccess';
}

/** The id or name after the upload prefix of a request path, decoded ('' when unreadable). */
export function uploadId(path: string): string {
  try {
    return decodeURIComponent(path.slice(UPLOAD_PREFIX.length));
  } catch {
    return '';
  }
}
