import { describe, expect, it } from 'vitest';
import {
  carriesMark,
  planApply,
  planRollback,
  restartPatch,
  rolloutMark,
  usesRepository,
} from './workloads.js';
import { podSpecOf, repositoriesOf } from '../kube/pod-spec.js';
import type { Workload, WorkloadKind } from '../kube/workloads.js';
import { compileTargets } from '../../domain/targets/targets.js';

function workload(kind: WorkloadKind, containers: string[], initContainers: string[] = []): Workload {
  const podSpec = {
    containers: containers.map((image, i) => ({ name: `c${i}`, image })),
    ...(initContainers.length
      ? { initContainers: initContainers.map((image, i) => ({ name: `i${i}`, image })) }
      : {}),
  };
  const template = { metadata: {}, spec: podSpec };
  const spec =
    kind === 'CronJob' ? { schedule: '* * * * *', jobTemplate: { spec: { template } } } : { template };
  return { kind, metadata: { name: 'w', namespace: 'ns' }, spec };
}

describe('planApply', () => {
  const repo = '127.0.0.1:5000/team/app';

  it('patches only matching containers and init containers, each with a test of the old value', () => {
    const w = workload(
      'Deployment',
      ['127.0.0.1:5000/team/app:v1.0.0', 'busybox:1'],
      ['127.0.0.1:5000/team/app:v1.0.0'],
    );
    const plan = planApply(w, repo, 'v1.1.0');
    expect(plan.changes).toEqual([
      {
        container: 'c0',
        init: false,
        from: '127.0.0.1:5000/team/app:v1.0.0',
        to: '127.0.0.1:5000/team/app:v1.1.0',
      },
      {
        container: 'i0',
        init: true,
        from: '127.0.0.1:5000/team/app:v1.0.0',
        to: '127.0.0.1:5000/team/app:v1.1.0',
      },
    ]);
    expect(plan.patch).toEqual([
      { op: 'test', path: '/spec/template/spec/containers/0/image', value: '127.0.0.1:5000/team/app:v1.0.0' },
      {
        op: 'replace',
        path: '/spec/template/spec/containers/0/image',
        value: '127.0.0.1:5000/team/app:v1.1.0',
      },
      {
        op: 'test',
        path: '/spec/template/spec/initContainers/0/image',
        value: '127.0.0.1:5000/team/app:v1.0.0',
      },
      {
        op: 'replace',
        path: '/spec/template/spec/initContainers/0/image',
        value: '127.0.0.1:5000/team/app:v1.1.0',
      },
    ]);
  });

  it('uses the CronJob job template path', () => {
    const plan = planApply(workload('CronJob', ['busybox', '127.0.0.1:5000/team/app:v1']), repo, 'v2');
    expect(plan.patch[1]).toEqual({
      op: 'replace',
      path: '/spec/jobTemplate/spec/template/spec/containers/1/image',
      value: '127.0.0.1:5000/team/app:v2',
    });
  });

  it('pins tag@digest for the digest rule', () => {
    const digest = 'sha256:' + 'd'.repeat(64);
    const plan = planApply(
      workload('StatefulSet', ['127.0.0.1:5000/team/app:latest']),
      repo,
      'latest',
      digest,
    );
    expect(plan.changes[0]!.to).toBe(`127.0.0.1:5000/team/app:latest@${digest}`);
  });

  it('is empty when the workload already runs the reference (idempotent) or uses other repositories', () => {
    expect(planApply(workload('DaemonSet', ['127.0.0.1:5000/team/app:v2']), repo, 'v2').patch).toEqual([]);
    expect(planApply(workload('Deployment', ['127.0.0.1:5000/team/other:v1']), repo, 'v2').patch).toEqual([]);
    expect(planApply(workload('Deployment', ['127.0.0.1:5001/team/app:v1']), repo, 'v2').patch).toEqual([]);
  });

  it('matches Docker Hub names in any spelling', () => {
    const w = workload('Deployment', ['nginx:1.25', 'docker.io/library/nginx:1.25', 'library/nginx:1.25']);
    const plan = planApply(w, 'docker.io/library/nginx', '1.26');
    expect(plan.changes.map((c) => c.to)).toEqual([
      'nginx:1.26',
      'docker.io/library/nginx:1.26',
      'library/nginx:1.26',
    ]);
  });
});

