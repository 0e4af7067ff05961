import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApixoClient, ApixoError, type ApixoClientOptions } from '../../src/main/core/apixo';
import { buildRequest } from '@shared/request-builder';
import { ScriptedServer, closedPort } from '../support/scripted-server';
import { rejection } from '../support/rejection';
import { memoryLog } from '../support/memory-log';

const KEY = 'sk-test-4f1c9a1a2b';
const body = buildRequest({ mode: 'text-to-video', prompt: 'a robot in the rain', resolution: '720p', duration: 10 });
const ok = (data: unknown) => ({ status: 200, body: { code: 200, message: 'success', data } });

let server: ScriptedServer;
let baseUrl: string;
let logs: string[];

function client(extra: Partial<ApixoClientOptions> = {}): ApixoClient {
  // No jitter and a tiny time scale: the real schedule, fast and repeatable.
  return new ApixoClient({ apiKey: KEY, baseUrl, timeScale: 0.001, random: () => 1, log: memoryLog((l) => logs.push(l)).log, ...extra });
}

const failure = (promise: Promise<unknown>): Promise<ApixoError> => rejection(promise, ApixoError);

beforeEach(async () => {
  server = new ScriptedServer();
  baseUrl = await server.start();
  logs = [];
});
afterEach(() => server.stop());

describe('submit', () => {
  it('posts the documented body with the Bearer key and returns the taskId', async () => {
    server.script(ok({ taskId: 'task_12345678' }));
    await expect(client().submit(body)).resolves.toEqual({ taskId: 'task_12345678' });
    const [req] = server.seen;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/api/v1/generateTask/ltx-2-19b');
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req.headers['content-type']).toMatch(/application\/json/);
    expect(JSON.parse(req.body)).toEqual(body);
  });

  it('never sends a body the validator refuses', async () => {
    server.script(ok({ taskId: 'x' }));
    const bad = buildRequest({ mode: 'text-to-video', prompt: ' ', resolution: '720p', duration: 30 });
    const error = await failure(client().submit(bad));
    expect(error.kind).toBe('validation');
    expect(error.delivery).toBe('not_sent');
    expect(error.message).toContain('The prompt is empty');
    expect(server.seen).toHaveLength(0);
  });

  it.each([
    [400, { code: 400, message: 'Invalid request', data: { error: 'Missing required field: input.prompt' } }, 'validation'],
    [401, { code: 401, message: 'Invalid or missing API key' }, 'auth'],
    [402, { code: 402, message: 'Insufficient balance' }, 'balance'],
    [400, { code: 400, message: 'Insufficient credits' }, 'balance'],
    [403, { code: 403, message: 'API key lacks permission' }, 'forbidden']
  ])('HTTP %i %j is a %s error, not retried', async (status, answer, kind) => {
    server.script({ status, body: answer });
    const error = await failure(client().submit(body));
    expect(error.kind).toBe(kind);
    expect(error.status).toBe(status);
    expect(server.seen).toHaveLength(1);
  });

  it("shows the server's words for a validation error", async () => {
    server.script({ status: 400, body: { code: 400, message: 'Invalid request', data: { error: 'Missing required field: input.prompt' } } });
    const error = await failure(client().submit(body));
    expect(error.message).toBe('APIXO refused the request: Invalid request: Missing required field: input.prompt.');
    expect(error.serverMessage).toBe('Invalid request: Missing required field: input.prompt');
  });

  it('HTTP 200 with a body code other than 200 is an error too', async () => {
    server.script({ status: 200, body: { code: 402, message: 'Insufficient balance' } });
    expect((await failure(client().submit(body))).kind).toBe('balance');
  });

  it.each([500, 502, 504])('HTTP %i after the POST was received is "outcome unknown", never retried', async (status) => {
    server.script({ status, body: { code: status, message: 'Upstream error' } }, ok({ taskId: 'second' }));
    const error = await failure(client().submit(body));
    expect(error.kind).toBe('outcome_unknown');
    expect(error.name).toBe('SubmitOutcomeUnknownError');
    expect(error.message).toContain('may have been created');
    expect(server.seen).toHaveLength(1);
  });

  it('a connection reset after sending is "outcome unknown", never retried', async () => {
    server.script({ reset: true }, ok({ taskId: 'second' }));
    const error = await failure(client().submit(body));
    expect(error.kind).toBe('outcome_unknown');
    expect(error.delivery).toBe('maybe_sent');
    expect(server.seen).toHaveLength(1);
  });

  it('a submit that times out waiting for the answer is "outcome unknown"', async () => {
    server.script({ hang: true });
    const error = await failure(client({ timeoutMs: 300 }).submit(body));
    expect(error.kind).toBe('outcome_unknown');
    expect(server.seen).toHaveLength(1);
  });

  it('an accepted submit with an unreadable answer is "outcome unknown"', async () => {
    server.script({ status: 200, body: '<html>gateway</html>' });
    expect((await failure(client().submit(body))).kind).toBe('outcome_unknown');
    server.script(ok({ nothing: true }));
    expect((await failure(client().submit(body))).kind).toBe('outcome_unknown');
    expect(server.seen).toHaveLength(2);
  });

  it('is retried on 429 and 503, which create no task', async () => {
    server.script(
      { status: 429, body: { code: 429, message: 'Too many requests' } },
      { status: 503, body: { code: 503, message: 'Queue full' } },
      ok({ taskId: 'task_after_retries' })
    );
    await expect(client().submit(body)).resolves.toEqual({ taskId: 'task_after_retries' });
    expect(server.seen).toHaveLength(3);
  });

  it('gives up after the policy attempts and says it was rate limited', async () => {
    server.script({ status: 429, body: { code: 429, message: 'Too many requests' } });
    const error = await failure(client({ submitRetry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 10 } }).submit(body));
    expect(error.kind).toBe('rate_limited');
    expect(server.seen).toHaveLength(3);
  });

  it('is retried when the connection is refused (certainly not sent)', async () => {
    const port = await closedPort();
    const c = client({ baseUrl: `http://127.0.0.1:${port}/api/v1`, submitRetry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 10 } });
    const error = await failure(c.submit(body));
    expect(error.kind).toBe('network');
    expect(error.delivery).toBe('not_sent');
    expect(error.code).toBe('ECONNREFUSED');
    expect(logs.filter((l) => l.includes('retry'))).toHaveLength(2);
  });
});

