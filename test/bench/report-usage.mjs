// Preloaded with `node --import` into a measured process: at exit, writes its peak memory and
// CPU time as one JSON line to stderr, prefixed so the bench can find it.
process.on('exit', () => {
  const usage = process.resourceUsage();
  process.stderr.write(`BENCH_USAGE ${JSON.stringify({ maxRssKb: usage.maxRSS, userMs: usage.userCPUTime / 1000, systemMs: usage.systemCPUTime / 1000 })}\n`);
});
