// Following without a hand-written Image (docs/without-custom-resources.md), and spec.targets: the real
// apiserver, kube-controller-manager (garbage collector, rollouts) and kwok; a real Distribution
// registry; tagpilot-operator as its ServiceAccount under the shipped RBAC keeping the managed Images;
// tagpilot-controller acting on them.
import { randomBytes } from 'node:crypto';
import { PatchStrategy, setHeaderOptions, type V1Container } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { IMAGE, type Image } from '../../crds/index.js';
import { pushImage } from '../testenv/images.js';
import { createTestNamespace } from '../testenv/kube.js';
import { quickRegistry, startPrograms, type Programs } from '../testenv/programs.js';
import { waitFor } from '../testenv/wait.js';
import { Cluster, imageSpec } from '../integration/controller/support.js';

const env = inject('testenv');
const anon = env.registries.anonymous;
const cluster = new Cluster(env);
const uid = () => randomBytes(3).toString('hex');
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

let ns: string;
let programs: Programs;

beforeAll(async () => {
  ns = await createTestNamespace(env, 'follow');
  programs = await startPrograms(env, {
    operator: { namespaces: [ns], followDefaultSchedule: '@every 10s', identity: 'follow-e2e' },
    controller: {
      logName: 'e2e',
      namespaces: [ns],
      ops: { host: '127.0.0.1', port: 0 },
      registry: quickRegistry,
      cronJitterMs: 200,
      retryBaseMs: 500,
      retryMaxMs: 5_000,
    },
  });
});

afterAll(async () => {
  await programs?.stop();
});

async function listImages(): Promise<Image[]> {
  const list = (await cluster.custom.listNamespacedCustomObject({
    group: IMAGE.group,
    version: IMAGE.version,
    plural: IMAGE.plural,
    namespace: ns,
  })) as { items: Image[] };
  return list.items;
}

async function createDeployment(
  name: string,
  containers: V1Container[],
  annotations: Record<string, string> = {},
): Promise<void> {
  const labels = { app: name };
  await cluster.apps.createNamespacedDeployment({
    namespace: ns,
    body: {
      metadata: { name, annotations },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers } },
      },
    },
  });
}

async function containerImages(name: string): Promise<Record<string, string | undefined>> {
  const d = await cluster.apps.readNamespacedDeployment({ namespace: ns, name });
  return Object.fromEntries((d.spec?.template.spec?.containers ?? []).map((c) => [c.name, c.image]));
}

async function runningPods(app: string, image: string): Promise<number> {
  const pods = await cluster.core.listNamespacedPod({ namespace: ns, labelSelector: `app=${app}` });
  return pods.items.filter(
    (p) =>
      p.status?.phase === 'Running' &&
      !p.metadata?.deletionTimestamp &&
      p.spec?.containers[0]?.image === image,
  ).length;
}

const managedOf = (images: Image[], workload: string) =>
  images.filter(
    (i) =>
      i.metadata.labels?.['app.kubernetes.io/managed-by'] === 'tagpilot' &&
      i.metadata.ownerReferences?.some((o) => o.name === workload),
  );

