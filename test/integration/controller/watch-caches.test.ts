// The controller's workload and Pod watch caches against a real apiserver, as the controller's
// ServiceAccount (the shipped RBAC): once synced they answer without a LIST, they see changes made
// behind their back, and apply on a cache that is a moment behind still tests what it read, re-reads
// and writes the right thing.
import { setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runActions } from '../../../controller/actions/run.js';
import type { Change } from '../../../controller/actions/types.js';
import { KubeEventRecorder } from '../../../controller/kube/events.js';
import { KubePodReader } from '../../../controller/kube/pods.js';
import { KubeWorkloadClient, type WorkloadClient } from '../../../controller/kube/workloads.js';
import type { Image } from '../../../crds/index.js';
import { startApiProxy, type ApiProxy, type HeldRequest } from '../../testenv/api-proxy.js';
import { createTestNamespace } from '../../testenv/kube.js';
import { waitFor } from '../../testenv/wait.js';
import { Cluster, controllerKubeConfig, testLogger } from './support.js';

const env = inject('testenv');
const cluster = new Cluster(env);
const REPO = 'registry.example.com:5000/team/app';
const JSON_PATCH = setHeaderOptions('Content-Type', 'application/json-patch+json');

let kc: KubeConfig;
let proxy: ApiProxy;
let ns: string;
let workloads: KubeWorkloadClient;
let pods: KubePodReader;

/** LISTs (not watches) of `resource` the controller's clients sent through the proxy. */
const lists = (resource: string) =>
  proxy.forwarded(
    (r: HeldRequest) =>
      r.method === 'GET' && r.path.split('?')[0]!.endsWith(`/${resource}`) && !/[?&]watch=true/.test(r.path),
  ).length;

const imageOf = async (name: string) => {
  const w = await workloads.find('Deployment', ns, name);
  return (w?.spec as { template?: { spec?: { containers?: { image?: string }[] } } } | undefined)?.template
    ?.spec?.containers?.[0]?.image;
};

const setImage = (name: string, image: string) =>
  cluster.apps.patchNamespacedDeployment(
    {
      namespace: ns,
      name,
      body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: image }],
    },
    JSON_PATCH,
  );

beforeAll(async () => {
  kc = await controllerKubeConfig(env);
  proxy = await startApiProxy(kc);
  ns = await createTestNamespace(env, 'ctl-watch');
  await cluster.createDeployment(ns, 'web', `${REPO}:v1`, 0);
  for (const name of ['a-first', 'z-last']) await cluster.createDeployment(ns, name, `${REPO}:v1`, 0);
  const log = testLogger(env, 'watch-caches');
  const viaProxy = proxy.kubeConfig(kc);
  // Scoped to the test's namespace, as `--namespaces` scopes the controller's watches.
  // Pages of one item: the first lists follow the continue tokens (the typed lists spell them `_continue`).
  workloads = new KubeWorkloadClient(viaProxy, { watch: { namespaces: [ns], log, pageSize: 1 } });
  pods = new KubePodReader(viaProxy, { watch: { namespaces: [ns], log, pageSize: 1 } });
  workloads.start();
  pods.start();
});

afterAll(async () => {
  await workloads?.stop();
  await pods?.stop();
  await proxy?.close();
});

