// Runs tagpilot-operator and tagpilot-controller as separate processes, out of cluster, with the flags
// the chart renders for their Deployments (adjusted only where a Pod and a laptop differ: ports, the
// webhook URL, the kubeconfig). Output is kept for assertions and written to the environment's log dir.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { adminKubeConfig } from '../../testenv/kube.js';
import type { TestEnvInfo } from '../../testenv/types.js';
import { waitFor } from '../../testenv/wait.js';
import { repoRoot } from './render.js';

export interface Program {
  readonly name: string;
  readonly output: () => string;
  hasExited(): boolean;
  stop(): Promise<number | null>;
}

/**
 * A kubeconfig that acts as a ServiceAccount through impersonation: the admin credentials plus
 * `as: system:serviceaccount:NS:NAME`. The apiserver then authorizes every request against that
 * ServiceAccount's RBAC (and its groups), exactly as for a Pod running with it.
 */
export function impersonatingKubeconfig(
  env: TestEnvInfo,
  dir: string,
  namespace: string,
  serviceAccount: string,
): string {
  const admin = adminKubeConfig(env);
  const cluster = admin.getCurrentCluster()!;
  const user = admin.getCurrentUser()!;
  const file = join(dir, `kubeconfig-${serviceAccount}`);
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: cluster.name,
        cluster: {
          server: cluster.server,
          ...(cluster.caData ? { 'certificate-authority-data': cluster.caData } : {}),
          ...(cluster.caFile ? { 'certificate-authority': cluster.caFile } : {}),
          ...(cluster.skipTLSVerify ? { 'insecure-skip-tls-verify': true } : {}),
        },
      },
    ],
    users: [
      {
        name: serviceAccount,
        user: {
          ...(user.token ? { token: user.token } : {}),
          ...(user.certData ? { 'client-certificate-data': user.certData } : {}),
          ...(user.keyData ? { 'client-key-data': user.keyData } : {}),
          ...(user.certFile ? { 'client-certificate': user.certFile } : {}),
          ...(user.keyFile ? { 'client-key': user.keyFile } : {}),
          as: `system:serviceaccount:${namespace}:${serviceAccount}`,
        },
      },
    ],
    contexts: [{ name: serviceAccount, context: { cluster: cluster.name, user: serviceAccount, namespace } }],
    'current-context': serviceAccount,
  };
  writeFileSync(file, stringify(config), { mode: 0o600 });
  return file;
}

/** Starts `tsx <entry> ...args`; rejects if it exits before stop() is called. */
export function startProgram(name: string, entry: string, args: string[], logDir: string): Program {
  return startCommand(name, process.execPath, ['--import', 'tsx', entry, ...args], logDir, {
    cwd: repoRoot,
    env: { ...process.env, NODE_ENV: 'production' },
  });
}

/**
 * Starts any command as a Program (output kept and logged; stop() sends SIGTERM, then SIGKILL after
 * 15 s), e.g. `runc run` of a container whose signals runc forwards.
 */
export function startCommand(
  name: string,
  command: string,
  args: string[],
  logDir: string,
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Program {
  const child: ChildProcess = spawn(command, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(join(logDir, `${name}.log`));
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    log.write(chunk);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  let done = false;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      done = true;
      resolve(code);
    }),
  );
  return {
    name,
    output: () => output,
    hasExited: () => done,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      log.end();
      return code;
    },
  };
}

/** Waits until GET url answers 200, failing early with the program's output if it exited. */
export async function waitReady(program: Program, url: string): Promise<void> {
  await waitFor(
    `${program.name} to answer ${url}`,
    async () => {
      if (program.hasExited()) throw new Error(`${program.name} exited:\n${program.output().slice(-4000)}`);
      const res = await fetch(url).catch(() => undefined);
      return res?.status === 200;
    },
    { timeoutMs: 90_000, intervalMs: 500 },
  );
}

/**
 * The Deployment's flags for a run on this machine: ports that are free here, listening on loopback,
 * the apiserver calling the webhook by URL instead of through the Service, and the kubeconfig.
 */
export function localArgs(
  chartArgs: readonly string[],
  replace: Record<string, string>,
  extra: string[],
): string[] {
  const out = chartArgs.filter((a) => !Object.keys(replace).some((flag) => a.startsWith(`--${flag}=`)));
  for (const [flag, value] of Object.entries(replace)) if (value !== '') out.push(`--${flag}=${value}`);
  return [...out, ...extra];
}
