import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { TestEnvInfo } from './types.js';

/** Admin client configuration for the test apiserver. */
export function adminKubeConfig(env: TestEnvInfo): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(env.kubeconfig);
  return kc;
}

/**
 * A client configuration that authenticates as a ServiceAccount with a real token from the TokenRequest
 * API: how tests prove that the shipped RBAC is enough (and not more) without system:masters.
 */
export async function serviceAccountKubeConfig(
  env: TestEnvInfo,
  namespace: string,
  name: string,
): Promise<KubeConfig> {
  const core = adminKubeConfig(env).makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace } } }).catch(ignoreConflict);
  await core
    .createNamespacedServiceAccount({ namespace, body: { metadata: { name } } })
    .catch(ignoreConflict);
  const tr = await core.createNamespacedServiceAccountToken({
    namespace,
    name,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const token = tr.status?.token;
  if (!token) throw new Error(`no token issued for ServiceAccount ${namespace}/${name}`);
  const admin = adminKubeConfig(env);
  const cluster = admin.getCurrentCluster()!;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: `${namespace}-${name}`, token }],
    contexts: [{ name: 'sa', cluster: cluster.name, user: `${namespace}-${name}`, namespace }],
    currentContext: 'sa',
  });
  return kc;
}

/** For create calls that may race with an earlier run of the same test: 409 AlreadyExists is fine. */
export function ignoreConflict(err: unknown): void {
  const code = (err as { code?: number }).code;
  if (code !== 409) throw err;
}

/** A namespace with a unique name, so tests do not see each other's objects. */
export async function createTestNamespace(
  env: TestEnvInfo,
  prefix: string,
  labels: Record<string, string> = {},
): Promise<string> {
  const name = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
  await adminKubeConfig(env)
    .makeApiClient(CoreV1Api)
    .createNamespace({ body: { metadata: { name, labels } } });
  return name;
}
