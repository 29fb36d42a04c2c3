// Running tagpilot-operator in-process against the test apiserver, as its ServiceAccount under the
// shipped RBAC (config/rbac/operator-*.yaml): never as system:masters. Shared by the operator's
// integration tests and the operator/admission e2e suites.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AdmissionregistrationV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { pino } from 'pino';
import { ALERT_CONFIG, IMAGE, type AlertConfig, type Image } from '../../../crds/index.js';
import { startOperator, type OperatorOptions, type RunningOperator } from '../../../operator/main.js';
import { freePort } from '../../testenv/ports.js';
import { adminKubeConfig, serviceAccountKubeConfig } from '../../testenv/kube.js';
import type { TestEnvInfo } from '../../testenv/types.js';
import { waitFor } from '../../testenv/wait.js';
import { installCRDsWith } from '../../testenv/crds.js';
import { kubectl } from '../../testenv/tools.js';

export const OPERATOR_NAMESPACE = 'tagpilot-system';
export const OPERATOR_SA = 'tagpilot-operator';
export const WEBHOOK_CONFIG = 'tagpilot-operator';
export const CERT_SECRET = 'tagpilot-operator-webhook-tls';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/** CRDs, the operator's namespace, ServiceAccount and RBAC exactly as shipped. */
export async function prepareCluster(env: TestEnvInfo): Promise<KubeConfig> {
  const admin = adminKubeConfig(env);
  await installCRDsWith(admin);
  // Creates the namespace and ServiceAccount and returns a token for it.
  const kc = await serviceAccountKubeConfig(env, OPERATOR_NAMESPACE, OPERATOR_SA);
  const files = readdirSync(join(repoRoot, 'config/rbac'))
    .filter((f) => /^operator.*\.yaml$/.test(f))
    .map((f) => join(repoRoot, 'config/rbac', f));
  const args = ['apply', ...files.flatMap((f) => ['-f', f])];
  const out = await kubectl(env.kubeconfig, args);
  if (out.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${out.stderr}`);
  return kc;
}

export interface TestOperator extends RunningOperator {
  port: number;
  url: string;
}

/** Starts the operator with the apiserver calling it on https://127.0.0.1:PORT. */
export async function startTestOperator(
  kc: KubeConfig,
  overrides: Partial<OperatorOptions> & { port?: number } = {},
): Promise<TestOperator> {
  const port = overrides.port ?? (await freePort());
  const url = `https://127.0.0.1:${port}`;
  const level = process.env.TAGPILOT_TEST_LOG_LEVEL ?? 'warn';
  const op = await startOperator({
    kubeConfig: kc,
    log: pino({ level, base: { program: 'tagpilot-operator' } }),
    namespace: OPERATOR_NAMESPACE,
    webhookBindAddress: '127.0.0.1',
    webhookPort: port,
    metricsBindAddress: '127.0.0.1',
    metricsPort: 0,
    webhookEndpoint: { url },
    leaderElect: true,
    ...overrides,
  });
  return Object.assign(op, { port, url });
}

/** Waits until this operator leads, serves, and the apiserver's webhook configurations point at it. */
export async function waitUntilAdmitting(env: TestEnvInfo, op: TestOperator): Promise<void> {
  await waitFor('the operator to serve the webhooks', () => op.ready(), { timeoutMs: 90_000 });
  const api = adminKubeConfig(env).makeApiClient(AdmissionregistrationV1Api);
  await waitFor(
    'the webhook configurations to point at the operator',
    async () => {
      const m = await api.readMutatingWebhookConfiguration({ name: WEBHOOK_CONFIG });
      const v = await api.readValidatingWebhookConfiguration({ name: WEBHOOK_CONFIG });
      return [...(m.webhooks ?? []), ...(v.webhooks ?? [])].every((w) =>
        w.clientConfig.url?.startsWith(op.url),
      );
    },
    { timeoutMs: 60_000 },
  );
}

/** Removes what an operator leaves in the cluster, so no later suite meets a dead webhook. */
export async function removeWebhookConfigurations(env: TestEnvInfo): Promise<void> {
  const api = adminKubeConfig(env).makeApiClient(AdmissionregistrationV1Api);
  await api.deleteMutatingWebhookConfiguration({ name: WEBHOOK_CONFIG }).catch(() => undefined);
  await api.deleteValidatingWebhookConfiguration({ name: WEBHOOK_CONFIG }).catch(() => undefined);
}

export function imageObject(name: string, namespace: string, spec: Partial<Image['spec']> = {}): Image {
  return {
    apiVersion: 'tagpilot.dev/v1alpha1',
    kind: 'Image',
    metadata: { name, namespace },
    spec: {
      image: 'registry.example.com/acme/web',
      triggers: [{ type: 'crontab', value: '0 */6 * * *' }],
      rules: [{ name: 'minor', type: 'semver-minor', actions: [{ type: 'apply' }] }],
      ...spec,
    },
  };
}

export function alertConfigObject(name: string, namespace: string, spec: AlertConfig['spec']): AlertConfig {
  return { apiVersion: 'tagpilot.dev/v1alpha1', kind: 'AlertConfig', metadata: { name, namespace }, spec };
}

const applyPatch = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);

/** What the controller does: server-side apply of its status fields under its own field manager. */
export async function applyControllerStatus(
  kc: KubeConfig,
  namespace: string,
  name: string,
  status: NonNullable<Image['status']>,
): Promise<void> {
  await kc.makeApiClient(CustomObjectsApi).patchNamespacedCustomObjectStatus(
    {
      group: IMAGE.group,
      version: IMAGE.version,
      plural: IMAGE.plural,
      namespace,
      name,
      body: { apiVersion: IMAGE.apiVersion, kind: IMAGE.kind, metadata: { name, namespace }, status },
      fieldManager: 'tagpilot-controller',
      force: true,
    },
    applyPatch,
  );
}

export async function getImage(kc: KubeConfig, namespace: string, name: string): Promise<Image> {
  return (await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
    group: IMAGE.group,
    version: IMAGE.version,
    plural: IMAGE.plural,
    namespace,
    name,
  })) as Image;
}

/** Creates an AlertConfig in its own namespace. */
export function createAlertConfig(kc: KubeConfig, ac: AlertConfig) {
  return kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    group: ALERT_CONFIG.group,
    version: ALERT_CONFIG.version,
    plural: ALERT_CONFIG.plural,
    namespace: ac.metadata.namespace ?? '',
    body: ac,
  });
}

export async function getAlertConfig(kc: KubeConfig, namespace: string, name: string): Promise<AlertConfig> {
  return (await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
    group: ALERT_CONFIG.group,
    version: ALERT_CONFIG.version,
    plural: ALERT_CONFIG.plural,
    namespace,
    name,
  })) as AlertConfig;
}

export function readyOf(obj: {
  status?: { conditions?: { type: string; status: string; reason: string; message: string }[] };
}) {
  return obj.status?.conditions?.find((c) => c.type === 'Ready');
}

/** Reads a metric value from this process's registry (the operator runs in-process). */
export async function metricValue(name: string, labels: Record<string, string> = {}): Promise<number> {
  const { metricsRegistry } = await import('../../../common/metrics.js');
  const metric = metricsRegistry.getSingleMetric(name);
  if (!metric) return 0;
  const data = await metric.get();
  return data.values
    .filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want))
    .reduce((sum, v) => sum + v.value, 0);
}
