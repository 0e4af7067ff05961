import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERIC_FAIL_MESSAGE, REJECT_MESSAGE, parseMarkers, startSimulator, type Simulator } from '../../src/main/core/simulator';
import { Api, body, resultUrl, sleep, untilComplete } from './helpers';

let sim: Simulator;
let api: Api;

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0.001, seed: 11 });
  api = new Api(sim);
});
afterAll(() => sim.close());

describe('parseMarkers', () => {
  it('finds nothing in an ordinary prompt', () => {
    expect(parseMarkers('a robot in the rain')).toEqual({ expired: false, slow: false, reject: false });
    expect(parseMarkers(42)).toEqual({ expired: false, slow: false, reject: false });
  });

  it('reads every marker, combined', () => {
    expect(parseMarkers('x [sim:fail:Timeout] [sim:state:queued_upstream] [sim:expired][sim:slow] [sim:reject]')).toEqual({
      failCode: 'Timeout',
      state: 'queued_upstream',
      expired: true,
      slow: true,
      reject: true
    });
    expect(parseMarkers('[sim:fail:Unknown error]').failCode).toBe('Unknown error');
  });
});

describe('prompt markers', () => {
  it('[sim:fail:CODE] fails the task with that code and a realistic message', async () => {
    const taskId = await api.create(body({ prompt: 'a cat [sim:fail:SensitiveContent]' }));
    await untilComplete(sim, taskId);
    const answer = await api.status(taskId);
    expect(answer.json).toEqual({
      code: 200,
      message: 'success',
      data: {
        taskId,
        state: 'failed',
        failCode: 'SensitiveContent',
        failMsg: 'Content violates provider policy, please adjust the prompt',
        createTime: expect.any(Number),
        completeTime: expect.any(Number)
      }
    });
  });

  it('[sim:fail:CODE] with an unknown code gets a generic message', async () => {
    const taskId = await api.create(body({ prompt: 'a cat [sim:fail:WeirdNewCode]' }));
    await untilComplete(sim, taskId);
    expect((await api.status(taskId)).json.data).toMatchObject({ state: 'failed', failCode: 'WeirdNewCode', failMsg: GENERIC_FAIL_MESSAGE });
  });

  it('[sim:state:WORD] reports WORD after pending, then succeeds', async () => {
    const taskId = await api.create(body({ prompt: 'a cat [sim:state:queued_upstream] [sim:slow]' }));
    const task = sim.task(taskId)!;
    await sleep(task.processingTime - Date.now() + 1);
    // With [sim:slow] the processing phase lasts 85 % of 120–180 ms here: the poll lands inside it.
    expect((await api.status(taskId)).json.data.state).toBe('queued_upstream');
    await untilComplete(sim, taskId);
    expect((await api.status(taskId)).json.data.state).toBe('success');
  });

  it('[sim:expired] succeeds with a result URL that is already gone', async () => {
    const taskId = await api.create(body({ prompt: 'a cat [sim:expired]' }));
    await untilComplete(sim, taskId);
    const url = await resultUrl(api, taskId);
    expect((await fetch(url)).status).toBe(410);
  });

  it('[sim:slow] takes three times longer', async () => {
    // Same seed, same draw order: the first task of each simulator draws the same latency.
    const plain = await startSimulator({ timeScale: 0.001, seed: 99 });
    const slow = await startSimulator({ timeScale: 0.001, seed: 99 });
    try {
      const a = plain.task(await new Api(plain).create(body()))!;
      const b = slow.task(await new Api(slow).create(body({ prompt: 'a cat [sim:slow]' })))!;
      const spanA = a.completeTime - a.createTime;
      const spanB = b.completeTime - b.createTime;
      expect(Math.abs(spanB - 3 * spanA)).toBeLessThanOrEqual(2);
    } finally {
      await Promise.all([plain.close(), slow.close()]);
    }
  });

  it('[sim:reject] answers 400 with a validation-like message, creating and charging nothing', async () => {
    const before = sim.balanceUsd();
    const count = sim.submissions.length;
    const answer = await api.submit(body({ prompt: 'a cat [sim:reject]' }));
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ code: 400, message: 'Invalid request', data: { error: REJECT_MESSAGE } });
    expect(sim.submissions.length).toBe(count);
    expect(sim.balanceUsd()).toBe(before);
  });
});
