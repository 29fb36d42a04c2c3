// Bench: tagpilot-controller with 1,000 Images over 100 repositories on one cron schedule, against the real
// apiserver and the real registry of the test environment. The controller is the real program as the image
// ships it (controller/main.ts compiled by tsconfig.build.json, run by plain node) in a child process, so
// that its RSS is its own and not the harness's or a TypeScript loader's.
//
//   TAGPILOT_ASSETS=$(bash hack/testenv-assets.sh) npx tsx bench/controller.ts     (or make bench)
//
// Phases (every Image has the crontab "* * * * *", so each minute is one tick for all of them):
//   1. start-up: the controller starts with 1,000 Images it has never checked and checks them all;
//   2. a cron tick with nothing new in the registry;
//   3. a cron tick after a new tag was pushed to every repository (1,000 updates);
//   4. a cron tick with nothing new again.
// Per phase: wall time until every Image was evaluated, registry requests (the controller's own counter on
// its /metrics, by kind), apiserver writes and reads (the apiserver's apiserver_request_total, by verb and
// resource) and the controller's peak RSS (/proc/PID/status, sampled every 100 ms). The tag cache lives
// 50 s (--registry-cache-ttl), so each one-minute tick lists every repository once.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, fetch as ufetch } from 'undici';
import { CoreV1Api } from '@kubernetes/client-node';
import type { ImageSpec } from '../crds/index.js';
import { installCRDsWith } from '../test/testenv/crds.js';
import { startEnvironment } from '../test/testenv/environment.js';
import { pushTags } from '../test/testenv/images.js';
import { adminKubeConfig } from '../test/testenv/kube.js';
import { freePort } from '../test/testenv/ports.js';
import { Cluster } from '../test/integration/controller/support.js';

const REPOS = 100;
const PER_REPO = 10;
const NAMESPACES = 10;
const IMAGES = REPOS * PER_REPO;
const TAGS_TTL_MS = 50_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function log(m: string): void {
  console.error(`[bench] ${m}`);
}

async function pool<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
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

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const distDir = join(repoRoot, '.tagpilot', 'bench-dist');
log(`compiling the programs into ${distDir}`);
try {
  execFileSync(
    process.execPath,
    [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', distDir],
    { cwd: repoRoot, stdio: 'inherit' },
  );
} catch {
  // tsc still emits when some file has a type error; what matters is that the controller was emitted.
  if (!existsSync(join(distDir, 'controller/main.js'))) throw new Error('the controller did not compile');
  log('tsc reported errors (above); running the emitted JavaScript anyway');
}

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
  let peakRss = 0;
  const rssTimer = setInterval(() => {
    if (child?.pid !== undefined && child.exitCode === null) peakRss = Math.max(peakRss, rssOf(child.pid));
  }, 100);
  const diff = (a: Map<string, number>, b: Map<string, number>) => {
    const out = new Map<string, number>();
    for (const [k, v] of b) if (v - (a.get(k) ?? 0) > 0) out.set(k, v - (a.get(k) ?? 0));
    return out;
  };
  const WRITE = /^(POST|PUT|PATCH|DELETE|APPLY) /;

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

  interface Row {
    phase: string;
    seconds: number;
    evaluations: number;
    registry: Map<string, number>;
    writes: Map<string, number>;
    reads: Map<string, number>;
    rssMiB: number;
  }
  const rows: Row[] = [];

  /** Runs a phase: from `start` until `IMAGES` more evaluations are done and nothing is in flight. */
  async function phase(name: string, start: () => Promise<number>): Promise<void> {
    const before = child ? { reg: await registryRequests(), evaluated: await evaluations() } : undefined;
    const api0 = await apiserverRequests();
    peakRss = 0;
    const t0 = await start();
    const reg0 = before?.reg ?? new Map<string, number>();
    const evaluated0 = before?.evaluated ?? 0;
    let evaluated = 0;
    for (let i = 0; i < 3000; i++) {
      const m = await controllerMetrics().catch(() => undefined);
      evaluated = (m?.total('tagpilot_controller_evaluations_total') ?? 0) - evaluated0;
      if (m && evaluated >= IMAGES && m.total('tagpilot_controller_queue_active') === 0) break;
      await sleep(100);
    }
    const seconds = (Date.now() - t0) / 1000;
    const [reg1, api1] = [await registryRequests(), await apiserverRequests()];
    const api = diff(api0, api1);
    rows.push({
      phase: name,
      seconds,
      evaluations: evaluated,
      registry: diff(reg0, reg1),
      writes: new Map([...api].filter(([k]) => WRITE.test(k))),
      reads: new Map([...api].filter(([k]) => /^(GET|LIST) /.test(k))),
      rssMiB: peakRss / 2 ** 20,
    });
    log(`${name}: ${seconds.toFixed(1)} s, ${evaluated} evaluations`);
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
  await phase('start-up: 1,000 Images never checked', async () => {
    phase1Start = Date.now();
    const out = createWriteStream(join(env.info.logDir, 'bench-controller.log'));
    child = spawn(
      process.execPath,
      [
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
    '| phase | all evaluated in | evaluations | registry requests | apiserver writes | controller reads | peak RSS |',
  );
  console.log('| --- | ---: | ---: | --- | --- | --- | ---: |');
  for (const r of rows) {
    console.log(
      `| ${r.phase} | ${r.seconds.toFixed(1)} s | ${r.evaluations} | ${sum(r.registry)} (${fmt(r.registry)}) | ${sum(r.writes)} (${fmt(r.writes)}) | ${sum(r.reads)} (${fmt(r.reads)}) | ${r.rssMiB.toFixed(0)} MiB |`,
    );
  }
} finally {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
  }
  await env.stop();
}
process.exit(0);
