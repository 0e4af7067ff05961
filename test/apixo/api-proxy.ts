import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the proxy does with the API's requests:
 * - `pass`: forwards them to the real server behind it;
 * - `stall-status`: status requests are read and never answered (a stalled status server),
 *   everything else passes;
 * - `down`: nothing listens on the port any more (connection refused), as when the network is gone.
 */
export type ProxyMode = 'pass' | 'stall-status' | 'down';

/**
 * A loopback HTTP proxy in front of an API server (the simulator), whose behaviour a test
 * switches: the client talks to a real socket that stalls or goes away, while the tasks live on
 * in the server behind it.
 */
export class ApiProxy {
  private server: Server | undefined;
  private port = 0;
  private modeNow: ProxyMode = 'pass';
  private readonly stalled: ServerResponse[] = [];
  /** Status requests that reached the proxy (answered or not). */
  statusRequests = 0;
  /** Status requests read and left hanging. */
  stalledRequests = 0;
  /** Called for each status request that passes: a reply here is sent instead of the real one. */
  statusOverride: ((url: string) => { status: number; body: unknown } | undefined) | undefined;

  constructor(private readonly target: string) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/api/v1`;
  }

  get mode(): ProxyMode {
    return this.modeNow;
  }

  async start(): Promise<string> {
    await this.listen();
    return this.baseUrl;
  }

  async setMode(mode: ProxyMode): Promise<void> {
    const was = this.modeNow;
    this.modeNow = mode;
    if (mode === 'down' && was !== 'down') await this.close();
    if (mode !== 'down' && was === 'down') await this.listen();
  }

  async stop(): Promise<void> {
    await this.close();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const isStatus = (req.url ?? '').includes('/statusTask/');
    if (isStatus) this.statusRequests++;
    if (isStatus && this.modeNow === 'stall-status') {
      this.stalledRequests++;
      this.stalled.push(res);
      req.resume();
      return;
    }
    const override = isStatus ? this.statusOverride?.(req.url ?? '') : undefined;
    if (override) {
      req.resume();
      res.writeHead(override.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(override.body));
      return;
    }
    const target = new URL(this.target);
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      (answer) => {
        if (!isStatus) {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        // Result links name the server behind the proxy: they are rewritten to the proxy's own
        // address, as a gateway in front of an API does, so that the videos come through it too.
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const body = Buffer.from(Buffer.concat(chunks).toString('utf8').split(target.origin).join(`http://127.0.0.1:${this.port}`));
          res.writeHead(answer.statusCode ?? 502, { ...answer.headers, 'content-length': String(body.length) });
          res.end(body);
        });
      }
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }

  private async listen(): Promise<void> {
    const server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  private async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const res of this.stalled.splice(0)) res.socket?.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
