import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ApiextensionsV1Api,
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

/** installCRDs through any client configuration allowed to manage CRDs (`make run` uses the current one). */
export async function installCRDsWith(kc: KubeConfig): Promise<void> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  for (const crd of crdObjects()) {
    const name = crd.metadata!.name!;
    try {
      await api.createCustomResourceDefinition({ body: crd });
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
      const existing = await api.readCustomResourceDefinition({ name });
      await api.replaceCustomResourceDefinition({
        name,
        body: { ...crd, metadata: { ...crd.metadata, resourceVersion: existing.metadata?.resourceVersion } },
      });
    }
    await waitFor(`CRD ${name} to be Established`, async () => {
      const c = await api.readCustomResourceDefinition({ name });
      return c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True');
    });
  }
}
