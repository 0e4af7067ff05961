import { afterEach, describe, expect, it } from 'vitest';
import { ApixoClient, ApixoError, type TaskStatus } from '../../src/main/core/apixo';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/main/core/simulator';
import { body, untilComplete } from './helpers';
import { rejection } from '../support/rejection';

/**
 * The product's own APIXO client against the simulator: the two must agree on every envelope,
 * status and header, or the tests and benchmarks built on the simulator would prove nothing.
 */
let sim: Simulator;
afterEach(() => sim?.close());

async function setup(options: SimulatorOptions = {}): Promise<ApixoClient> {
  sim = await startSimulator({ timeScale: 0.001, seed: 21, ...options });
  return new ApixoClient({ apiKey: sim.apiKey, baseUrl: sim.baseUrl, timeScale: 0.001, random: () => 0.5 });
}

const failure = (promise: Promise<unknown>): Promise<ApixoError> => rejection(promise, ApixoError);

describe('ApixoClient against the simulator', () => {
  it('submits, polls to success and reads the balance', async () => {
    const client = await setup();
    expect(await client.balance()).toBe(100_000_000);
    const { taskId } = await client.submit(body({ resolution: '720p', duration: 10 }));
    expect(await client.balance()).toBe(100_000_000 - 160_000);
    expect(['pending', 'processing']).toContain((await client.status(taskId)).state);
    await untilComplete(sim, taskId);
    const done = (await client.status(taskId)) as Extract<TaskStatus, { state: 'success' }>;
    expect(done.state).toBe('success');
    expect(done.resultUrls[0]).toContain(`${sim.origin}/files/${taskId}.mp4?`);
  });

  it('reads failures and undocumented states', async () => {
    const client = await setup();
    const failed = await client.submit(body({ prompt: 'x [sim:fail:ImageNotAccess]' }));
    const odd = await client.submit(body({ prompt: 'x [sim:state:warming] [sim:slow]' }));
    await new Promise((r) => setTimeout(r, sim.task(odd.taskId)!.processingTime - Date.now() + 1));
    expect(await client.status(odd.taskId)).toEqual({ state: 'unknown', taskId: odd.taskId, rawState: 'warming' });
    await untilComplete(sim, failed.taskId);
    expect(await client.status(failed.taskId)).toMatchObject({ state: 'failed', failCode: 'ImageNotAccess' });
  });

  it('classifies the simulator errors as the real ones', async () => {
    const client = await setup({ balanceUsd: 0.01, apiKey: 'k' });
    expect((await failure(new ApixoClient({ apiKey: 'bad', baseUrl: sim.baseUrl }).balance())).kind).toBe('auth');
    expect((await failure(client.submit(body()))).kind).toBe('balance');
    sim.setBalance(100);
    const rejected = await failure(client.submit(body({ prompt: 'x [sim:reject]' })));
    expect(rejected.kind).toBe('validation');
    expect(rejected.serverMessage).toContain('[sim:reject]');
    expect((await failure(client.status('0123456789abcdef0123456789abcdef'))).kind).toBe('not_found');
    sim.setConcurrencyLimit(0);
    const limited = await failure(client.submit(body(), { retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } }));
    expect(limited.kind).toBe('rate_limited');
    expect(limited.retryAfterMs).toBeGreaterThanOrEqual(1000);
  });

  it('sees an accepted-then-502 or reset submit as outcome unknown, and never retries it', async () => {
    const client = await setup({ faults: { errorAfterAcceptRate: 1 } });
    expect((await failure(client.submit(body()))).kind).toBe('outcome_unknown');
    sim.setFaults({ errorAfterAcceptRate: 0, resetAfterAcceptRate: 1 });
    const reset = await failure(client.submit(body()));
    expect(reset.kind).toBe('outcome_unknown');
    expect(reset.delivery).toBe('maybe_sent');
    expect(sim.counts().byEndpoint.submit).toBe(2);
    expect(sim.submissions).toHaveLength(2);
  });

  it('retries a 503 submit, which created nothing, until it goes through', async () => {
    const client = await setup({ faults: { serverErrorRate: 1 } });
    const pending = client.submit(body());
    // The fault clears only once the server has answered a submit with 503 (never on a timer,
    // which a loaded machine can outrun before the first request arrives).
    while ((sim.counts().byStatus[503] ?? 0) < 1) await new Promise((r) => setTimeout(r, 5));
    sim.setFaults({ serverErrorRate: 0 });
    await pending;
    expect(sim.submissions).toHaveLength(1);
    expect(sim.counts().byStatus[503]).toBeGreaterThanOrEqual(1);
  });

  it('rides out malformed and 429 status answers with its retries', async () => {
    const client = await setup();
    const { taskId } = await client.submit(body());
    // Seeded: the same faults hit every run, and none outlasts the client's six attempts.
    sim.setFaults({ malformedStatusRate: 0.3, status429Rate: 0.2 });
    for (let i = 0; i < 8; i++) expect(['pending', 'processing', 'success']).toContain((await client.status(taskId)).state);
    const { faults } = sim.counts();
    expect(faults.malformed_status).toBeGreaterThan(0);
    expect(faults.status_429).toBeGreaterThan(0);
  });
});
