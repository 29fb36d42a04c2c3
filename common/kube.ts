import { KubeConfig } from '@kubernetes/client-node';
import { errorMessage } from './errors.js';
import { reuseConnections } from './kube-connections.js';

/**
 * The Kubernetes client configuration of a program: an explicit kubeconfig path, else in-cluster
 * credentials when running in a Pod, else $KUBECONFIG / ~/.kube/config (what `kubectl` would use).
 * `impersonate` (user name, usually `system:serviceaccount:NS:NAME`) lets a developer run a program locally
 * with exactly the permissions of its ServiceAccount. Every API call shares one keep-alive connection pool.
 */
export function loadKubeConfig(opts: { kubeconfig?: string; context?: string } = {}): KubeConfig {
  const kc = new KubeConfig();
  if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
  else kc.loadFromDefault();
  if (opts.context) kc.setCurrentContext(opts.context);
  if (!kc.getCurrentCluster()) {
    throw new Error(
      'no Kubernetes cluster configured: run in a Pod, set KUBECONFIG, or pass --kubeconfig PATH',
    );
  }
  const cluster = kc.getCurrentCluster();
  // client-node refuses every request to a plain-HTTP server unless the cluster entry skips TLS
  // verification; say so at start-up instead of retrying that error forever.
  if (cluster?.server.startsWith('http:') && !cluster.skipTLSVerify) {
    throw new Error(
      `cluster ${cluster.name} has a plain-HTTP server (${cluster.server}), which the Kubernetes client refuses unless the cluster sets insecure-skip-tls-verify: true: use the https:// address or set that field in the kubeconfig`,
    );
  }
  return reuseConnections(kc);
}

/** HTTP status of an error thrown by @kubernetes/client-node (ApiException.code), if any. */
export function statusCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

export const isNotFound = (err: unknown) => statusCode(err) === 404;
export const isConflict = (err: unknown) => statusCode(err) === 409;

/**
 * The `message` of the Kubernetes Status in an ApiException body, else the error's own message. Its
 * ApiException message is a multi-line dump of the response (code, body, headers); logs, statuses and
 * events need the apiserver's one-line reason instead.
 */
export function kubeMessage(err: unknown): string {
  const body = (err as { body?: unknown } | null)?.body;
  const status = typeof body === 'string' ? safeParse(body) : body;
  const message = (status as { message?: unknown } | null | undefined)?.message;
  if (typeof message === 'string' && message !== '') return message;
  const code = statusCode(err);
  const first = errorMessage(err).split('\n')[0] ?? '';
  return code !== undefined && !first.includes(String(code)) ? `HTTP ${code}: ${first}` : first;
}

function safeParse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}
