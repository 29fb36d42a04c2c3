// Holds end to end (issue 15): in a namespace where the mutating webhook pins images, the real controller
// moves a Deployment to a new tag, a user runs `kubectl rollout undo`, and the undo stays: the webhook
// admits it, the controller records a hold (status.holds, Events, one Held alert) and neither apply nor
// the webhook moves the Deployment back through ticks, scale-ups, edits and replaced Pods. A release by
// annotation gives it the current tag again; a newer tag releases a hold by itself. The health gate's own
// rollback in the same namespace is neither pinned back by the webhook nor taken for a hold.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ImageStatus } from '../../crds/index.js';
import { startHttpPeer, type HttpPeer } from '../integration/alerts/peers.js';
import { Cluster, imageSpec } from '../integration/controller/support.js';
import { createAlertConfig } from '../integration/operator/support.js';
import { tagpilot } from '../testenv/cli.js';
import { pushImage } from '../testenv/images.js';
import { adminKubeConfig, createTestNamespace } from '../testenv/kube.js';
import { fastController, startPrograms, type Programs } from '../testenv/programs.js';
import { kubectl } from '../testenv/tools.js';
import { waitFor } from '../testenv/wait.js';

const env = inject('testenv');
const anon = env.registries.anonymous;
const cluster = new Cluster(env);

let hook: HttpPeer;
let programs: Programs;
let ns: string;

beforeAll(async () => {
  hook = await startHttpPeer();
  ns = await createTestNamespace(env, 'hold', { 'tagpilot.dev/webhook': 'enabled' });
  programs = await startPrograms(env, {
    operator: {},
    controller: {
      logName: 'e2e-hold',
      namespaces: [ns],
      ops: false,
      ...fastController,
    },
  });
});

afterAll(async () => {
  await programs?.stop();
  await hook?.close();
});

const run = async (...args: string[]) => {
  const out = await kubectl(env.kubeconfig, [...args, '-n', ns]);
  expect(out.code, `kubectl ${args.join(' ')}: ${out.stderr}`).toBe(0);
  return out.stdout;
};

/** Alerts the peer received for `name` moving from `from` to `to`. */
function alerts(from: string, to: string): number {
  return hook.requests.filter((r) => {
    const img = (r.json as { image?: { name?: string; previousTag?: string; newTag?: string } } | undefined)
      ?.image;
    return img?.name === 'web' && img.previousTag === from && img.newTag === to;
  }).length;
}

const count = async (kind: string, name: string, reason: string) =>
  (await cluster.eventReasons(ns, kind, name)).filter((r) => r === reason).length;

