// AdmissionReview throughput and latency over HTTPS on loopback: the real mutating webhook (the
// operator's TLS server, handler and Image index) side by side with a bare Node HTTPS server that
// answers a fixed AdmissionReview (the floor: TLS + HTTP + reading the body, no work).
//
//   npx tsx bench/admission.ts [--rate 500] [--seconds 10] [--rounds 5] [--concurrency 32] [--namespaces 200]
//
// Each server runs in its own child process so the load generator does not steal its event loop.
// Latency is measured open-loop from each request's *scheduled* send time, so a stalled server
// cannot hide its queueing delay (no coordinated omission). Throughput is closed-loop with a fixed
// number of requests in flight. Numbers go to docs/benchmarks.md ("Admission webhook").
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:https';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pino, destination } from 'pino';
import { insecureAgent, openLoop, percentile, podReview as review, send } from './lib/admission-load.js';
import type { PodShape, Target as LoadTarget } from './lib/admission-load.js';
import type { Image } from '../crds/index.js';
import { issueCertificates } from '../operator/tls/issue.js';
import { startWebhookServer } from '../operator/webhook-server.js';
import { createAdmissionHandler, ImageIndex, reviewResponse, warmUpValidators } from '../webhook/index.js';

const { values: args } = parseArgs({
  options: {
    serve: { type: 'string' },
    rate: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '5' },
    namespaces: { type: 'string', default: '200' },
    'images-per-namespace': { type: 'string', default: '5' },
  },
});

const TARGET_NS = 'team-7';

/** Every review asks about the same Pod: its init container and first container are followed. */
const POD: PodShape = {
  namespace: TARGET_NS,
  images: ['registry.local:5000/team-7/app-1:v1.0.0', 'registry.local:5000/team-7/app-0:v1.0.0'],
};
const podReview = (uid: string) => review(uid, POD);

// ---- servers (child processes) -----------------------------------------------------------------

function images(namespaces: number, perNamespace: number): Image[] {
  const out: Image[] = [];
  for (let n = 0; n < namespaces; n++) {
    for (let i = 0; i < perNamespace; i++) {
      out.push({
        apiVersion: 'tagpilot.dev/v1alpha1',
        kind: 'Image',
        metadata: { name: `app-${i}`, namespace: `team-${n}` },
        spec: {
          image: `registry.local:5000/team-${n}/app-${i}`,
          triggers: [{ type: 'crontab', value: '@hourly' }],
          rules: [{ type: i % 3 === 0 ? 'digest' : 'semver-minor', actions: [{ type: 'apply' }] }],
        },
        status: { tag: 'v1.4.2', digest: `sha256:${String(i).padStart(64, 'a')}` },
      });
    }
  }
  return out;
}

type ServerKind = 'real' | 'floor' | 'parse';
const KINDS: readonly ServerKind[] = ['real', 'floor', 'parse'];

async function serve(kind: ServerKind): Promise<void> {
  const { cert, key } = issueCertificates({ hosts: ['127.0.0.1'], validityMs: 3_600_000 });
  let port: number;
  if (kind === 'real') {
    const index = new ImageIndex();
    for (const img of images(Number(args.namespaces), Number(args['images-per-namespace'])))
      index.upsert(img);
    warmUpValidators();
    // The log level the operator runs with by default; per-request logs are at debug.
    const handler = createAdmissionHandler({
      pins: index,
      log: pino({ level: 'info' }, destination('/dev/null')),
    });
    port = (await startWebhookServer({ host: '127.0.0.1', port: 0, cert, key, handler })).port;
  } else {
    // floor: read the body, answer a fixed AdmissionReview. parse: the same plus JSON.parse of the
    // body, the least any real webhook must do; it shows how much of the gap is just reading JSON.
    const fixed = reviewResponse({ uid: 'fixed', allowed: true });
    const server = createServer(
      { cert, key, minVersion: 'TLSv1.2', keepAliveTimeout: 60_000 },
      (req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => void (kind === 'parse' && chunks.push(c)));
        req.on('end', () => {
          if (kind === 'parse') JSON.parse(Buffer.concat(chunks).toString('utf8'));
          res.writeHead(200, {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(fixed),
          });
          res.end(fixed);
        });
      },
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  }
  // A clean exit on SIGTERM, so --cpu-prof (BENCH_CPU_PROF=dir) gets written.
  process.once('SIGTERM', () => process.exit(0));
  // CPU time used so far, for the parent's per-request cost (robust to other load on the machine).
  process.on('message', () => {
    const { user, system } = process.cpuUsage();
    process.send?.({ cpuMicros: user + system });
  });
  process.stdout.write(`${JSON.stringify({ port })}\n`);
}

interface Child {
  port: number;
  child: ChildProcess;
}

function cpuMicros(c: Child): Promise<number> {
  return new Promise((resolve) => {
    c.child.once('message', (m: { cpuMicros: number }) => resolve(m.cpuMicros));
    c.child.send('cpu');
  });
}

