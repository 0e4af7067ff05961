import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/main/core/simulator';
import { Api, BALANCE, STATUS, SUBMIT, body } from './helpers';

let sim: Simulator;
let api: Api;

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0.001, seed: 1 });
  api = new Api(sim);
});
afterAll(() => sim.close());

/** Sends raw bytes and returns whatever comes back before the server closes or 300 ms pass. */
function raw(text: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(sim.port, '127.0.0.1');
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(answer));
    socket.setTimeout(300, () => socket.destroy());
    socket.end(text);
  });
}

describe('hostile input', () => {
  it('answers 400 "not valid JSON" to a body that is not JSON', async () => {
    for (const text of ['{oops', '', 'null null', '{"input":']) {
      const answer = await api.submit(text);
      expect(answer.status).toBe(400);
      expect(answer.json).toEqual({ code: 400, message: 'Invalid request', data: { error: 'Request body is not valid JSON' } });
    }
  });

  it('answers 400 to JSON that is not an object', async () => {
    for (const text of ['null', '[]', '42', '"text"', 'true']) {
      const answer = await api.submit(text);
      expect(answer.status).toBe(400);
      expect(answer.json.data.error).toMatch(/^Invalid request body: /);
    }
  });

  it('answers 413 to a body over 1 MB, and keeps serving', async () => {
    const huge = JSON.stringify({ ...body(), padding: 'x'.repeat(1_100_000) });
    const answer = await api.submit(huge);
    expect(answer.status).toBe(413);
    expect(answer.json).toMatchObject({ code: 413, message: 'Request body too large' });
    expect((await api.request('GET', BALANCE)).status).toBe(200);
  });

  it('answers 405 with Allow to wrong methods', async () => {
    const cases: [string, string, string][] = [
      ['GET', SUBMIT, 'POST'],
      ['PUT', SUBMIT, 'POST'],
      ['POST', `${STATUS}?taskId=x`, 'GET'],
      ['DELETE', BALANCE, 'GET']
    ];
    for (const [method, path, allow] of cases) {
      const answer = await api.request(method, path);
      expect(answer.status).toBe(405);
      expect(answer.json).toEqual({ code: 405, message: 'Method not allowed' });
      expect(answer.headers.get('allow')).toBe(allow);
    }
  });

  it('survives weird query strings', async () => {
    for (const query of ['taskId=%zz%', 'taskId=%00%ff', '&&&=&taskId', `taskId=${'a'.repeat(10_000)}`, 'taskId=a&taskId=b', 'taskId[]=1']) {
      const answer = await api.request('GET', `${STATUS}?${query}`);
      expect([400, 404]).toContain(answer.status);
      expect(answer.json.code).toBe(answer.status);
    }
  });

  it('survives malformed HTTP and absolute-form targets', async () => {
    expect(await raw('GARBAGE\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    expect(await raw('GET /api/v1/apikeys/current-balance HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    const absolute = await raw(
      `GET ${sim.origin}/api/v1/apikeys/current-balance HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sim-key\r\nConnection: close\r\n\r\n`
    );
    expect(absolute).toMatch(/^HTTP\/1\.1 200/);
    // A client that declares a body and disappears before sending it.
    await raw(`POST /api/v1${SUBMIT} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sim-key\r\nContent-Length: 500\r\n\r\n{"a":`);
    // A body declared far beyond the cap is not even drained: the connection is dropped.
    expect(await raw(`POST /api/v1${SUBMIT} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sim-key\r\nContent-Length: 100000000\r\n\r\n{`)).toBe('');
    expect((await api.request('GET', BALANCE)).status).toBe(200);
  });

  it('answers the 401 before reading the body, and odd Authorization headers are refused', async () => {
    for (const auth of ['sim-key', 'Basic sim-key', 'Bearer', 'Bearer sim-key extra', `Bearer ${'k'.repeat(5000)}`]) {
      const res = await fetch(`${sim.baseUrl}${BALANCE}`, { headers: { authorization: auth } });
      expect(res.status).toBe(401);
    }
    const lower = await fetch(`${sim.baseUrl}${BALANCE}`, { headers: { authorization: 'bearer sim-key' } });
    expect(lower.status).toBe(200);
  });

  it('is still healthy after all of that', async () => {
    expect((await api.submit(body())).status).toBe(200);
  });
});
