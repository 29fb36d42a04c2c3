// Running-pod truth (docs/without-custom-resources.md, "Running Pods"), end to end: kwok nodes of two
// architectures, Pods bound to each whose containerStatuses[].imageID the test writes through the status
// subresource as a kubelet would, a real multi-platform index in the password-protected test registry
// (read through a pull secret), and the controller program under the shipped RBAC.
import { randomBytes } from 'node:crypto';
import { PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startController, type Controller } from '../../controller/main.js';
import { REFRESH_ANNOTATION, type ImageStatus } from '../../crds/index.js';
import { pushImage, type PushResult } from '../testenv/images.js';
import { createTestNamespace } from '../testenv/kube.js';
import { waitFor } from '../testenv/wait.js';
import { Cluster, controllerKubeConfig, testLogger } from '../integration/controller/support.js';

const env = inject('testenv');
const cluster = new Cluster(env);
const uid = randomBytes(3).toString('hex');
const reg = env.registries.basic;
const repo = `pods-${uid}/web`;
const image = `${reg.host}/${repo}`;
const nodes = { amd64: `pods-amd64-${uid}`, arm64: `pods-arm64-${uid}` };
const MARK = 'rollout.tagpilot.dev/web';
const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

let ns: string;
let controller: Controller;

async function createNode(name: string, arch: 'amd64' | 'arm64'): Promise<void> {
  await cluster.core.createNode({
    body: {
      metadata: {
        name,
        annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
        labels: {
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': arch,
          type: 'kwok',
        },
      },
      status: {
        allocatable: { cpu: '32', memory: '256Gi', pods: '110' },
        capacity: { cpu: '32', memory: '256Gi', pods: '110' },
        nodeInfo: {
          architecture: arch,
          operatingSystem: 'linux',
          kubeletVersion: 'fake',
          kubeProxyVersion: 'fake',
          bootID: '',
          containerRuntimeVersion: '',
          kernelVersion: '',
          machineID: '',
          osImage: '',
          systemUUID: '',
        },
      },
    },
  });
  await waitFor(`node ${name} Ready`, async () => {
    const n = await cluster.core.readNode({ name });
    return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') || undefined;
  });
}

async function createDeployment(name: string, node: string): Promise<void> {
  const labels = { app: name };
  await cluster.apps.createNamespacedDeployment({
    namespace: ns,
    body: {
      metadata: { name },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            nodeSelector: { 'kubernetes.io/hostname': node },
            imagePullSecrets: [{ name: 'pull' }],
            containers: [{ name: 'main', image: `${image}:latest` }],
          },
        },
      },
    },
  });
}

/** The one running Pod of a Deployment once its rollout settled (optionally: created for `mark`). */
async function thePod(name: string, mark?: string): Promise<V1Pod> {
  return waitFor(`one running Pod of ${name}${mark ? ` carrying ${mark}` : ''}`, async () => {
    const pods = (await cluster.core.listNamespacedPod({ namespace: ns, labelSelector: `app=${name}` }))
      .items;
    if (pods.length !== 1) return undefined;
    const p = pods[0]!;
    const ready = p.status?.phase === 'Running' && p.status.containerStatuses?.length === 1;
    return ready && (!mark || p.metadata?.annotations?.[MARK] === mark) ? p : undefined;
  });
}

/** What a kubelet writes once the container started from `digest`. */
async function setImageID(pod: V1Pod, digest: string): Promise<void> {
  await cluster.core.patchNamespacedPodStatus(
    {
      namespace: ns,
      name: pod.metadata!.name!,
      body: [
        { op: 'test', path: '/status/containerStatuses/0/name', value: 'main' },
        { op: 'add', path: '/status/containerStatuses/0/imageID', value: `${image}@${digest}` },
      ],
    },
    jsonPatch,
  );
}

