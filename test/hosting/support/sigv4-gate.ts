import { createHash, createHmac } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * s3rver 3.7 does not check SigV4 signatures (its source says the calculation is
 * unimplemented: any signature passes). This gate stands in front of it and checks presigned
 * requests the way S3 documents it, from what actually arrives on the wire, then passes good
 * ones through to s3rver unchanged. It is written apart from src/main/core/hosting/sigv4.ts, so
 * a signing bug there cannot hide behind the same bug here.
 */

export interface GateRecord {
  method: string;
  path: string;
  verdict: 'passed' | 'unsigned' | 'bad_signature' | 'expired' | 'unknown_key' | 'failed_on_purpose';
}

const STRICT = /[A-Za-z0-9\-._~]/;

function strictEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += byte < 128 && STRICT.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function xmlError(res: ServerResponse, status: number, code: string, message: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export class SigV4Gate {
  readonly records: GateRecord[] = [];
  private server?: Server;
  private failures = 0;

  /** `secrets`: access key ID → secret; keys not listed are passed on for s3rver to refuse. */
  constructor(
    private readonly upstreamPort: number,
    private readonly secrets: ReadonlyMap<string, string>
  ) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Answers the next `count` requests with 503 SlowDown, as a busy S3 does. */
  failNext(count: number): void {
    this.failures = count;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server?.close(() => resolve());
      this.server?.closeAllConnections();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const rawPath = q >= 0 ? raw.slice(0, q) : raw;
    const pairs = (q >= 0 ? raw.slice(q + 1) : '')
      .split('&')
      .filter((p) => p !== '')
      .map((p) => {
        const eq = p.indexOf('=');
        return [decodeURIComponent(eq >= 0 ? p.slice(0, eq) : p), decodeURIComponent(eq >= 0 ? p.slice(eq + 1) : '')] as [string, string];
      });
    const param = (name: string): string | undefined => pairs.find(([k]) => k === name)?.[1];
    const record = (verdict: GateRecord['verdict']): void => {
      this.records.push({ method: req.method ?? '', path: decodeURIComponent(rawPath), verdict });
    };

    if (this.failures > 0) {
      this.failures--;
      record('failed_on_purpose');
      return xmlError(res, 503, 'SlowDown', 'Please reduce your request rate.');
    }

    const given = param('X-Amz-Signature');
    const credential = param('X-Amz-Credential');
    const date = param('X-Amz-Date');
    const expires = param('X-Amz-Expires');
    const signedHeaders = param('X-Amz-SignedHeaders');
    if (!given || !credential || !date || !expires || !signedHeaders) {
      record('unsigned');
      return xmlError(res, 403, 'AccessDenied', 'Access Denied');
    }
    const [keyId, day, region, service, terminator] = credential.split('/');
    const secret = this.secrets.get(keyId);
    if (secret === undefined) {
      record('unknown_key');
      return this.forward(req, res);
    }
    const signedAt = Date.UTC(+date.slice(0, 4), +date.slice(4, 6) - 1, +date.slice(6, 8), +date.slice(9, 11), +date.slice(11, 13), +date.slice(13, 15));
    if (Date.now() > signedAt + Number(expires) * 1000) {
      record('expired');
      return xmlError(res, 403, 'AccessDenied', 'Request has expired');
    }

    // S3 decodes the path once and re-encodes each segment strictly; `/` stays.
    const canonicalUri = rawPath
      .split('/')
      .map((segment) => strictEncode(decodeURIComponent(segment)))
      .join('/');
    const canonicalQuery = pairs
      .filter(([k]) => k !== 'X-Amz-Signature')
      .map(([k, v]) => [strictEncode(k), strictEncode(v)])
      .sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : 1) : a < b ? -1 : 1))
      .map(([k, v]) => `${k}=${v}`)
      .join('&');
    const names = signedHeaders.split(';');
    const canonicalHeaders = names
      .map((name) => {
        const value = req.headers[name];
        const text = Array.isArray(value) ? value.join(',') : (value ?? '');
        return `${name}:${text.trim().replace(/\s+/g, ' ')}\n`;
      })
      .join('');
    const canonical = [req.method, canonicalUri, canonicalQuery, canonicalHeaders, signedHeaders, 'UNSIGNED-PAYLOAD'].join('\n');
    const scope = [day, region, service, terminator].join('/');
    const toSign = ['AWS4-HMAC-SHA256', date, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
    let key: Buffer = Buffer.from(`AWS4${secret}`);
    for (const part of [day, region, service, terminator]) key = createHmac('sha256', key).update(part).digest();
    const wanted = createHmac('sha256', key).update(toSign).digest('hex');
    if (wanted !== given) {
      record('bad_signature');
      return xmlError(
        res,
        403,
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your key and signing method.'
      );
    }
    record('passed');
    this.forward(req, res);
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    const upstream = request({ host: '127.0.0.1', port: this.upstreamPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }
}