describe('Retry-After', () => {
  it("is honoured: the wait is the server's, scaled by timeScale", async () => {
    server.script({ status: 429, body: { code: 429, message: 'slow down' }, headers: { 'retry-after': '3' } }, ok({ taskId: 't1' }));
    const started = Date.now();
    // random → 0: without Retry-After the backoff would be 0 ms.
    await client({ timeScale: 0.05, random: () => 0 }).submit(body);
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
    expect(logs.some((l) => l.includes('retry 1 in 150 ms'))).toBe(true);
  });

  it('accepts an HTTP date, and is honoured on GETs', async () => {
    const inTwoSeconds = new Date(Date.now() + 2000).toUTCString();
    server.script({ status: 503, body: { code: 503, message: 'busy' }, headers: { 'retry-after': inTwoSeconds } }, ok(12.5));
    await expect(client({ timeScale: 0.01, random: () => 0 }).balance()).resolves.toBe(12_500_000);
    const waited = logs.find((l) => l.includes('retry 1 in'));
    expect(Number(/in (\d+) ms/.exec(waited!)![1])).toBeGreaterThan(0);
  });

  it('without Retry-After, backs off exponentially with full jitter under a cap', async () => {
    server.script({ status: 500, body: { code: 500, message: 'oops' } });
    const c = client({ timeScale: 0.001, random: () => 1, getRetry: { attempts: 5, baseDelayMs: 1000, maxDelayMs: 5000 } });
    await failure(c.balance());
    const waits = logs.filter((l) => l.includes('retry')).map((l) => Number(/in (\d+) ms/.exec(l)![1]));
    // 1000, 2000, 4000, then capped at 5000 — each × timeScale.
    expect(waits).toEqual([1, 2, 4, 5]);
  });
});

