// How `make run` installs the CRDs, as one function so test/integration/install/after-run.test.ts can
// prove that `helm install` and `kubectl apply -k … --server-side` work right after it.
import type { KubeConfig } from '@kubernetes/client-node';
import { installCRDsWith } from '../test/testenv/crds.js';

/** The release `helm install tagpilot ./charts/tagpilot -n tagpilot-system` (docs/install.md) creates. */
export const EMBEDDED_HELM_RELEASE = { name: 'tagpilot', namespace: 'tagpilot-system' } as const;

/**
 * On the embedded cluster the CRDs get the ownership metadata of that release, so the documented
 * `helm install` adopts them; on the user's own cluster they do not (it could take them from a release).
 */
export function installRunCRDs(kc: KubeConfig, embedded: boolean): Promise<void> {
  return installCRDsWith(kc, embedded ? { helmRelease: EMBEDDED_HELM_RELEASE } : {});
}
