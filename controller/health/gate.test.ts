// The health gate through the evaluator, with the fakes of the engine's tests: the rollout state lives
// only in the (fake) status, as it does in the cluster, so a fresh Evaluator stands for a new leader.
import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { REPO, setup } from '../engine/evaluate.fakes.js';
import type { Workload } from '../kube/workloads.js';

const gate = { healthGate: { enabled: true, timeout: '2m' } };

function rolledOut(w: Workload, image: string, ready: number): Workload {
  return {
    ...w,
    metadata: { ...w.metadata, generation: 2 },
    spec: { ...(w.spec as object), replicas: 1, selector: { matchLabels: { app: 'web' } } },
    status: {
      observedGeneration: 2,
      updatedReplicas: 1,
      readyReplicas: ready,
      availableReplicas: ready,
      image,
    },
  };
}

function pod(image: string, waiting?: string): V1Pod {
  return {
    metadata: { name: 'web-1' },
    spec: { containers: [{ name: 'main', image }] },
    status: {
      conditions: [{ type: 'Ready', status: waiting ? 'False' : 'True' }],
      containerStatuses: [
        {
          name: 'main',
          image,
          imageID: '',
          ready: !waiting,
          restartCount: 3,
          ...(waiting ? { state: { waiting: { reason: waiting } } } : { state: { running: {} } }),
        },
      ],
    },
  };
}