describe('status', () => {
  const id = 'task_12345678';

  it('reads pending, processing, success with its URLs, and failed with code and message', async () => {
    server.script(
      ok({ taskId: id, state: 'pending', createTime: 1767965610929 }),
      ok({ taskId: id, state: 'processing', createTime: 1767965610929 }),
      ok({
        taskId: id,
        state: 'success',
        resultJson: '{"resultUrls":["https://file.apixo.ai/video.mp4"]}',
        createTime: 1767965610929,
        completeTime: 1767965652317,
        costTime: 41388
      }),
      ok({ taskId: id, state: 'failed', failCode: 'SensitiveContent', failMsg: 'Content violates provider policy', completeTime: 1 })
    );
    const c = client();
    expect(await c.status(id)).toEqual({ state: 'pending', taskId: id, createTime: 1767965610929 });
    expect((await c.status(id)).state).toBe('processing');
    expect(await c.status(id)).toEqual({
      state: 'success',
      taskId: id,
      resultUrls: ['https://file.apixo.ai/video.mp4'],
      createTime: 1767965610929,
      completeTime: 1767965652317,
      costTime: 41388
    });
    expect(await c.status(id)).toMatchObject({ state: 'failed', failCode: 'SensitiveContent', failMsg: 'Content violates provider policy' });
    expect(server.seen[0].url).toBe(`/api/v1/statusTask/ltx-2-19b?taskId=${id}`);
  });

  it('escapes a taskId in the query string', async () => {
    server.script(ok({ taskId: 'a&b=c d', state: 'pending' }));
    await client().status('a&b=c d');
    expect(server.seen[0].url).toBe('/api/v1/statusTask/ltx-2-19b?taskId=a%26b%3Dc%20d');
  });

  it('reports a state the contract does not name instead of guessing', async () => {
    server.script(ok({ taskId: id, state: 'queued_upstream' }));
    expect(await client().status(id)).toEqual({ state: 'unknown', taskId: id, rawState: 'queued_upstream' });
  });

  it.each([
    ['not JSON', 'nope{', 'its resultJson is not valid JSON'],
    ['no list', '{"urls":[]}', 'has no resultUrls list'],
    ['no usable URL', '{"resultUrls":["javascript:alert(1)", 7]}', 'lists no video URL'],
    ['missing', undefined, 'has no resultJson']
  ])('a success whose resultJson is %s is a paid task with nothing to download, said once and not retried', async (_what, resultJson, words) => {
    server.script(ok({ taskId: id, state: 'success', resultJson }));
    const status = await client().status(id);
    expect(status).toMatchObject({ state: 'no_result', taskId: id });
    expect(status.state === 'no_result' && status.problem).toContain(words);
    expect(server.seen).toHaveLength(1);
  });

  it('refuses a status that belongs to another task', async () => {
    server.script(ok({ taskId: 'someone_else', state: 'success', resultJson: '{"resultUrls":["https://x/y.mp4"]}' }));
    expect((await failure(client().status(id, { retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 } }))).kind).toBe('bad_response');
  });

  it('404 is "task not found" and not retried', async () => {
    server.script({ status: 404, body: { code: 404, message: 'Task not found' } });
    expect((await failure(client().status(id))).kind).toBe('not_found');
    expect(server.seen).toHaveLength(1);
  });

  it('is retried through 429, 5xx, resets and malformed bodies', async () => {
    server.script(
      { status: 429, body: { code: 429, message: 'slow' } },
      { status: 502, body: { code: 502, message: 'bad gateway' } },
      { reset: true },
      { status: 200, body: '{"code":200,"message":"succ' },
      ok({ taskId: id, state: 'processing' })
    );
    expect((await client().status(id)).state).toBe('processing');
    expect(server.seen).toHaveLength(5);
  });

  it('times out a hanging poll and retries it', async () => {
    server.script({ hang: true }, ok({ taskId: id, state: 'pending' }));
    expect((await client({ timeoutMs: 200 }).status(id)).state).toBe('pending');
    expect(server.seen).toHaveLength(2);
  });
});

