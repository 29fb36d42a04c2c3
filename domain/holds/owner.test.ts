import { describe, expect, it } from 'vitest';
import { imageOwner, imageOwnership, type ManagedFieldsEntry } from './owner.js';

const containers = (name: string, fields: object = { 'f:image': {} }) => ({
  'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { [`k:{"name":"${name}"}`]: fields } } } },
});

describe('imageOwner', () => {
  const entries: ManagedFieldsEntry[] = [
    {
      manager: 'kube-controller-manager',
      operation: 'Update',
      subresource: 'status',
      fieldsV1: containers('web'),
    },
    {
      manager: 'kubectl-client-side-apply',
      operation: 'Update',
      time: '2026-11-28T09:00:00Z',
      fieldsV1: containers('web', { 'f:name': {} }),
    },
    {
      manager: 'kubectl-rollout',
      operation: 'Update',
      time: new Date('2026-11-28T10:05:00Z'),
      fieldsV1: containers('web'),
    },
  ];

  it('is the manager whose field set holds the image, status subresources aside', () => {
    expect(imageOwner('Deployment', entries, 'web')).toEqual({
      manager: 'kubectl-rollout',
      time: '2026-11-28T10:05:00Z',
    });
  });

  it.each([
    ['another container', 'Deployment', 'sidecar', false],
    ['an init container of that name', 'Deployment', 'web', true],
    ['a kind whose pod spec sits elsewhere', 'CronJob', 'web', false],
    ['a kind that is not a workload', 'Pod', 'web', false],
  ])('is unknown for %s', (_, kind, name, init) => {
    expect(imageOwner(kind, entries, name, init)).toBeUndefined();
  });

  it('reads CronJobs and init containers', () => {
    const cron: ManagedFieldsEntry = {
      manager: 'kubectl-set',
      time: '2026-11-28T10:06:00Z',
      fieldsV1: {
        'f:spec': {
          'f:jobTemplate': {
            'f:spec': {
              'f:template': { 'f:spec': { 'f:initContainers': { 'k:{"name": "init"}': { 'f:image': {} } } } },
            },
          },
        },
      },
    };
    expect(imageOwner('CronJob', [cron], 'init', true)).toEqual({
      manager: 'kubectl-set',
      time: '2026-11-28T10:06:00Z',
    });
  });

  it('skips keys it cannot read', () => {
    const odd: ManagedFieldsEntry = {
      manager: 'x',
      fieldsV1: {
        'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{bad': { 'f:image': {} } } } } },
      },
    };
    expect(imageOwner('Deployment', [odd], 'web')).toBeUndefined();
    expect(imageOwner('Deployment', undefined, 'web')).toBeUndefined();
  });
});

describe('imageOwnership', () => {
  const entries: ManagedFieldsEntry[] = [
    {
      manager: 'kubectl-client-side-apply',
      operation: 'Update',
      time: '2026-11-28T09:00:00Z',
      fieldsV1: {
        'f:metadata': { 'f:labels': { 'f:app': {} } },
        'f:spec': {
          'f:replicas': {},
          'f:template': {
            'f:spec': {
              'f:containers': {
                'k:{"name":"web"}': { 'f:name': {}, 'f:image': {}, 'f:ports': {} },
                'k:{"name":"side"}': { 'f:name': {} },
              },
            },
          },
        },
      },
    },
    { manager: 'kube-controller-manager', subresource: 'status', fieldsV1: { 'f:status': {} } },
    {
      manager: 'kubectl-scale',
      operation: 'Update',
      time: '2026-11-28T09:30:00Z',
      fieldsV1: { 'f:spec': { 'f:replicas': {} } },
    },
    {
      manager: 'kubectl-rollout',
      operation: 'Update',
      time: '2026-11-28T10:05:00Z',
      fieldsV1: {
        'f:spec': {
          'f:template': { 'f:spec': { 'f:initContainers': { 'k:{"name":"side"}': { 'f:image': {} } } } },
        },
      },
    },
  ];
  const cut = imageOwnership('Deployment', entries);

  it('keeps only the entries and fields that own an image', () => {
    expect(cut?.map((e) => e.manager)).toEqual(['kubectl-client-side-apply', 'kubectl-rollout']);
    expect(JSON.stringify(cut)).not.toContain('f:replicas');
    expect(JSON.stringify(cut)).not.toContain('f:ports');
  });

  it.each([
    ['web', false],
    ['side', false],
    ['side', true],
    ['web', true],
  ])('answers imageOwner exactly as the full list does (container %s, init %s)', (name, init) => {
    expect(imageOwner('Deployment', cut, name, init)).toEqual(imageOwner('Deployment', entries, name, init));
  });

  it('is nothing for a kind that is not a workload, or when no entry owns an image', () => {
    expect(imageOwnership('Pod', entries)).toBeUndefined();
    expect(imageOwnership('Deployment', [entries[2]!])).toBeUndefined();
  });
});
