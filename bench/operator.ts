// Bench: tagpilot-operator (admission webhook + reconcilers) holding N Images of a real apiserver. The
// operator is the shipped program (operator/main.ts compiled by tsconfig.build.json and bundled by
// hack/bundle.mjs, run by node with the image entrypoint's flags) in a child process, so its RSS and CPU
// are its own, not the harness's or a TypeScript loader's.
//
//   TAGPILOT_ASSETS=$(bash hack/testenv-assets.sh) npx tsx bench/operator.ts [--images 1000,10000]
//       [--rate 500] [--seconds 20] [--follow 20]   (BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" profiles it;
//       BENCH_NODE_FLAGS="--max-semi-space-size=8" replaces the image entrypoint's node flags, to compare them)
//
// --images is a list of scales, run one after another, each in a fresh test environment (default: both
// scales of issue 18's goals, 1,000 and 10,000; the 10,000 run takes 10–15 minutes on a busy machine).
//
// Fixtures: N Images over N/10 repositories (10 Images per repository) in N/100 namespaces, every one with
// the status the controller would have written (tag, digest, result Success; a third use the `digest`
// rule, so their pins carry a digest), plus --follow Deployments annotated tagpilot.dev/follow (one
// managed Image each, created by the operator). Phases:
//   1. start-up: from spawning the operator until every Image has its Ready condition (the operator's
//      status writes reach the Image count and its queue is empty), checked by listing them afterwards;
//   2. quiet: 10 s holding the Images with nothing to do;
//   3. admission: Pod CREATE AdmissionReviews at --rate req/s for --seconds against its real /mutate, round
//      robin over the namespaces, each pinning two containers (bench/lib/admission-load.ts, run in a worker
//      thread: bench/lib/admission-worker.ts);
//   4. admission during an update: the same load while the bench moves every Image's status.tag (what the
//      controller writes on an update tick), so the webhook's pins are recomputed under load.
// Per phase: wall time, the operator's CPU seconds (/proc/PID/stat), peak RSS (/proc/PID/status every
// 100 ms) and its V8 heap in use (tagpilot_nodejs_heap_size_used_bytes on its /metrics at the end of the phase);
// after start-up also its event-loop delay, GC pauses, waits for a CPU and the test environment's CPU
// (bench/lib/phase-probe.ts), which tell a stall of the operator's own loop from the machine's queue.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpuSeconds, rssBytes } from '../test/testenv/procs.js';
import { memoryBreakdown } from './lib/memory-breakdown.js';
import { phaseProbe } from './lib/phase-probe.js';
import { runQueueWaitSeconds } from './lib/schedstat.js';
import { programMetrics } from './lib/metrics.js';
import { digestFor, fixture, PER_REPO, REGISTRY } from './lib/operator-fixtures.js';
import { compilePrograms, pool } from './lib/programs.js';
import { createWriteStream, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { IMAGE, type Image } from '../crds/index.js';
import { programs } from '../hack/images/layout.js';
import { installCRDsWith } from '../test/testenv/crds.js';
import { startEnvironment } from '../test/testenv/environment.js';
import { adminKubeConfig } from '../test/testenv/kube.js';
import { freePort } from '../test/testenv/ports.js';
import { percentile, type PodShape } from './lib/admission-load.js';
import { loadWorker } from './lib/admission-worker.js';

const { values: args } = parseArgs({
  options: {
    images: { type: 'string', default: '1000,10000' },
    follow: { type: 'string', default: '20' },
    rate: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '20' },
  },
});
const SCALES = args.images.split(',').map(Number);
if (SCALES.some((n) => !Number.isInteger(n) || n < 1))
  throw new Error(
    `--images wants a comma-separated list of Image counts, e.g. 1000,10000; got ${args.images}`,
  );
const FOLLOW = Number(args.follow);
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const OPERATOR_NS = 'tagpilot-system';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (m: string) => console.error(`[bench] ${m}`);

/** The node flags of the image's entrypoint (between node and the script): the bench runs it as shipped. */
const SHIPPED_NODE_FLAGS =
  process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? programs.operator.entrypoint.slice(1, -1);

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const distDir = join(repoRoot, '.tagpilot', 'bench-dist-operator');
compilePrograms(repoRoot, distDir, 'operator', log);
// The operator as the image ships it: bundled (hack/bundle.mjs says why).
execFileSync(process.execPath, [join(repoRoot, 'hack/bundle.mjs'), distDir, 'operator'], {
  cwd: repoRoot,
  stdio: 'inherit',
});

