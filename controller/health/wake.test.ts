import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { Image, ImageRolloutWorkload } from '../../crds/index.js';
import type { Workload, WorkloadKind } from '../kube/workloads.js';
import { rolloutsOfPod, rolloutsOfWorkload } from './wake.js';

const image = (name: string, followed?: Pick<ImageRolloutWorkload, 'kind' | 'name'>[]): Image =>
  ({
    metadata: { name, namespace: 'shop' },
    spec: {},
    ...(followed
      ? {
          status: {
            rollout: {
              tag: '1.1.0',
              deadline: '2026-11-28T10:05:00Z',
              workloads: followed.map((w) => ({ ...w, containers: [] })),
            },
          },
        }
      : {}),
  }) as unknown as Image;

const workload = (kind: WorkloadKind, name: string, matchLabels?: Record<string, string>): Workload =>
  ({
    kind,
    metadata: { name, namespace: 'shop' },
    spec: matchLabels ? { selector: { matchLabels } } : {},
  }) as Workload;

const pod = (labels: Record<string, string>): V1Pod => ({
  metadata: { name: 'p', namespace: 'shop', labels },
});

const images = [
  image('web', [{ kind: 'Deployment', name: 'web' }]),
  image('api', [
    { kind: 'Deployment', name: 'api' },
    { kind: 'StatefulSet', name: 'db' },
  ]),
  image('cron', [{ kind: 'CronJob', name: 'nightly' }]),
  image('idle'),
];
const names = (found: Image[]) => found.map((i) => i.metadata.name);

describe('rolloutsOfWorkload', () => {
  it.each([
    [workload('Deployment', 'web'), ['web']],
    [workload('StatefulSet', 'db'), ['api']],
    [workload('Deployment', 'db'), []],
    [workload('CronJob', 'nightly'), ['cron']],
    [workload('Deployment', 'other'), []],
  ])('%j wakes %j', (w, expected) => {
    expect(names(rolloutsOfWorkload(images, w))).toEqual(expected);
  });
});

describe('rolloutsOfPod', () => {
  const known: Record<string, Workload> = {
    'Deployment/web': workload('Deployment', 'web', { app: 'web' }),
    'Deployment/api': workload('Deployment', 'api', { app: 'api' }),
    'StatefulSet/db': workload('StatefulSet', 'db', { app: 'db', tier: 'data' }),
    'CronJob/nightly': workload('CronJob', 'nightly', { app: 'web' }),
  };
  const cached = (kind: WorkloadKind, name: string) => known[`${kind}/${name}`];

  it.each([
    [{ app: 'web', 'pod-template-hash': 'abc' }, ['web']],
    [{ app: 'db', tier: 'data' }, ['api']],
    [{ app: 'db' }, []],
    [{ app: 'other' }, []],
    [{}, []],
  ])('a Pod labelled %j wakes %j (a CronJob selecting it wakes nobody)', (labels, expected) => {
    expect(names(rolloutsOfPod(images, pod(labels), cached))).toEqual(expected);
  });

  it('a followed workload the cache does not know wakes nobody (the poll still looks)', () => {
    expect(rolloutsOfPod(images, pod({ app: 'web' }), () => undefined)).toEqual([]);
  });
});
