// The health gate end to end: kwok makes Pods of tags ending in .666 crash-loop and of tags ending in
// .777 never become Ready (test/testenv/kwok-stages.yaml); the real kube-controller-manager rolls the
// Deployments. A bad tag is rolled back on exactly what apply changed, rejected and alerted once; a
// controller SIGKILLed while it follows a rollout is replaced by one that finishes the job, once.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Controller } from '../../controller/main.js';
import type { ImageStatus } from '../../crds/index.js';
import { startHttpPeer, type HttpPeer } from '../integration/alerts/peers.js';
import { Cluster, controllerKubeConfig, imageSpec } from '../integration/controller/support.js';
import { createAlertConfig } from '../integration/operator/support.js';
import { pushImage } from '../testenv/images.js';
import { adminKubeConfig, createTestNamespace } from '../testenv/kube.js';
import { startControllerProcess, type ControllerProcess } from '../testenv/controller-process.js';
import { fastController, startTestController } from '../testenv/programs.js';
import { waitFor } from '../testenv/wait.js';

const env = inject('testenv');
const anon = env.registries.anonymous;
const cluster = new Cluster(env);
const uid = () => randomBytes(3).toString('hex');

let hook: HttpPeer;
const controllers: Controller[] = [];
let child: ControllerProcess | undefined;

beforeAll(async () => {
  hook = await startHttpPeer();
});

afterAll(async () => {
  await child?.kill();
  for (const c of controllers) await c.stop();
  await hook?.close();
});

async function start(ns: string, name: string): Promise<Controller> {
  const c = await startTestController(env, {
    logName: name,
    namespaces: [ns],
    ops: false,
    ...fastController,
  });
  controllers.push(c);
  return c;
}

/** Alerts the webhook peer received for `name` that move from `from` to `to`. */
function alerts(name: string, from: string, to: string): number {
  return hook.requests.filter((r) => {
    const img = (r.json as { image?: { name?: string; previousTag?: string; newTag?: string } } | undefined)
      ?.image;
    return img?.name === name && img.previousTag === from && img.newTag === to;
  }).length;
}

async function events(ns: string, kind: string, name: string, reason: string): Promise<number> {
  return (await cluster.eventReasons(ns, kind, name)).filter((r) => r === reason).length;
}

const healthy = (s: ImageStatus) => s.conditions?.find((c) => c.type === 'Healthy');

async function setUp(ns: string, name: string, timeout: string) {
  const repo = `health-${uid()}/${name}`;
  const ref = `${anon.host}/${repo}`;
  await pushImage(anon, repo, '1.0.0');
  await cluster.createDeployment(ns, name, `${ref}:1.0.0`, 2);
  await createAlertConfig(adminKubeConfig(env), {
    apiVersion: 'tagpilot.dev/v1alpha1',
    kind: 'AlertConfig',
    metadata: { name: `${name}-hook`, namespace: ns },
    spec: { webhook: { url: hook.url(`/${name}`) } },
  });
  await cluster.createImage(
    ns,
    name,
    imageSpec(anon, repo, {
      baseTag: '1.0.0',
      actions: [{ type: 'apply' }, { type: 'alert', alertConfigRef: { name: `${name}-hook` } }],
      healthGate: { enabled: true, timeout },
    }),
  );
  await cluster.waitForStatus(ns, name, 'first check', (s) => s.result === 'Success' && s.tag === '1.0.0');
  return { repo, ref };
}

