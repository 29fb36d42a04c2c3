// What starting work costs the work queue (common/work-queue.ts) when many keys wait on one group: the
// controller's update tick queues every Image at once, and most share one registry host, so all but
// `maxActivePerGroup` of them wait while each add and each completion looks for the next key to start.
//
//   npx tsx bench/work-queue.ts [--sizes 1000,10000] [--rounds 3]
//
// N keys of one group (cap 4 per group, concurrency 8) are added while the queue runs; each evaluation
// resolves on the next microtask. Prints the best of `rounds` (wall and CPU ms) per N. No assertions:
// numbers go to docs/benchmarks.md ("Work queue start cost").
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { WorkQueue } from '../common/work-queue.js';
import { commitOf } from './lib/trees.js';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000' },
    rounds: { type: 'string', default: '3' },
  },
});

async function once(n: number): Promise<{ wallMs: number; cpuMs: number; processed: number }> {
  let processed = 0;
  const q = new WorkQueue<string>({
    concurrency: 8,
    maxActivePerGroup: 4,
    groupOf: (key) => key.slice(0, key.indexOf('/')),
    retryReason: 'retry',
    process: async () => {
      processed++;
    },
  });
  q.start();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) q.add(`registry.example/image-${i}`, 'cron');
  await q.idle();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await q.shutdown();
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, processed };
}

const rounds = Math.max(1, Number(args.rounds));
console.log(
  `work queue start cost · commit ${commitOf()} · node ${process.version} · load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log('keys (one group, cap 4, concurrency 8) | wall ms (best) | CPU ms (best)');
for (const n of args.sizes.split(',').map(Number)) {
  let best = { wallMs: Infinity, cpuMs: Infinity };
  for (let r = 0; r < rounds; r++) {
    const run = await once(n);
    if (run.processed !== n) throw new Error(`processed ${run.processed} of ${n} keys`);
    best = { wallMs: Math.min(best.wallMs, run.wallMs), cpuMs: Math.min(best.cpuMs, run.cpuMs) };
  }
  console.log(`${n} | ${best.wallMs.toFixed(1)} | ${best.cpuMs.toFixed(1)}`);
}
