// The apply and restart actions against a real apiserver, as the controller's ServiceAccount: every
// workload kind, init containers, Docker Hub spellings, a concurrent edit between read and patch, Events.
import { BatchV1Api, type KubeConfig } from '@kubernetes/client-node';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { runActions } from '../../../controller/actions/run.js';
import type { ActionDeps, Change } from '../../../controller/actions/types.js';
import { KubeEventRecorder } from '../../../controller/kube/events.js';
import { KubeWorkloadClient, type WorkloadClient } from '../../../controller/kube/workloads.js';
import type { Image } from '../../../crds/index.js';
import { createTestNamespace } from '../../testenv/kube.js';
import { Cluster, controllerKubeConfig, testLogger } from './support.js';

const env = inject('testenv');
const cluster = new Cluster(env);
const REPO = 'registry.example.com:5000/team/app';
const podSpec = (images: string[], init: string[] = []) => ({
  containers: images.map((image, i) => ({ name: `c${i}`, image })),
  ...(init.length ? { initContainers: init.map((image, i) => ({ name: `init${i}`, image })) } : {}),
});

let kc: KubeConfig;
let ns: string;

function change(image: Image, tag: string, extra: Partial<Change> = {}): Change {
  return {
    image,
    repository: REPO,
    previousTag: 'v1',
    tag,
    digest: undefined,
    pinDigest: false,
    rule: 'semver-major',
    time: new Date(),
    availableTags: [],
    ...extra,
  };
}

function deps(workloads: WorkloadClient): ActionDeps {
  const log = testLogger(env, 'actions');
  return { workloads, events: new KubeEventRecorder(kc, log, 'test'), log, dryRun: false };
}

async function createWorkloads(namespace: string): Promise<void> {
  const labels = { app: 'x' };
  const template = (images: string[], init: string[] = []) => ({
    metadata: { labels },
    spec: podSpec(images, init),
  });
  await cluster.apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name: 'deploy' },
      spec: {
        selector: { matchLabels: labels },
        template: template([`${REPO}:v1`, 'busybox:1'], [`${REPO}:v1`]),
      },
    },
  });
  await cluster.apps.createNamespacedStatefulSet({
    namespace,
    body: {
      metadata: { name: 'sts' },
      spec: {
        serviceName: 'sts',
        selector: { matchLabels: labels },
        template: template([`${REPO}@sha256:${'a'.repeat(64)}`]),
      },
    },
  });
  await cluster.apps.createNamespacedDaemonSet({
    namespace,
    body: {
      metadata: { name: 'ds' },
      spec: { selector: { matchLabels: labels }, template: template([`${REPO}:v1`]) },
    },
  });
  await cluster.kc.makeApiClient(BatchV1Api).createNamespacedCronJob({
    namespace,
    body: {
      metadata: { name: 'cron' },
      spec: {
        schedule: '0 0 1 1 *',
        jobTemplate: { spec: { template: { spec: { ...podSpec([`${REPO}:v1`]), restartPolicy: 'Never' } } } },
      },
    },
  });
  await cluster.apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name: 'unrelated' },
      spec: {
        selector: { matchLabels: labels },
        template: template(['registry.example.com:5000/team/other:v1']),
      },
    },
  });
}

const imageIn = (namespace: string): Image =>
  ({
    apiVersion: 'tagpilot.dev/v1alpha1',
    kind: 'Image',
    metadata: { name: 'app', namespace, uid: '00000000-0000-0000-0000-000000000001' },
    spec: {
      image: REPO,
      triggers: [{ type: 'manual' }],
      rules: [{ type: 'semver-major', actions: [{ type: 'apply' }] }],
    },
  }) as Image;

beforeAll(async () => {
  kc = await controllerKubeConfig(env);
  ns = await createTestNamespace(env, 'ctl-actions');
  await createWorkloads(ns);
});

