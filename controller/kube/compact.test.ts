import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { imageOwner } from '../../domain/holds/owner.js';
import { changedBeyondVersion, compactPod, compactWorkload } from './compact.js';

const managedFields = [
  {
    manager: 'kubectl-client-side-apply',
    operation: 'Update',
    time: '2026-01-01T00:00:00Z',
    fieldsV1: {
      'f:metadata': { 'f:labels': { 'f:app': {} } },
      'f:spec': {
        'f:replicas': {},
        'f:template': {
          'f:spec': {
            'f:containers': { 'k:{"name":"web"}': { 'f:image': {}, 'f:name': {}, 'f:ports': {} } },
          },
        },
      },
    },
  },
  {
    manager: 'kube-controller-manager',
    operation: 'Update',
    subresource: 'status',
    fieldsV1: { 'f:status': {} },
  },
];

/** A Deployment as the apiserver sends it, with much that the controller never reads. */
const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'web',
    namespace: 'team',
    uid: 'u1',
    resourceVersion: '42',
    generation: 3,
    labels: { app: 'web' },
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"huge":true}', note: 'x' },
    creationTimestamp: '2026-01-01T00:00:00Z',
    managedFields,
  },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    strategy: { type: 'RollingUpdate' },
    template: {
      metadata: {
        labels: { app: 'web' },
        annotations: {
          'rollout.tagpilot.dev/web': 'v1.1.0',
          'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00Z',
          'prometheus.io/scrape': 'true',
        },
      },
      spec: {
        containers: [
          {
            name: 'web',
            image: 'registry.test/web:v1.1.0',
            ports: [{ containerPort: 80 }],
            env: [{ name: 'A', value: 'b' }],
          },
          { name: 'sidecar', image: 'busybox:1', resources: { limits: { cpu: '1' } } },
        ],
        initContainers: [{ name: 'init', image: 'registry.test/web:v1.1.0', command: ['sh'] }],
        volumes: [{ name: 'v', emptyDir: {} }],
      },
    },
  },
  status: {
    observedGeneration: 3,
    replicas: 2,
    updatedReplicas: 2,
    readyReplicas: 1,
    availableReplicas: 1,
    conditions: [
      { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'ok' },
      {
        type: 'Progressing',
        status: 'False',
        reason: 'ProgressDeadlineExceeded',
        message: 'slow',
        lastUpdateTime: 'x',
      },
    ],
  },
};

describe('compactWorkload', () => {
  it('keeps what apply, holds, targets and the health gate read, in order, and nothing else', () => {
    const w = compactWorkload('Deployment', structuredClone(deployment));
    expect(w).toEqual({
      kind: 'Deployment',
      metadata: {
        name: 'web',
        namespace: 'team',
        uid: 'u1',
        resourceVersion: '42',
        generation: 3,
        labels: { app: 'web' },
        managedFields: [
          {
            manager: 'kubectl-client-side-apply',
            operation: 'Update',
            time: '2026-01-01T00:00:00Z',
            fieldsV1: {
              'f:spec': {
                'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { 'f:image': {} } } } },
              },
            },
          },
        ],
      },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: {
            annotations: {
              'rollout.tagpilot.dev/web': 'v1.1.0',
              'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00Z',
            },
          },
          spec: {
            containers: [
              { name: 'web', image: 'registry.test/web:v1.1.0' },
              { name: 'sidecar', image: 'busybox:1' },
            ],
            initContainers: [{ name: 'init', image: 'registry.test/web:v1.1.0' }],
          },
        },
      },
      status: {
        observedGeneration: 3,
        replicas: 2,
        updatedReplicas: 2,
        readyReplicas: 1,
        availableReplicas: 1,
        // Only what can fail a rollout: the True conditions are dropped.
        conditions: [
          { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'slow' },
        ],
      },
    });
    // Holds read the same owner from the compact object as from the full one.
    expect(imageOwner('Deployment', w.metadata.managedFields, 'web')).toEqual(
      imageOwner('Deployment', managedFields, 'web'),
    );
  });

  it('is idempotent (our own writes go through it again), and keeps an empty template annotation map', () => {
    const once = compactWorkload('Deployment', structuredClone(deployment));
    expect(compactWorkload('Deployment', structuredClone(once))).toEqual(once);
    const plain = structuredClone(deployment);
    (plain.spec.template.metadata as { annotations: object }).annotations = {
      'prometheus.io/scrape': 'true',
    };
    // The map exists on the server: markOps must add a key to it, not replace it.
    expect(compactWorkload('Deployment', plain).spec).toMatchObject({
      template: { metadata: { annotations: {} } },
    });
    const bare = structuredClone(deployment) as { spec: { template: { metadata?: unknown } } };
    delete bare.spec.template.metadata;
    expect(
      (compactWorkload('Deployment', bare as never).spec as { template: object }).template,
    ).not.toHaveProperty('metadata');
  });

  it('keeps a CronJob its job template containers', () => {
    const cj = compactWorkload('CronJob', {
      metadata: { name: 'nightly', namespace: 'team' },
      spec: {
        schedule: '0 0 * * *',
        jobTemplate: {
          spec: {
            backoffLimit: 2,
            template: { spec: { containers: [{ name: 'job', image: 'a:1', args: ['x'] }] } },
          },
        },
      },
    } as never);
    expect(cj.spec).toEqual({
      jobTemplate: { spec: { template: { spec: { containers: [{ name: 'job', image: 'a:1' }] } } } },
    });
  });
});

