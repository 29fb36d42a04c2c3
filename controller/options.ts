// Flags of tagpilot-controller. Every flag can also come from the environment as TAGPILOT_<FLAG> (upper
// case, dashes as underscores): `--dry-run` is TAGPILOT_DRY_RUN=true. A flag on the command line wins.
import { parseArgs } from 'node:util';
import { parseDuration } from '../domain/schedule/duration.js';

export interface ParsedOptions {
  kubeconfig?: string;
  context?: string;
  namespaces: string[];
  dryRun: boolean;
  concurrency: number;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  leaseName: string;
  leaseDurationMs: number;
  leaseRenewDeadlineMs?: number;
  bindAddress: string;
  port: number;
  hookSecretsDir?: string;
  maxHookBodyBytes: number;
  hookReplayWindowMs: number;
  httpRequestTimeoutMs: number;
  httpMaxConnections: number;
  statusHeartbeatMs: number;
  registryCacheTtlMs: number;
  registryConcurrency: number;
  registryTimeoutMs: number;
  cronJitterMs: number;
  logLevel?: string;
}

interface FlagSpec {
  type: 'string' | 'boolean';
  help: string;
  default?: string;
}

export const FLAGS: Record<string, FlagSpec> = {
  kubeconfig: {
    type: 'string',
    help: 'kubeconfig file (default: in-cluster, else $KUBECONFIG or ~/.kube/config)',
  },
  context: { type: 'string', help: 'kubeconfig context to use' },
  namespaces: { type: 'string', help: 'comma-separated namespaces to watch (default: all)' },
  'dry-run': { type: 'boolean', help: 'decide and report (logs, metrics), change nothing in the cluster' },
  concurrency: { type: 'string', default: '10', help: 'Images evaluated at once' },
  'leader-elect': { type: 'boolean', help: 'take part in leader election (needed with replicas > 1)' },
  'leader-election-namespace': {
    type: 'string',
    help: 'namespace of the Lease (default: $POD_NAMESPACE, else tagpilot-system)',
  },
  'lease-name': { type: 'string', default: 'tagpilot-controller', help: 'name of the Lease' },
  'lease-duration': {
    type: 'string',
    default: '15s',
    help: 'how long others wait for a Lease that stopped changing',
  },
  'lease-renew-deadline': {
    type: 'string',
    help: 'a leader that could not renew for this long stops acting; shorter than --lease-duration (default: two thirds of it)',
  },
  'bind-address': {
    type: 'string',
    default: '0.0.0.0',
    help: 'address of /metrics, /healthz, /readyz and /v1/hooks',
  },
  port: { type: 'string', default: '8080', help: 'port of /metrics, /healthz, /readyz and /v1/hooks' },
  'hook-secrets-dir': {
    type: 'string',
    help: 'directory with webhook secrets (files default, generic, dockerhub, …; see docs/triggers.md)',
  },
  'max-hook-body': { type: 'string', default: '1048576', help: 'largest webhook body in bytes (413 above)' },
  'hook-replay-window': {
    type: 'string',
    default: '5m',
    help: 'how far a signed X-Tagpilot-Timestamp may be from the controller clock (401 outside; see docs/triggers.md)',
  },
  'http-request-timeout': {
    type: 'string',
    default: '30s',
    help: 'longest request on the ops port, body included (headers: 10s at most; idle keep-alive: 5s)',
  },
  'http-max-connections': {
    type: 'string',
    default: '256',
    help: 'open connections on the ops port (/metrics, /healthz, /readyz, /v1/hooks); more are refused',
  },
  'status-heartbeat': {
    type: 'string',
    default: '10m',
    help: 'write a status whose only news is the check times at most this often (0s: every check)',
  },
  'registry-cache-ttl': { type: 'string', default: '60s', help: 'how long tag lists and digests are reused' },
  'registry-concurrency': { type: 'string', default: '8', help: 'requests in flight per registry host' },
  'registry-timeout': {
    type: 'string',
    default: '30s',
    help: 'deadline of one registry request, retries included',
  },
  'cron-jitter': {
    type: 'string',
    default: '5s',
    help: 'largest random delay added to each cron tick per Image',
  },
  'log-level': { type: 'string', help: 'trace, debug, info, warn, error (default info)' },
  help: { type: 'boolean', help: 'show this help' },
};

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const envName = (flag: string) => `TAGPILOT_${flag.toUpperCase().replace(/-/g, '_')}`;

export function usage(): string {
  const lines = Object.entries(FLAGS).map(([name, f]) => {
    const arg = f.type === 'string' ? ` ${name === 'namespaces' ? 'NS[,NS]' : 'VALUE'}` : '';
    const def = f.default !== undefined ? ` (default ${f.default})` : '';
    return `  --${name}${arg}\n      ${f.help}${def}; env ${envName(name)}`;
  });
  return ['usage: tagpilot-controller [flags]', '', ...lines].join('\n');
}

