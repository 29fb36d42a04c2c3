// Status writes against the apiserver: only the controller's fields, the operator's Ready condition kept
// through a conflict, no write when nothing changed, observedGeneration of the evaluated spec.
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { Evaluator } from '../../../controller/engine/evaluate.js';
import type { CheckReport } from '../../../controller/engine/status.js';
import { KubeEventRecorder } from '../../../controller/kube/events.js';
import { ImageApi } from '../../../controller/kube/images.js';
import { PullSecretReader } from '../../../controller/kube/secrets.js';
import { KubeWorkloadClient } from '../../../controller/kube/workloads.js';
import { RegistryClient } from '../../../controller/registry/index.js';
import type { Image } from '../../../crds/index.js';
import { createTestNamespace } from '../../testenv/kube.js';
import { Cluster, controllerKubeConfig, testLogger } from './support.js';

const env = inject('testenv');
const cluster = new Cluster(env);
let ns: string;
let evaluator: Evaluator;
const upserted: Image[] = [];

const report = (over: Partial<CheckReport> = {}): CheckReport => ({
  result: 'Success',
  message: 'no update: nothing newer',
  tag: 'v1.0.0',
  digest: `sha256:${'c'.repeat(64)}`,
  upToDate: { status: 'True', reason: 'NoUpdate', message: 'no newer tag than v1.0.0' },
  ...over,
});

beforeAll(async () => {
  const kc = await controllerKubeConfig(env);
  ns = await createTestNamespace(env, 'ctl-status');
  const log = testLogger(env, 'status');
  const events = new KubeEventRecorder(kc, log, 'test');
  evaluator = new Evaluator({
    images: new ImageApi(kc),
    cache: { getByKey: () => undefined, upsert: (o) => void upserted.push(o) },
    registry: new RegistryClient(),
    secrets: new PullSecretReader({ kubeConfig: kc }),
    actions: { workloads: new KubeWorkloadClient(kc), events, log, dryRun: false },
    events,
    log,
    dryRun: false,
    heartbeatMs: 3_600_000,
    nextCheck: () => undefined,
  });
});

async function operatorSetsReady(name: string): Promise<Image> {
  return (await cluster.custom.patchNamespacedCustomObjectStatus(
    {
      group: 'tagpilot.dev',
      version: 'v1alpha1',
      plural: 'images',
      namespace: ns,
      name,
      body: {
        status: {
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'Valid',
              message: 'by the operator',
              lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
            },
          ],
        },
      },
    },
    (await import('@kubernetes/client-node')).setHeaderOptions(
      'Content-Type',
      'application/merge-patch+json',
    ),
  )) as Image;
}

describe('status writes', () => {
  it('writes our fields next to the Ready condition even from a stale copy (409 → re-read)', async () => {
    const created = await cluster.createImage(ns, 'web', {
      image: 'registry.example.com/team/web',
      triggers: [{ type: 'manual' }],
      rules: [{ type: 'semver-minor', actions: [{ type: 'apply' }] }],
    });
    // The operator writes after our copy was taken: our resourceVersion is stale.
    await operatorSetsReady('web');
    const need = await evaluator.writeStatus(created, report());
    expect(need).toBe('changed');
    const stored = await cluster.getImage(ns, 'web');
    expect(stored.status).toMatchObject({ tag: 'v1.0.0', result: 'Success', observedGeneration: 1 });
    expect(stored.status?.conditions?.map((c) => c.type).sort()).toEqual(['Ready', 'UpToDate']);
    expect(stored.status?.conditions?.find((c) => c.type === 'Ready')?.message).toBe('by the operator');
    expect(stored.spec.image).toBe('registry.example.com/team/web');
    expect(upserted.at(-1)?.metadata.resourceVersion).toBe(stored.metadata.resourceVersion);
  });

  it('does not write when only the check time would change', async () => {
    const before = await cluster.getImage(ns, 'web');
    expect(await evaluator.writeStatus(before, report())).toBe('none');
    const after = await cluster.getImage(ns, 'web');
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  it('clears a field we no longer have (merge patch null) and keeps history', async () => {
    const before = await cluster.getImage(ns, 'web');
    await evaluator.writeStatus(
      before,
      report({ tag: 'v1.1.0', digest: undefined, change: { tag: 'v1.1.0', rule: 'minor' } }),
    );
    const after = await cluster.getImage(ns, 'web');
    expect(after.status?.digest).toBeUndefined();
    expect(after.status?.history?.[0]).toMatchObject({ tag: 'v1.1.0', rule: 'minor' });
  });

  it('returns quietly when the Image was deleted meanwhile', async () => {
    const img = await cluster.createImage(ns, 'gone', {
      image: 'registry.example.com/team/gone',
      triggers: [{ type: 'manual' }],
      rules: [{ type: 'semver-minor', actions: [{ type: 'apply' }] }],
    });
    await cluster.custom.deleteNamespacedCustomObject({
      group: 'tagpilot.dev',
      version: 'v1alpha1',
      plural: 'images',
      namespace: ns,
      name: 'gone',
    });
    expect(await evaluator.writeStatus(img, report())).toBe('none');
  });
});
