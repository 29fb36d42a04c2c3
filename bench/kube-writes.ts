// Bench: the client-side CPU of the controller's hot apiserver writes (per updated Image: the status
// server-side apply, an Event, the workload's JSON patch), through @kubernetes/client-node's generated
// clients and through the thin JSON path the controller uses (common/kube-json.ts), against the real
// apiserver of the test environment. Both share one keep-alive agent (common/kube-connections.ts), as the
// programs do. The CPU is this process's own (process.cpuUsage): the apiserver runs in other processes.
//
//   TAGPILOT_ASSETS=$(bash hack/testenv-assets.sh) npx tsx bench/kube-writes.ts
//   BENCH_WRITES=1000 …   rounds per measurement (default 1000; each round is the three writes)
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { reuseConnections } from '../common/kube-connections.js';
import { IMAGE, type Image } from '../crds/index.js';
import { KubeEventRecorder, imageTarget } from '../controller/kube/events.js';
import { FIELD_MANAGER, ImageApi } from '../controller/kube/images.js';
import { KubeWorkloadClient } from '../controller/kube/workloads.js';
import { createLogger } from '../common/logger.js';
import { installCRDsWith } from '../test/testenv/crds.js';
import { startEnvironment } from '../test/testenv/environment.js';
import { adminKubeConfig } from '../test/testenv/kube.js';
import { createWriteBenchImage } from './lib/fixtures.js';
import { pool } from './lib/programs.js';

const ROUNDS = Number(process.env.BENCH_WRITES ?? 1000);
const CONCURRENCY = 10;
const NS = 'bench-writes';
const log = (m: string) => console.error(`[bench] ${m}`);

type Round = (i: number) => Promise<void>;

/** The three writes through client-node's generated clients (what the controller did before). */
function generated(kc: KubeConfig, image: Image): Round {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const apps = kc.makeApiClient(AppsV1Api);
  const base = { group: IMAGE.group, version: IMAGE.version, plural: IMAGE.plural, namespace: NS };
  return async (i) => {
    const name = `app-${i % CONCURRENCY}`;
    await custom.patchNamespacedCustomObjectStatus(
      {
        ...base,
        name,
        body: {
          apiVersion: IMAGE.apiVersion,
          kind: IMAGE.kind,
          metadata: { name, namespace: NS },
          status: statusOf(i),
        },
        fieldManager: FIELD_MANAGER,
        force: true,
      },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
    const now = new Date();
    await core.createNamespacedEvent({
      namespace: NS,
      body: {
        metadata: { name: `${name}.${randomBytes(8).toString('hex')}`, namespace: NS },
        involvedObject: {
          apiVersion: IMAGE.apiVersion,
          kind: IMAGE.kind,
          name,
          namespace: NS,
          uid: image.metadata.uid,
        },
        type: 'Normal',
        reason: 'NewTag',
        message: `round ${i}`,
        count: 1,
        firstTimestamp: now,
        lastTimestamp: now,
        source: { component: 'bench' },
        reportingComponent: 'bench',
        reportingInstance: 'bench',
        action: 'NewTag',
      },
    });
    await apps.patchNamespacedDeployment(
      { namespace: NS, name, body: annotate(i), fieldManager: FIELD_MANAGER },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
  };
}

/** The same three writes as the controller makes them now. */
function thin(kc: KubeConfig, image: Image): Round {
  const images = new ImageApi(kc);
  const events = new KubeEventRecorder(kc, createLogger('bench', { level: 'silent' }), 'bench');
  const workloads = new KubeWorkloadClient(kc, { listTtlMs: 0 });
  return async (i) => {
    const name = `app-${i % CONCURRENCY}`;
    await images.applyStatus({ namespace: NS, name }, statusOf(i));
    await events.record(
      imageTarget({ metadata: { ...image.metadata, name } }),
      'Normal',
      'NewTag',
      `round ${i}`,
    );
    await workloads.jsonPatch('Deployment', NS, name, annotate(i));
  };
}

const statusOf = (i: number) => ({ tag: `v1.${i}.0`, message: `round ${i}` });
const annotate = (i: number) => [
  { op: 'add', path: '/metadata/annotations', value: { 'bench.tagpilot.dev/round': String(i) } },
];

async function measure(what: string, round: Round): Promise<number> {
  const start = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  await pool(
    Array.from({ length: ROUNDS }, () => next++),
    CONCURRENCY,
    (i) => round(i),
  );
  const used = process.cpuUsage(start);
  const cpu = (used.user + used.system) / 1e6;
  log(
    `${what}: ${ROUNDS} rounds (${ROUNDS * 3} writes) in ${((performance.now() - t0) / 1000).toFixed(1)} s, ` +
      `${cpu.toFixed(2)} CPU s, ${((cpu / ROUNDS) * 1000).toFixed(2)} ms per round; load ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
  );
  return cpu;
}

const env = await startEnvironment({ log: (m) => console.error(`[testenv] ${m}`) });
try {
  const kc = reuseConnections(adminKubeConfig(env.info));
  await installCRDsWith(kc);
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  await core.createNamespace({ body: { metadata: { name: NS } } });
  let image: Image | undefined;
  for (let n = 0; n < CONCURRENCY; n++) {
    const name = `app-${n}`;
    image = await createWriteBenchImage(custom, NS, name);
    await apps.createNamespacedDeployment({
      namespace: NS,
      body: {
        metadata: { name, annotations: {} },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: { containers: [{ name: 'app', image: `127.0.0.1:5000/bench/${name}:v1.0.0` }] },
          },
        },
      },
    });
  }
  const ways = { generated: generated(kc, image!), thin: thin(kc, image!) };
  // Warm both up (JIT, connections), then alternate so neither always runs on a quieter machine.
  for (const round of Object.values(ways)) for (let i = 0; i < 50; i++) await round(i);
  const totals = { generated: 0, thin: 0 };
  for (let rep = 0; rep < 2; rep++) {
    totals.generated += await measure('client-node generated clients', ways.generated);
    totals.thin += await measure('thin JSON path', ways.thin);
  }
  log(
    `per round (status apply + Event + Deployment patch): generated ${((totals.generated / (2 * ROUNDS)) * 1000).toFixed(2)} ms, ` +
      `thin ${((totals.thin / (2 * ROUNDS)) * 1000).toFixed(2)} ms`,
  );
} finally {
  await env.stop();
}
