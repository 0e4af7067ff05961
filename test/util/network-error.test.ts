import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import got from 'got';
import { afterEach, describe, expect, it } from 'vitest';
import { networkProblem } from '../../src/main/core/util/network-error';

const servers: Server[] = [];
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((done) => s.close(done))));
});

/** A raw TCP server on loopback that does `onSocket` with every connection. */
async function tcp(onSocket: (socket: Socket) => void): Promise<string> {
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onSocket(socket);
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return `127.0.0.1:${port}`;
}

/** What a real request through got ends in, on the Node these tests run on. */
async function failure(url: string, options: { timeout?: { request: number }; signal?: AbortSignal } = {}): Promise<unknown> {
  return got(url, { retry: { limit: 0 }, timeout: { request: 2000 }, ...options }).then(
    () => new Error('the request succeeded'),
    (error: unknown) => error
  );
}

function expectNoRawMessage(error: unknown, words: string): void {
  const raw = (error as Error).message;
  if (raw) expect(words.includes(raw)).toBe(false);
}

describe('a failed connection, in words, on this Node', () => {
  it('a closed port: refused, never sent', async () => {
    const error = await failure(`http://${await closedPort()}/`);
    const problem = networkProblem(error);
    expect(problem).toMatchObject({ fault: 'refused', notSent: true });
    expect(problem.words).toMatch(/^the connection was refused \((ECONNREFUSED|ERR_SOCKET_CLOSED_BEFORE_CONNECTION)\)$/);
    expectNoRawMessage(error, problem.words);
  });

  it('a server that hangs up at once: cut off, and it may have heard the request', async () => {
    const address = await tcp((socket) => socket.destroy());
    const problem = networkProblem(await failure(`http://${address}/`));
    expect(problem.fault).toBe('cut_off');
    expect(problem.notSent).toBe(false);
    expect(problem.words).toMatch(/^the connection was cut off \(ECONNRESET\)$/);
  });

  it('a server that never answers: no answer in time, with the phase that timed out', async () => {
    const address = await tcp(() => undefined);
    const problem = networkProblem(await failure(`http://${address}/`, { timeout: { request: 150 } }));
    expect(problem).toMatchObject({ fault: 'timeout', code: 'ETIMEDOUT', notSent: false });
    expect(problem.words).toBe('no answer came in time (ETIMEDOUT, request)');
  });

  it('a server that answers something other than HTTP: garbled', async () => {
    const address = await tcp((socket) => socket.end('SSH-2.0-OpenSSH_9.6\r\n\r\n'));
    const problem = networkProblem(await failure(`http://${address}/`));
    expect(problem.fault).toBe('garbled');
    expect(problem.words).toMatch(/^the server answered something that is not a web response \(HPE_[A-Z_]+\)$/);
  });

  it('https to a server that does not speak TLS: the secure connection failed', async () => {
    const address = await tcp((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    const problem = networkProblem(await failure(`https://${address}/`));
    expect(problem.fault).toBe('tls');
    expect(problem.words).toBe('the secure connection could not be set up (EPROTO)');
  });

  it('a request stopped on purpose is aborted, not a network fault', async () => {
    const address = await tcp(() => undefined);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    expect(networkProblem(await failure(`http://${address}/`, { signal: controller.signal })).fault).toBe('aborted');
  });
});

describe('the codes other Node versions and Electron report for the same faults', () => {
  it.each([
    // Node 20+ connects to every address of a dual-stack name and fails with all of them.
    [
      'an AggregateError of refusals (Node 20–24, "localhost")',
      Object.assign(new AggregateError([Object.assign(new Error('connect ECONNREFUSED ::1:80'), { code: 'ECONNREFUSED' })], ''), {}),
      'refused',
      true
    ],
    [
      'ERR_SOCKET_CLOSED_BEFORE_CONNECTION (Node 24)',
      Object.assign(new Error('Socket closed before the connection was established'), { code: 'ERR_SOCKET_CLOSED_BEFORE_CONNECTION' }),
      'cut_off',
      true
    ],
    [
      'ERR_SOCKET_CONNECTION_TIMEOUT (autoSelectFamily, Node 20+)',
      Object.assign(new Error('Socket connection timeout'), { code: 'ERR_SOCKET_CONNECTION_TIMEOUT' }),
      'timeout',
      true
    ],
    ['ENOTFOUND', Object.assign(new Error('getaddrinfo ENOTFOUND api.example'), { code: 'ENOTFOUND' }), 'name_not_found', true],
    ['EAI_AGAIN', Object.assign(new Error('getaddrinfo EAI_AGAIN api.example'), { code: 'EAI_AGAIN' }), 'name_not_found', true],
    ['ENETUNREACH', Object.assign(new Error('connect ENETUNREACH'), { code: 'ENETUNREACH' }), 'unreachable', true],
    ['a certificate error', Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), 'tls', false],
    ['undici’s socket error', Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }), 'cut_off', false],
    ['something without a code', new Error('Something odd /home/someone/secret.txt'), 'other', false]
  ] as const)('%s', (_label, error, fault, notSent) => {
    const problem = networkProblem(error);
    if (fault === 'tls') expect(problem.words).toBe('the server’s security certificate could not be trusted (DEPTH_ZERO_SELF_SIGNED_CERT)');
    expect(problem.fault).toBe(fault);
    expect(problem.notSent).toBe(notSent);
    expectNoRawMessage(error, problem.words);
  });

  it('looks through got’s wrapper to the cause when got gave only its own generic code', () => {
    const wrapped = Object.assign(new Error('wrapped'), {
      code: 'ERR_GOT_REQUEST_ERROR',
      cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })
    });
    expect(networkProblem(wrapped)).toMatchObject({ fault: 'cut_off', code: 'ECONNRESET' });
  });
});
