// The simulator in a process of its own, for the scale run: APIXO does not share the studio's
// event loop, so at 1,000 tasks at once neither should the simulator. Started by engine-run.ts
// with `fork`; it answers over real loopback HTTP, and at the end sends what it saw.
import { startSimulator, type SimulatorOptions } from '../../src/main/core/simulator';

export interface SimReport {
  tasks: [taskId: string, createTime: number, completeTime: number][];
  requests: { endpoint: string; taskId?: string; time: number; status: number }[];
  submissions: { taskId: string }[];
  counts: ReturnType<Awaited<ReturnType<typeof startSimulator>>['counts']>;
}

const options = JSON.parse(process.argv[2] ?? '{}') as SimulatorOptions;
const sim = await startSimulator(options);
process.send!({ kind: 'ready', apiKey: sim.apiKey, baseUrl: sim.baseUrl });
process.on('message', (message: { kind: string }) => {
  if (message.kind !== 'report') return;
  const report: SimReport = {
    tasks: sim.submissions.map((s) => {
      const view = sim.task(s.taskId)!;
      return [s.taskId, view.createTime, view.completeTime];
    }),
    requests: sim.requests.map((r) => ({ endpoint: r.endpoint, taskId: r.taskId, time: r.time, status: r.status })),
    submissions: sim.submissions.map((s) => ({ taskId: s.taskId })),
    counts: sim.counts()
  };
  process.send!({ kind: 'report', report }, () => void sim.close().then(() => process.exit(0)));
});
