import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median } from './stats';

// The reporter stays plain JS: it is preloaded into measured child processes run by plain node.
const reporter = fileURLToPath(new URL('./report-usage.mjs', import.meta.url));

export interface Measurement {
  code: number | null;
  wallMs: number;
  maxRssKb: number;
  userMs: number;
  systemMs: number;
}

export interface MedianMeasurement {
  wallMs: number;
  maxRssKb: number;
  userMs: number;
  systemMs: number;
  /** Distinct exit codes seen over the runs. */
  codes: (number | null)[];
}

/** Runs `node args…` with the usage reporter; resolves wall time, peak RSS and exit code. */
export function measureNode(args: string[], { cwd }: { cwd?: string } = {}): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, ['--import', reporter, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      const line = stderr.split('\n').find((l) => l.startsWith('BENCH_USAGE '));
      if (!line) return reject(new Error(`no usage line from node ${args.join(' ')}:\n${stderr}`));
      const usage = JSON.parse(line.slice('BENCH_USAGE '.length)) as Omit<Measurement, 'code' | 'wallMs'>;
      resolve({ code, wallMs, ...usage });
    });
  });
}

/** Runs `fn` `n` times and returns the median of each figure. */
export async function medianOf(n: number, fn: () => Promise<Measurement>): Promise<MedianMeasurement> {
  const runs: Measurement[] = [];
  for (let i = 0; i < n; i++) runs.push(await fn());
  const of = (key: 'wallMs' | 'maxRssKb' | 'userMs' | 'systemMs'): number => median(runs.map((r) => r[key]));
  return {
    wallMs: of('wallMs'),
    maxRssKb: of('maxRssKb'),
    userMs: of('userMs'),
    systemMs: of('systemMs'),
    codes: [...new Set(runs.map((r) => r.code))]
  };
}
