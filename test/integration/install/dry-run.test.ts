// Every rendered output — the chart with defaults, with each toggle and with all of them, and every
// kustomize overlay — applies to a real kube-apiserver with a server-side dry run: schema, defaulting,
// admission and RBAC escalation checks all run, nothing is stored.
import { ApiextensionsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { adminKubeConfig, ignoreConflict } from '../../testenv/kube.js';
import { kubectl } from '../../testenv/tools.js';
import { waitFor } from '../../testenv/wait.js';
import { ALL_AT_ONCE, kustomizeBuild, OVERLAYS, renderChart, TOGGLES } from './render.js';
import { THIRD_PARTY_CRDS } from './third-party-crds.js';

const env = inject('testenv');
const RELEASE_NAMESPACE = 'tp-dryrun';
/** Namespaces the outputs put objects in; they must exist for namespaced objects to dry-run. */
const NAMESPACES = [RELEASE_NAMESPACE, 'tagpilot-system', 'apps', 'tp-watch-a', 'tp-watch-b'];

async function dryRunApply(manifests: string) {
  return kubectl(
    env.kubeconfig,
    [
      'apply',
      '--server-side',
      '--dry-run=server',
      '--force-conflicts',
      '--field-manager=tagpilot-install-test',
      '-f',
      '-',
    ],
    { input: manifests },
  );
}

describe('server-side dry-run apply of every rendered output', () => {
  beforeAll(async () => {
    const kc = adminKubeConfig(env);
    const core = kc.makeApiClient(CoreV1Api);
    for (const name of NAMESPACES)
      await core.createNamespace({ body: { metadata: { name } } }).catch(ignoreConflict);
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    for (const crd of THIRD_PARTY_CRDS) {
      await ext.createCustomResourceDefinition({ body: crd }).catch(ignoreConflict);
      await waitFor(`CRD ${crd.metadata!.name} to be Established`, async () => {
        const c = await ext.readCustomResourceDefinition({ name: crd.metadata!.name! });
        return c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True');
      });
    }
  });

  it.each([...TOGGLES, ALL_AT_ONCE].map((t) => [t.name, t] as const))(
    'chart with %s',
    async (_name, toggle) => {
      const manifests = await renderChart(toggle.values, { namespace: RELEASE_NAMESPACE, includeCrds: true });
      const r = await dryRunApply(manifests);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      // kubectl reports each object; all of them went through the apiserver.
      const applied = r.stdout.split('\n').filter((l) => /serverside-applied \(server dry run\)/.test(l));
      expect(applied.length).toBe(manifests.split(/^---$/m).filter((d) => /^kind:/m.test(d)).length);
    },
  );

  it.each(OVERLAYS)('kustomize overlay %s', async (overlay) => {
    const manifests = await kustomizeBuild(overlay);
    const r = await dryRunApply(manifests);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const applied = r.stdout.split('\n').filter((l) => /serverside-applied \(server dry run\)/.test(l));
    expect(applied.length).toBe(manifests.split(/^---$/m).filter((d) => /^kind:/m.test(d)).length);
  });

  it('rejects what the apiserver would reject: the dry run is a real check', async () => {
    const manifests = (await renderChart({}, { namespace: RELEASE_NAMESPACE })).replace(
      /containerPort: 9443/,
      'containerPort: 99999',
    );
    const r = await dryRunApply(manifests);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/containerPort/);
  });
});
