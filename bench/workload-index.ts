// Bench: what finding the workloads of one repository costs per Image, from the controller's workload
// watch caches, before and after the index by repository (controller/kube/cache-index.ts). Each
// evaluation of an Image with a recorded change looks three times: the holds review, running-pod truth
// and apply's users. Before, each look took the namespace's whole list (WatchedLists.list) and filtered
// it; after, it asks the index (WatchedLists.listBy, what KubeWorkloadClient.listUsing calls while the
// caches are live) and filters the few it returns. The caches are the real ones (common/cache.ts,
// common/informer.ts) filled by their first list in-process, with a stand-in watch: no cluster needed.
//
//   npx tsx bench/workload-index.ts [--sizes 100,1000] [--namespaces 10] [--rounds 3]
//   node --expose-gc --import tsx bench/workload-index.ts   … also reports the index's heap
//
// Like the 10,000-Image controller bench: per namespace, N Deployments each running its own repository
// and N Images, one per repository. Prints, per N, the best of `rounds` CPU µs per Image (all Images
// of every namespace, three looks each) and checks that both ways find the same workloads.
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { Cache } from '../common/cache.js';
import { fakeWatch } from '../common/informer.fakes.js';
import { Informer } from '../common/informer.js';
import { usesRepository } from '../controller/actions/workloads.js';
import { repositoriesOf } from '../controller/kube/pod-spec.js';
import { compactWorkload } from '../controller/kube/compact.js';
import { WatchedLists } from '../controller/kube/watched-lists.js';
import { WORKLOAD_KINDS, type Workload } from '../controller/kube/workloads.js';
import { compileTargets } from '../domain/targets/targets.js';
import { commitOf } from './lib/trees.js';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100,1000' },
    namespaces: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
  },
});

const HOST = 'registry.bench.local:5000';
const repo = (r: number) => `${HOST}/bench/r${String(r).padStart(4, '0')}`;

/** A Deployment as the apiserver sends it, in the parts the cache keeps (compact.ts drops the rest). */
function deployment(namespace: string, r: number): unknown {
  const name = `img-${r}`;
  const labels = { app: name };
  return {
    metadata: { name, namespace, resourceVersion: String(1000 + r), uid: `uid-${namespace}-${r}`, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: 'app', image: `${repo(r)}:v1.1.0` }] },
      },
    },
    status: { replicas: 1, readyReplicas: 1, updatedReplicas: 1, availableReplicas: 1 },
  };
}

async function caches(namespaces: string[], perNamespace: number) {
  const log = pino({ level: 'silent' });
  const made = WORKLOAD_KINDS.map(
    (kind) =>
      new Cache<Workload>([], () => {
        const informer = new Informer<Workload>({
          kubeConfig: new KubeConfig(),
          path: `/bench/${kind}`,
          log,
          transform: (o) => compactWorkload(kind, o as Parameters<typeof compactWorkload>[1]),
          list: async () => ({
            items: (kind === 'Deployment'
              ? namespaces.flatMap((ns) => Array.from({ length: perNamespace }, (_, r) => deployment(ns, r)))
              : []) as Workload[],
            metadata: { resourceVersion: '1' },
          }),
        });
        fakeWatch(informer);
        return informer;
      }),
  );
  const lists = new WatchedLists<Workload>({
    caches: made,
    fallback: () => Promise.reject(new Error('the bench reads the caches only')),
    indexBy: repositoriesOf,
  });
  lists.start();
  await lists.list(namespaces[0]!); // waits for the first lists
  return lists;
}

type Look = (ns: string, repository: string) => Promise<Workload[]>;

/** The three looks of one evaluation, each with its caller's filter. */
async function evaluate(look: Look, ns: string, repository: string): Promise<string> {
  const targets = compileTargets(undefined);
  const holds = (await look(ns, repository)).filter((w) => usesRepository(w, repository, targets));
  const pods = (await look(ns, repository)).filter(
    (w) => w.kind !== 'CronJob' && usesRepository(w, repository, targets),
  );
  const users = (await look(ns, repository)).filter((w) => usesRepository(w, repository, targets));
  return [holds, pods, users].map((l) => l.map((w) => w.metadata.name).join(',')).join(';');
}

async function tick(look: Look, namespaces: string[], perNamespace: number): Promise<string[]> {
  const found: string[] = [];
  for (const ns of namespaces)
    for (let r = 0; r < perNamespace; r++) found.push(await evaluate(look, ns, repo(r)));
  return found;
}

function heapUsed(): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return undefined;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const rounds = Math.max(1, Number(args.rounds));
const nsCount = Math.max(1, Number(args.namespaces));
console.log(
  `workload lookups per Image · commit ${commitOf()} · node ${process.version} · load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(
  'workloads per namespace | namespaces | Images | before: list + filter, CPU µs per Image | after: index, CPU µs per Image | ratio | index heap',
);
for (const perNamespace of args.sizes.split(',').map(Number)) {
  const namespaces = Array.from({ length: nsCount }, (_, i) => `bench-${i}`);
  const before = heapUsed();
  const lists = await caches(namespaces, perNamespace);
  const index = lists.index(0)!;
  // The index's own heap: everything the caches hold with it, less a copy of the caches without it.
  let indexHeap = 'n/a (run with --expose-gc)';
  if (before !== undefined) {
    const withIndex = heapUsed()! - before;
    const plain = await caches(namespaces, perNamespace);
    for (let i = 0; i < WORKLOAD_KINDS.length; i++) plain.index(i)!.clear();
    const withBoth = heapUsed()! - before;
    const cachesOnly = withBoth - withIndex;
    indexHeap = `${((withIndex - cachesOnly) / 1024).toFixed(0)} KiB (${((withIndex - cachesOnly) / index.size) | 0} B per workload; caches ${(cachesOnly / 2 ** 20).toFixed(1)} MiB)`;
    await plain.stop();
  }
  const images = namespaces.length * perNamespace;
  const ways: Record<'before' | 'after', Look> = {
    before: async (ns, r) => (await lists.list(ns)).filter((w) => repositoriesOf(w).has(r)),
    after: (ns, r) => lists.listBy(ns, r),
  };
  const best = { before: Infinity, after: Infinity };
  const answers: Partial<Record<'before' | 'after', string[]>> = {};
  for (let round = 0; round <= rounds; round++) {
    for (const way of ['before', 'after'] as const) {
      const cpu0 = process.cpuUsage();
      const found = await tick(ways[way], namespaces, perNamespace);
      const cpu = process.cpuUsage(cpu0);
      answers[way] = found;
      // Round 0 warms up (the memo of each workload's repositories, the JIT).
      if (round > 0) best[way] = Math.min(best[way], (cpu.user + cpu.system) / images);
    }
  }
  if (answers.before!.join('\n') !== answers.after!.join('\n'))
    throw new Error(`the index found other workloads than list + filter at ${perNamespace} per namespace`);
  // Every Image has its one Deployment: a bench that finds nothing measures nothing.
  if (answers.after!.some((a) => a.split(';').some((part) => !/^img-\d+$/.test(part))))
    throw new Error('an Image did not find exactly its one Deployment');
  console.log(
    `${perNamespace} | ${namespaces.length} | ${images} | ${best.before.toFixed(1)} | ${best.after.toFixed(1)} | ${(best.before / best.after).toFixed(1)}× | ${indexHeap}`,
  );
  await lists.stop();
}
