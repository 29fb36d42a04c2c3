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
//   BENCH_NODE_FLAGS='' …                    replaces the image entrypoint's node flags (default: as shipped)
//   BENCH_CONTROLLER_ARGS='--concurrency=32' … extra flags for the controller (docs/controller.md)
//   BENCH_PHASE_LIMIT_S, BENCH_DEADLINE_MIN   bounds of a phase and of the whole run (see below)
//   BENCH_KCM_QPS=200 …                      kube-controller-manager's client QPS (default: its own, 20)
//   BENCH_SHOW_IMAGE=1 …                     prints one Image as JSON after the update phase (its size is
//                                            always printed)
//   BENCH_HEALTH_GATE=off …                  the Images turn the health gate off (spec.healthGate.enabled:
//                                            false): the update without following the rollouts, as tools
//                                            without a gate (Flux, kimup) update
//
// Phases (every Image has the crontab "* * * * *", so each minute is one tick for all of them):
//   1. start-up: the controller starts with 1,000 Images it has never checked and checks them all;
//   2. a cron tick with nothing new in the registry;
//   3. a cron tick after a new tag was pushed to every repository (1,000 updates);
//   4. a cron tick with nothing new again.
// Per phase (the bench reads the families it needs from the controller's /metrics once a second): wall
// time until every Image was evaluated and until the health gate judged every rollout (settled), registry
// requests (the controller's own counter on its /metrics, by kind), apiserver writes and reads (the apiserver's
// apiserver_request_total, by verb and resource; writes of kube-controller-manager and kwok left out),
// the controller's peak RSS (/proc/PID/status, sampled every 100 ms), its CPU seconds (utime+stime of
// /proc/PID/stat, from the phase's start until it settled) and the machine's load average. After the
// update phase and at the end, where the controller's RSS is (bench/lib/memory-breakdown.ts). The tag
// cache lives 50 s (--registry-cache-ttl), so each one-minute tick lists every repository once.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpuSeconds, rssBytes } from '../test/testenv/procs.js';
import { childProcesses } from './lib/schedstat.js';
import { createFixtures, pushAll } from './lib/controller-fixtures.js';
import { apiserverRequests as apiserverCounts, programMetrics, type Metrics } from './lib/metrics.js';
import { BenchImageReads } from './lib/image-reads.js';
import { memoryBreakdown } from './lib/memory-breakdown.js';
import { compilePrograms } from './lib/programs.js';
import { formatRow, printTable, timelineLine, type Row, type Sample } from './lib/controller-report.js';
import { createWriteStream, existsSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { reuseConnections } from '../common/kube-connections.js';
import { programs } from '../hack/images/layout.js';
import { installCRDsWith } from '../test/testenv/crds.js';
import { startEnvironment } from '../test/testenv/environment.js';
import { adminKubeConfig } from '../test/testenv/kube.js';
import { freePort } from '../test/testenv/ports.js';

/** The node flags of the controller image's entrypoint (hack/images/layout.ts), unless BENCH_NODE_FLAGS. */
const SHIPPED_NODE_FLAGS =
  process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? programs.controller.entrypoint.slice(1, -1);

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
const HEALTH_GATE = process.env.BENCH_HEALTH_GATE !== 'off';
const TAGS_TTL_MS = 50_000;
/**
 * How often a phase reads the controller's /metrics (and, once every Image was evaluated, looks for
 * rollouts still followed). Each read asks for the four families the phase needs (/metrics?name[]=…),
 * not the 2 series per Image a full read renders; the larger rows still poll every 5 s, as the rows
 * recorded before the filter did, so that their figures compare.
 */
const POLL_MS = IMAGES > 1000 ? 5_000 : 1_000;
/** Seconds of a phase shown second by second (1,000 Images only). */
const TIMELINE_SAMPLES = 31;
/** A phase that has not settled by then is reported as such ("> N s, not settled") and the run goes on. */
const PHASE_LIMIT_S = Number(process.env.BENCH_PHASE_LIMIT_S ?? (IMAGES > 1000 ? 3_600 : 900));
/** The whole run (fixtures included) ends with an error after this many minutes, whatever it waits for. */
const DEADLINE_MIN = Number(process.env.BENCH_DEADLINE_MIN ?? (IMAGES > 1000 ? 180 : 60));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function log(m: string): void {
  console.error(`[bench] ${m}`);
}

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const distDir = join(repoRoot, '.tagpilot', 'bench-dist');
// What is measured: the commit compiled now (the worktree may move on while the run lasts).
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
  cwd: repoRoot,
  encoding: 'utf8',
}).trim();
const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
  cwd: repoRoot,
  encoding: 'utf8',
}).trim();
compilePrograms(repoRoot, distDir, 'controller', log);
// The controller as the image ships it: bundled (hack/bundle.mjs; older trees ship tsc's output).
if (existsSync(join(repoRoot, 'hack/bundle.mjs')))
  execFileSync(process.execPath, [join(repoRoot, 'hack/bundle.mjs'), distDir], {
    cwd: repoRoot,
    stdio: 'inherit',
  });

