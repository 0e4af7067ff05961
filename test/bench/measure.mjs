import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const reporter = fileURLToPath(new URL('./report-usage.mjs', import.meta.url));

/** Runs `node args…` with the usage reporter; resolves wall time, peak RSS and exit code. */
export function measureNode(args, { cwd } = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, ['--import', reporter, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      const line = stderr.split('\n').find((l) => l.startsWith('BENCH_USAGE '));
      if (!line) return reject(new Error(`no usage line from node ${args.join(' ')}:\n${stderr}`));
      resolve({ code, wallMs, ...JSON.parse(line.slice('BENCH_USAGE '.length)) });
    });
  });
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs `fn` `n` times and returns the median of each numeric field. */
export async function medianOf(n, fn) {
  const runs = [];
  for (let i = 0; i < n; i++) runs.push(await fn());
  const out = {};
  for (const key of Object.keys(runs[0])) if (typeof runs[0][key] === 'number') out[key] = median(runs.map((r) => r[key]));
  out.codes = [...new Set(runs.map((r) => r.code))];
  return out;
}