/** Every Pod of the Deployment runs `image` and is Running (at least `replicas` of them). */
async function podsRun(image: string, replicas: number): Promise<void> {
  await waitFor(
    `${replicas} Pods of web to run ${image}`,
    async () => {
      const pods = (await cluster.core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' })).items;
      const live = pods.filter((p) => !p.metadata?.deletionTimestamp);
      return (
        live.length === replicas &&
        live.every((p) => p.status?.phase === 'Running' && p.spec?.containers[0]?.image === image)
      );
    },
    { timeoutMs: 120_000, intervalMs: 500 },
  );
}

async function rolledOut(): Promise<void> {
  await waitFor(
    'the Deployment rollout to finish',
    async () => {
      const d = await cluster.apps.readNamespacedDeployment({ namespace: ns, name: 'web' });
      const s = d.status;
      return (
        s?.observedGeneration === d.metadata?.generation &&
        s?.updatedReplicas === d.spec?.replicas &&
        s?.replicas === d.spec?.replicas &&
        s?.availableReplicas === d.spec?.replicas
      );
    },
    { timeoutMs: 120_000, intervalMs: 500 },
  );
}

const heldBy = (s: ImageStatus) => s.holds?.find((h) => h.kind === 'Deployment' && h.name === 'web');

describe('a hand rollback in a webhook-enabled namespace', () => {
  it('stays undone while held, and follows the current tag again once released', async () => {
    const repo = `hold-${randomBytes(3).toString('hex')}/web`;
    const ref = `${anon.host}/${repo}`;
    await pushImage(anon, repo, '1.0.0');
    await cluster.createDeployment(ns, 'web', `${ref}:1.0.0`, 2);
    await createAlertConfig(adminKubeConfig(env), {
      apiVersion: 'tagpilot.dev/v1alpha1',
      kind: 'AlertConfig',
      metadata: { name: 'hook', namespace: ns },
      spec: { webhook: { url: hook.url('/web') } },
    });
    await cluster.createImage(
      ns,
      'web',
      imageSpec(anon, repo, {
        baseTag: '1.0.0',
        actions: [{ type: 'apply' }, { type: 'alert', alertConfigRef: { name: 'hook' } }],
        healthGate: { enabled: false },
      }),
    );
    await cluster.waitForStatus(ns, 'web', 'first check', (s) => s.result === 'Success' && s.tag === '1.0.0');

    // Tagpilot moves it (the webhook leaves the controller's own write as it is).
    await pushImage(anon, repo, '1.1.0');
    await cluster.waitForStatus(ns, 'web', 'the move to 1.1.0', (s) => s.tag === '1.1.0');
    expect(await cluster.deploymentImage(ns, 'web')).toBe(`${ref}:1.1.0`);
    await rolledOut();

    // The user rolls back by hand: admitted as it is, then held.
    await run('rollout', 'undo', 'deployment/web');
    expect(await cluster.deploymentImage(ns, 'web')).toBe(`${ref}:1.0.0`);
    const held = await cluster.waitForStatus(ns, 'web', 'the hold', (s) => heldBy(s) !== undefined);
    expect(heldBy(held)).toMatchObject({
      container: 'main',
      reference: `${ref}:1.0.0`,
      from: '1.1.0',
      by: expect.stringMatching(/^kubectl/),
    });
    expect(held.tag).toBe('1.1.0');
    expect(held.conditions?.find((c) => c.type === 'UpToDate')).toMatchObject({
      status: 'False',
      reason: 'Held',
    });
    await waitFor('the Held alert', () => alerts('1.1.0', '1.0.0') === 1, { timeoutMs: 30_000 });
    expect(await count('Image', 'web', 'Held')).toBe(1);
    expect(await count('Deployment', 'web', 'Held')).toBe(1);

    // Ticks, a scale-up, an edit of the Deployment and replaced Pods: it still runs 1.0.0.
    const seen = programs.controller.stats().evaluations;
    await run('scale', 'deployment/web', '--replicas=3');
    await run('label', 'deployment/web', 'team=payments');
    await run('delete', 'pods', '-l', 'app=web', '--wait=false');
    await waitFor('three more checks', () => programs.controller.stats().evaluations >= seen + 3, {
      timeoutMs: 60_000,
    });
    await podsRun(`${ref}:1.0.0`, 3);
    expect(await cluster.deploymentImage(ns, 'web')).toBe(`${ref}:1.0.0`);
    expect(await count('Deployment', 'web', 'ImageUpdated')).toBe(1);
    expect(alerts('1.1.0', '1.0.0')).toBe(1);
    expect(heldBy((await cluster.getImage(ns, 'web')).status!)).toBeDefined();

    // Released with `tagpilot release` (it writes the annotation kubectl would, after checking what is
    // held): the Deployment gets the current tag again and the annotation goes.
    const typo = await tagpilot(['release', 'web', '-n', ns, '--workload', 'deployment/wbe'], env.kubeconfig);
    expect(typo).toMatchObject({ code: 1, stdout: '' });
    expect(typo.stderr).toBe(
      `tagpilot release: Image ${ns}/web does not hold deployment/wbe; it holds Deployment/web\n`,
    );
    expect(
      (await cluster.getImage(ns, 'web')).metadata.annotations?.['tagpilot.dev/release'],
    ).toBeUndefined();
    const release = await tagpilot(
      ['release', 'web', '-n', ns, '-w', 'deployment/web', '-o', 'json'],
      env.kubeconfig,
    );
    expect(release.stderr).toBe('');
    expect(JSON.parse(release.stdout)).toEqual({
      namespace: ns,
      name: 'web',
      workloads: ['Deployment/web'],
      annotation: 'tagpilot.dev/release',
      value: 'Deployment/web',
    });
    const released = await cluster.waitForStatus(ns, 'web', 'the release', (s) => !s.holds?.length);
    expect(released.tag).toBe('1.1.0');
    await waitFor('the Deployment to run 1.1.0 again', async () => {
      return (await cluster.deploymentImage(ns, 'web')) === `${ref}:1.1.0`;
    });
    const image = await cluster.getImage(ns, 'web');
    expect(image.metadata.annotations?.['tagpilot.dev/release']).toBeUndefined();
    expect(await count('Image', 'web', 'HoldReleased')).toBe(1);
    await rolledOut();

    // Rolled back again, then a newer tag: the hold ends by itself and the new tag goes everywhere.
    await run('rollout', 'undo', 'deployment/web');
    await cluster.waitForStatus(ns, 'web', 'the second hold', (s) => heldBy(s) !== undefined);
    await pushImage(anon, repo, '1.2.0');
    const newer = await cluster.waitForStatus(ns, 'web', '1.2.0 and no hold', (s) => s.tag === '1.2.0');
    expect(newer.holds ?? []).toEqual([]);
    expect(await cluster.deploymentImage(ns, 'web')).toBe(`${ref}:1.2.0`);
    expect(await count('Image', 'web', 'HoldReleased')).toBe(2);
  });

  it("the health gate's own rollback is neither pinned back by the webhook nor taken for a hold", async () => {
    const repo = `hold-${randomBytes(3).toString('hex')}/api`;
    const ref = `${anon.host}/${repo}`;
    await pushImage(anon, repo, '1.0.0');
    await cluster.createDeployment(ns, 'api', `${ref}:1.0.0`, 1);
    await cluster.createImage(
      ns,
      'api',
      imageSpec(anon, repo, { baseTag: '1.0.0', healthGate: { enabled: true, timeout: '2m' } }),
    );
    await cluster.waitForStatus(ns, 'api', 'first check', (s) => s.result === 'Success' && s.tag === '1.0.0');
    // kwok makes Pods of tags ending in .666 crash-loop (test/testenv/kwok-stages.yaml).
    await pushImage(anon, repo, '1.1.666');
    const back = await cluster.waitForStatus(ns, 'api', 'rolled back', (s) => s.result === 'RolledBack');
    expect(back.tag).toBe('1.0.0');
    expect(await cluster.deploymentImage(ns, 'api')).toBe(`${ref}:1.0.0`);
    const seen = programs.controller.stats().evaluations;
    await waitFor('three more checks', () => programs.controller.stats().evaluations >= seen + 3, {
      timeoutMs: 60_000,
    });
    const later = await cluster.getImage(ns, 'api');
    expect(later.status?.holds ?? []).toEqual([]);
    expect(await cluster.deploymentImage(ns, 'api')).toBe(`${ref}:1.0.0`);
    expect(await count('Image', 'api', 'Held')).toBe(0);
  });
});