function startChild(kind: ServerKind): Promise<Child> {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : []),
      '--import',
      'tsx',
      self,
      '--serve',
      kind,
      '--namespaces',
      args.namespaces!,
      '--images-per-namespace',
      args['images-per-namespace']!,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    },
  );
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const line = buf.split('\n')[0];
      if (buf.includes('\n') && line) resolve({ port: (JSON.parse(line) as { port: number }).port, child });
    });
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
}

// ---- load ----------------------------------------------------------------------------------------

interface Target extends LoadTarget {
  server: Child;
}

/** Closed loop: `concurrency` requests always in flight for `seconds`; also the server's CPU per request. */
async function closedLoop(t: Target, concurrency: number, seconds: number) {
  const cpuBefore = await cpuMicros(t.server);
  const end = performance.now() + seconds * 1000;
  let done = 0;
  let errors = 0;
  const worker = async (w: number) => {
    for (let i = 0; performance.now() < end; i++) {
      try {
        await send(t, podReview(`c-${w}-${i}`));
        done++;
      } catch {
        errors++;
      }
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  const elapsed = (performance.now() - start) / 1000;
  const cpuPerRequest = ((await cpuMicros(t.server)) - cpuBefore) / Math.max(done, 1);
  return { throughput: done / elapsed, cpuPerRequest, errors };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function main(): Promise<void> {
  if (KINDS.includes(args.serve as ServerKind)) return serve(args.serve as ServerKind);
  const rate = Number(args.rate);
  const seconds = Number(args.seconds);
  const concurrency = Number(args.concurrency);
  const rounds = Number(args.rounds);
  const servers = await Promise.all(KINDS.map(startChild));
  const names: Record<ServerKind, string> = {
    real: 'tagpilot /mutate',
    floor: 'bare HTTPS floor',
    parse: 'floor + JSON.parse (reference)',
  };
  const targets: Target[] = KINDS.map((k, i) => ({
    name: names[k],
    port: servers[i]!.port,
    agent: insecureAgent(),
    expectPatch: k === 'real',
    server: servers[i]!,
  }));
  try {
    // Warm-up: TLS sessions, JIT.
    for (const t of targets) await closedLoop(t, 8, 2);
    // The machine is shared: measure in short interleaved slices (alternating which server goes
    // first), so both servers see the same background load, and compare them round by round.
    const stats = targets.map(() => ({
      latencies: [] as number[],
      achieved: [] as number[],
      throughput: [] as number[],
      cpu: [] as number[],
      errors: 0,
    }));
    const ratios: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? [0, 1, 2] : [2, 1, 0];
      for (const i of order) {
        const open = await openLoop(targets[i]!, rate, seconds / rounds, stats[i]!.latencies, (n) =>
          podReview(`u-${n}`),
        );
        stats[i]!.achieved.push(open.achieved);
        stats[i]!.errors += open.errors;
      }
      for (const i of order) {
        const closed = await closedLoop(targets[i]!, concurrency, 1);
        stats[i]!.throughput.push(closed.throughput);
        stats[i]!.cpu.push(closed.cpuPerRequest);
        stats[i]!.errors += closed.errors;
      }
      ratios.push(stats[0]!.throughput[r]! / stats[1]!.throughput[r]!);
    }
    console.log(
      `AdmissionReview (Pod create, 3 containers, 2 pinned) over HTTPS on loopback: open loop ${rate} req/s, ` +
        `${seconds} s per server in ${rounds} interleaved slices; closed loop ${concurrency} in flight, ${rounds} × 1 s; ` +
        `${Number(args.namespaces) * Number(args['images-per-namespace'])} Images in the index; load average ${loadavg()[0]!.toFixed(1)}`,
    );
    console.log('');
    console.log(
      '| server | achieved req/s | p50 ms | p99 ms | max ms | max throughput req/s (median) | server CPU µs/request (median) | capacity req/s per core | errors |',
    );
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    targets.forEach((t, i) => {
      const st = stats[i]!;
      const lat = st.latencies.sort((a, b) => a - b);
      console.log(
        `| ${t.name} | ${median(st.achieved).toFixed(0)} | ${percentile(lat, 50).toFixed(2)} | ${percentile(lat, 99).toFixed(2)} | ` +
          `${(lat[lat.length - 1] ?? NaN).toFixed(2)} | ${median(st.throughput).toFixed(0)} | ` +
          `${median(st.cpu).toFixed(0)} | ${(1e6 / median(st.cpu)).toFixed(0)} | ${st.errors} |`,
      );
    });
    console.log('');
    console.log(
      `throughput vs floor, median of ${rounds} paired rounds: ${(median(ratios) * 100).toFixed(0)}% ` +
        `(rounds: ${ratios.map((x) => `${(x * 100).toFixed(0)}%`).join(', ')}; target ≥ 70%)`,
    );
    const cpuRatio = median(stats[1]!.cpu) / median(stats[0]!.cpu);
    console.log(
      `capacity vs floor from server CPU per request (insensitive to other load): ${(cpuRatio * 100).toFixed(0)}%`,
    );
  } finally {
    for (const t of targets) await t.agent.close();
    for (const s of servers) s.child.kill();
  }
}

main().catch((err: unknown) => {
  console.error(`bench/admission: ${(err as Error).message}`);
  process.exit(1);
});
