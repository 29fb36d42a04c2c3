// Status writes against the apiserver: only the controller's fields, the operator's Ready condition kept
// when written from a stale copy, no write when nothing changed, the evaluated generation on UpToDate.
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { StatusWriter } from '../../../controller/engine/status-writer.js';
import type { CheckReport } from '../../../controller/engine/status.js';
import { ImageApi } from '../../../controller/kube/images.js';
import type { Image } from '../../../crds/index.js';
import { createTestNamespace } from '../../testenv/kube.js';
import { Cluster, controllerKubeConfig, testLogger } from './support.js';

const env = inject('testenv');
const cluster = new Cluster(env);
let ns: string;
let writer: StatusWriter;
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
  writer = new StatusWriter({
    images: new ImageApi(kc),
    cache: { getByKey: () => undefined, upsert: (o) => void upserted.push(o) },
    log: testLogger(env, 'status'),
    dryRun: false,
    heartbeatMs: 3_600_000,
    now: () => new Date(),
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
  it('writes our fields next to the Ready condition even from a stale copy', async () => {
    const created = await cluster.createImage(ns, 'web', {
      image: 'registry.example.com/team/web',
      triggers: [{ type: 'manual' }],
      rules: [{ type: 'semver-minor', actions: [{ type: 'apply' }] }],
    });
    // The operator writes after our copy was taken: our resourceVersion is stale.
    await operatorSetsReady('web');
    const need = await writer.write(created, report());
    expect(need).toBe('changed');
    const stored = await cluster.getImage(ns, 'web');
    expect(stored.status).toMatchObject({ tag: 'v1.0.0', result: 'Success' });
    expect(stored.status?.conditions?.find((c) => c.type === 'UpToDate')?.observedGeneration).toBe(1);
    expect(stored.status?.conditions?.map((c) => c.type).sort()).toEqual(['Ready', 'UpToDate']);
    expect(stored.status?.conditions?.find((c) => c.type === 'Ready')?.message).toBe('by the operator');
    expect(stored.spec.image).toBe('registry.example.com/team/web');
    expect(upserted.at(-1)?.metadata.resourceVersion).toBe(stored.metadata.resourceVersion);
  });

  it('does not write when only the check time would change', async () => {
    const before = await cluster.getImage(ns, 'web');
    expect(await writer.write(before, report())).toBe('none');
    const after = await cluster.getImage(ns, 'web');
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  it('clears a field we no longer have (left out of the apply) and keeps history', async () => {
    const before = await cluster.getImage(ns, 'web');
    await writer.write(
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
    expect(await writer.write(img, report())).toBe('none');
  });
});
