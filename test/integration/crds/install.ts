// Installs the generated CRDs (the committed crds/*.yaml, exactly what users apply) into a test
// apiserver and waits until they serve. Idempotent: server-side apply with one field manager.
import { readFileSync } from 'node:fs';
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
import { waitFor } from '../../testenv/wait.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../../..');
export const CRD_FILES = ['crds/tagpilot.dev_images.yaml', 'crds/tagpilot.dev_alertconfigs.yaml'];

export function readCrds(): V1CustomResourceDefinition[] {
  return CRD_FILES.map((f) => parse(readFileSync(join(repoRoot, f), 'utf8')) as V1CustomResourceDefinition);
}

export async function installCrds(kc: KubeConfig): Promise<void> {
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const apply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
  for (const crd of readCrds()) {
    const name = crd.metadata?.name ?? '';
    await ext.patchCustomResourceDefinition(
      { name, body: crd, fieldManager: 'tagpilot-crds-test', force: true, fieldValidation: 'Strict' },
      apply,
    );
    await waitFor(`CRD ${name} to be Established`, async () => {
      const got = await ext.readCustomResourceDefinition({ name });
      return got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
    });
    const version = crd.spec.versions[0]?.name ?? '';
    await waitFor(`the ${crd.spec.names.plural} API to serve`, () =>
      custom
        .listClusterCustomObject({ group: crd.spec.group, version, plural: crd.spec.names.plural })
        .then(() => true),
    );
  }
}