describe('health gate', () => {
  it('follows the rollout after apply and confirms it: Healthy=True, rollout cleared', async () => {
    const t = setup(gate);
    t.registry.tags = ['v1.0.0', 'v1.1.0'];
    const first = await t.run();
    // The first look comes soon after apply; later ones at the poll (3 s in the fakes).
    expect(first).toEqual({ requeueAfterMs: 2000 });
    const s = t.images.image.status!;
    expect(s.tag).toBe('v1.1.0');
    expect(s.rollout).toMatchObject({
      tag: 'v1.1.0',
      previousTag: 'v1.0.0',
      phase: 'Watching',
      deadline: '2026-01-01T00:02:00Z',
      workloads: [
        {
          kind: 'Deployment',
          name: 'web',
          containers: [{ name: 'main', from: `${REPO}:v1.0.0`, to: `${REPO}:v1.1.0` }],
        },
      ],
    });
    expect(s.conditions?.find((c) => c.type === 'Healthy')).toMatchObject({
      status: 'Unknown',
      reason: 'Progressing',
    });

    // Not Ready yet: the Image is re-queued, nothing else happens (no registry check, no write).
    t.workloads.deployment = rolledOut(t.workloads.deployment, `${REPO}:v1.1.0`, 0);
    t.pods.pods = [pod(`${REPO}:v1.1.0`)];
    t.pods.pods[0]!.status!.conditions![0]!.status = 'False';
    const listed = t.registry.calls.length;
    const writes = t.images.patches.length;
    expect(await t.run()).toEqual({ requeueAfterMs: 3000 });
    expect(t.registry.calls.length).toBe(listed);
    expect(t.images.patches).toHaveLength(writes);

    t.workloads.deployment = rolledOut(t.workloads.deployment, `${REPO}:v1.1.0`, 1);
    t.pods.pods = [pod(`${REPO}:v1.1.0`)];
    expect(await t.run()).toEqual({});
    const after = t.images.image.status!;
    expect(after.rollout).toBeUndefined();
    expect(after.conditions?.find((c) => c.type === 'Healthy')).toMatchObject({
      status: 'True',
      reason: 'RolledOut',
    });
    expect(t.events).toContain('Healthy');
  });

  it('polls slowly while the watch caches wake it, quickly while either cache is not live, and at the deadline', async () => {
    const t = setup(gate, { watchedPollMs: 60_000 });
    t.registry.tags = ['v1.0.0', 'v1.1.0'];
    expect(await t.run()).toEqual({ requeueAfterMs: 2000 });
    t.workloads.deployment = rolledOut(t.workloads.deployment, `${REPO}:v1.1.0`, 0);
    t.pods.pods = [pod(`${REPO}:v1.1.0`)];
    t.pods.pods[0]!.status!.conditions![0]!.status = 'False';
    // Both caches live: every change wakes the gate, the poll is only the backstop.
    expect(await t.run()).toEqual({ requeueAfterMs: 60_000 });
    t.pods.live = false;
    expect(await t.run()).toEqual({ requeueAfterMs: 3000 });
    t.pods.live = true;
    t.workloads.live = false;
    expect(await t.run()).toEqual({ requeueAfterMs: 3000 });
    t.workloads.live = true;
    // 100 s before the 2-minute deadline the slow poll is cut to just after the deadline.
    t.now.at = new Date('2026-01-01T00:01:40Z');
    expect(await t.run()).toEqual({ requeueAfterMs: 20_100 });
  });

  it('rolls back a crash-looping tag exactly once, rejects it, and a new evaluator does not retry it', async () => {
    const t = setup(gate);
    t.registry.tags = ['v1.0.0', 'v1.1.0'];
    await t.run();
    t.workloads.deployment = rolledOut(t.workloads.deployment, `${REPO}:v1.1.0`, 0);
    t.pods.pods = [pod(`${REPO}:v1.1.0`, 'CrashLoopBackOff')];
    expect(await t.run()).toEqual({});
    const s = t.images.image.status!;
    expect(t.workloads.patched.at(-1)).toEqual([
      { op: 'test', path: '/spec/template/spec/containers/0/name', value: 'main' },
      { op: 'test', path: '/spec/template/spec/containers/0/image', value: `${REPO}:v1.1.0` },
      { op: 'replace', path: '/spec/template/spec/containers/0/image', value: `${REPO}:v1.0.0` },
    ]);
    expect(s).toMatchObject({ tag: 'v1.0.0', result: 'RolledBack', rejected: [{ tag: 'v1.1.0' }] });
    expect(s.rollout).toBeUndefined();
    expect(s.message).toMatch(
      /^rolled back v1.1.0 to v1.0.0: Deployment\/web: Pod web-1 container main is in CrashLoopBackOff/,
    );
    const healthy = s.conditions?.find((c) => c.type === 'Healthy');
    expect(healthy).toMatchObject({ status: 'False', reason: 'CrashLoopBackOff' });
    expect(healthy?.message).toMatch(/^v1.1.0 was rolled back: /);
    expect(t.events.filter((e) => e === 'RolledBack')).toHaveLength(1);

    // The next ticks skip the rejected tag: no patch, the rollback stays the news.
    const patches = t.workloads.patched.length;
    await t.run();
    await t.run();
    expect(t.workloads.patched).toHaveLength(patches);
    expect(t.images.image.status).toMatchObject({ tag: 'v1.0.0', result: 'RolledBack' });

    // A newer tag goes through the gate again.
    t.registry.tags = ['v1.0.0', 'v1.1.0', 'v1.2.0'];
    expect(await t.run()).toEqual({ requeueAfterMs: 2000 });
    expect(t.images.image.status?.rollout?.tag).toBe('v1.2.0');
  });

  it('a rollback recorded but not finished (a restart) is finished without a second judgement', async () => {
    const t = setup(gate);
    t.registry.tags = ['v1.0.0', 'v1.1.0'];
    await t.run();
    // The leader died after recording the failure and before patching.
    const s = t.images.image.status!;
    t.images.image = {
      ...t.images.image,
      status: { ...s, rollout: { ...s.rollout!, phase: 'RollingBack', reason: 'Deployment/web: not Ready' } },
    };
    t.workloads.deployment = rolledOut(t.workloads.deployment, `${REPO}:v1.1.0`, 1); // healthy by now
    t.pods.pods = [pod(`${REPO}:v1.1.0`)];
    expect(await t.run()).toEqual({});
    expect(t.images.image.status).toMatchObject({
      tag: 'v1.0.0',
      result: 'RolledBack',
      rejected: [{ tag: 'v1.1.0' }],
    });
    // Run again: the workload no longer runs v1.1.0, nothing is patched twice.
    const patches = t.workloads.patched.length;
    await t.run();
    expect(t.workloads.patched).toHaveLength(patches);
  });

  it('times out a rollout that never becomes Ready', async () => {
    const t = setup(gate);
    t.registry.tags = ['v1.0.0', 'v1.1.0'];
    await t.run();
    t.workloads.deployment = rolledOut(t.workloads.deployment, `${REPO}:v1.1.0`, 0);
    // A second before the deadline the next look is due just after it, not a whole poll later.
    t.now.at = new Date('2026-01-01T00:01:59Z');
    expect(await t.run()).toEqual({ requeueAfterMs: 1100 });
    t.now.at = new Date('2026-01-01T00:02:00Z');
    expect(await t.run()).toEqual({});
    expect(t.images.image.status?.conditions?.find((c) => c.type === 'Healthy')).toMatchObject({
      status: 'False',
      reason: 'HealthTimeout',
    });
    expect(t.images.image.status?.tag).toBe('v1.0.0');
  });

  it('leaves a container someone changed after apply alone', async () => {
    const t = setup(gate);
    t.registry.tags = ['v1.0.0', 'v1.1.0'];
    await t.run();
    const patches = t.workloads.patched.length;
    t.workloads.deployment = rolledOut(t.workloads.deployment, '', 0);
    (
      t.workloads.deployment.spec as { template: { spec: { containers: { image: string }[] } } }
    ).template.spec.containers[0]!.image = `${REPO}:hotfix`;
    expect(await t.run()).toEqual({});
    expect(t.workloads.patched).toHaveLength(patches);
    expect(t.images.image.status?.conditions?.find((c) => c.type === 'Healthy')).toMatchObject({
      status: 'True',
    });
  });

  it('an opted-out Image starts no rollout', async () => {
    const t = setup({ healthGate: { enabled: false, timeout: '5m' } });
    t.registry.tags = ['v1.0.0', 'v1.1.0'];
    expect(await t.run()).toEqual({});
    expect(t.images.image.status?.rollout).toBeUndefined();
  });
});
