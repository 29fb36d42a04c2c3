// Right after `make run` on its embedded cluster, both documented install paths work: the CRDs were
// installed by the same function (hack/run-crds.ts), so `kubectl apply -k config/overlays/default
// --server-side` shares their fields and `helm install tagpilot -n tagpilot-system` adopts them. Without
// the release's ownership metadata (the CRDs as installed on a user's own cluster), helm refuses: the
// check that shows what the metadata is for.
import { ApiextensionsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EMBEDDED_HELM_RELEASE, installRunCRDs } from '../../../hack/run-crds.js';
import { adminKubeConfig, ignoreConflict } from '../../testenv/kube.js';
import { helm, kubectl, mustRun } from '../../testenv/tools.js';
import { chartDir, repoRoot } from './render.js';

const env = inject('testenv');
const kc = adminKubeConfig(env);
const { name: release, namespace } = EMBEDDED_HELM_RELEASE;
const helmArgs = ['--kubeconfig', env.kubeconfig, '--namespace', namespace];
// One replica each and no PDB: the test needs the objects, not availability.
const values = JSON.stringify({ operator: { replicas: 1 }, controller: { replicas: 1 } });

beforeAll(async () => {
  // make run creates it for the operator; the overlay's objects live in it.
  await kc
    .makeApiClient(CoreV1Api)
    .createNamespace({ body: { metadata: { name: namespace } } })
    .catch(ignoreConflict);
  // Other suites on this shared cluster leave the operator's ServiceAccount, RBAC and webhook objects
  // under the chart's names, created without a release: helm would refuse those before it reaches the
  // CRDs. A user's cluster after `make run` has none of them, so remove them (the CRDs stay).
  const rendered = await mustRun(
    'helm',
    ['template', release, chartDir, '--namespace', namespace, '--set', 'crds.install=false', '--values', '-'],
    { input: values },
  );
  const deleted = await kubectl(env.kubeconfig, ['delete', '-f', '-', '--ignore-not-found', '--wait'], {
    input: rendered,
  });
  if (deleted.code !== 0) throw new Error(`removing the other suites' objects failed: ${deleted.stderr}`);
});

afterAll(async () => {
  await helm(['uninstall', release, ...helmArgs, '--ignore-not-found']);
});

describe('install paths right after make run', () => {
  it('helm refuses CRDs that belong to no release (the CRDs as make run leaves a user cluster)', async () => {
    await installRunCRDs(kc, false);
    const r = await helm(
      ['install', release, chartDir, ...helmArgs, '--create-namespace', '--dry-run=server', '--values', '-'],
      { input: values },
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(
      /CustomResourceDefinition "(images|alertconfigs)\.tagpilot\.dev".*cannot be imported/,
    );
  });

  it('kubectl apply -k config/overlays/default --server-side shares the CRD fields: no conflict', async () => {
    await installRunCRDs(kc, true);
    const r = await kubectl(env.kubeconfig, [
      'apply',
      '--server-side',
      '--dry-run=server',
      '-k',
      `${repoRoot}/config/overlays/default`,
    ]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(
      /customresourcedefinition.apiextensions.k8s.io\/images.tagpilot.dev serverside-applied/,
    );
  });

  it('helm install tagpilot -n tagpilot-system succeeds and takes the CRDs into the release', async () => {
    await installRunCRDs(kc, true);
    const r = await helm(['install', release, chartDir, ...helmArgs, '--create-namespace', '--values', '-'], {
      input: values,
    });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toContain('STATUS: deployed');
    const api = kc.makeApiClient(ApiextensionsV1Api);
    for (const name of ['images.tagpilot.dev', 'alertconfigs.tagpilot.dev']) {
      const crd = await api.readCustomResourceDefinition({ name });
      // Written by helm now: the chart's labels, and helm among the field managers.
      expect(crd.metadata?.labels?.['helm.sh/chart']).toMatch(/^tagpilot-/);
      expect(crd.metadata?.managedFields?.map((f) => f.manager)).toContain('helm');
    }
  });
});
