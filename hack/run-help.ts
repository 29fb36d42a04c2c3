// What `make run` tells a user: its ports (and the variables that move them), the embedded cluster's
// access lines, and a port-in-use error that says which port, which variable, and the likely cause.
import { createServer } from 'node:net';
import type { TestEnvInfo } from '../test/testenv/types.js';

export interface RunPort {
  what: string;
  env: string;
  port: number;
}

const PORTS = [
  {
    key: 'controller',
    what: 'controller /metrics, /readyz and /v1/hooks',
    env: 'TAGPILOT_CONTROLLER_PORT',
    fallback: 8080,
  },
  {
    key: 'operatorMetrics',
    what: 'operator /metrics',
    env: 'TAGPILOT_OPERATOR_METRICS_PORT',
    fallback: 8081,
  },
  {
    key: 'operatorWebhook',
    what: 'operator admission webhooks',
    env: 'TAGPILOT_OPERATOR_WEBHOOK_PORT',
    fallback: 9443,
  },
] as const;

export type RunPorts = Record<(typeof PORTS)[number]['key'], RunPort>;

/** The ports from the environment; throws a one-line message naming the variable when one is not a port. */
export function runPorts(env: NodeJS.ProcessEnv = process.env): RunPorts {
  const out = {} as RunPorts;
  for (const p of PORTS) {
    const raw = env[p.env];
    const port = raw === undefined || raw === '' ? p.fallback : Number(raw);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new Error(`${p.env}=${raw} is not a port number (0-65535; 0 picks a free one)`);
    out[p.key] = { what: p.what, env: p.env, port };
  }
  return out;
}

/**
 * Fails before anything starts when a fixed port is taken, so a second `make run` says so at once instead
 * of after starting a cluster (and without overwriting .tagpilot/kubeconfig of the running one).
 */
export async function assertPortsFree(ports: RunPorts): Promise<void> {
  for (const p of Object.values(ports)) {
    if (p.port === 0) continue;
    await new Promise<void>((resolve, reject) => {
      const server = createServer();
      server.once('error', (err) => reject(new Error(portInUseMessage(err, ports) ?? String(err))));
      server.listen(p.port, '127.0.0.1', () => server.close(() => resolve()));
    });
  }
}

/** For `listen EADDRINUSE`: which port, what wanted it, how to move it. Undefined for other errors. */
export function portInUseMessage(err: unknown, ports: RunPorts): string | undefined {
  const e = err as { code?: string; port?: number; address?: string };
  if (e?.code !== 'EADDRINUSE') return undefined;
  const owner = Object.values(ports).find((p) => p.port === e.port);
  const address = `${e.address ?? '127.0.0.1'}:${e.port ?? '?'}`;
  return [
    `port ${address} is already in use${owner ? ` (wanted for the ${owner.what})` : ''}.`,
    `Another \`make run\` or \`make dev\` may still be running: stop it with Ctrl-C in its terminal`,
    `(\`ss -ltnp 'sport = :${e.port ?? ''}'\` shows which process holds the port),`,
    owner
      ? `or pick another port: ${owner.env}=<port> make run (0 picks a free one).`
      : `or pick other ports: ${Object.values(ports)
          .map((p) => `${p.env}=<port>`)
          .join(' ')} make run.`,
  ].join(' ');
}

export interface BannerPaths {
  kubeconfig: string;
  toolsDir: string;
}

/** Printed once the embedded cluster and both programs run: everything needed to work with them. */
export function embeddedBanner(info: TestEnvInfo, paths: BannerPaths, ports: RunPorts): string {
  const { anonymous, basic, token } = info.registries;
  const cred = (r: typeof basic) => `user ${r.username}  password ${r.password}`;
  return [
    '',
    'Embedded cluster and registries are running. In another terminal:',
    `  export KUBECONFIG=${paths.kubeconfig}`,
    `  export PATH="${paths.toolsDir}:$PATH"     # the project's kubectl and helm`,
    '  kubectl get images -A',
    '',
    'Registries (plain HTTP on 127.0.0.1; no docker daemon needed: push with skopeo, see docs/development.md):',
    `  anonymous:  ${anonymous.host}   (its push notifications go to the controller at once)`,
    `  basic auth: ${basic.host}   ${cred(basic)}`,
    `  token auth: ${token.host}   ${cred(token)}`,
    `Ports: ${Object.values(ports)
      .map((p) => `${p.what} ${p.port} (${p.env})`)
      .join('; ')}`,
    `Kubernetes API: ${info.apiServerURL} (kwok plays the node: Pods are "Running" without containers)`,
    `Logs of the cluster and registries: ${info.logDir}`,
    '',
  ].join('\n');
}
