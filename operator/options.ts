// Command line and environment of tagpilot-operator. Every flag can also be set as TAGPILOT_<FLAG>
// (upper case, dashes as underscores); a flag on the command line wins over the environment.
// docs/operator.md documents each one; keep the two in step.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { validateTrigger } from '../domain/schedule/trigger.js';

export type FailurePolicy = 'Ignore' | 'Fail';

export interface ServiceRef {
  namespace: string;
  name: string;
  port: number;
}

export interface OperatorConfig {
  kubeconfig?: string;
  context?: string;
  namespace: string;
  /** Namespaces to watch; empty: all. */
  namespaces: string[];
  webhookBindAddress: string;
  webhookPort: number;
  metricsBindAddress: string;
  metricsPort: number;
  /** How the apiserver reaches the webhook: a URL (out of cluster) or a Service. */
  webhookEndpoint: { url: string } | { service: ServiceRef };
  failurePolicy: FailurePolicy;
  timeoutSeconds: number;
  webhookConfigName: string;
  certSecret: string;
  selfSignedCerts: boolean;
  certValidityMs: number;
  certRenewBeforeMs: number;
  leaderElect: boolean;
  leaseName: string;
  logLevel: string;
  shutdownDelayMs: number;
  /** Keep managed Images for workloads annotated tagpilot.dev/follow. */
  followAnnotations: boolean;
  /** Crontab trigger value of managed Images whose workload has no tagpilot.dev/schedule. */
  followDefaultSchedule: string;
}

type StringFlag = { type: 'string'; env: string; help: string; default?: string };
type BoolFlag = { type: 'boolean'; env: string; help: string; default: boolean };

export const FLAGS: Record<string, StringFlag | BoolFlag> = {
  kubeconfig: {
    type: 'string',
    env: 'TAGPILOT_KUBECONFIG',
    help: 'kubeconfig file; default: in-cluster, then $KUBECONFIG, then ~/.kube/config',
  },
  context: { type: 'string', env: 'TAGPILOT_CONTEXT', help: 'kubeconfig context to use' },
  namespace: {
    type: 'string',
    env: 'TAGPILOT_NAMESPACE',
    help: "the operator's own namespace (Lease, certificate Secret); default: the Pod's namespace, else tagpilot-system",
  },
  namespaces: {
    type: 'string',
    env: 'TAGPILOT_NAMESPACES',
    help: 'comma-separated namespaces to watch; default: all',
  },
  'webhook-bind-address': {
    type: 'string',
    env: 'TAGPILOT_WEBHOOK_BIND_ADDRESS',
    default: '0.0.0.0',
    help: 'address the HTTPS webhook server listens on',
  },
  'webhook-port': {
    type: 'string',
    env: 'TAGPILOT_WEBHOOK_PORT',
    default: '9443',
    help: 'HTTPS port of the admission webhooks (0: any free port)',
  },
  'metrics-bind-address': {
    type: 'string',
    env: 'TAGPILOT_METRICS_BIND_ADDRESS',
    default: '0.0.0.0',
    help: 'address of /metrics, /healthz, /readyz',
  },
  'metrics-port': {
    type: 'string',
    env: 'TAGPILOT_METRICS_PORT',
    default: '8080',
    help: 'HTTP port of /metrics, /healthz, /readyz (0: any free port)',
  },
  'webhook-url': {
    type: 'string',
    env: 'TAGPILOT_WEBHOOK_URL',
    help: 'out of cluster: the base URL the apiserver calls, e.g. https://127.0.0.1:9443 (exclusive with --webhook-service)',
  },
  'webhook-service': {
    type: 'string',
    env: 'TAGPILOT_WEBHOOK_SERVICE',
    help: 'in cluster: the Service in front of the webhook, NAMESPACE/NAME[:PORT]; default: NAMESPACE/tagpilot-operator-webhook:443',
  },
  'webhook-failure-policy': {
    type: 'string',
    env: 'TAGPILOT_WEBHOOK_FAILURE_POLICY',
    default: 'Ignore',
    help: 'Ignore or Fail: what the apiserver does when the webhook cannot answer',
  },
  'webhook-timeout-seconds': {
    type: 'string',
    env: 'TAGPILOT_WEBHOOK_TIMEOUT_SECONDS',
    default: '5',
    help: 'apiserver timeout per webhook call, 1-30',
  },
  'webhook-config-name': {
    type: 'string',
    env: 'TAGPILOT_WEBHOOK_CONFIG_NAME',
    default: 'tagpilot-operator',
    help: 'name of the Mutating- and ValidatingWebhookConfiguration the operator owns',
  },
  'webhook-cert-secret': {
    type: 'string',
    env: 'TAGPILOT_WEBHOOK_CERT_SECRET',
    default: 'tagpilot-operator-webhook-tls',
    help: 'Secret (in --namespace) holding ca.crt, tls.crt and tls.key',
  },
  'self-signed-certs': {
    type: 'boolean',
    env: 'TAGPILOT_SELF_SIGNED_CERTS',
    default: true,
    help: 'issue and rotate the webhook certificates; false: another party (cert-manager) writes the Secret',
  },
  'cert-validity': {
    type: 'string',
    env: 'TAGPILOT_CERT_VALIDITY',
    default: '8760h',
    help: 'lifetime of issued webhook certificates',
  },
  'cert-renew-before': {
    type: 'string',
    env: 'TAGPILOT_CERT_RENEW_BEFORE',
    default: '720h',
    help: 'reissue this long before the serving certificate expires',
  },
  'leader-elect': {
    type: 'boolean',
    env: 'TAGPILOT_LEADER_ELECT',
    default: true,
    help: 'elect a leader through a Lease before reconciling and rotating certificates',
  },
  'lease-name': {
    type: 'string',
    env: 'TAGPILOT_LEASE_NAME',
    default: 'tagpilot-operator',
    help: 'name of the leader election Lease in --namespace',
  },
  'log-level': {
    type: 'string',
    env: 'TAGPILOT_LOG_LEVEL',
    default: 'info',
    help: 'trace, debug, info, warn, error or fatal',
  },
  'follow-annotations': {
    type: 'boolean',
    env: 'TAGPILOT_FOLLOW_ANNOTATIONS',
    default: true,
    help: 'keep a managed Image for each container of a workload annotated tagpilot.dev/follow (docs/without-custom-resources.md)',
  },
  'follow-default-schedule': {
    type: 'string',
    env: 'TAGPILOT_FOLLOW_DEFAULT_SCHEDULE',
    default: '@every 5m',
    help: 'schedule of managed Images whose workload has no tagpilot.dev/schedule annotation (cron or @every)',
  },
  'shutdown-delay': {
    type: 'string',
    env: 'TAGPILOT_SHUTDOWN_DELAY',
    default: '5s',
    help: 'keep serving admission this long after SIGTERM, while endpoints drop the Pod',
  },
};

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const DURATION_UNITS_MS: Readonly<Record<string, number>> = {
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1_000,
  ms: 1,
};

