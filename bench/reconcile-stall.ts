// How long the operator's Image reconciler holds the event loop when it goes over N Images that need
// no write: a resync (every 10 minutes), the end of start-up, or an update tick whose status changes
// leave Ready as it is. Those reconciles do no I/O, so unless the work queue yields (turnBudgetMs) the
// whole pass runs in one turn and an admission review arriving meanwhile waits for all of it.
//
//   npx tsx bench/reconcile-stall.ts [--images 1000,10000] [--budget 2]   (--budget none: never yield)
//
// The real Reconcilers (operator/reconcile/reconcilers.ts) over N Images in in-memory caches, each with
// the status the reconciler writes (Ready=True), so a pass writes nothing; a 1 ms timer probes the loop
// during the pass. Prints per N: the pass's wall time and the longest gap the probe saw (the event-loop
// stall an admission review would wait out). No assertions: numbers go to docs/benchmarks.md.
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import type { Image } from '../crds/index.js';
import type { KubeWrites, ObjectRef } from '../operator/reconcile/kube-writes.js';
import { FakeCache, fakeCaches } from '../operator/reconcile/cache.fakes.js';
import { Reconcilers } from '../operator/reconcile/reconcilers.js';
import { fixture, PER_REPO } from './lib/operator-fixtures.js';

const { values: args } = parseArgs({
  options: { images: { type: 'string', default: '1000,10000' }, budget: { type: 'string' } },
});

async function once(n: number, budget: number | undefined) {
  const images = new FakeCache<Image>();
  const namespaces = Math.max(1, Math.ceil(n / 100));
  for (let i = 0; i < n; i++) {
    const f = fixture(i, namespaces);
    images.put({
      apiVersion: 'tagpilot.dev/v1alpha1',
      kind: 'Image',
      metadata: { name: f.name, namespace: f.namespace, uid: `u-${i}`, resourceVersion: '1', generation: 1 },
      spec: {
        image: f.repository,
        baseTag: 'v1.0.0',
        triggers: [{ type: 'crontab', value: '*/5 * * * *' }],
        rules: [{ type: f.digestRule ? 'digest' : 'semver-minor', actions: [{ type: 'apply' }] }],
      },
      status: { tag: 'v1.4.2', result: 'Success', message: 'Updated to v1.4.2.' },
    });
  }
  // The status write lands in the cache as the apiserver's answer would: the next pass has nothing to do.
  let writes = 0;
  const kubeWrites = {
    applyStatus: (_k: unknown, ref: ObjectRef, status: Image['status']) => {
      writes++;
      const img = images.get(ref.name, ref.namespace)!;
      images.put({ ...img, status: { ...img.status, ...status } });
      return Promise.resolve();
    },
    event: () => Promise.resolve(),
  };
  const reconcilers = new Reconcilers({
    caches: fakeCaches(images),
    writes: kubeWrites as unknown as KubeWrites,
    log: pino({ level: 'silent' }),
    ...(budget === undefined ? {} : { turnBudgetMs: budget }),
  });
  const idle = () => (reconcilers as unknown as { imageQueue: { idle(): Promise<void> } }).imageQueue.idle();
  reconcilers.start(); // first pass: every Image gets its Ready condition (fake writes, no I/O)
  await idle();
  if (writes !== n) throw new Error(`the first pass wrote ${writes} statuses, want ${n}`);
  // The resync: the same pass again, nothing to write. A 1 ms probe measures the loop meanwhile.
  let last = performance.now();
  let maxGap = 0;
  const probe = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 1);
  await new Promise((r) => setTimeout(r, 20));
  maxGap = 0;
  last = performance.now();
  const t0 = performance.now();
  (reconcilers as unknown as { enqueueAll(): void }).enqueueAll();
  const enqueueMs = performance.now() - t0;
  await idle();
  const wallMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 5));
  clearInterval(probe);
  await reconcilers.stop();
  if (writes !== n) throw new Error(`the resync wrote ${writes - n} statuses, want none`);
  return { wallMs, maxGapMs: maxGap, enqueueMs };
}

function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

const budget =
  args.budget === undefined ? undefined : args.budget === 'none' ? Infinity : Number(args.budget);
if (Number.isNaN(budget)) throw new Error(`--budget wants milliseconds or none; got ${args.budget}`);
console.log(
  `reconcile pass with nothing to write · commit ${commit()} · turn budget ${budget ?? 'default (2)'} ms · ` +
    `node ${process.version} · load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
);
console.log(
  `Images (${PER_REPO} per repository) | pass wall ms | longest event-loop gap ms | of which queueing the keys ms`,
);
for (const n of args.images.split(',').map(Number)) {
  await once(n, budget); // warm-up: JIT
  const r = await once(n, budget);
  console.log(`${n} | ${r.wallMs.toFixed(0)} | ${r.maxGapMs.toFixed(1)} | ${r.enqueueMs.toFixed(1)}`);
}
