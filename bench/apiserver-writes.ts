// Bench: what the controller's two most frequent writes, an Image's status (server-side apply) and an
// Event, cost the test environment (apiserver, etcd, and kube-controller-manager, whose garbage collector
// and quota monitors watch every resource), in CPU ms per write. The controller bench shows an update tick
// bound by the test cluster's CPU on two cores; this says which write that CPU goes to. Each kind is
// written once to each of N Images, `CONCURRENCY` at a time, twice, while a watch on Images and one on
// Deployments are open (as the programs' informers are: the apiserver serializes every change for them).
// No Deployments are created: kube-controller-manager would still be rolling them out while measuring.
//
//   TAGPILOT_ASSETS=$(bash hack/testenv-assets.sh) npx tsx bench/apiserver-writes.ts
//   BENCH_OBJECTS=1000 …   objects per kind (default 1000)
//   BENCH_APISERVER_PROFILE=DIR …   also take the apiserver's CPU profile (/debug/pprof) of each write
//                                   kind into DIR (read with `go tool pprof -top DIR/FILE`)
import { mkdirSync, writeFileSync } from 'node:fs';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, Watch, type KubeConfig } from '@kubernetes/client-node';
import { reuseConnections } from '../common/kube-connections.js';
import { createLogger } from '../common/logger.js';
import { IMAGE, type ImageStatus } from '../crds/index.js';
import { KubeEventRecorder, imageTarget } from '../controller/kube/events.js';
import { ImageApi } from '../controller/kube/images.js';
import { installCRDsWith } from '../test/testenv/crds.js';
import { startEnvironment } from '../test/testenv/environment.js';
import { adminKubeConfig } from '../test/testenv/kube.js';
import { testEnvCpu } from './lib/schedstat.js';
import { createWriteBenchImage } from './lib/fixtures.js';
import { pool } from './lib/programs.js';

const N = Number(process.env.BENCH_OBJECTS ?? 1000);
const CONCURRENCY = 8;
const NS = 'bench-apiserver';
const log = (m: string) => console.error(`[bench] ${m}`);
const names = Array.from({ length: N }, (_, i) => `app-${i}`);

/** An updated Image's status, field for field the shape the controller writes when it applies a tag. */
function updatedStatus(name: string, tag: string, at: Date): ImageStatus {
  const time = at.toISOString();
  const digest = `sha256:${'ab'.repeat(32)}`;
  return {
    tag,
    digest,
    result: 'Success',
    message: `v1.0.0 → ${tag} (rule "semver-minor"): applied to Deployment app (1 container)`,
    lastCheckTime: time,
    nextCheckTime: new Date(at.getTime() + 60_000).toISOString(),
    history: [
      { tag, digest, rule: 'semver-minor', time },
      { tag: 'v1.0.0', digest: `sha256:${'cd'.repeat(32)}`, rule: 'semver-minor', time },
    ],
    rollout: {
      tag,
      digest,
      previousTag: 'v1.0.0',
      rule: 'semver-minor',
      startTime: time,
      deadline: new Date(at.getTime() + 300_000).toISOString(),
      phase: 'Watching',
      workloads: [
        {
          kind: 'Deployment',
          name,
          containers: [
            {
              name: 'app',
              from: `127.0.0.1:5000/bench/${name}:v1.0.0`,
              to: `127.0.0.1:5000/bench/${name}:${tag}`,
            },
          ],
        },
      ],
    },
    conditions: [
      {
        type: 'UpToDate',
        status: 'True',
        reason: 'Applied',
        message: `the actions for ${tag} succeeded`,
        lastTransitionTime: time,
      },
      {
        type: 'Healthy',
        status: 'Unknown',
        reason: 'Progressing',
        message: `following the rollout of ${tag}`,
        lastTransitionTime: time,
      },
    ],
  } as ImageStatus;
}

/** Waits until the test environment is idle (kube-controller-manager done with earlier writes); its CPU now. */
async function quiet(): Promise<Map<string, number>> {
  let last = testEnvCpu();
  for (let i = 0; i < 30; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = testEnvCpu();
    const moved = [...now].reduce((sum, [c, v]) => sum + v - (last.get(c) ?? 0), 0);
    last = now;
    // An idle test environment still uses a little (leases, resyncs): well under this.
    if (moved < 0.15) break;
  }
  return last;
}