describe('workload and Pod watch caches', () => {
  it('answer from the watch after the first lists, and see what others change, create and delete', async () => {
    expect(await imageOf('web')).toBe(`${REPO}:v1`);
    expect((await workloads.list(ns)).map((w) => w.metadata.name).sort()).toEqual([
      'a-first',
      'web',
      'z-last',
    ]);
    const listed = { deployments: lists('deployments'), pods: lists('pods') };
    // Three Deployments in pages of one: the first list followed its continue tokens to the end.
    expect(listed.deployments).toBeGreaterThanOrEqual(3);

    await setImage('web', `${REPO}:hotfix`);
    await waitFor('the cache to see the hand edit', async () => (await imageOf('web')) === `${REPO}:hotfix`);
    await cluster.createDeployment(ns, 'api', `${REPO}:v1`, 0);
    await waitFor('the cache to see the new Deployment', async () => (await imageOf('api')) === `${REPO}:v1`);
    await cluster.apps.deleteNamespacedDeployment({ namespace: ns, name: 'api' });
    await waitFor('the cache to drop the deleted Deployment', async () =>
      (await workloads.list(ns)).every((w) => w.metadata.name !== 'api'),
    );

    await cluster.core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'web-1', labels: { app: 'web' } },
        spec: { containers: [{ name: 'main', image: `${REPO}:hotfix` }] },
      },
    });
    const selected = await waitFor('the Pod cache to see the new Pod', async () => {
      const found = await pods.list(ns, { matchLabels: { app: 'web' } });
      return found.length === 1 ? found : undefined;
    });
    expect(selected[0]?.spec?.containers[0]).toEqual({ name: 'main', image: `${REPO}:hotfix` });
    expect(await pods.list(ns, { matchLabels: { app: 'other' } })).toEqual([]);

    // Every read above came from the caches: no LIST after the first ones.
    expect({ deployments: lists('deployments'), pods: lists('pods') }).toEqual(listed);
  });

  it('find the users of a repository from the index, follow image changes and deletes, and fall back while stopped', async () => {
    const OTHER = 'registry.example.com:5000/team/other';
    const using = async (repository: string) =>
      (await workloads.listUsing(ns, repository)).map((w) => w.metadata.name);
    expect(await using(REPO)).toEqual(['a-first', 'web', 'z-last']); // by name
    const listed = lists('deployments');

    await cluster.createDeployment(ns, 'idx', `${OTHER}:v1`, 0);
    await waitFor('the index to file the new Deployment', async () => (await using(OTHER)).length === 1);
    expect(await using(OTHER)).toEqual(['idx']);
    expect(await using(REPO)).toEqual(['a-first', 'web', 'z-last']);

    await setImage('idx', `${REPO}:v1`);
    await waitFor('the index to move the Deployment', async () => (await using(OTHER)).length === 0);
    expect(await using(REPO)).toEqual(['a-first', 'idx', 'web', 'z-last']);

    await cluster.apps.deleteNamespacedDeployment({ namespace: ns, name: 'idx' });
    await waitFor('the index to drop the deleted Deployment', async () => (await using(REPO)).length === 3);
    expect(lists('deployments')).toBe(listed); // all of it answered from the caches

    // Stopped (leadership lost): the caches and the index forget, and readers list the apiserver.
    await workloads.stop();
    await cluster.createDeployment(ns, 'while-stopped', `${OTHER}:v1`, 0);
    expect(await using(OTHER)).toEqual(['while-stopped']);
    expect(lists('deployments')).toBeGreaterThan(listed);
    workloads.start();
    await cluster.apps.deleteNamespacedDeployment({ namespace: ns, name: 'while-stopped' });
    await waitFor('the restarted caches to see the delete', async () => (await using(OTHER)).length === 0);
    expect(await using(REPO)).toEqual(['a-first', 'web', 'z-last']);
  });

  it('apply on a cache a moment behind tests what it read, re-reads, and patches what the workload runs now', async () => {
    await setImage('web', `${REPO}:v1`);
    await waitFor('the cache to see v1', async () => (await imageOf('web')) === `${REPO}:v1`);
    const rejected: number[] = [];
    // Someone edits the Deployment just after apply read it from the cache, before any watch event
    // could arrive: apply acts on a stale picture.
    const stale: WorkloadClient = {
      list: (n) => workloads.list(n),
      listUsing: async (n, r, o) => {
        const seen = await workloads.listUsing(n, r, o);
        await setImage('web', `${REPO}:v1-hotfix`);
        return seen;
      },
      get: (k, n, name) => workloads.get(k, n, name),
      find: (k, n, name) => workloads.find(k, n, name),
      strategicPatch: (k, n, name, body) => workloads.strategicPatch(k, n, name, body),
      jsonPatch: async (k, n, name, ops) => {
        try {
          return await workloads.jsonPatch(k, n, name, ops);
        } catch (err) {
          rejected.push((err as { code: number }).code);
          throw err;
        }
      },
    };
    const log = testLogger(env, 'watch-caches');
    const image = {
      apiVersion: 'tagpilot.dev/v1alpha1',
      kind: 'Image',
      metadata: { name: 'app', namespace: ns, uid: '00000000-0000-0000-0000-000000000002' },
      spec: {
        image: REPO,
        triggers: [{ type: 'manual' }],
        rules: [{ type: 'semver-major', actions: [{ type: 'apply' }] }],
      },
    } as Image;
    const change: Change = {
      image,
      repository: REPO,
      previousTag: 'v1',
      tag: 'v2',
      digest: undefined,
      pinDigest: false,
      rule: 'semver-major',
      time: new Date(),
      availableTags: [],
    };
    const out = await runActions([{ type: 'apply' }], change, {
      workloads: stale,
      events: new KubeEventRecorder(kc, log, 'test'),
      log,
      dryRun: false,
    });
    expect(out.ok).toBe(true);
    expect(rejected).toHaveLength(1); // the `test` of v1 failed against v1-hotfix
    expect(await cluster.deploymentImage(ns, 'web')).toBe(`${REPO}:v2`);
    // Our own write is in the cache at once (the patch's response), not only after its watch event.
    expect(await imageOf('web')).toBe(`${REPO}:v2`);
  });
});