function bool(name: string, value: string, where = envName(name)): boolean {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new UsageError(`${where}="${value}" is not a boolean; use true or false`);
}

function int(name: string, value: string, min: number): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < min) {
    throw new UsageError(`--${name} must be a whole number of at least ${min} (got "${value}")`);
  }
  return Number(value);
}

function duration(name: string, value: string): number {
  if (value.trim() === '0') return 0;
  try {
    return parseDuration(value);
  } catch (err) {
    throw new UsageError(`--${name}: ${(err as Error).message}`);
  }
}

function atLeastOneSecond(name: string, value: string): number {
  const ms = duration(name, value);
  if (ms < 1000) throw new UsageError(`--${name} must be at least 1s (got "${value}")`);
  return ms;
}

/** Flags from argv, then the environment, then defaults. Throws UsageError with one clear line. */
export function parseControllerArgs(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): ParsedOptions | 'help' {
  const options = Object.fromEntries(
    Object.entries(FLAGS).map(([name, f]) => [name, { type: f.type }]),
  ) as Record<string, { type: 'string' | 'boolean' }>;
  // Booleans also accept --flag=true|false (as Kubernetes manifests write them) and --no-flag.
  const booleans: Record<string, boolean> = {};
  const rest: string[] = [];
  for (const arg of argv) {
    const m = /^--(no-)?([a-z-]+)(?:=(.*))?$/.exec(arg);
    const name = m?.[2];
    if (m && name && FLAGS[name]?.type === 'boolean' && (m[1] || m[3] !== undefined)) {
      if (m[1] && m[3] !== undefined) throw new UsageError(`${arg}: --no-${name} takes no value`);
      booleans[name] = m[1] ? false : bool(name, m[3]!, `--${name}`);
      continue;
    }
    rest.push(arg);
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: rest, options, allowPositionals: false, strict: true }) as {
      values: Record<string, string | boolean | undefined>;
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}; see --help`);
  }
  Object.assign(values, booleans);
  if (values.help) return 'help';
  const str = (name: string): string | undefined => {
    const v = values[name];
    if (typeof v === 'string') return v;
    const e = env[envName(name)];
    if (e !== undefined && e !== '') return e;
    return FLAGS[name]?.default;
  };
  const flag = (name: string, fallback: boolean): boolean => {
    const v = values[name];
    if (typeof v === 'boolean') return v;
    const e = env[envName(name)];
    return e !== undefined && e !== '' ? bool(name, e) : fallback;
  };
  const namespaces = (str('namespaces') ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  const port = int('port', str('port')!, 0);
  if (port > 65535) throw new UsageError(`--port must be at most 65535 (got ${port})`);
  const leaseDurationMs = duration('lease-duration', str('lease-duration')!);
  if (leaseDurationMs < 2000) throw new UsageError('--lease-duration must be at least 2s');
  const renewDeadline = str('lease-renew-deadline');
  return {
    kubeconfig: str('kubeconfig'),
    context: str('context'),
    namespaces,
    dryRun: flag('dry-run', false),
    concurrency: int('concurrency', str('concurrency')!, 1),
    leaderElect: flag('leader-elect', false),
    leaderElectionNamespace: str('leader-election-namespace') ?? env.POD_NAMESPACE ?? 'tagpilot-system',
    leaseName: str('lease-name')!,
    leaseDurationMs,
    leaseRenewDeadlineMs: renewDeadline ? duration('lease-renew-deadline', renewDeadline) : undefined,
    bindAddress: str('bind-address')!,
    port,
    hookSecretsDir: str('hook-secrets-dir'),
    maxHookBodyBytes: int('max-hook-body', str('max-hook-body')!, 1024),
    hookReplayWindowMs: atLeastOneSecond('hook-replay-window', str('hook-replay-window')!),
    httpRequestTimeoutMs: atLeastOneSecond('http-request-timeout', str('http-request-timeout')!),
    httpMaxConnections: int('http-max-connections', str('http-max-connections')!, 1),
    statusHeartbeatMs: duration('status-heartbeat', str('status-heartbeat')!),
    registryCacheTtlMs: duration('registry-cache-ttl', str('registry-cache-ttl')!),
    registryConcurrency: int('registry-concurrency', str('registry-concurrency')!, 1),
    registryTimeoutMs: duration('registry-timeout', str('registry-timeout')!),
    cronJitterMs: duration('cron-jitter', str('cron-jitter')!),
    logLevel: str('log-level'),
  };
}