/** Goals of issue 18 for the whole run's peak RSS (the controller's; the operator is held to the same). */
const RSS_GOAL_MIB: Record<number, number> = { 1000: 150, 10000: 300 };

let child: ChildProcess | undefined;
let stopEnv: (() => Promise<void>) | undefined;
process.on('exit', () => child?.kill('SIGKILL'));
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => void (stopEnv?.() ?? Promise.resolve()).finally(() => process.exit(130)));

/** One scale in its own test environment; returns its report lines. */
async function runScale(IMAGES: number): Promise<string[]> {
  const REPOS = Math.ceil(IMAGES / PER_REPO);
  const NAMESPACES = Math.max(1, Math.ceil(IMAGES / 100));
  const loadAtStart = loadavg();
  const env = await startEnvironment({ log: (m) => console.error(`[testenv] ${m}`) });
  stopEnv = () => env.stop();
  const report: string[] = [];
  try {
    const kc = adminKubeConfig(env.info);
    await installCRDsWith(kc);
    const core = kc.makeApiClient(CoreV1Api);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const apps = kc.makeApiClient(AppsV1Api);
    const apply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);

    // --- fixtures ------------------------------------------------------------------------------------
    for (const name of [OPERATOR_NS, ...Array.from({ length: NAMESPACES }, (_, n) => `bench-${n}`)])
      await core.createNamespace({ body: { metadata: { name } } });
    const all = Array.from({ length: IMAGES }, (_, i) => fixture(i, NAMESPACES));
    const setStatus = (f: (typeof all)[number], tag: string) =>
      custom.patchNamespacedCustomObjectStatus(
        {
          ...IMAGE,
          namespace: f.namespace,
          name: f.name,
          body: {
            apiVersion: IMAGE.apiVersion,
            kind: IMAGE.kind,
            metadata: { name: f.name, namespace: f.namespace },
            status: {
              tag,
              digest: digestFor(tag, f.repository),
              result: 'Success',
              message: `Updated to ${tag}.`,
              lastCheckTime: new Date().toISOString(),
              history: [{ tag, digest: digestFor(tag, f.repository), time: new Date().toISOString() }],
            },
          },
          fieldManager: 'tagpilot-controller',
          force: true,
        },
        apply,
      );
    log(`creating ${IMAGES} Images in ${NAMESPACES} namespaces over ${REPOS} repositories, with status`);
    const t0 = Date.now();
    await pool(all, 16, async (f) => {
      const body: Image = {
        apiVersion: 'tagpilot.dev/v1alpha1',
        kind: 'Image',
        metadata: { name: f.name, namespace: f.namespace },
        spec: {
          image: f.repository,
          baseTag: 'v1.0.0',
          triggers: [{ type: 'crontab', value: '*/5 * * * *' }],
          rules: [{ type: f.digestRule ? 'digest' : 'semver-minor', actions: [{ type: 'apply' }] }],
        },
      };
      await custom.createNamespacedCustomObject({ ...IMAGE, namespace: f.namespace, body });
      await setStatus(f, 'v1.4.2');
    });
    log(`fixtures written in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    for (let w = 0; w < FOLLOW; w++) {
      const namespace = `bench-${w % NAMESPACES}`;
      await apps.createNamespacedDeployment({
        namespace,
        body: {
          metadata: {
            name: `follow-${w}`,
            namespace,
            annotations: { 'tagpilot.dev/follow': 'semver-minor' },
          },
          spec: {
            replicas: 0,
            selector: { matchLabels: { app: `follow-${w}` } },
            template: {
              metadata: { labels: { app: `follow-${w}` } },
              spec: { containers: [{ name: 'app', image: `${REGISTRY}/follow/w${w}:v1.0.0` }] },
            },
          },
        },
      });
    }
    const total = IMAGES + FOLLOW;

    // --- the operator ----------------------------------------------------------------------------------
    const kubeconfig = join(env.info.logDir, 'bench-operator.kubeconfig');
    writeFileSync(kubeconfig, kc.exportConfig(), { mode: 0o600 });
    const [webhookPort, metricsPort] = [await freePort(), await freePort()];
    // Only the families the bench reads (/metrics?name[]=…): it polls every 100 ms during start-up.
    const STARTED = new Set(['tagpilot_operator_status_writes_total', 'tagpilot_operator_queue_depth']);
    const HEAP = new Set(['tagpilot_nodejs_heap_size_used_bytes']);
    let peakRss = 0;
    const rssTimer = setInterval(() => {
      if (child?.pid !== undefined && child.exitCode === null)
        peakRss = Math.max(peakRss, rssBytes(child.pid) ?? 0);
    }, 100);

    interface Row {
      phase: string;
      seconds: number;
      cpu: number;
      rssMiB: number;
      heapMiB: number;
      note: string;
    }
    const rows: Row[] = [];
    async function phase(name: string, run: () => Promise<string>): Promise<void> {
      peakRss = 0;
      const start = Date.now();
      const cpu0 = child?.pid ? cpuSeconds(child.pid) : 0;
      const probe = await phaseProbe(() => child?.pid, metricsPort);
      const note = await run();
      const seconds = (Date.now() - start) / 1000;
      const loopNote = await probe.end(); // before the heap read: a render resets the delay histogram
      const heap = (await programMetrics(metricsPort, HEAP)).total('tagpilot_nodejs_heap_size_used_bytes');
      rows.push({
        phase: name,
        seconds,
        cpu: cpuSeconds(child!.pid!) - cpu0,
        rssMiB: peakRss / 2 ** 20,
        heapMiB: heap / 2 ** 20,
        note: note + loopNote,
      });
      log(`${name}: ${seconds.toFixed(1)} s; ${note}${loopNote}`);
    }

    // 1. start-up
    await phase(
      `start-up: ${IMAGES.toLocaleString('en')} Images + ${FOLLOW} followed Deployments`,
      async () => {
        const out = createWriteStream(join(env.info.logDir, 'bench-operator.log'));
        child = spawn(
          process.execPath,
          [
            ...SHIPPED_NODE_FLAGS,
            ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
            join(distDir, 'operator/main.js'),
            `--kubeconfig=${kubeconfig}`,
            `--namespace=${OPERATOR_NS}`,
            '--webhook-bind-address=127.0.0.1',
            `--webhook-port=${webhookPort}`,
            `--webhook-url=https://127.0.0.1:${webhookPort}`,
            '--metrics-bind-address=127.0.0.1',
            `--metrics-port=${metricsPort}`,
            '--leader-elect=false',
            '--shutdown-delay=0s',
            '--log-level=warn',
          ],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        child.stdout?.pipe(out);
        child.stderr?.pipe(out);
        const spawned = Date.now();
        let servingAfter = NaN;
        let rssWhenServing = NaN;
        for (let i = 0; i < 6000; i++) {
          const m = await programMetrics(metricsPort, STARTED).catch(() => undefined);
          if (m && Number.isNaN(servingAfter)) {
            const ready = await fetch(`http://127.0.0.1:${metricsPort}/readyz`).catch(() => undefined);
            if (ready?.ok) {
              servingAfter = (Date.now() - spawned) / 1000;
              rssWhenServing = (rssBytes(child.pid!) ?? 0) / 2 ** 20;
            }
          }
          if (
            m &&
            (m.byLabel('tagpilot_operator_status_writes_total', 'kind').get('Image') ?? 0) >= total &&
            m.total('tagpilot_operator_queue_depth') === 0
          )
            break;
          if (child.exitCode !== null) throw new Error(`the operator exited with ${child.exitCode}`);
          await sleep(100);
        }
        return `webhook ready after ${servingAfter.toFixed(1)} s at ${rssWhenServing.toFixed(0)} MiB RSS`;
      },
    );
    // Checked outside the timing: every Image really says Ready=True.
    let ready = 0;
    let seen = 0;
    let cont: string | undefined;
    do {
      const page = (await custom.listClusterCustomObject({
        ...IMAGE,
        limit: 500,
        ...(cont ? { _continue: cont } : {}),
      })) as { items: Image[]; metadata?: { continue?: string } };
      for (const img of page.items) {
        seen++;
        if (img.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) ready++;
      }
      cont = page.metadata?.continue || undefined;
    } while (cont);
    if (ready !== total || seen !== total) throw new Error(`${ready} of ${seen} Images Ready, want ${total}`);
    log(`${ready} Images Ready`);

    // 2. quiet
    await phase('quiet, 10 s', async () => {
      await sleep(10_000);
      return 'nothing to do';
    });
    report.push(await memoryBreakdown(child!.pid!, metricsPort, 'at the end of the quiet phase'));

    // 3. and 4. admission
    const byNamespace = new Map<string, string[]>();
    for (const f of all) {
      const list = byNamespace.get(f.namespace) ?? [];
      if (!list.includes(f.repository)) list.push(f.repository);
      byNamespace.set(f.namespace, list);
    }
    const shapes: PodShape[] = [...byNamespace].map(([namespace, repos]) => ({
      namespace,
      images: [`${repos[0]}:v1.0.0`, `${repos[repos.length - 1]}:v1.0.0`],
    }));
    // In a worker thread (bench/lib/admission-worker.ts says why).
    const worker = loadWorker({ name: 'operator /mutate', port: webhookPort, shapes, expectPatch: true });
    await worker.run(200, 3); // warm-up: TLS sessions, JIT
    const admission = async () => {
      // The operator's run-queue wait per second of the load, next to the slow requests per second: a
      // second with many slow requests and a long wait is the machine's queue, not the operator's work.
      const waits: number[] = [];
      let lastWait = runQueueWaitSeconds(child!.pid!);
      const sampler = setInterval(() => {
        const now = runQueueWaitSeconds(child!.pid!);
        waits.push(Math.round((now - lastWait) * 1000));
        lastWait = now;
      }, 1000);
      const open = await worker.run(RATE, SECONDS);
      clearInterval(sampler);
      const sorted = open.latencies.sort((a, b) => a - b);
      if (open.errors > 0) log(`admission errors: ${open.errors}, first: ${open.firstError ?? ''}`);
      log(`requests over 10 ms, by second: ${open.slowBySecond.join(' ')}`);
      log(`operator main thread waiting for a CPU, ms by second: ${waits.join(' ')}`);
      return (
        `${open.achieved.toFixed(0)} req/s, p50 ${percentile(sorted, 50).toFixed(2)} ms, ` +
        `p99 ${percentile(sorted, 99).toFixed(2)} ms, max ${(sorted[sorted.length - 1] ?? NaN).toFixed(1)} ms, ` +
        `${open.errors} errors; load average ${loadavg()[0]!.toFixed(1)}; ${open.ownLoop}`
      );
    };
    await phase(`admission, ${RATE} req/s for ${SECONDS} s`, () => admission());
    await phase(`admission, ${RATE} req/s, while every Image's status.tag moves`, async () => {
      const moving = pool(all, 16, (f) => setStatus(f, 'v1.5.0'));
      const note = await admission();
      await moving;
      return `${note}; ${IMAGES} status updates`;
    });
    clearInterval(rssTimer);
    await worker.close();

    // --- report ------------------------------------------------------------------------------------------
    report.push('');
    const load = (l: number[]) => l.map((x) => x.toFixed(1)).join(' ');
    report.push(
      `tagpilot-operator, ${IMAGES.toLocaleString('en')} Images (${REPOS} repositories, ${NAMESPACES} namespaces) + ` +
        `${FOLLOW} managed; node ${process.version} ${SHIPPED_NODE_FLAGS.join(' ')}; load average ${load(loadAtStart)} at the start, ` +
        `${load(loadavg())} at the end`,
    );
    // The operator's CPU per admission request barely depends on other load on the machine; latency does.
    const perRequest = (r: Row) =>
      r.phase.startsWith('admission')
        ? `; operator CPU ${((r.cpu / (RATE * SECONDS)) * 1e6).toFixed(0)} µs per request${r.phase.includes('moves') ? ' (reconciles included)' : ''}`
        : '';
    report.push('');
    report.push('| phase | wall | operator CPU | peak RSS | heap used | |');
    report.push('| --- | ---: | ---: | ---: | ---: | --- |');
    for (const r of rows)
      report.push(
        `| ${r.phase} | ${r.seconds.toFixed(1)} s | ${r.cpu.toFixed(1)} s | ${r.rssMiB.toFixed(0)} MiB | ` +
          `${r.heapMiB.toFixed(0)} MiB | ${r.note}${perRequest(r)} |`,
      );
    const peak = Math.max(...rows.map((r) => r.rssMiB));
    const goal = RSS_GOAL_MIB[IMAGES];
    report.push('');
    report.push(
      `peak RSS of the whole run: ${peak.toFixed(0)} MiB` +
        (goal === undefined
          ? ''
          : `; goal ≤ ${goal} MiB: ${peak <= goal ? `met by ${(goal - peak).toFixed(0)} MiB` : `missed by ${(peak - goal).toFixed(0)} MiB`}`),
    );
  } finally {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child!.once('exit', r));
    }
    child = undefined;
    await env.stop();
    stopEnv = undefined;
  }
  return report;
}

const reports: string[] = [];
for (const n of SCALES) reports.push(...(await runScale(n)), '');
console.log('');
for (const line of reports) console.log(line);
process.exit(0);
