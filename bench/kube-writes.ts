// Bench: the client-side CPU of the controller's hot apiserver writes (per updated Image: the status
// server-side apply, an Event, the workload's JSON patch), through @kubernetes/client-node's generated
// clients and through the thin JSON path the controller uses (common/kube-json.ts), against the real
// apiserver of the test environment. Both share one keep-alive agent (common/kube-connections.ts), as the
// programs do. A third way sends the thin path's requests over one HTTP/2 session (what client-go
// does) instead of HTTP/1.1 keep-alive connections: it measures whether that transport is worth building
// (docs/benchmarks.md, "Session 8"). The CPU is this process's own (process.cpuUsage): the apiserver runs in
// other processes, whose CPU per round is reported too (the apiserver pays for each transport as well).
//
//   TAGPILOT_ASSETS=$(bash hack/testenv-assets.sh) npx tsx bench/kube-writes.ts
//   BENCH_WRITES=1000 …   rounds per measurement (default 1000; each round is the three writes)
import { randomBytes } from 'node:crypto';
import { connect, type ClientHttp2Session } from 'node:http2';
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
import { testEnvCpu } from './lib/schedstat.js';

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
    await core.createNamespacedEvent({ namespace: NS, body: benchEvent(name, i, image, new Date()) });
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

/**
 * The thin path's three requests (same paths, bodies and content types as ImageApi.applyStatus,
 * KubeEventRecorder.record and KubeWorkloadClient.jsonPatch send) over one HTTP/2 session with the
 * same credentials: the bearer token or client certificate and the CA of the keep-alive agent.
 */
async function overHttp2(kc: KubeConfig, image: Image): Promise<{ round: Round; close: () => void }> {
  const opts: { headers?: Record<string, string>; agent?: { options?: Record<string, unknown> } } = {};
  await kc.applyToHTTPSOptions(opts as Parameters<KubeConfig['applyToHTTPSOptions']>[0]);
  const tls = opts.agent?.options ?? {};
  const session: ClientHttp2Session = connect(kc.getCurrentCluster()!.server, {
    ca: tls.ca as Buffer,
    ...(tls.cert ? { cert: tls.cert as Buffer, key: tls.key as Buffer } : {}),
  });
  const auth = Object.fromEntries(Object.entries(opts.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const send = (method: string, path: string, contentType: string, body: unknown, drain = false) =>
    new Promise<unknown>((resolve, reject) => {
      const payload = JSON.stringify(body);
      const req = session.request({
        ':method': method,
        ':path': path,
        ...auth,
        accept: 'application/json',
        'content-type': contentType,
        'content-length': Buffer.byteLength(payload),
      });
      let status = 0;
      const chunks: Buffer[] = [];
      req.on('response', (h) => (status = Number(h[':status'])));
      req.on('data', (c: Buffer) => {
        if (!drain) chunks.push(c);
      });
      req.on('end', () => {
        if (status < 200 || status >= 300) reject(new Error(`${method} ${path}: ${status}`));
        else resolve(drain ? undefined : JSON.parse(Buffer.concat(chunks).toString('utf8')));
      });
      req.on('error', reject);
      req.end(payload, 'utf8');
    });
  const base = `/apis/${IMAGE.group}/${IMAGE.version}/namespaces/${NS}/${IMAGE.plural}`;
  const round: Round = async (i) => {
    const name = `app-${i % CONCURRENCY}`;
    await send(
      'PATCH',
      `${base}/${name}/status?fieldManager=${FIELD_MANAGER}&force=true`,
      'application/apply-patch+yaml',
      {
        apiVersion: IMAGE.apiVersion,
        kind: IMAGE.kind,
        metadata: { name, namespace: NS },
        status: statusOf(i),
      },
    );
    await send(
      'POST',
      `/api/v1/namespaces/${NS}/events`,
      'application/json',
      { apiVersion: 'v1', kind: 'Event', ...benchEvent(name, i, image, new Date()) },
      true,
    );
    await send(
      'PATCH',
      `/apis/apps/v1/namespaces/${NS}/deployments/${name}?fieldManager=${FIELD_MANAGER}`,
      'application/json-patch+json',
      annotate(i),
    );
  };
  return { round, close: () => session.close() };
}

/** The Event of round `i` about Image `name`, as the generated client and the HTTP/2 way send it. */
const benchEvent = (name: string, i: number, image: Image, now: Date) => ({
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
});

const statusOf = (i: number) => ({ tag: `v1.${i}.0`, message: `round ${i}` });
const annotate = (i: number) => [
  { op: 'add', path: '/metadata/annotations', value: { 'bench.tagpilot.dev/round': String(i) } },
];

/** CPU seconds used so far by the test environment's processes together (apiserver, etcd, …). */
const testEnvTotal = () => [...testEnvCpu().values()].reduce((a, b) => a + b, 0);

async function measure(what: string, round: Round): Promise<number> {
  const env0 = testEnvTotal();
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
      `${cpu.toFixed(2)} CPU s, ${((cpu / ROUNDS) * 1000).toFixed(2)} ms per round (test environment ` +
      `${(((testEnvTotal() - env0) / ROUNDS) * 1000).toFixed(2)} ms); load ${loadavg()
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
  const h2 = await overHttp2(kc, image!);
  const ways = { generated: generated(kc, image!), thin: thin(kc, image!), http2: h2.round };
  const names = {
    generated: 'client-node generated clients',
    thin: 'thin JSON path',
    http2: 'thin JSON path over HTTP/2',
  };
  // Warm all up (JIT, connections), then alternate so none always runs on a quieter machine.
  for (const round of Object.values(ways)) for (let i = 0; i < 50; i++) await round(i);
  const totals = { generated: 0, thin: 0, http2: 0 };
  for (let rep = 0; rep < 2; rep++)
    for (const way of ['generated', 'thin', 'http2'] as const)
      totals[way] += await measure(names[way], ways[way]);
  h2.close();
  log(
    `per round (status apply + Event + Deployment patch): ${(['generated', 'thin', 'http2'] as const)
      .map((w) => `${w} ${((totals[w] / (2 * ROUNDS)) * 1000).toFixed(2)} ms`)
      .join(', ')}`,
  );
} finally {
  await env.stop();
}