describe('usesRepository, podSpecOf', () => {
  it('finds init-only users and tolerates workloads without a template', () => {
    expect(usesRepository(workload('Deployment', ['busybox'], ['ghcr.io/a/b:1']), 'ghcr.io/a/b')).toBe(true);
    expect(usesRepository(workload('Deployment', ['busybox']), 'ghcr.io/a/b')).toBe(false);
    const bare: Workload = { kind: 'Deployment', metadata: { name: 'x' } };
    expect(podSpecOf(bare)).toBeUndefined();
    expect(usesRepository(bare, 'ghcr.io/a/b')).toBe(false);
    expect(planApply(bare, 'ghcr.io/a/b', 'v1').patch).toEqual([]);
  });
});

describe('repositoriesOf', () => {
  it('names every repository of containers and init containers, normalised, skipping references that do not parse', () => {
    const w = workload(
      'CronJob',
      ['nginx:1.25', 'docker.io/library/nginx@sha256:' + 'a'.repeat(64), 'BAD REF'],
      ['ghcr.io/a/b:1'],
    );
    expect([...repositoriesOf(w)].sort()).toEqual(['docker.io/library/nginx', 'ghcr.io/a/b']);
    expect(repositoriesOf({ kind: 'Deployment', metadata: { name: 'x' } }).size).toBe(0);
  });

  it('reads a workload object once, however many repositories are asked about; a new object is read afresh', () => {
    const w = workload('Deployment', ['ghcr.io/a/b:1', 'busybox']);
    const spec = (w.spec as { template: { spec: { containers: unknown[] } } }).template.spec;
    const containers = spec.containers;
    let reads = 0;
    Object.defineProperty(spec, 'containers', {
      get: () => {
        reads++;
        return containers;
      },
    });
    for (let i = 0; i < 50; i++) expect(usesRepository(w, `ghcr.io/a/other-${i}`)).toBe(false);
    expect(usesRepository(w, 'ghcr.io/a/b')).toBe(true);
    expect(usesRepository(w, 'docker.io/library/busybox', compileTargets([{ kind: 'StatefulSet' }]))).toBe(
      false,
    );
    expect(reads).toBeLessThanOrEqual(3); // the memo, then the targeted check of the two users
    const changed = workload('Deployment', ['ghcr.io/a/c:1']);
    expect(usesRepository(changed, 'ghcr.io/a/b')).toBe(false);
    expect(usesRepository(changed, 'ghcr.io/a/c')).toBe(true);
  });
});

describe('restartPatch', () => {
  it('sets the kubectl restartedAt annotation on the pod template, not for CronJobs', () => {
    expect(restartPatch('Deployment', new Date('2025-03-04T05:06:07.890Z'))).toEqual({
      spec: {
        template: {
          metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2025-03-04T05:06:07Z' } },
        },
      },
    });
    expect(restartPatch('CronJob', new Date())).toBeUndefined();
  });
});

describe('planApply with targets', () => {
  const repo = '127.0.0.1:5000/team/app';
  const two = () => workload('Deployment', ['127.0.0.1:5000/team/app:v1', '127.0.0.1:5000/team/app:v1']);

  it('changes only the targeted container of the targeted workload', () => {
    const targets = compileTargets([{ kind: 'Deployment', name: 'w', containers: ['c1'] }]);
    const plan = planApply(two(), repo, 'v2', undefined, targets);
    expect(plan.changes.map((c) => c.container)).toEqual(['c1']);
    expect(plan.patch.map((p) => p.path)).toEqual([
      '/spec/template/spec/containers/1/image',
      '/spec/template/spec/containers/1/image',
    ]);
  });

  it('leaves a workload no target names alone', () => {
    const targets = compileTargets([{ kind: 'Deployment', name: 'other' }]);
    expect(planApply(two(), repo, 'v2', undefined, targets).changes).toEqual([]);
    expect(usesRepository(two(), repo, targets)).toBe(false);
    expect(usesRepository(two(), repo)).toBe(true);
  });
});

