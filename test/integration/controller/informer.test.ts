// The Image list-watch cache against the apiserver: events while watching, and a watch that resumes from a
// resourceVersion the apiserver no longer has (410 Gone) relists and reports what changed meanwhile.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ImageApi } from '../../../controller/kube/images.js';
import { Informer } from '../../../common/informer.js';
import type { Image, ImageSpec } from '../../../crds/index.js';
import { createTestNamespace } from '../../testenv/kube.js';
import { waitFor } from '../../testenv/wait.js';
import { Cluster, controllerKubeConfig, testLogger } from './support.js';

const env = inject('testenv');
const cluster = new Cluster(env);
const spec: ImageSpec = {
  image: 'registry.example.com/team/app',
  triggers: [{ type: 'manual' }],
  rules: [{ type: 'semver-minor', actions: [{ type: 'apply' }] }],
};

let ns: string;
let informer: Informer<Image>;
const seen: string[] = [];
let restarts: string[] = [];

beforeAll(async () => {
  const kc = await controllerKubeConfig(env);
  ns = await createTestNamespace(env, 'ctl-informer');
  await cluster.createImage(ns, 'before', spec);
  const api = new ImageApi(kc);
  informer = new Informer<Image>({
    kubeConfig: kc,
    path: api.watchPath(ns),
    // Pages of one item: the initial list follows `continue` tokens.
    list: (page) => api.list(ns, { ...page, limit: 1 }),
    log: testLogger(env, 'informer'),
    onAdd: (o) => seen.push(`add ${o.metadata.name}`),
    onUpdate: (o) => seen.push(`update ${o.metadata.name}`),
    onDelete: (o) => seen.push(`delete ${o.metadata.name}`),
    onRestart: (reason) => restarts.push(reason),
    retryBaseMs: 100,
  });
});

afterAll(() => informer?.stop());

describe('Informer', () => {
  it('lists (in pages), then reports adds, updates and deletes from the watch', async () => {
    await cluster.createImage(ns, 'second', spec);
    await informer.start();
    expect(informer.hasSynced).toBe(true);
    expect(
      informer
        .list()
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['before', 'second']);
    await cluster.createImage(ns, 'third', spec);
    await cluster.patchImage(ns, 'before', { metadata: { labels: { touched: 'yes' } } });
    await cluster.custom.deleteNamespacedCustomObject({
      group: 'tagpilot.dev',
      version: 'v1alpha1',
      plural: 'images',
      namespace: ns,
      name: 'second',
    });
    await waitFor('the watch events', () => seen.includes('delete second'));
    expect(seen).toEqual(['add before', 'add second', 'add third', 'update before', 'delete second']);
    expect(informer.get(ns, 'before')?.metadata.labels?.touched).toBe('yes');
    expect(informer.get(ns, 'second')).toBeUndefined();
  });

  it('resuming from an expired resourceVersion relists and reports the differences', async () => {
    informer.stop();
    seen.length = 0;
    restarts = [];
    await cluster.createImage(ns, 'while-away', spec);
    await cluster.custom.deleteNamespacedCustomObject({
      group: 'tagpilot.dev',
      version: 'v1alpha1',
      plural: 'images',
      namespace: ns,
      name: 'third',
    });
    // A resourceVersion older than anything the apiserver keeps: the watch answers 410 Gone.
    (informer as unknown as { resourceVersion: string }).resourceVersion = '1';
    await informer.start();
    await waitFor('the relist', () => seen.includes('add while-away') && seen.includes('delete third'));
    expect(restarts).toContain('expired');
    expect(
      informer
        .list()
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['before', 'while-away']);
    // And it keeps watching afterwards.
    await cluster.createImage(ns, 'after', spec);
    await waitFor('a watch event after the relist', () => seen.includes('add after'));
  });
});
