import type { IncomingMessage, ServerResponse } from 'node:http';

/** The envelope every API answer uses; `code` mirrors the HTTP status. */
export interface Envelope {
  code: number;
  message: string;
  data?: unknown;
}

export function envelope(code: number, message: string, data?: unknown): Envelope {
  return data === undefined ? { code, message } : { code, message, data };
}

/** Sends a JSON text (already serialised) with its length. */
export function sendJsonText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers
  });
  res.end(text);
}

export function sendEnvelope(res: ServerResponse, body: Envelope, headers?: Record<string, string>): void {
  sendJsonText(res, body.code, JSON.stringify(body), headers);
}

export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export type BodyRead = { kind: 'ok'; text: string } | { kind: 'too_large' } | { kind: 'aborted' };

/**
 * Reads a request body of at most `cap` bytes. A bigger body is not kept: the rest is read and
 * dropped so that the client can still read the 413 (a client still writing when the socket
 * closes often sees only a reset), but past `drainCap` the socket is destroyed.
 */
export function readBody(req: IncomingMessage, cap: number, drainCap: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    let done = false;
    const finish = (result: BodyRead): void => {
      if (done) return;
      done = true;
      resolve(result);
    };
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > drainCap) {
      req.destroy();
      finish({ kind: 'too_large' });
      return;
    }
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > drainCap) {
        req.destroy();
        finish({ kind: 'too_large' });
      } else if (size > cap) {
        tooLarge = true;
        chunks.length = 0;
      } else if (!tooLarge) {
        chunks.push(chunk);
      }
    });
    req.on('end', () => finish(tooLarge ? { kind: 'too_large' } : { kind: 'ok', text: Buffer.concat(chunks).toString('utf8') }));
    req.on('error', () => finish({ kind: 'aborted' }));
    req.on('close', () => finish({ kind: 'aborted' }));
  });
}

/** Splits a request target into its path and query, tolerating anything a client may send. */
export function splitTarget(target: string | undefined): { path: string; query: URLSearchParams } {
  let raw = target ?? '/';
  // Absolute form (`GET http://host/path`): keep the path.
  const abs = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(raw);
  if (abs) raw = raw.slice(abs[0].length) || '/';
  const hash = raw.indexOf('#');
  if (hash >= 0) raw = raw.slice(0, hash);
  const q = raw.indexOf('?');
  const path = q >= 0 ? raw.slice(0, q) : raw;
  let query: URLSearchParams;
  try {
    query = new URLSearchParams(q >= 0 ? raw.slice(q + 1) : '');
  } catch {
    query = new URLSearchParams();
  }
  return { path, query };
}