/** `8760h`, `30d`, `1h30m`, `90s`, `500ms`. */
export function parseDurationMs(flag: string, text: string): number {
  if (!/^(?:\d+(?:\.\d+)?(?:ms|d|h|m|s))+$/.test(text)) {
    throw new UsageError(
      `--${flag}: invalid duration ${JSON.stringify(text)}; write e.g. 8760h, 30d, 10m or 90s`,
    );
  }
  let ms = 0;
  for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|d|h|m|s)/g))
    ms += Number(n) * DURATION_UNITS_MS[unit!]!;
  return ms;
}

function parsePort(flag: string, text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535)
    throw new UsageError(`--${flag}: ${JSON.stringify(text)} is not a port number (0-65535)`);
  return port;
}

function parseBool(flag: string, text: string): boolean {
  if (/^(true|1|yes)$/i.test(text)) return true;
  if (/^(false|0|no)$/i.test(text)) return false;
  throw new UsageError(`--${flag}: ${JSON.stringify(text)} is not true or false`);
}

export function parseServiceRef(text: string): ServiceRef {
  const m = /^([a-z0-9-]+)\/([a-z0-9-]+)(?::(\d+))?$/.exec(text);
  if (!m) throw new UsageError(`--webhook-service: ${JSON.stringify(text)} is not NAMESPACE/NAME[:PORT]`);
  return { namespace: m[1]!, name: m[2]!, port: m[3] ? parsePort('webhook-service', m[3]) : 443 };
}

/** The namespace the Pod runs in, when it runs in one. */
function podNamespace(env: NodeJS.ProcessEnv): string | undefined {
  if (env.POD_NAMESPACE) return env.POD_NAMESPACE;
  try {
    return (
      readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/namespace', 'utf8').trim() || undefined
    );
  } catch {
    return undefined;
  }
}