/** Asks for one evaluation and waits until it is done. */
async function refresh(): Promise<ImageStatus> {
  const stamp = `${Date.now()}`;
  await cluster.patchImage(ns, 'web', { metadata: { annotations: { [REFRESH_ANNOTATION]: stamp } } });
  await waitFor('the refresh to be handled', async () => {
    const img = await cluster.getImage(ns, 'web');
    return img.metadata.annotations?.[REFRESH_ANNOTATION] === undefined || undefined;
  });
  await controller.idle();
  return (await cluster.getImage(ns, 'web')).status!;
}

async function templateMark(name: string): Promise<string | undefined> {
  const d = await cluster.apps.readNamespacedDeployment({ namespace: ns, name });
  return d.spec?.template.metadata?.annotations?.[MARK];
}

/** How many times an Event with `reason` was recorded on an object (aggregated counts included). */
async function eventCount(kind: string, name: string, reason: string): Promise<number> {
  const list = await cluster.core.listNamespacedEvent({
    namespace: ns,
    fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name},reason=${reason}`,
  });
  return list.items.reduce((n, e) => n + (e.count ?? 1), 0);
}

beforeAll(async () => {
  ns = await createTestNamespace(env, 'pods');
  await createNode(nodes.amd64, 'amd64');
  await createNode(nodes.arm64, 'arm64');
  await cluster.createPullSecret(ns, 'pull', reg);
  controller = await startController({
    kubeConfig: await controllerKubeConfig(env),
    namespaces: [ns],
    ops: { host: '127.0.0.1', port: 0 },
    registry: { tagsTtlMs: 1_000, digestTtlMs: 1_000 },
    retryBaseMs: 500,
    retryMaxMs: 5_000,
    log: testLogger(env, 'pod-truth'),
  });
});

afterAll(async () => {
  await controller?.stop();
  for (const name of Object.values(nodes)) await cluster.core.deleteNode({ name }).catch(() => undefined);
});

describe('running-pod truth', () => {
  it('compares each Pod with the digest for its node architecture, restarts only stale workloads, and never twice for one digest', async () => {
    const platforms = ['linux/amd64', 'linux/arm64'];
    const v0: PushResult = await pushImage(reg, repo, 'latest', { platforms, seed: `v0-${uid}` });
    const v1: PushResult = await pushImage(reg, repo, 'latest', { platforms, seed: `v1-${uid}` });
    await createDeployment('web-amd', nodes.amd64);
    await createDeployment('web-arm', nodes.arm64);
    await createDeployment('web-fresh', nodes.arm64);
    await createDeployment('web-old', nodes.amd64);
    // Started before Tagpilot was installed, from an earlier latest.
    await setImageID(await thePod('web-old'), v0.platformDigests['linux/amd64']!);
    // Each node runs its own platform's entry of the index (one reports the index digest, as containerd does).
    await setImageID(await thePod('web-amd'), v1.platformDigests['linux/amd64']!);
    await setImageID(await thePod('web-arm'), v1.platformDigests['linux/arm64']!);
    await setImageID(await thePod('web-fresh'), v1.digest);
    await cluster.createImage(ns, 'web', {
      image,
      baseTag: 'latest',
      imagePullSecrets: [{ name: 'pull' }],
      triggers: [{ type: 'manual' }],
      rules: [{ type: 'digest', actions: [{ type: 'restart' }] }],
    });

    // First check: the Pods on the current image for their architecture stay; the one that runs an
    // outdated image is restarted although the registry did not change since (what restart-based tools do).
    const first = await refresh();
    expect(first).toMatchObject({ result: 'Success', tag: 'latest', digest: v1.digest });
    expect(first.pods).toMatchObject({ digest: v1.digest, current: 3, stale: 1, unknown: 0 });
    expect(first.pods?.stalePods).toEqual([
      expect.objectContaining({
        workload: 'Deployment/web-old',
        platform: 'linux/amd64',
        running: v0.platformDigests['linux/amd64'],
        expected: v1.platformDigests['linux/amd64'],
      }),
    ]);
    expect(first.message).toMatch(/restarted Deployment\/web-old/);
    for (const name of ['web-amd', 'web-arm', 'web-fresh']) expect(await templateMark(name)).toBeUndefined();
    expect(await templateMark('web-old')).toBe(`latest@${v1.digest}`);
    await setImageID(await thePod('web-old', `latest@${v1.digest}`), v1.digest);

    // CI re-pushes latest; one Pod already pulled the new arm64 image (a node restart), the others did not.
    const v2 = await pushImage(reg, repo, 'latest', { platforms, seed: `v2-${uid}` });
    const oldAmd = await thePod('web-amd');
    const oldArm = await thePod('web-arm');
    await setImageID(await thePod('web-fresh'), v2.platformDigests['linux/arm64']!);
    const second = await refresh();
    expect(second).toMatchObject({ result: 'Success', digest: v2.digest });
    expect(second.pods).toMatchObject({ digest: v2.digest, current: 1, stale: 3, unknown: 0 });
    expect(second.pods?.stalePods).toEqual([
      {
        workload: 'Deployment/web-amd',
        pod: oldAmd.metadata!.name!,
        container: 'main',
        node: nodes.amd64,
        platform: 'linux/amd64',
        running: v1.platformDigests['linux/amd64'],
        expected: v2.platformDigests['linux/amd64'],
      },
      {
        workload: 'Deployment/web-arm',
        pod: oldArm.metadata!.name!,
        container: 'main',
        node: nodes.arm64,
        platform: 'linux/arm64',
        running: v1.platformDigests['linux/arm64'],
        expected: v2.platformDigests['linux/arm64'],
      },
      expect.objectContaining({ workload: 'Deployment/web-old', running: v1.digest }),
    ]);
    const mark2 = `latest@${v2.digest}`;
    expect(await templateMark('web-amd')).toBe(mark2);
    expect(await templateMark('web-arm')).toBe(mark2);
    expect(await templateMark('web-fresh')).toBeUndefined();
    expect(await eventCount('Deployment', 'web-arm', 'RolloutRestarted')).toBe(1);
    expect(await eventCount('Deployment', 'web-fresh', 'RolloutRestarted')).toBe(0);
    expect(await eventCount('Image', 'web', 'StalePods')).toBe(2);

    // The restarted Pods: amd64 pulled the new image; arm64 came back on its cached old one.
    await setImageID(await thePod('web-amd', mark2), v2.digest);
    await setImageID(await thePod('web-old', mark2), v2.platformDigests['linux/amd64']!);
    const stuck = await thePod('web-arm', mark2);
    await setImageID(stuck, v1.platformDigests['linux/arm64']!);
    const third = await refresh();
    expect(third.pods).toMatchObject({ digest: v2.digest, current: 3, stale: 1, unknown: 0 });
    expect(third.pods?.stalePods).toEqual([
      expect.objectContaining({
        workload: 'Deployment/web-arm',
        pod: stuck.metadata!.name!,
        afterRestart: true,
      }),
    ]);
    expect(await eventCount('Image', 'web', 'StaleAfterRestart')).toBe(1);

    // Asked again: still reported, not restarted again, not reported twice.
    const fourth = await refresh();
    expect(fourth.pods).toMatchObject({ current: 3, stale: 1 });
    expect((await thePod('web-arm')).metadata?.name).toBe(stuck.metadata!.name);
    expect(await eventCount('Deployment', 'web-arm', 'RolloutRestarted')).toBe(1);
    expect(await eventCount('Image', 'web', 'StaleAfterRestart')).toBe(1);

    // A new registry digest: the stale workload is restarted again, for that digest.
    const v3 = await pushImage(reg, repo, 'latest', { platforms, seed: `v3-${uid}` });
    const fifth = await refresh();
    expect(fifth).toMatchObject({ result: 'Success', digest: v3.digest });
    expect(await templateMark('web-arm')).toBe(`latest@${v3.digest}`);
    expect(await eventCount('Deployment', 'web-arm', 'RolloutRestarted')).toBe(2);
  });
});