describe('balance', () => {
  it('reads the remaining dollars as micros', async () => {
    server.script(ok(74.87));
    await expect(client().balance()).resolves.toBe(74_870_000);
    expect(server.seen[0].url).toBe('/api/v1/apikeys/current-balance');
  });

  it('a bad key is an auth error', async () => {
    server.script({ status: 401, body: { code: 401, message: 'Invalid or missing API key' } });
    expect((await failure(client().balance())).kind).toBe('auth');
  });

  // Each answer comes whole from a loopback server; none may become an amount ($0, NaN, a guess).
  const untrusted: [string, string, RegExp][] = [
    ['a negative amount', '{"code":200,"message":"success","data":-3.2}', /negative balance \(-3\.2\)/],
    ['NaN written into the JSON', '{"code":200,"message":"success","data":NaN}', /not its usual JSON/],
    ['"NaN" as text', '{"code":200,"message":"success","data":"NaN"}', /balance as text \("NaN"\)/],
    ['a number as text', '{"code":200,"message":"success","data":"74.87"}', /balance as text \("74\.87"\), not as the number/],
    ['an absurd amount', '{"code":200,"message":"success","data":5e12}', /balance of 5000000000000 dollars, more than any account holds/],
    ['an amount past what a number holds', '{"code":200,"message":"success","data":1e400}', /not an amount \(not finite\)/],
    ['no amount', '{"code":200,"message":"success"}', /without an amount/],
    ['an object', '{"code":200,"message":"success","data":{"usd":74.87}}', /with an object, not an amount/]
  ];
  it.each(untrusted)('refuses %s with its reason, as an answer received', async (_what, text, reason) => {
    server.script({ status: 200, body: text });
    const error = await failure(client({ getRetry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 } }).balance());
    expect(error.kind).toBe('bad_response');
    expect(error.delivery).toBe('received');
    expect(error.message).toMatch(reason);
    expect(server.seen[0].url).toBe('/api/v1/apikeys/current-balance');
  });

  it('reads a zero balance and a large believable one as amounts', async () => {
    server.script(ok(0), ok(9_999_999.99));
    await expect(client().balance()).resolves.toBe(0);
    await expect(client().balance()).resolves.toBe(9_999_999_990_000);
  });

  it('never echoes the key from a balance sent as text', async () => {
    server.script(ok(`${KEY}`));
    const error = await failure(client({ getRetry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 } }).balance());
    expect(error.message).not.toContain(KEY);
    expect(error.message).toMatch(/balance as text/);
  });
});

describe('the key stays secret', () => {
  it('never appears in an error message or a log line, even when the server echoes it', async () => {
    server.script({ status: 400, body: { code: 400, message: `Bad key Bearer ${KEY}`, data: { error: `key ${KEY} unknown` } } });
    const error = await failure(client().submit(body));
    const port = await closedPort();
    const network = await failure(client({ baseUrl: `http://127.0.0.1:${port}/api/v1`, getRetry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 } }).balance());
    for (const text of [error.message, error.serverMessage, JSON.stringify(error), String(error.stack), network.message, ...logs]) {
      expect(text).not.toContain(KEY);
    }
    expect(error.message).toContain('***');
  });
});

describe('every text the server supplies is redacted before the client returns it', () => {
  const id = 'task_12345678';
  it('failCode, failMsg, an unknown state and a result that is not a link never carry the key', async () => {
    server.script(
      ok({ taskId: id, state: 'failed', failCode: `Code_${KEY}`, failMsg: `the key ${KEY} is banned` }),
      ok({ taskId: id, state: `odd-${KEY}` }),
      ok({ taskId: id, state: 'success', resultJson: JSON.stringify({ resultUrls: [`ftp://x/${KEY}`] }) })
    );
    const c = client();
    const answers = [await c.status(id), await c.status(id), await c.status(id)];
    expect(answers.map((a) => a.state)).toEqual(['failed', 'unknown', 'no_result']);
    for (const answer of answers) expect(JSON.stringify(answer)).not.toContain(KEY);
    expect(answers[0]).toMatchObject({ failCode: 'Code_***', failMsg: 'the key *** is banned' });
    expect(answers[1]).toMatchObject({ rawState: 'odd-***' });
    expect(logs.join('\n')).not.toContain(KEY);
  });

  it('an abort stops a poll, a balance read and a retry wait at once', async () => {
    server.script({ hang: true });
    const controller = new AbortController();
    const c = client({ timeoutMs: 60_000 });
    const poll = c.status(id, { signal: controller.signal });
    const balance = c.balance({ signal: controller.signal });
    for (let i = 0; i < 200 && server.seen.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
    controller.abort(new Error('closing'));
    await expect(poll).rejects.toThrow();
    await expect(balance).rejects.toThrow();
  });
});