describe('apply and restart against the apiserver', () => {
  it('apply patches every kind (containers and init containers) and leaves other repositories alone', async () => {
    const out = await runActions(
      [{ type: 'apply' }],
      change(imageIn(ns), 'v2'),
      deps(new KubeWorkloadClient(kc)),
    );
    expect(out.ok).toBe(true);
    expect(out.summaries[0]).toMatch(
      /^apply: patched .*Deployment\/deploy \(container c0, init container init0\)/,
    );
    const d = await cluster.apps.readNamespacedDeployment({ namespace: ns, name: 'deploy' });
    expect(d.spec?.template.spec?.containers.map((c) => c.image)).toEqual([`${REPO}:v2`, 'busybox:1']);
    expect(d.spec?.template.spec?.initContainers?.[0]?.image).toBe(`${REPO}:v2`);
    const sts = await cluster.apps.readNamespacedStatefulSet({ namespace: ns, name: 'sts' });
    expect(sts.spec?.template.spec?.containers[0]?.image).toBe(`${REPO}:v2`);
    const ds = await cluster.apps.readNamespacedDaemonSet({ namespace: ns, name: 'ds' });
    expect(ds.spec?.template.spec?.containers[0]?.image).toBe(`${REPO}:v2`);
    const cron = await cluster.kc
      .makeApiClient(BatchV1Api)
      .readNamespacedCronJob({ namespace: ns, name: 'cron' });
    expect(cron.spec?.jobTemplate.spec?.template.spec?.containers[0]?.image).toBe(`${REPO}:v2`);
    const other = await cluster.apps.readNamespacedDeployment({ namespace: ns, name: 'unrelated' });
    expect(other.spec?.template.spec?.containers[0]?.image).toBe('registry.example.com:5000/team/other:v1');
    for (const [kind, name] of [
      ['Deployment', 'deploy'],
      ['StatefulSet', 'sts'],
      ['DaemonSet', 'ds'],
      ['CronJob', 'cron'],
    ] as const) {
      expect(await cluster.eventReasons(ns, kind, name)).toContain('ImageUpdated');
    }
    expect(await cluster.eventReasons(ns, 'Image', 'app')).toContain('Applied');
  });

  it('apply again is a no-op; restart then restarts every rolling kind but not the CronJob', async () => {
    const before = await cluster.apps.readNamespacedDeployment({ namespace: ns, name: 'deploy' });
    // The same change again (a controller that died before writing status): nothing rolls a second time.
    const again = await runActions(
      [{ type: 'apply' }, { type: 'restart' }],
      change(imageIn(ns), 'v2'),
      deps(new KubeWorkloadClient(kc)),
    );
    expect(again.ok).toBe(true);
    expect(again.summaries[0]).toMatch(/already up to date/);
    expect(again.summaries[1]).toMatch(
      /Deployment\/deploy, StatefulSet\/sts, DaemonSet\/ds already rolled out for v2 \(an earlier run\)/,
    );
    expect(again.summaries[1]).toMatch(/CronJob\/cron not restarted/);
    const unchanged = await cluster.apps.readNamespacedDeployment({ namespace: ns, name: 'deploy' });
    expect(unchanged.metadata?.generation).toBe(before.metadata?.generation);

    // A new digest behind the same tag is a new change: restart rolls every rolling kind.
    const digest = `sha256:${'d'.repeat(64)}`;
    const out = await runActions(
      [{ type: 'apply' }, { type: 'restart' }],
      change(imageIn(ns), 'v2', { digest }),
      deps(new KubeWorkloadClient(kc)),
    );
    expect(out.ok).toBe(true);
    expect(out.summaries[0]).toMatch(/already up to date/);
    expect(out.summaries[1]).toMatch(/restarted Deployment\/deploy, StatefulSet\/sts, DaemonSet\/ds/);
    expect(out.summaries[1]).toMatch(/CronJob\/cron not restarted/);
    const after = await cluster.apps.readNamespacedDeployment({ namespace: ns, name: 'deploy' });
    expect(after.spec?.template.spec?.containers[0]?.image).toBe(
      before.spec?.template.spec?.containers[0]?.image,
    );
    expect(after.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']).toBeDefined();
    expect(after.spec?.template.metadata?.annotations?.['rollout.tagpilot.dev/app']).toBe(`v2@${digest}`);
    expect(await cluster.eventReasons(ns, 'Deployment', 'deploy')).toContain('RolloutRestarted');
  });

  it('apply patches a workload created after a namespace list the client still shares (never "no workload uses")', async () => {
    const fresh = await createTestNamespace(env, 'ctl-actions-fresh');
    // One client, as in the controller: the health gate or pod truth listed the namespace a moment ago.
    const client = new KubeWorkloadClient(kc, { listTtlMs: 60_000 });
    expect(await client.list(fresh)).toEqual([]);
    await cluster.createDeployment(fresh, 'late', `${REPO}:v1`);
    const out = await runActions([{ type: 'apply' }], change(imageIn(fresh), 'v2'), deps(client));
    expect(out.summaries[0]).toMatch(/^apply: patched Deployment\/late \(container /);
    expect(await cluster.deploymentImage(fresh, 'late')).toBe(`${REPO}:v2`);
  });

  it('a concurrent edit between read and patch fails the test op; apply re-reads and patches the fresh object', async () => {
    const real = new KubeWorkloadClient(kc);
    const rejected: number[] = [];
    let edited = false;
    // Someone edits the Deployment right after the controller listed it.
    const racing: WorkloadClient = {
      list: (n) => real.list(n),
      listUsing: (n, r, o) => real.listUsing(n, r, o),
      get: (k, n, name) => real.get(k, n, name),
      find: (k, n, name) => real.find(k, n, name),
      strategicPatch: (k, n, name, body) => real.strategicPatch(k, n, name, body),
      jsonPatch: async (k, n, name, ops) => {
        if (k === 'Deployment' && name === 'deploy' && !edited) {
          edited = true;
          await cluster.apps.patchNamespacedDeployment(
            {
              namespace: ns,
              name: 'deploy',
              body: [
                { op: 'replace', path: '/spec/template/spec/containers/0/image', value: `${REPO}:v2-hotfix` },
              ],
            },
            (await import('@kubernetes/client-node')).setHeaderOptions(
              'Content-Type',
              'application/json-patch+json',
            ),
          );
        }
        try {
          return await real.jsonPatch(k, n, name, ops);
        } catch (err) {
          rejected.push((err as { code: number }).code);
          throw err;
        }
      },
    };
    const out = await runActions([{ type: 'apply' }], change(imageIn(ns), 'v3'), deps(racing));
    expect(out.ok).toBe(true);
    expect(rejected).toHaveLength(1);
    expect([409, 422]).toContain(rejected[0]);
    const d = await cluster.apps.readNamespacedDeployment({ namespace: ns, name: 'deploy' });
    // The hotfix edit was seen (not blindly overwritten from the stale read), then moved to v3.
    expect(d.spec?.template.spec?.containers[0]?.image).toBe(`${REPO}:v3`);
    expect(d.spec?.template.spec?.containers[1]?.image).toBe('busybox:1');
  });

  it('pins tag@digest for the digest rule', async () => {
    const digest = `sha256:${'b'.repeat(64)}`;
    const out = await runActions(
      [{ type: 'apply' }],
      change(imageIn(ns), 'v3', { pinDigest: true, digest }),
      deps(new KubeWorkloadClient(kc)),
    );
    expect(out.ok).toBe(true);
    const ds = await cluster.apps.readNamespacedDaemonSet({ namespace: ns, name: 'ds' });
    expect(ds.spec?.template.spec?.containers[0]?.image).toBe(`${REPO}:v3@${digest}`);
  });

  it('reports a failure per workload and says which, without pretending success', async () => {
    const real = new KubeWorkloadClient(kc);
    const failing: WorkloadClient = {
      list: (n) => real.list(n),
      listUsing: (n, r, o) => real.listUsing(n, r, o),
      get: (k, n, name) => real.get(k, n, name),
      find: (k, n, name) => real.find(k, n, name),
      strategicPatch: (k, n, name, body) => real.strategicPatch(k, n, name, body),
      jsonPatch: (k, n, name, ops) =>
        k === 'StatefulSet'
          ? Promise.reject(
              Object.assign(new Error('forbidden'), {
                code: 403,
                body: JSON.stringify({ message: 'statefulsets.apps "sts" is forbidden' }),
              }),
            )
          : real.jsonPatch(k, n, name, ops),
    };
    const out = await runActions(
      [{ type: 'apply' }, { type: 'restart' }],
      change(imageIn(ns), 'v4'),
      deps(failing),
    );
    expect(out.ok).toBe(false);
    expect(out.failedIndex).toBe(0);
    expect(out.retriable).toBe(false);
    expect(out.summaries).toHaveLength(1); // restart did not run after the failed apply
    expect(out.summaries[0]).toMatch(
      /patched .*Deployment\/deploy.*FAILED StatefulSet\/sts: statefulsets\.apps "sts" is forbidden/,
    );
    expect(await cluster.eventReasons(ns, 'Image', 'app')).toContain('ApplyFailed');
  });
});
