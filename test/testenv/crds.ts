import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ApiextensionsV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { parse } from 'yaml';
import { adminKubeConfig } from './kube.js';
import type { TestEnvInfo } from './types.js';
import { waitFor } from './wait.js';

const crdDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'crds');

/** The generated CRDs of crds/*.yaml. */
export function crdObjects(): V1CustomResourceDefinition[] {
  return readdirSync(crdDir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => parse(readFileSync(join(crdDir, f), 'utf8')) as V1CustomResourceDefinition);
}

/** Field manager of every CRD install by the test environment and `make run`. */
export const CRD_FIELD_MANAGER = 'tagpilot';

export interface InstallCRDsOptions {
  /**
   * Mark the CRDs as the chart's templates/crds.yaml does for this release, with the ownership metadata
   * `helm install` writes (label managed-by=Helm, meta.helm.sh/release-* annotations), so that a later
   * `helm install <name> -n <namespace>` adopts them instead of refusing ("exists and cannot be imported
   * into the current release"). `make run` sets it on the embedded cluster only: on a user's cluster it
   * could take the CRDs away from their own release.
   */
  helmRelease?: { name: string; namespace: string };
}

/**
 * Installs (or updates) Tagpilot's CRDs from crds/*.yaml and waits until the apiserver serves them.
 * Idempotent: every suite calls it, the shared environment keeps them.
 */
export async function installCRDs(env: TestEnvInfo): Promise<void> {
  await installCRDsWith(adminKubeConfig(env));
}

/**
 * installCRDs through any client configuration allowed to manage CRDs (`make run` uses the current one).
 * Server-side apply of the YAML as it is, like `kubectl apply --server-side`, under the Tagpilot field
 * manager: a later `kubectl apply --server-side` or `helm install` of the same definitions shares the
 * fields instead of conflicting. (Typed create/replace calls serialise a V1CustomResourceDefinition by
 * its camelCase property names, which drops the raw YAML's `x-kubernetes-*` keys, and record the fields
 * under client-node's default manager "node-fetch": the next server-side apply failed with
 * `conflict with "node-fetch" using apiextensions.k8s.io/v1: .spec.versions`.) `force`: `make run`
 * always installs the definitions of the checkout it runs, even over fields another manager last wrote.
 */
export async function installCRDsWith(kc: KubeConfig, opts: InstallCRDsOptions = {}): Promise<void> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const apply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
  for (const crd of crdObjects()) {
    const name = crd.metadata!.name!;
    const body = opts.helmRelease ? asHelmRelease(crd, opts.helmRelease) : crd;
    await api.patchCustomResourceDefinition(
      { name, body, fieldManager: CRD_FIELD_MANAGER, force: true, fieldValidation: 'Strict' },
      apply,
    );
    await waitFor(`CRD ${name} to be Established`, async () => {
      const c = await api.readCustomResourceDefinition({ name });
      return c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True');
    });
    const version = crd.spec.versions[0]?.name ?? '';
    await waitFor(`the ${crd.spec.names.plural} API to serve`, () =>
      custom
        .listClusterCustomObject({ group: crd.spec.group, version, plural: crd.spec.names.plural })
        .then(() => true),
    );
  }
}

/** The metadata `helm install` gives a CRD of the chart (templates/crds.yaml with crds.keep on). */
function asHelmRelease(
  crd: V1CustomResourceDefinition,
  release: { name: string; namespace: string },
): V1CustomResourceDefinition {
  return {
    ...crd,
    metadata: {
      ...crd.metadata,
      labels: {
        ...crd.metadata?.labels,
        'app.kubernetes.io/managed-by': 'Helm',
        'app.kubernetes.io/instance': release.name,
      },
      annotations: {
        ...crd.metadata?.annotations,
        'meta.helm.sh/release-name': release.name,
        'meta.helm.sh/release-namespace': release.namespace,
        'helm.sh/resource-policy': 'keep',
      },
    },
  };
}
