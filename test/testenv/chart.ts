// The Helm chart applied to the test control plane for real (what `helm install` would create, applied
// server-side), and removed again afterwards. Used by the end-to-end suites that run both programs with
// the chart's flags and ServiceAccounts.
import { AdmissionregistrationV1Api } from '@kubernetes/client-node';
import { parseManifests, renderChart, type K8sObject } from '../integration/install/render.js';
import { adminKubeConfig } from './kube.js';
import { kubectl } from './tools.js';
import type { TestEnvInfo } from './types.js';

export interface InstalledChart {
  objects: K8sObject[];
  /** Deletes what the chart created (CRDs and Namespaces stay) and the operator's webhook configurations. */
  uninstall(): Promise<void>;
}

export async function installChart(
  env: TestEnvInfo,
  values: Record<string, unknown>,
  opts: { release: string; namespace: string },
): Promise<InstalledChart> {
  const manifests = await renderChart(values, { ...opts, includeCrds: true });
  const objects = parseManifests(manifests);
  const applied = await kubectl(
    env.kubeconfig,
    ['apply', '--server-side', '--force-conflicts', '--field-manager=helm-e2e', '-f', '-'],
    { input: manifests },
  );
  if (applied.code !== 0 || applied.stderr !== '')
    throw new Error(`applying the chart failed (exit ${applied.code}): ${applied.stderr}`);
  const crds = await kubectl(env.kubeconfig, [
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    'crd/images.tagpilot.dev',
    'crd/alertconfigs.tagpilot.dev',
  ]);
  if (crds.code !== 0) throw new Error(`the CRDs did not become Established: ${crds.stderr}`);
  return {
    objects,
    async uninstall() {
      // The operator made these itself (cluster-scoped); remove them so later suites see no dead webhook.
      const admission = adminKubeConfig(env).makeApiClient(AdmissionregistrationV1Api);
      const name = `${opts.release}-operator`;
      await admission.deleteMutatingWebhookConfiguration({ name }).catch(() => undefined);
      await admission.deleteValidatingWebhookConfiguration({ name }).catch(() => undefined);
      await kubectl(env.kubeconfig, ['delete', '--wait=false', '--ignore-not-found', '-f', '-'], {
        input: objects
          .filter((o) => !['CustomResourceDefinition', 'Namespace'].includes(o.kind))
          .map((o) => JSON.stringify(o))
          .join('\n---\n'),
      });
    },
  };
}