const PROFILE_DIR = process.env.BENCH_APISERVER_PROFILE;
let profileKc: KubeConfig | undefined;

/** The apiserver's CPU profile over the next `seconds`, written to PROFILE_DIR/`file`. */
async function profileApiserver(file: string, seconds: number): Promise<void> {
  const url = new URL(`${profileKc!.getCurrentCluster()!.server}/debug/pprof/profile?seconds=${seconds}`);
  const opts: RequestOptions = { method: 'GET' };
  await profileKc!.applyToHTTPSOptions(opts);
  const body = await new Promise<Buffer>((resolve, reject) => {
    const req = httpsRequest(url, opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        res.statusCode === 200
          ? resolve(Buffer.concat(chunks))
          : reject(new Error(`pprof: HTTP ${res.statusCode}`)),
      );
    });
    req.on('error', reject);
    req.end();
  });
  mkdirSync(PROFILE_DIR!, { recursive: true });
  writeFileSync(join(PROFILE_DIR!, file), body);
}

async function measure(kind: string, write: (name: string, i: number) => Promise<void>): Promise<void> {
  const before = await quiet();
  const file = `${kind.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.pb.gz`;
  const profiled = PROFILE_DIR ? profileApiserver(file, 5) : undefined;
  const t0 = performance.now();
  let next = 0;
  await pool(
    names.map(() => next++),
    CONCURRENCY,
    (i) => write(names[i]!, i),
  );
  const wall = (performance.now() - t0) / 1000;
  await profiled;
  // kube-controller-manager keeps working after a rollout-starting patch: counted until it is idle again.
  const last = await quiet();
  const used = [...last].map(([c, v]) => [c, v - (before.get(c) ?? 0)] as const).filter(([, v]) => v >= 0.05);
  const total = used.reduce((s, [, v]) => s + v, 0);
  log(
    `| ${kind} | ${N} | ${wall.toFixed(1)} s | ${((total / N) * 1000).toFixed(2)} ms | ${used
      .map(([c, v]) => `${c} ${((v / N) * 1000).toFixed(2)}`)
      .join(', ')} | ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} |`,
  );
}

async function openWatches(kc: KubeConfig): Promise<() => void> {
  const watch = new Watch(kc);
  const requests = await Promise.all(
    [`/apis/${IMAGE.group}/${IMAGE.version}/${IMAGE.plural}`, '/apis/apps/v1/deployments'].map((path) =>
      watch.watch(
        path,
        {},
        () => {},
        () => {},
      ),
    ),
  );
  return () => requests.forEach((r) => r.abort());
}

const env = await startEnvironment({ log: (m) => console.error(`[testenv] ${m}`) });
try {
  const kc = reuseConnections(adminKubeConfig(env.info));
  profileKc = adminKubeConfig(env.info);
  await installCRDsWith(kc);
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  await core.createNamespace({ body: { metadata: { name: NS } } });
  log(`creating ${N} Images`);
  const uids = new Map<string, string>();
  await pool(names, 16, async (name) => {
    const image = await createWriteBenchImage(custom, NS, name);
    uids.set(name, image.metadata.uid ?? '');
  });
  const images = new ImageApi(kc);
  const events = new KubeEventRecorder(kc, createLogger('bench', { level: 'silent' }), 'bench');
  // The first status of each Image (a new object's first apply creates the field manager's entry).
  await pool(names, CONCURRENCY, (name) =>
    images.applyStatus({ namespace: NS, name }, updatedStatus(name, 'v1.0.0', new Date())).then(() => {}),
  );
  const stop = await openWatches(kc);
  log(`| write | count | wall | test environment CPU per write | by process (ms per write) | load |`);
  log(`| --- | ---: | ---: | ---: | --- | --- |`);
  try {
    for (const round of [1, 2]) {
      await measure(`status server-side apply (round ${round})`, async (name) => {
        await images.applyStatus({ namespace: NS, name }, updatedStatus(name, `v1.${round}.0`, new Date()));
      });
      await measure(`Event create (round ${round})`, async (name) => {
        const target = imageTarget({ metadata: { name, namespace: NS, uid: uids.get(name) } });
        await events.record(target, 'Normal', 'NewTag', `v1.0.0 → v1.${round}.0 (rule "semver-minor")`);
      });
    }
  } finally {
    stop();
  }
} finally {
  await env.stop();
}
