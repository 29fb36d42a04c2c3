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

/**
 * Installs (or updates) Tagpilot's CRDs from crds/*.yaml and waits until the apiserver serves them.
 * Idempotent: every suite calls it, the shared environment keeps them.
 */
export async function installCRDs(env: TestEnvInfo): Promise<void> {
  await installCRDsWith(adminKubeConfig(env));
}

/**
 * installCRDs through any client configuration allowed to manage CRDs (`make run` uses the current one).
 * Server-side apply of the YAML as it is, like `kubectl apply --server-side`: the typed create/replace
 * calls of @kubernetes/client-node serialise a V1CustomResourceDefinition by its camelCase property
 * names, so the raw YAML's `x-kubernetes-*` keys (list types, CEL rules) would silently be dropped.
 */
export async function installCRDsWith(kc: KubeConfig): Promise<void> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const apply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
  for (const crd of crdObjects()) {
    const name = crd.metadata!.name!;
    await api.patchCustomResourceDefinition(
      { name, body: crd, fieldManager: 'tagpilot-testenv', force: true, fieldValidation: 'Strict' },
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