describe('compactPod', () => {
  it('keeps what pod truth and the health gate read', () => {
    const pod: V1Pod = {
      metadata: {
        name: 'web-1',
        namespace: 'team',
        labels: { app: 'web', 'pod-template-hash': 'abc' },
        annotations: { 'rollout.tagpilot.dev/web': 'v1.1.0', other: 'x' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'r' }],
        deletionTimestamp: new Date('2026-01-01T00:00:00Z'),
      },
      spec: {
        nodeName: 'node-1',
        containers: [{ name: 'web', image: 'registry.test/web:v1.1.0', env: [{ name: 'A' }] }],
        tolerations: [{ key: 'x' }],
      },
      status: {
        phase: 'Running',
        podIP: '10.0.0.1',
        conditions: [
          { type: 'PodScheduled', status: 'True' },
          { type: 'Ready', status: 'False', reason: 'ContainersNotReady' },
        ],
        containerStatuses: [
          {
            name: 'web',
            image: 'registry.test/web:v1.1.0',
            imageID: 'registry.test/web@sha256:aa',
            ready: false,
            restartCount: 4,
            state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m' } },
            lastState: { terminated: { exitCode: 1 } },
          },
        ],
      },
    };
    const c = compactPod(structuredClone(pod));
    expect(c).toEqual({
      metadata: {
        name: 'web-1',
        namespace: 'team',
        labels: { app: 'web', 'pod-template-hash': 'abc' },
        annotations: { 'rollout.tagpilot.dev/web': 'v1.1.0' },
        deletionTimestamp: new Date('2026-01-01T00:00:00Z'),
      },
      spec: { nodeName: 'node-1', containers: [{ name: 'web', image: 'registry.test/web:v1.1.0' }] },
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'False' }],
        containerStatuses: [
          {
            name: 'web',
            imageID: 'registry.test/web@sha256:aa',
            state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m' } },
          },
        ],
      },
    });
    expect(compactPod(structuredClone(c))).toEqual(c);
  });
});

describe('changedBeyondVersion', () => {
  // A Deployment as kube-controller-manager's updates during a rollout send it (compacted as cached).
  const raw = (over: { rv: string; annotations?: Record<string, string>; status?: object; image?: string }) =>
    compactWorkload('Deployment', {
      metadata: {
        name: 'web',
        namespace: 'shop',
        resourceVersion: over.rv,
        generation: 2,
        annotations: over.annotations ?? {},
        managedFields: [],
      },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: { spec: { containers: [{ name: 'app', image: over.image ?? 'shop/web:1.1.0' }] } },
      },
      status: over.status ?? { observedGeneration: 1, replicas: 1, updatedReplicas: 0 },
    } as Parameters<typeof compactWorkload>[1]);
  const base = raw({ rv: '10' });

  it.each([
    ['a first sight', undefined, base, true],
    ['only the resourceVersion', base, raw({ rv: '11' }), false],
    [
      'the revision annotation (a field no reader reads)',
      base,
      raw({ rv: '11', annotations: { 'deployment.kubernetes.io/revision': '2' } }),
      false,
    ],
    [
      'the rollout counters',
      base,
      raw({ rv: '11', status: { observedGeneration: 2, replicas: 1, updatedReplicas: 1 } }),
      true,
    ],
    ['the container image', base, raw({ rv: '11', image: 'shop/web:1.0.0' }), true],
  ])('%s', (_what, before, after, changed) => {
    expect(changedBeyondVersion(before, after)).toBe(changed);
  });

  it('counts a Pod that became Ready', () => {
    const p = (rv: string, ready: string) =>
      compactPod({
        metadata: { name: 'p', namespace: 'shop', resourceVersion: rv },
        status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready }] },
      });
    expect(changedBeyondVersion(p('1', 'False'), p('2', 'False'))).toBe(false);
    expect(changedBeyondVersion(p('1', 'False'), p('2', 'True'))).toBe(true);
  });
});
