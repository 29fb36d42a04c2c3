// The real controller program (controller/main.ts) as a child process, as a cluster runs it: flags, its own
// ops port, stdout/stderr captured (in memory, for assertions on every log line, and in the log directory),
// and SIGKILL for crash tests. Tracked like every other test process, so a killed test run leaves none.
import { spawn } from 'node:child_process';
import { createWriteStream, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeConfig } from '@kubernetes/client-node';
import { freePort } from './ports.js';
import { createStateDir } from './procs.js';
import { appendFileSync } from 'node:fs';
import type { TestEnvInfo } from './types.js';
import { waitFor } from './wait.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ControllerProcess {
  pid: number;
  /** Ops port: /healthz, /readyz, /metrics, /v1/hooks. */
  port: number;
  url: string;
  /** Everything the program wrote to stdout and stderr so far. */
  output(): string;
  exited: Promise<number | null>;
  /** SIGKILL: no chance to clean up, as a crash or an OOM kill. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after 10 s. */
  stop(): Promise<void>;
}

export interface ControllerProcessOptions {
  /** Names the log file and the kubeconfig file. */
  name: string;
  kubeConfig: KubeConfig;
  namespaces: string[];
  /** Extra flags, e.g. `--hook-replay-window=5m`. */
  args?: string[];
  /** Extra environment, e.g. TAGPILOT_HOOK_SECRET_GENERIC. */
  env?: Record<string, string>;
  /** Wait for /readyz (default true). */
  waitReady?: boolean;
}

export async function startControllerProcess(
  env: TestEnvInfo,
  opts: ControllerProcessOptions,
): Promise<ControllerProcess> {
  const kubeconfig = join(env.logDir, `${opts.name}.kubeconfig`);
  writeFileSync(kubeconfig, opts.kubeConfig.exportConfig(), { mode: 0o600 });
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'controller/main.ts',
      `--kubeconfig=${kubeconfig}`,
      `--namespaces=${opts.namespaces.join(',')}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      '--log-level=debug',
      ...(opts.args ?? []),
    ],
    {
      cwd: repoRoot,
      env: { ...process.env, POD_NAME: opts.name, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  if (child.pid === undefined) throw new Error('could not start controller/main.ts');
  const stateDir = createStateDir(`controller-${opts.name}`);
  appendFileSync(join(stateDir, 'pids'), `${child.pid}\tcontroller/main.ts\n`);
  const file = createWriteStream(join(env.logDir, `${opts.name}.log`), { flags: 'a' });
  const chunks: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (d: Buffer) => {
      chunks.push(d.toString('utf8'));
      file.write(d);
    });
  }
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const running = () => child.exitCode === null && child.signalCode === null;
  const proc: ControllerProcess = {
    pid: child.pid,
    port,
    url: `http://127.0.0.1:${port}`,
    output: () => chunks.join(''),
    exited,
    async kill() {
      if (running()) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (!running()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  if (opts.waitReady !== false) {
    try {
      await waitFor(
        `controller ${opts.name} to be ready`,
        async () => {
          if (!running()) throw new Error(`controller exited early:\n${proc.output().slice(-2000)}`);
          const res = await fetch(`${proc.url}/readyz`).catch(() => undefined);
          return res?.status === 200;
        },
        { timeoutMs: 90_000, intervalMs: 300 },
      );
    } catch (err) {
      await proc.kill();
      throw new Error(`${(err as Error).message}; its output ends:\n${proc.output().slice(-3000)}`);
    }
  }
  return proc;
}
