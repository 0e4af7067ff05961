import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the server saw it. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** What the server does with one request. */
export type Reply =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  /** Read the request, then drop the connection without answering. */
  | { reset: true }
  /** Read the request and never answer. */
  | { hang: true };

/**
 * A loopback HTTP server that answers each request with the next scripted reply (the last one
 * repeats), for testing how the client reads every kind of answer.
 */
export class ScriptedServer {
  readonly seen: SeenRequest[] = [];
  private replies: Reply[] = [];
  private server?: Server;
  private hanging: ServerResponse[] = [];

  script(...replies: Reply[]): this {
    this.replies = replies;
    return this;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
        const reply = this.replies.length > 1 ? this.replies.shift()! : this.replies[0];
        if (!reply) throw new Error('no reply scripted');
        if ('reset' in reply) {
          req.socket.destroy();
          return;
        }
        if ('hang' in reply) {
          this.hanging.push(res);
          return;
        }
        const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        res.end(text);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/v1`;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.socket?.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

/** A loopback port with nothing listening: connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
