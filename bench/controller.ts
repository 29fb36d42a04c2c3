// Bench: tagpilot-controller with 1,000 Images over 100 repositories on one cron schedule (or 10,000 over
// 1,000 with BENCH_IMAGES=10000), against the real apiserver, kwok and the real registry of the test
// environment. Every Image has its own Deployment (one container using the Image's repository), so the
// update tick includes apply. The controller is the real program as the image ships it (controller/main.ts
// compiled by tsconfig.build.json and bundled by hack/bundle.mjs, run by plain node) in a child process,
// so that its RSS is its own and not the harness's or a TypeScript loader's.
//
//   TAGPILOT_ASSETS=$(bash hack/testenv-assets.sh) npx tsx bench/controller.ts     (or make bench)
//   BENCH_IMAGES=10000 …                     the 10,000-Image row (1,000 repositories)
//   BENCH_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/prof' …   extra node flags for the controller
//
// Phases (every Image has the crontab "* * * * *", so each minute is one tick for all of them):
//   1. start-up: the controller starts with 1,000 Images it has never checked and checks them all;
//   2. a cron tick with nothing new in the registry;
//   3. a cron tick after a new tag was pushed to every repository (1,000 updates);
//   4. a cron tick with nothing new again.
// Per phase (the bench reads the controller's /metrics once a second): wall time until every Image was
// evaluated and until the health gate judged every rollout (settled), registry requests (the controller's
// own counter on its /metrics, by kind), apiserver writes and reads (the apiserver's
// apiserver_request_total, by verb and resource; writes of kube-controller-manager and kwok left out),
// the controller's peak RSS (/proc/PID/status, sampled every 100 ms), its CPU seconds (utime+stime of
// /proc/PID/stat, from the phase's start until it settled) and the machine's load average. The tag
// cache lives 50 s (--registry-cache-ttl), so each one-minute tick lists every repository once.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpuSeconds, rssBytes } from '../test/testenv/procs.js';
import { compilePrograms, pool } from './lib/programs.js';
import { createWriteStream, existsSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, fetch as ufetch } from 'undici';
import { AppsV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import type { ImageSpec } from '../crds/index.js';
import { installCRDsWith } from '../test/testenv/crds.js';
import { startEnvironment } from '../test/testenv/environment.js';
import { pushTags } from '../test/testenv/images.js';
import { adminKubeConfig } from '../test/testenv/kube.js';
import { freePort } from '../test/testenv/ports.js';
import { Cluster } from '../test/integration/controller/support.js';

const IMAGES = Number(process.env.BENCH_IMAGES ?? 1000);
const PER_REPO = 10;
const REPOS = IMAGES / PER_REPO;
const NAMESPACES = 10;
if (!Number.isInteger(REPOS) || REPOS < 1) throw new Error('BENCH_IMAGES must be a multiple of 10');
/**
 * Replicas of each Deployment (BENCH_REPLICAS, default 0): apply, the rollout and the health gate's
 * judgement are the same; with 1, kwok and kube-controller-manager also roll 1,000 Pods on the same
 * 2 cores, which measures them more than the controller (docs/benchmarks.md).
 */
const REPLICAS = Number(process.env.BENCH_REPLICAS ?? 0);
const TAGS_TTL_MS = 50_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function log(m: string): void {
  console.error(`[bench] ${m}`);
}

/** Sums of the samples of each metric family in a Prometheus text exposition, by `name{label=…}` too. */
function parseMetrics(text: string): {
  total(name: string): number;
  byLabel(name: string, label: string): Map<string, number>;
} {
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})? ([^ ]+)/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1]!, x[2]!]),
    );
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return {
    total: (name) => samples.filter((x) => x.name === name).reduce((a, x) => a + x.value, 0),
    byLabel: (name, label) => {
      const out = new Map<string, number>();
      for (const x of samples.filter((y) => y.name === name))
        out.set(x.labels[label] ?? '', (out.get(x.labels[label] ?? '') ?? 0) + x.value);
      return out;
    },
  };
}

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const distDir = join(repoRoot, '.tagpilot', 'bench-dist');
compilePrograms(repoRoot, distDir, 'controller', log);
// The controller as the image ships it: bundled (hack/bundle.mjs; older trees ship tsc's output).
if (existsSync(join(repoRoot, 'hack/bundle.mjs')))
  execFileSync(process.execPath, [join(repoRoot, 'hack/bundle.mjs'), distDir], {
    cwd: repoRoot,
    stdio: 'inherit',
  });

