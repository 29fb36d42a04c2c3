// A controller SIGKILLed half-way through [apply, restart]: the next controller finishes the change without
// rolling any workload twice. The kill lands at an exact moment: the controller talks to the apiserver
// through a proxy that lets the first Deployment PATCH through and holds the second, so exactly one
// workload is patched when the process dies. A Deployment's generation counts template changes: 1 at
// creation, 2 after apply; a second roll (restart on top of apply) would make it 3.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REFRESH_ANNOTATION } from '../../../crds/index.js';
import { startApiProxy, type ApiProxy } from '../../testenv/api-proxy.js';
import { startControllerProcess, type ControllerProcess } from '../../testenv/controller-process.js';
import { pushImage } from '../../testenv/images.js';
import { createTestNamespace } from '../../testenv/kube.js';
import { waitFor } from '../../testenv/wait.js';
import { Cluster, controllerKubeConfig, imageSpec } from '../../integration/controller/support.js';

const env = inject('testenv');
const anon = env.registries.anonymous;
const cluster = new Cluster(env);
const WORKLOADS = ['a-web', 'b-web', 'c-web'];

let ns: string;
let proxy: ApiProxy | undefined;
const controllers: ControllerProcess[] = [];

beforeAll(async () => {
  ns = await createTestNamespace(env, 'hostile-resume');
});

afterAll(async () => {
  for (const c of controllers) await c.kill();
  await proxy?.close();
});

async function generations(): Promise<Record<string, number | undefined>> {
  const out: Record<string, number | undefined> = {};
  for (const name of WORKLOADS) {
    out[name] = (await cluster.apps.readNamespacedDeployment({ namespace: ns, name })).metadata?.generation;
  }
  return out;
}

describe('resume after SIGKILL mid-apply', () => {
  it('a restarted controller does not roll a workload that the killed one already patched', async () => {
    const kc = await controllerKubeConfig(env);
    const repo = `hostile-resume-${randomBytes(3).toString('hex')}/web`;
    const ref = `${anon.host}/${repo}`;
    await pushImage(anon, repo, 'v1.0.0');
    for (const name of WORKLOADS) await cluster.createDeployment(ns, name, `${ref}:v1.0.0`);

    proxy = await startApiProxy(kc);
    const first = await startControllerProcess(env, {
      name: `resume-first-${ns}`,
      kubeConfig: proxy.kubeConfig(kc),
      namespaces: [ns],
      args: ['--registry-cache-ttl=1s', '--cron-jitter=0s'],
    });
    controllers.push(first);
    await cluster.createImage(
      ns,
      'web',
      imageSpec(anon, repo, {
        baseTag: 'v1.0.0',
        triggers: [{ type: 'crontab', value: '@every 1h' }],
        actions: [{ type: 'apply' }, { type: 'restart' }],
      }),
    );
    await cluster.waitForStatus(ns, 'web', 'first check', (s) => s.result === 'Success');
    expect(await generations()).toEqual({ 'a-web': 1, 'b-web': 1, 'c-web': 1 });

    // Let the first Deployment PATCH through, hold the second: the controller is mid-apply.
    let patches = 0;
    proxy.hold(
      (r) =>
        r.method === 'PATCH' &&
        r.path.startsWith(`/apis/apps/v1/namespaces/${ns}/deployments/`) &&
        ++patches > 1,
    );
    await pushImage(anon, repo, 'v1.1.0');
    await cluster.patchImage(ns, 'web', { metadata: { annotations: { [REFRESH_ANNOTATION]: 'now' } } });
    await waitFor('a second Deployment PATCH to be held', () => proxy!.held().length >= 1, {
      timeoutMs: 60_000,
      intervalMs: 100,
    });
    await first.kill();
    proxy.dropHeld();

    const images = await Promise.all(WORKLOADS.map((n) => cluster.deploymentImage(ns, n)));
    const patched = WORKLOADS.filter((_n, i) => images[i] === `${ref}:v1.1.0`);
    expect(patched).toHaveLength(1);
    expect((await cluster.getImage(ns, 'web')).status?.tag).toBe('v1.0.0');

    const second = await startControllerProcess(env, {
      name: `resume-second-${ns}`,
      kubeConfig: kc,
      namespaces: [ns],
      args: ['--registry-cache-ttl=1s', '--cron-jitter=0s'],
    });
    controllers.push(second);
    const done = await cluster.waitForStatus(ns, 'web', 'v1.1.0 applied by the second controller', (s) => {
      return s.tag === 'v1.1.0' && s.result === 'Success';
    });
    expect(done.message).toMatch(
      new RegExp(
        `Deployment/${patched[0]} already rolled out for v1\\.1\\.0@sha256:[0-9a-f]{64} \\(an earlier run\\)`,
      ),
    );
    for (const name of WORKLOADS) expect(await cluster.deploymentImage(ns, name)).toBe(`${ref}:v1.1.0`);

    // Every workload changed its template exactly once (apply), none a second time (restart).
    expect(await generations()).toEqual({ 'a-web': 2, 'b-web': 2, 'c-web': 2 });
    await waitFor(
      'each Deployment to have its two ReplicaSets',
      async () => {
        for (const name of WORKLOADS) {
          const sets = await cluster.apps.listNamespacedReplicaSet({
            namespace: ns,
            labelSelector: `app=${name}`,
          });
          if (sets.items.length !== 2) return false;
        }
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    for (const name of WORKLOADS) {
      const d = await cluster.apps.readNamespacedDeployment({ namespace: ns, name });
      expect(d.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']).toBeUndefined();
      expect(d.spec?.template.metadata?.annotations?.['rollout.tagpilot.dev/web']).toMatch(
        /^v1\.1\.0@sha256:/,
      );
    }
  });
});
