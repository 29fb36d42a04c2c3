import { describe, expect, it } from 'vitest';
import { judgeRollout, judgeWorkload, type PodHealth, type Verdict, type WorkloadRollout } from './judge.js';

const deploy = (o: Partial<WorkloadRollout> = {}): WorkloadRollout => ({
  kind: 'Deployment',
  name: 'web',
  generation: 2,
  observedGeneration: 2,
  desired: 2,
  updated: 2,
  ready: 2,
  available: 2,
  ...o,
});
const pod = (name: string, ready: boolean, waitingReason?: string): PodHealth => ({
  name,
  ready,
  containers: [{ name: 'web', ...(waitingReason ? { waitingReason } : {}) }],
});

describe('judgeWorkload', () => {
  const rows: [string, WorkloadRollout, PodHealth[], Verdict['state'], string][] = [
    ['all Pods updated and Ready', deploy(), [pod('a', true), pod('b', true)], 'Healthy', 'RolledOut'],
    ['template not observed yet', deploy({ observedGeneration: 1 }), [], 'Progressing', 'NotObserved'],
    ['half updated', deploy({ updated: 1 }), [pod('a', true)], 'Progressing', 'Updating'],
    [
      'updated, not Ready',
      deploy({ ready: 1 }),
      [pod('a', true), pod('b', false)],
      'Progressing',
      'NotReady',
    ],
    ['a new Pod not Ready', deploy(), [pod('a', true), pod('b', false)], 'Progressing', 'NotReady'],
    ['Ready, not available yet', deploy({ available: 1 }), [], 'Progressing', 'NotAvailable'],
    ['crash loop', deploy({ ready: 1 }), [pod('a', false, 'CrashLoopBackOff')], 'Failed', 'CrashLoopBackOff'],
    ['image pull back-off', deploy(), [pod('a', false, 'ImagePullBackOff')], 'Failed', 'ImagePullBackOff'],
    ['image pull error', deploy(), [pod('a', false, 'ErrImagePull')], 'Failed', 'ErrImagePull'],
    [
      'still creating the container',
      deploy({ ready: 0 }),
      [pod('a', false, 'ContainerCreating')],
      'Progressing',
      'NotReady',
    ],
    [
      'progress deadline exceeded',
      deploy({
        updated: 1,
        conditions: [
          {
            type: 'Progressing',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: 'ReplicaSet "web-1" has timed out progressing.',
          },
        ],
      }),
      [],
      'Failed',
      'ProgressDeadlineExceeded',
    ],
    [
      'StatefulSet updated and ready',
      { kind: 'StatefulSet', name: 'db', desired: 3, updated: 3, ready: 3 },
      [],
      'Healthy',
      'RolledOut',
    ],
    [
      'StatefulSet partly updated',
      { kind: 'StatefulSet', name: 'db', desired: 3, updated: 2, ready: 3 },
      [],
      'Progressing',
      'Updating',
    ],
    [
      'DaemonSet not all ready',
      { kind: 'DaemonSet', name: 'agent', desired: 2, updated: 2, ready: 1, available: 1 },
      [],
      'Progressing',
      'NotReady',
    ],
    [
      'scaled to zero',
      deploy({ desired: 0, updated: 0, ready: 0, available: 0 }),
      [],
      'Healthy',
      'RolledOut',
    ],
    ['CronJob has no rollout', { kind: 'CronJob', name: 'nightly', desired: 0 }, [], 'Healthy', 'NoRollout'],
  ];
  it.each(rows)('%s', (_name, w, pods, state, reason) => {
    const v = judgeWorkload(w, pods);
    expect(v.state).toBe(state);
    expect(v.reason).toBe(reason);
  });

  it('names the Pod, the container and the reason of a failure', () => {
    const v = judgeWorkload(deploy(), [
      {
        name: 'web-7f-x',
        ready: false,
        containers: [{ name: 'app', waitingReason: 'CrashLoopBackOff', waitingMessage: 'back-off 10s' }],
      },
    ]);
    expect(v.message).toBe('Deployment/web: Pod web-7f-x container app is in CrashLoopBackOff: back-off 10s');
  });
});

describe('judgeRollout', () => {
  const now = new Date('2026-01-01T00:05:00Z');
  const healthy: Verdict = { state: 'Healthy', reason: 'RolledOut', message: 'a ok' };
  const waiting: Verdict = { state: 'Progressing', reason: 'NotReady', message: 'b 0 of 1 Ready' };
  const failed: Verdict = { state: 'Failed', reason: 'CrashLoopBackOff', message: 'c crashes' };
  const later = new Date('2026-01-01T00:10:00Z');
  const earlier = new Date('2026-01-01T00:04:00Z');

  it('is healthy when every workload is', () => {
    expect(judgeRollout([healthy, healthy], now, later).state).toBe('Healthy');
  });
  it('waits before the deadline', () => {
    expect(judgeRollout([healthy, waiting], now, later)).toMatchObject({
      state: 'Progressing',
      message: 'b 0 of 1 Ready',
    });
  });
  it('fails at the deadline with what was still waiting', () => {
    expect(judgeRollout([healthy, waiting], now, earlier)).toMatchObject({
      state: 'Failed',
      reason: 'HealthTimeout',
      message: 'not healthy by the deadline: b 0 of 1 Ready',
    });
  });
  it('fails at once when one workload fails, deadline or not', () => {
    expect(judgeRollout([waiting, failed], now, later)).toEqual(failed);
  });
});