/**
 * kube-controller-manager's client is rate-limited at 20 requests per second by default, so it takes
 * about 200 s to roll 1,000 Deployments, and the update phase (which ends when the health gate has judged
 * every rollout) then also holds three more cron ticks. BENCH_KCM_QPS raises its limit (burst twice
 * that), so the phase measures the update rather than the test cluster's pace.
 */
const KCM_QPS = process.env.BENCH_KCM_QPS ? Number(process.env.BENCH_KCM_QPS) : undefined;
if (KCM_QPS !== undefined && !(KCM_QPS > 0)) throw new Error('BENCH_KCM_QPS must be a positive number');
const env = await startEnvironment({
  log: (m) => console.error(`[testenv] ${m}`),
  ...(KCM_QPS
    ? { controllerManagerArgs: [`--kube-api-qps=${KCM_QPS}`, `--kube-api-burst=${2 * KCM_QPS}`] }
    : {}),
});
let child: ChildProcess | undefined;
// Ctrl-C: take the controller and the environment down with us.
process.on('exit', () => child?.kill('SIGKILL'));
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => void env.stop().finally(() => process.exit(130)));
const rows: Row[] = [];
/** Where the controller's RSS is, at the end of the update phase and of the run (memoryBreakdown). */
const memory: string[] = [];
const n = IMAGES.toLocaleString('en');
const runLine = `${n} Images over ${REPOS} repositories, ${REPLICAS} replicas${HEALTH_GATE ? '' : ', health gate off'}; commit ${commit}${dirty ? ' (with uncommitted changes)' : ''}; node ${process.version} ${[...SHIPPED_NODE_FLAGS, process.env.BENCH_NODE_OPTIONS ?? ''].join(' ').trim()}; /metrics read every ${POLL_MS / 1000} s; kube-controller-manager QPS ${KCM_QPS ?? '20 (its default)'}`;
// Bounded: whatever the run waits for, it ends with an error by the deadline (and what it measured).
setTimeout(() => {
  printTable(`${runLine}; CUT SHORT by the deadline`, rows, IMAGES, '', memory);
  console.error(
    `[bench] ERROR: the run did not finish within ${DEADLINE_MIN} minutes (BENCH_DEADLINE_MIN); the log so far says which step it was in`,
  );
  child?.kill('SIGKILL');
  void env.stop().finally(() => process.exit(1));
}, DEADLINE_MIN * 60_000).unref();
try {
  // One keep-alive connection pool: client-node 1.x otherwise opens a TLS connection per request, which
  // made creating the 10,000-Image fixtures take longer than the run itself.
  const kc = reuseConnections(adminKubeConfig(env.info));
  const registry = env.info.registries.anonymous;
  await installCRDsWith(kc);

  // --- counters ----------------------------------------------------------------------------------
  const apiserverRequests = () =>
    apiserverCounts(env.info.apiServerURL, env.info.adminToken, [
      'images',
      'events',
      'deployments',
      'statefulsets',
      'daemonsets',
      'cronjobs',
      'secrets',
      'leases',
      'pods',
    ]);
  const port = await freePort();
  const families = new Set([
    'tagpilot_registry_requests_total',
    'tagpilot_controller_evaluations_total',
    'tagpilot_controller_queue_active',
    'tagpilot_controller_events_total',
    // The histogram's family (what /metrics is asked for) and its two series the phase log reads.
    'tagpilot_controller_evaluation_duration_seconds',
    'tagpilot_controller_evaluation_duration_seconds_sum',
    'tagpilot_controller_evaluation_duration_seconds_count',
  ]);
  // Only these families (/metrics?name[]=…): a full read renders two series per Image.
  const controllerMetrics = () => programMetrics(port, families);
  const registryRequests = (m: Metrics | undefined) =>
    m?.byLabel('tagpilot_registry_requests_total', 'kind') ?? new Map<string, number>();
  const imageReads = new BenchImageReads(kc.makeApiClient(CustomObjectsApi));
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
  const ownEvents = (m: Metrics | undefined) => m?.total('tagpilot_controller_events_total') ?? 0;

  // --- fixtures ----------------------------------------------------------------------------------
  const { repos, apps } = await createFixtures(kc, registry, {
    images: IMAGES,
    perRepo: PER_REPO,
    namespaces: NAMESPACES,
    replicas: REPLICAS,
    healthGate: HEALTH_GATE,
    log,
  });

  /** Runs a phase: from `start` until `IMAGES` more evaluations are done and nothing is in flight. */
  async function phase(name: string, start: () => Promise<number>): Promise<void> {
    const before = child ? await controllerMetrics() : undefined;
    const api0 = await apiserverRequests();
    const benchLists0 = imageReads.lists;
    peakRss = 0;
    const cpu0 = child?.pid !== undefined ? cpuSeconds(child.pid) : 0;
    // The test environment's processes (apiserver, etcd, controller manager, scheduler, kwok, registry):
    // on 2 shared cores their CPU is what the controller's writes wait behind.
    const testEnv = [...childProcesses()].filter(([pid]) => pid !== child?.pid);
    const testEnvCpu0 = testEnv.map(([pid]) => cpuSeconds(pid));
    const t0 = await start();
    const reg0 = registryRequests(before);
    const evaluated0 = before?.total('tagpilot_controller_evaluations_total') ?? 0;
    let evaluated = 0;
    let seconds = 0;
    let cpuEvaluated = 0;
    let timedOut = true;
    // From the tick on, one sample per poll: where the first seconds of a phase go, second by second.
    const timeline: Sample[] = [];
    // Every POLL_MS, the four families above only: a full read renders the per-Image series (2 per
    // Image), one of the controller's larger CPU costs in an update tick's profile (docs/benchmarks.md).
    while (Date.now() - t0 < PHASE_LIMIT_S * 1000) {
      if (child?.exitCode !== null || child.signalCode !== null)
        throw new Error(
          `the controller exited (${child?.exitCode ?? child?.signalCode}) during "${name}": see ${join(env.info.logDir, 'bench-controller.log')}`,
        );
      const m = await controllerMetrics().catch(() => undefined);
      if (m) evaluated = m.total('tagpilot_controller_evaluations_total') - evaluated0;
      if (Date.now() >= t0 && timeline.length < TIMELINE_SAMPLES)
        timeline.push({
          evaluated,
          controller: cpuSeconds(child!.pid!),
          env: testEnv.map(([pid]) => cpuSeconds(pid)),
        });
      if (m && evaluated >= IMAGES && !seconds) {
        seconds = (Date.now() - t0) / 1000;
        cpuEvaluated = cpuSeconds(child!.pid!) - cpu0;
      }
      // Settled: nothing in flight and no rollout left for the health gate to follow.
      if (
        seconds &&
        m?.total('tagpilot_controller_queue_active') === 0 &&
        !(await imageReads.anyFollowedRollout())
      ) {
        timedOut = false;
        break;
      }
      await sleep(POLL_MS);
    }
    const settled = (Date.now() - t0) / 1000;
    const cpu = cpuSeconds(child!.pid!) - cpu0;
    const envCpu = testEnv
      .map(([pid, command], i) => ({ command, cpu: cpuSeconds(pid) - testEnvCpu0[i]! }))
      .filter((e) => e.cpu >= 0.1);
    log(
      `${name}: test environment CPU ${envCpu.reduce((a, e) => a + e.cpu, 0).toFixed(1)} s (${envCpu.map((e) => `${e.command} ${e.cpu.toFixed(1)} s`).join(', ')}) in ${((Date.now() - t0) / 1000).toFixed(1)} s on ${cpus().length} CPUs`,
    );
    if (POLL_MS === 1_000 && timeline.length > 1) log(`${name}, ${timelineLine(timeline, testEnv)}`);
    const after = await controllerMetrics();
    const [reg1, api1] = [registryRequests(after), await apiserverRequests()];
    const api = diff(api0, api1);
    // The bench's own listings (imageReads) are not the controller's reads.
    const ownLists = (api.get('LIST images') ?? 0) - (imageReads.lists - benchLists0);
    if (ownLists > 0) api.set('LIST images', ownLists);
    else api.delete('LIST images');
    const events = ownEvents(after) - ownEvents(before);
    const duration = (m: Metrics | undefined, series: string) =>
      m?.total(`tagpilot_controller_evaluation_duration_seconds_${series}`) ?? 0;
    const timed = duration(after, 'count') - duration(before, 'count');
    if (timed > 0)
      log(
        `${name}: ${timed} evaluations timed (health-gate looks included), ${((1000 * (duration(after, 'sum') - duration(before, 'sum'))) / timed).toFixed(1)} ms each on average`,
      );
    const writes = new Map([...api].filter(([k]) => WRITE.test(k) && !NOT_OURS.test(k)));
    if (events > 0) writes.set('POST events', events);
    rows.push({
      phase: name,
      seconds,
      settled,
      timedOut,
      evaluations: evaluated,
      registry: diff(reg0, reg1),
      writes,
      reads: new Map([...api].filter(([k]) => /^(GET|LIST) /.test(k) && !/ leases$/.test(k))),
      rssMiB: peakRss / 2 ** 20,
      cpuSeconds: cpu,
      cpuEvaluated,
      load: loadavg()
        .map((l) => l.toFixed(1))
        .join(' '),
    });
    log(`row: ${formatRow(rows.at(-1)!)}`);
    log(
      `${name}: ${seconds.toFixed(1)} s (settled ${settled.toFixed(1)} s${timedOut ? ', NOT SETTLED: phase limit reached' : ''}), ${evaluated} evaluations, ${cpu.toFixed(1)} CPU s`,
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
  await phase(`start-up: ${n} Images never checked`, async () => {
    phase1Start = Date.now();
    const out = createWriteStream(join(env.info.logDir, 'bench-controller.log'));
    child = spawn(
      process.execPath,
      [
        ...SHIPPED_NODE_FLAGS,
        ...(process.env.BENCH_NODE_OPTIONS ?? '').split(' ').filter(Boolean),
        join(distDir, 'controller/main.js'),
        `--kubeconfig=${kubeconfig}`,
        '--bind-address=127.0.0.1',
        `--port=${port}`,
        `--registry-cache-ttl=${TAGS_TTL_MS / 1000}s`,
        '--log-level=warn',
        ...(process.env.BENCH_CONTROLLER_ARGS ?? '').split(' ').filter(Boolean),
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
  await pushAll(registry, repos, 'v1.1.0', log);
  await phase('cron tick, v1.1.0 in every repository', await nextTick(5_000));
  const breakdown = async (when: string) => {
    memory.push(await memoryBreakdown(child!.pid!, port, when));
    log(memory.at(-1)!);
  };
  await breakdown('at the end of the update phase');
  let [moved, deployments] = [0, 0];
  let _continue: string | undefined;
  do {
    const page = await apps.listDeploymentForAllNamespaces({ limit: 1000, _continue });
    deployments += page.items.length;
    moved += page.items.filter((d) =>
      d.spec?.template.spec?.containers[0]?.image?.endsWith(':v1.1.0'),
    ).length;
    _continue = page.metadata?._continue || undefined;
  } while (_continue);
  log(`${moved} of ${deployments} Deployments run v1.1.0`);
  const sample = await imageReads.sample(Boolean(process.env.BENCH_SHOW_IMAGE));
  if (sample) log(`after the update, ${sample}`);
  // 4. nothing new again (unless the update tick never settled: then the controller is still busy with it)
  if (rows.at(-1)!.timedOut) log('the update tick did not settle: the last quiet tick is not run');
  else await phase('cron tick, nothing new (after the update)', await nextTick(5_000));
  clearInterval(rssTimer);
  await breakdown('at the end of the run');

  // --- report --------------------------------------------------------------------------------------
  printTable(runLine, rows, IMAGES, `; ${moved} of ${deployments} Deployments moved to v1.1.0`, memory);
} finally {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    const kill = setTimeout(() => child?.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(kill);
  }
  await env.stop();
}
process.exit(0);