const env = await startEnvironment({ log: (m) => console.error(`[testenv] ${m}`) });
let child: ChildProcess | undefined;
// Ctrl-C: take the controller and the environment down with us.
process.on('exit', () => child?.kill('SIGKILL'));
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => void env.stop().finally(() => process.exit(130)));
try {
  const kc = adminKubeConfig(env.info);
  const cluster = new Cluster(env.info);
  const registry = env.info.registries.anonymous;
  await installCRDsWith(kc);

  // --- counters ----------------------------------------------------------------------------------
  const insecure = new Agent({ connect: { rejectUnauthorized: false } });
  /** apiserver_request_total for our resources, as `VERB resource[/subresource]` → count. */
  async function apiserverRequests(): Promise<Map<string, number>> {
    const res = await ufetch(`${env.info.apiServerURL}/metrics`, {
      headers: { authorization: `Bearer ${env.info.adminToken}` },
      dispatcher: insecure,
    });
    const text = await res.text();
    const out = new Map<string, number>();
    for (const line of text.split('\n')) {
      if (!line.startsWith('apiserver_request_total{')) continue;
      const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      const resource = labels.resource ?? '';
      if (
        ![
          'images',
          'events',
          'deployments',
          'statefulsets',
          'daemonsets',
          'cronjobs',
          'secrets',
          'leases',
          'pods',
        ].includes(resource)
      )
        continue;
      const key = `${labels.verb} ${resource}${labels.subresource ? `/${labels.subresource}` : ''}`;
      out.set(key, (out.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
    }
    return out;
  }
  const port = await freePort();
  const controllerMetrics = async () =>
    parseMetrics(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
  async function registryRequests(): Promise<Map<string, number>> {
    return (await controllerMetrics()).byLabel('tagpilot_registry_requests_total', 'kind');
  }
  const evaluations = async () => (await controllerMetrics()).total('tagpilot_controller_evaluations_total');
  const custom = kc.makeApiClient(CustomObjectsApi);
  /** Images whose rollout the health gate still follows (status.rollout set). */
  let benchLists = 0;
  async function followedRollouts(): Promise<number> {
    benchLists++;
    const list = (await custom.listClusterCustomObject({
      group: 'tagpilot.dev',
      version: 'v1alpha1',
      plural: 'images',
    })) as { items: { status?: { rollout?: unknown } }[] };
    return list.items.filter((i) => i.status?.rollout).length;
  }
  let peakRss = 0;
  const rssTimer = setInterval(() => {
    if (child?.pid !== undefined && child.exitCode === null)
      peakRss = Math.max(peakRss, rssBytes(child.pid) ?? 0);
  }, 100);
  const diff = (a: Map<string, number>, b: Map<string, number>) => {
    const out = new Map<string, number>();
    for (const [k, v] of b) if (v - (a.get(k) ?? 0) > 0) out.set(k, v - (a.get(k) ?? 0));
    return out;
  };
  const WRITE = /^(POST|PUT|PATCH|DELETE|APPLY) /;
  // Writes of kube-controller-manager and kwok rolling the Deployments out (the apiserver's counter has
  // no client label): workload and Pod status, Pods, bindings, their Leases and Events. The controller's
  // own Events come from its tagpilot_controller_events_total instead.
  const NOT_OURS = / (pods(\/\w+)?|leases|events|(deployments|statefulsets|daemonsets|cronjobs)\/status)$/;
  const ownEvents = async () => (await controllerMetrics()).total('tagpilot_controller_events_total');

  // --- fixtures ----------------------------------------------------------------------------------
  log(`pushing v1.0.0 to ${REPOS} repositories`);
  const repos = Array.from({ length: REPOS }, (_, i) => `bench/r${String(i).padStart(3, '0')}`);
  await pool(repos, 8, (repo) => pushTags(registry, repo, ['v1.0.0']));
  const core = kc.makeApiClient(CoreV1Api);
  const namespaces = Array.from({ length: NAMESPACES }, (_, i) => `bench-${i}`);
  for (const name of namespaces) await core.createNamespace({ body: { metadata: { name } } });
  log(`creating ${IMAGES} Images`);
  const specs = repos.flatMap((repo, r) => Array.from({ length: PER_REPO }, (_, k) => ({ repo, r, k })));
  await pool(specs, 16, ({ repo, r, k }) => {
    const spec: ImageSpec = {
      image: `${registry.host}/${repo}`,
      baseTag: 'v1.0.0',
      triggers: [{ type: 'crontab', value: '* * * * *' }],
      rules: [{ type: 'semver-minor', actions: [{ type: 'apply' }] }],
    };
    return cluster.createImage(namespaces[(r * PER_REPO + k) % NAMESPACES]!, `img-${r}-${k}`, spec);
  });
  // One Deployment per Image: Image img-R-K is the only one of its namespace on repository R, so apply
  // patches exactly its Deployment.
  log(`creating ${IMAGES} Deployments (${REPLICAS} replicas each)`);
  const apps = kc.makeApiClient(AppsV1Api);
  await pool(specs, 16, ({ repo, r, k }) => {
    const name = `img-${r}-${k}`;
    const labels = { app: name };
    return apps.createNamespacedDeployment({
      namespace: namespaces[(r * PER_REPO + k) % NAMESPACES]!,
      body: {
        metadata: { name, labels },
        spec: {
          replicas: REPLICAS,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [{ name: 'app', image: `${registry.host}/${repo}:v1.0.0` }] },
          },
        },
      },
    });
  });

  interface Row {
    phase: string;
    seconds: number;
    settled: number;
    evaluations: number;
    registry: Map<string, number>;
    writes: Map<string, number>;
    reads: Map<string, number>;
    rssMiB: number;
    cpuSeconds: number;
    load: string;
  }
  const rows: Row[] = [];

  /** Runs a phase: from `start` until `IMAGES` more evaluations are done and nothing is in flight. */
  async function phase(name: string, start: () => Promise<number>): Promise<void> {
    const before = child
      ? { reg: await registryRequests(), evaluated: await evaluations(), events: await ownEvents() }
      : undefined;
    const api0 = await apiserverRequests();
    const benchLists0 = benchLists;
    peakRss = 0;
    const cpu0 = child?.pid !== undefined ? cpuSeconds(child.pid) : 0;
    const t0 = await start();
    const reg0 = before?.reg ?? new Map<string, number>();
    const evaluated0 = before?.evaluated ?? 0;
    let evaluated = 0;
    let seconds = 0;
    // Once a second: every scrape renders the per-Image series (2 per Image), which costs the controller
    // CPU that a Prometheus scraping every 15–60 s would not.
    for (let i = 0; i < 900; i++) {
      const m = await controllerMetrics().catch(() => undefined);
      evaluated = (m?.total('tagpilot_controller_evaluations_total') ?? 0) - evaluated0;
      if (m && evaluated >= IMAGES && !seconds) seconds = (Date.now() - t0) / 1000;
      // Settled: nothing in flight and no rollout left for the health gate to follow.
      if (seconds && m?.total('tagpilot_controller_queue_active') === 0 && (await followedRollouts()) === 0)
        break;
      await sleep(1000);
    }
    const settled = (Date.now() - t0) / 1000;
    const cpu = cpuSeconds(child!.pid!) - cpu0;
    const [reg1, api1] = [await registryRequests(), await apiserverRequests()];
    const api = diff(api0, api1);
    // The bench's own listings (followedRollouts) are not the controller's reads.
    const ownLists = (api.get('LIST images') ?? 0) - (benchLists - benchLists0);
    if (ownLists > 0) api.set('LIST images', ownLists);
    else api.delete('LIST images');
    const events = (await ownEvents()) - (before?.events ?? 0);
    const writes = new Map([...api].filter(([k]) => WRITE.test(k) && !NOT_OURS.test(k)));
    if (events > 0) writes.set('POST events', events);
    rows.push({
      phase: name,
      seconds,
      settled,
      evaluations: evaluated,
      registry: diff(reg0, reg1),
      writes,
      reads: new Map([...api].filter(([k]) => /^(GET|LIST) /.test(k) && !/ leases$/.test(k))),
      rssMiB: peakRss / 2 ** 20,
      cpuSeconds: cpu,
      load: loadavg()
        .map((l) => l.toFixed(1))
        .join(' '),
    });
    log(
      `${name}: ${seconds.toFixed(1)} s (settled ${settled.toFixed(1)} s), ${evaluated} evaluations, ${cpu.toFixed(1)} CPU s`,
    );
  }

  /** Waits until 3 s before the next minute boundary at least `minGapMs` away; the phase starts there. */
  async function nextTick(minGapMs: number): Promise<() => Promise<number>> {
    let boundary = Math.ceil(Date.now() / 60_000) * 60_000;
    while (boundary - Date.now() < minGapMs) boundary += 60_000;
    await sleep(Math.max(0, boundary - Date.now() - 3_000));
    return async () => boundary;
  }

  // 1. start-up, timed to begin just after a minute boundary so that no tick overlaps it
  const kubeconfig = join(env.info.logDir, 'bench-controller.kubeconfig');
  writeFileSync(kubeconfig, kc.exportConfig(), { mode: 0o600 });
  // (6 s after it: the jitter of that minute's tick, up to 5 s, is over)
  await sleep((60_000 - (Date.now() % 60_000) + 6_000) % 60_000);
  let phase1Start = 0;
  const n = IMAGES.toLocaleString('en');
  await phase(`start-up: ${n} Images never checked`, async () => {
    phase1Start = Date.now();
    const out = createWriteStream(join(env.info.logDir, 'bench-controller.log'));
    child = spawn(
      process.execPath,
      [
        ...(process.env.BENCH_NODE_OPTIONS ?? '').split(' ').filter(Boolean),
        join(distDir, 'controller/main.js'),
        `--kubeconfig=${kubeconfig}`,
        '--bind-address=127.0.0.1',
        `--port=${port}`,
        `--registry-cache-ttl=${TAGS_TTL_MS / 1000}s`,
        '--log-level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
    return phase1Start;
  });
  // 2. a tick with nothing new (the tags cache has expired: every repository is listed again)
  await phase('cron tick, nothing new', await nextTick(TAGS_TTL_MS + 5_000 - (Date.now() - phase1Start)));
  // 3. a new tag in every repository, then a tick
  log('pushing v1.1.0 to every repository');
  await pool(repos, 8, (repo) => pushTags(registry, repo, ['v1.1.0']));
  await phase('cron tick, v1.1.0 in every repository', await nextTick(5_000));
  const updated = await apps.listDeploymentForAllNamespaces();
  const moved = updated.items.filter((d) =>
    d.spec?.template.spec?.containers[0]?.image?.endsWith(':v1.1.0'),
  ).length;
  log(`${moved} of ${updated.items.length} Deployments run v1.1.0`);
  // 4. nothing new again
  await phase('cron tick, nothing new (after the update)', await nextTick(5_000));
  clearInterval(rssTimer);

  // --- report --------------------------------------------------------------------------------------
  const fmt = (m: Map<string, number>) =>
    [...m]
      .sort()
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || '0';
  const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  console.log('');
  console.log(
    '| phase | all evaluated in | rollouts judged in | evaluations | registry requests | apiserver writes | controller reads | CPU | peak RSS | load |',
  );
  console.log('| --- | ---: | ---: | ---: | --- | --- | --- | ---: | ---: | --- |');
  for (const r of rows) {
    console.log(
      `| ${r.phase} | ${r.seconds.toFixed(1)} s | ${r.settled.toFixed(1)} s | ${r.evaluations} | ${sum(r.registry)} (${fmt(r.registry)}) | ${sum(r.writes)} (${fmt(r.writes)}) | ${sum(r.reads)} (${fmt(r.reads)}) | ${r.cpuSeconds.toFixed(1)} s | ${r.rssMiB.toFixed(0)} MiB | ${r.load} |`,
    );
  }
  const peak = Math.max(...rows.map((r) => r.rssMiB));
  console.log('');
  console.log(
    `Per Image: peak RSS ${((peak * 1024) / IMAGES).toFixed(1)} KiB; CPU ${rows
      .map((r) => `${((r.cpuSeconds * 1000) / IMAGES).toFixed(1)} ms`)
      .join(' / ')} (phases in order); ${moved} of ${updated.items.length} Deployments moved to v1.1.0`,
  );
} finally {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
  }
  await env.stop();
}
process.exit(0);