export function parseOperatorArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): OperatorConfig {
  // node:util parseArgs has no `--flag=false` for booleans (allowNegative needs Node 22): boolean flags
  // are parsed as strings that may be absent, so `--leader-elect`, `--leader-elect=false` both work.
  const booleans = Object.keys(FLAGS).filter((k) => FLAGS[k]!.type === 'boolean');
  const args = argv.map((a) => (booleans.includes(a.slice(2)) && a.startsWith('--') ? `${a}=true` : a));
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      options: Object.fromEntries(Object.keys(FLAGS).map((k) => [k, { type: 'string' as const }])),
      strict: true,
      allowPositionals: false,
    }) as { values: Record<string, string | undefined> });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const get = (flag: string): string | undefined => {
    const spec = FLAGS[flag]!;
    const v = values[flag] ?? env[spec.env];
    if (v !== undefined && v !== '') return v;
    return spec.type === 'boolean' ? String(spec.default) : spec.default;
  };

  const namespace = get('namespace') ?? podNamespace(env) ?? 'tagpilot-system';
  const url = get('webhook-url');
  const service = get('webhook-service');
  if (url && service)
    throw new UsageError('--webhook-url and --webhook-service exclude each other; give one');
  let webhookEndpoint: OperatorConfig['webhookEndpoint'];
  if (url) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UsageError(`--webhook-url: ${JSON.stringify(url)} is not a URL`);
    }
    if (parsed.protocol !== 'https:')
      throw new UsageError(
        '--webhook-url must be an https:// URL: the apiserver only calls webhooks over TLS',
      );
    if (parsed.search || parsed.hash || parsed.username)
      throw new UsageError('--webhook-url takes no query, fragment or user info');
    webhookEndpoint = { url: url.replace(/\/+$/, '') };
  } else {
    webhookEndpoint = { service: parseServiceRef(service ?? `${namespace}/tagpilot-operator-webhook`) };
  }

  const failurePolicy = get('webhook-failure-policy')!;
  if (failurePolicy !== 'Ignore' && failurePolicy !== 'Fail') {
    throw new UsageError(`--webhook-failure-policy: ${JSON.stringify(failurePolicy)} is not Ignore or Fail`);
  }
  const timeoutSeconds = Number(get('webhook-timeout-seconds'));
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 30) {
    throw new UsageError(
      '--webhook-timeout-seconds must be a whole number from 1 to 30 (the apiserver limit)',
    );
  }
  const certValidityMs = parseDurationMs('cert-validity', get('cert-validity')!);
  const certRenewBeforeMs = parseDurationMs('cert-renew-before', get('cert-renew-before')!);
  if (certRenewBeforeMs >= certValidityMs) {
    throw new UsageError(
      '--cert-renew-before must be shorter than --cert-validity, or certificates would be renewed forever',
    );
  }
  const logLevel = get('log-level')!;
  if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(logLevel)) {
    throw new UsageError(
      `--log-level: ${JSON.stringify(logLevel)} is not trace, debug, info, warn, error or fatal`,
    );
  }
  const followDefaultSchedule = get('follow-default-schedule')!;
  const scheduleErrors = validateTrigger({ type: 'crontab', value: followDefaultSchedule }, 0);
  if (scheduleErrors.length) {
    throw new UsageError(`--follow-default-schedule: ${scheduleErrors.map((e) => e.message).join('; ')}`);
  }
  const kubeconfig = get('kubeconfig');
  const context = get('context');
  return {
    ...(kubeconfig ? { kubeconfig } : {}),
    ...(context ? { context } : {}),
    namespace,
    namespaces: (get('namespaces') ?? '')
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean),
    webhookBindAddress: get('webhook-bind-address')!,
    webhookPort: parsePort('webhook-port', get('webhook-port')!),
    metricsBindAddress: get('metrics-bind-address')!,
    metricsPort: parsePort('metrics-port', get('metrics-port')!),
    webhookEndpoint,
    failurePolicy,
    timeoutSeconds,
    webhookConfigName: get('webhook-config-name')!,
    certSecret: get('webhook-cert-secret')!,
    selfSignedCerts: parseBool('self-signed-certs', get('self-signed-certs')!),
    certValidityMs,
    certRenewBeforeMs,
    leaderElect: parseBool('leader-elect', get('leader-elect')!),
    leaseName: get('lease-name')!,
    logLevel,
    shutdownDelayMs: parseDurationMs('shutdown-delay', get('shutdown-delay')!),
    followAnnotations: parseBool('follow-annotations', get('follow-annotations')!),
    followDefaultSchedule,
  };
}

export function usage(): string {
  const lines = Object.entries(FLAGS).map(([flag, spec]) => {
    const def = spec.default !== undefined ? ` (default ${String(spec.default)})` : '';
    return `  --${flag.padEnd(26)} ${spec.help}${def} [$${spec.env}]`;
  });
  return ['Usage: tagpilot-operator [flags]', '', ...lines].join('\n');
}