describe('planRollback', () => {
  const from = '127.0.0.1:5000/team/app:v1.0.0';
  const to = '127.0.0.1:5000/team/app:v2.0.0';

  it('puts back exactly the containers apply changed, testing the name and the reference apply wrote', () => {
    const w = workload('Deployment', ['busybox:1', to], [to]);
    const plan = planRollback(w, [{ name: 'c1', init: false, from, to }]);
    expect(plan.reverted).toEqual(['c1']);
    expect(plan.patch).toEqual([
      { op: 'test', path: '/spec/template/spec/containers/1/name', value: 'c1' },
      { op: 'test', path: '/spec/template/spec/containers/1/image', value: to },
      { op: 'replace', path: '/spec/template/spec/containers/1/image', value: from },
    ]);
  });

  it('leaves alone a container someone changed since apply (or that is gone)', () => {
    const w = workload('CronJob', ['127.0.0.1:5000/team/app:v2.0.1'], [to]);
    const plan = planRollback(w, [
      { name: 'c0', from, to },
      { name: 'i0', init: true, from, to },
      { name: 'gone', from, to },
    ]);
    expect(plan.changed).toEqual(['c0', 'gone']);
    expect(plan.reverted).toEqual(['i0']);
    expect(plan.patch.at(-1)).toEqual({
      op: 'replace',
      path: '/spec/jobTemplate/spec/template/spec/initContainers/0/image',
      value: from,
    });
  });
});

describe('rollout marks', () => {
  const mark = rolloutMark('web', 'v1.1.0', 'sha256:' + 'b'.repeat(64));

  it('apply sets the mark in the same patch as the image, whatever metadata the template has', () => {
    const bare = workload('Deployment', ['ghcr.io/acme/web:v1.0.0']);
    const spec = bare.spec as { template: { metadata?: Record<string, unknown> } };
    const cases: [unknown, string, unknown][] = [
      [undefined, '/spec/template/metadata', { annotations: { [mark.key]: mark.value } }],
      [{}, '/spec/template/metadata/annotations', { [mark.key]: mark.value }],
      [
        { annotations: { a: 'b' } },
        '/spec/template/metadata/annotations/rollout.tagpilot.dev~1web',
        mark.value,
      ],
    ];
    for (const [metadata, path, value] of cases) {
      spec.template.metadata = metadata as Record<string, unknown> | undefined;
      const plan = planApply(bare, 'ghcr.io/acme/web', 'v1.1.0', undefined, undefined, mark);
      expect(plan.patch.at(-1)).toEqual({ op: 'add', path, value });
    }
  });

  it('apply adds no mark when nothing changes', () => {
    const current = workload('Deployment', ['ghcr.io/acme/web:v1.1.0']);
    expect(planApply(current, 'ghcr.io/acme/web', 'v1.1.0', undefined, undefined, mark).patch).toEqual([]);
  });

  it('a template carries the mark of the same change, by tag when a digest is unknown', () => {
    const w = workload('Deployment', ['ghcr.io/acme/web:v1.1.0']);
    (w.spec as { template: { metadata: unknown } }).template.metadata = {
      annotations: { [mark.key]: mark.value },
    };
    expect(carriesMark(w, mark)).toBe(true);
    expect(carriesMark(w, rolloutMark('web', 'v1.1.0'))).toBe(true);
    expect(carriesMark(w, rolloutMark('web', 'v1.2.0'))).toBe(false);
    expect(carriesMark(w, rolloutMark('web', 'v1.1.0', 'sha256:' + 'c'.repeat(64)))).toBe(false);
    expect(carriesMark(w, rolloutMark('other', 'v1.1.0'))).toBe(false);
    (w.spec as { template: { metadata: unknown } }).template.metadata = {
      annotations: { [mark.key]: 'v1.1.0' },
    };
    expect(carriesMark(w, mark)).toBe(false);
  });

  it('restart sets the mark with restartedAt', () => {
    const patch = restartPatch('Deployment', new Date('2026-01-01T00:00:00Z'), mark);
    expect(patch).toEqual({
      spec: {
        template: {
          metadata: {
            annotations: {
              'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00Z',
              [mark.key]: mark.value,
            },
          },
        },
      },
    });
  });

  it('keeps a long Image name within the 63 characters of an annotation name', () => {
    const long = rolloutMark('a'.repeat(200), 'v1');
    expect(long.key.slice('rollout.tagpilot.dev/'.length)).toHaveLength(63);
    expect(long.key).not.toBe(rolloutMark('a'.repeat(199) + 'b', 'v1').key);
  });
});