describe('health gate', () => {
  it('rolls back a crash-looping tag once, never retries it, and lets a newer good tag through', async () => {
    const ns = await createTestNamespace(env, 'health');
    const controller = await start(ns, 'health-gate');
    const { repo, ref } = await setUp(ns, 'web', '2m');

    await pushImage(anon, repo, '1.1.666');
    const back = await cluster.waitForStatus(ns, 'web', 'rolled back', (s) => s.result === 'RolledBack');
    expect(back.tag).toBe('1.0.0');
    expect(back.rollout).toBeUndefined();
    expect(back.rejected?.map((r) => r.tag)).toEqual(['1.1.666']);
    expect(back.rejected?.[0]?.digest).toMatch(/^sha256:/);
    expect(healthy(back)).toMatchObject({ status: 'False', reason: 'CrashLoopBackOff' });
    expect(healthy(back)?.message).toMatch(
      /^1\.1\.666 was rolled back: Deployment\/web: Pod web-\S+ container main is in CrashLoopBackOff/,
    );
    expect(back.message).toMatch(
      /^rolled back 1\.1\.666 to 1\.0\.0: .*put back 1\.0\.0 on Deployment\/web \(main\)/,
    );
    expect(await cluster.deploymentImage(ns, 'web')).toBe(`${ref}:1.0.0`);
    await waitFor('the rollback alert', () => alerts('web', '1.1.666', '1.0.0') === 1, { timeoutMs: 30_000 });
    const rollbackAlert = hook.requests.find(
      (r) => (r.json as { image?: { name?: string; previousTag?: string } }).image?.previousTag === '1.1.666',
    );
    expect(rollbackAlert?.json).toMatchObject({
      event: 'image.rolledBack',
      alertEvent: 'RolledBack',
      reason: expect.stringMatching(/CrashLoopBackOff/),
    });
    expect(await events(ns, 'Deployment', 'web', 'ImageRolledBack')).toBe(1);
    expect(await events(ns, 'Image', 'web', 'RolledBack')).toBe(1);

    // The next ticks skip the rejected tag: the Deployment keeps the old reference, nothing is patched.
    const seen = controller.stats().evaluations;
    await waitFor('three more checks', () => controller.stats().evaluations >= seen + 3, {
      timeoutMs: 90_000,
    });
    expect(await cluster.deploymentImage(ns, 'web')).toBe(`${ref}:1.0.0`);
    expect(await events(ns, 'Deployment', 'web', 'ImageUpdated')).toBe(1);
    expect(alerts('web', '1.1.666', '1.0.0')).toBe(1);
    const quiet = (await cluster.getImage(ns, 'web')).status!;
    expect(quiet).toMatchObject({ tag: '1.0.0', result: 'RolledBack' });

    // A newer good tag goes through the gate and is confirmed.
    await pushImage(anon, repo, '1.2.0');
    const good = await cluster.waitForStatus(
      ns,
      'web',
      'Healthy=True for 1.2.0',
      (s) => s.tag === '1.2.0' && healthy(s)?.status === 'True',
    );
    expect(good.rollout).toBeUndefined();
    expect(healthy(good)?.message).toMatch(/^1\.2\.0 rolled out: Deployment\/web: 2 of 2 Pods Ready/);
    expect(await cluster.deploymentImage(ns, 'web')).toBe(`${ref}:1.2.0`);
    expect(good.rejected?.map((r) => r.tag)).toEqual(['1.1.666']);
  });

  it('a controller SIGKILLed while following a rollout: a new one finishes the watch and rolls back once', async () => {
    const ns = await createTestNamespace(env, 'health-kill');
    child = await startControllerProcess(env, {
      name: `health-gate-killed-${ns}`,
      kubeConfig: await controllerKubeConfig(env),
      namespaces: [ns],
      args: ['--registry-cache-ttl=1s', '--cron-jitter=0s'],
      env: { POD_NAME: 'killed' },
      waitReady: false,
    });
    // Never Ready: the rollout waits for its deadline, long enough to kill the controller mid-watch.
    const { repo, ref } = await setUp(ns, 'api', '25s');
    await pushImage(anon, repo, '1.1.777');
    const watching = await cluster.waitForStatus(
      ns,
      'api',
      'following the rollout',
      (s) => s.rollout?.phase === 'Watching',
    );
    expect(watching.rollout?.tag).toBe('1.1.777');
    await child.kill();
    expect((await cluster.getImage(ns, 'api')).status?.rollout?.tag).toBe('1.1.777');

    await start(ns, 'health-gate-successor');
    const back = await cluster.waitForStatus(
      ns,
      'api',
      'rolled back by the successor',
      (s) => s.result === 'RolledBack',
      120_000,
    );
    expect(back.tag).toBe('1.0.0');
    expect(healthy(back)).toMatchObject({ status: 'False', reason: 'HealthTimeout' });
    expect(healthy(back)?.message).toMatch(
      /^1\.1\.777 was rolled back: not healthy by the deadline: Deployment\/api: (1 of 2 Pods run the new template|\d of 2 Pods Ready)/,
    );
    expect(await cluster.deploymentImage(ns, 'api')).toBe(`${ref}:1.0.0`);
    await waitFor('the rollback alert', () => alerts('api', '1.1.777', '1.0.0') === 1, { timeoutMs: 30_000 });
    // Exactly once: one apply, one rollback, one alert, whoever did what.
    expect(await events(ns, 'Deployment', 'api', 'ImageUpdated')).toBe(1);
    expect(await events(ns, 'Deployment', 'api', 'ImageRolledBack')).toBe(1);
    expect(await events(ns, 'Image', 'api', 'RolledBack')).toBe(1);
    expect(alerts('api', '1.0.0', '1.1.777')).toBe(1);
  });
});