describe('annotation mode (homelab)', () => {
  it('follows latest with only the annotation, and lets go when it is removed', async () => {
    const repo = `follow-${uid()}/web`;
    const ref = `${anon.host}/${repo}`;
    const old = await pushImage(anon, repo, 'latest', { seed: 'one' });
    await createDeployment('web', [{ name: 'main', image: `${ref}:latest` }], {
      'tagpilot.dev/follow': 'digest',
    });
    await createDeployment('plain', [{ name: 'main', image: `${ref}:latest` }]);

    const managed = await waitFor('the operator to create the managed Image', async () => {
      const [img] = managedOf(await listImages(), 'web');
      return img;
    });
    const name = managed.metadata.name ?? '';
    expect(name).toMatch(/^deployment-web-main-[0-9a-f]{8}$/);
    expect(managed.metadata.ownerReferences).toEqual([
      expect.objectContaining({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', controller: true }),
    ]);
    expect(managed.spec).toMatchObject({
      image: ref,
      baseTag: 'latest',
      triggers: [{ type: 'crontab', value: '@every 10s' }, { type: 'webhook' }],
      rules: [{ type: 'digest', actions: [{ type: 'apply' }] }],
      targets: [{ kind: 'Deployment', name: 'web', containers: ['main'] }],
    });
    // Nobody wrote an Image by hand: every Image of the namespace is managed.
    expect((await listImages()).map((i) => i.metadata.name)).toEqual([name]);

    const first = await cluster.waitForStatus(ns, name, 'first observation', (s) => s.result === 'Success');
    expect(first).toMatchObject({ tag: 'latest', digest: old.digest });
    expect(await containerImages('web')).toEqual({ main: `${ref}:latest` });

    const fresh = await pushImage(anon, repo, 'latest', { seed: 'two' });
    expect(fresh.digest).not.toBe(old.digest);
    await cluster.waitForStatus(ns, name, 'the new digest', (s) => s.digest === fresh.digest);
    const pinned = `${ref}:latest@${fresh.digest}`;
    expect(await containerImages('web')).toEqual({ main: pinned });
    await waitFor(
      'a Running Pod on the pinned digest',
      async () => (await runningPods('web', pinned)) === 1,
      {
        timeoutMs: 120_000,
        intervalMs: 500,
      },
    );
    // The unannotated Deployment on the same repository is not touched.
    expect(await containerImages('plain')).toEqual({ main: `${ref}:latest` });

    // The pinned reference still follows the same tag: the managed Image is unchanged…
    const again = await cluster.getImage(ns, name);
    expect(again.spec.baseTag).toBe('latest');
    // …and a hand edit of a field the operator sets is taken back.
    await cluster.custom.patchNamespacedCustomObject(
      {
        group: IMAGE.group,
        version: IMAGE.version,
        plural: IMAGE.plural,
        namespace: ns,
        name,
        body: { spec: { baseTag: 'edited-by-hand' } },
      },
      merge,
    );
    await waitFor('the operator to reconcile the edit back', async () => {
      return (await cluster.getImage(ns, name)).spec.baseTag === 'latest';
    });

    // Removing the annotation deletes the managed Image and leaves the workload as it is.
    await cluster.apps.patchNamespacedDeployment(
      { namespace: ns, name: 'web', body: { metadata: { annotations: { 'tagpilot.dev/follow': null } } } },
      merge,
    );
    await waitFor(
      'the managed Image to be deleted',
      async () => managedOf(await listImages(), 'web').length === 0,
    );
    expect(await containerImages('web')).toEqual({ main: pinned });
  });

  it('deleting a followed workload deletes its managed Image (owner reference)', async () => {
    const repo = `follow-${uid()}/gc`;
    await pushImage(anon, repo, 'latest');
    await createDeployment('gone', [{ name: 'main', image: `${anon.host}/${repo}:latest` }], {
      'tagpilot.dev/follow': 'digest',
    });
    await waitFor('the managed Image', async () => managedOf(await listImages(), 'gone').length === 1);
    await cluster.apps.deleteNamespacedDeployment({ namespace: ns, name: 'gone' });
    await waitFor('the managed Image to go with the workload', async () => {
      return managedOf(await listImages(), 'gone').length === 0;
    });
  });

  it('a bad annotation is a Warning Event on the workload and no Image', async () => {
    const repo = `follow-${uid()}/bad`;
    await createDeployment('bad', [{ name: 'main', image: `${anon.host}/${repo}:latest` }], {
      'tagpilot.dev/follow': 'newest',
    });
    const message = await waitFor('an InvalidFollowAnnotation Event', async () => {
      const events = await cluster.core.listNamespacedEvent({
        namespace: ns,
        fieldSelector: 'involvedObject.kind=Deployment,involvedObject.name=bad',
      });
      return events.items.find((e) => e.reason === 'InvalidFollowAnnotation')?.message;
    });
    expect(message).toMatch(
      /annotation tagpilot.dev\/follow \(container main\): spec.rules\[0\].type: .*write digest/,
    );
    expect(managedOf(await listImages(), 'bad')).toEqual([]);
  });
});

describe('spec.targets', () => {
  it('an Image targeting one container of one Deployment changes exactly that container', async () => {
    const repo = `follow-${uid()}/multi`;
    const ref = `${anon.host}/${repo}`;
    await pushImage(anon, repo, 'v1.0.0');
    await createDeployment('pair', [
      { name: 'app', image: `${ref}:v1.0.0` },
      { name: 'side', image: `${ref}:v1.0.0` },
    ]);
    await createDeployment('other', [{ name: 'app', image: `${ref}:v1.0.0` }]);
    await cluster.createImage(
      ns,
      'targeted',
      imageSpec(anon, repo, {
        baseTag: 'v1.0.0',
        triggers: [{ type: 'crontab', value: '@every 10s' }],
        targets: [{ kind: 'Deployment', name: 'pair', containers: ['app'] }],
      }),
    );
    await cluster.waitForStatus(ns, 'targeted', 'first check', (s) => s.result === 'Success');
    await pushImage(anon, repo, 'v1.1.0');
    const moved = await cluster.waitForStatus(ns, 'targeted', 'tag v1.1.0', (s) => s.tag === 'v1.1.0');
    expect(moved.result).toBe('Success');
    expect(await containerImages('pair')).toEqual({ app: `${ref}:v1.1.0`, side: `${ref}:v1.0.0` });
    expect(await containerImages('other')).toEqual({ app: `${ref}:v1.0.0` });
  });
});
