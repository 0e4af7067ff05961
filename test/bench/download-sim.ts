// The download bench's simulator, in a process of its own (as APIXO's storage is in no process
// of the app's): serves results of real sizes and prints where, as one line of JSON, then runs
// until it is told to stop (SIGTERM or a closed stdin).
import { startSimulator } from '../../src/main/core/simulator';

const options = JSON.parse(process.argv[2] ?? '{}') as Parameters<typeof startSimulator>[0];
const sim = await startSimulator(options);
process.stdout.write(`${JSON.stringify({ baseUrl: sim.baseUrl, apiKey: sim.apiKey })}\n`);
const stop = (): void => {
  void sim.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
