import { describe, expect, it } from 'vitest';
import type { Image } from '../crds/index.js';
import { namespacePins } from '../webhook/pins.js';
import { compactImage } from './compact-image.js';
import { imageReadiness, imageStatusUpdate } from './reconcile/image-status.js';

const condition = (type: string, status: 'True' | 'False', reason: string) => ({
  type,
  status,
  reason,
  message: `${type} says ${reason}`,
  lastTransitionTime: '2026-01-01T00:00:00Z',
  observedGeneration: 3,
});

const full: Image = {
  apiVersion: 'tagpilot.dev/v1alpha1',
  kind: 'Image',
  metadata: {
    name: 'web',
    namespace: 'team',
    uid: 'u-1',
    resourceVersion: '42',
    generation: 3,
    labels: { app: 'web' },
    annotations: {
      note: 'kept',
      'kubectl.kubernetes.io/last-applied-configuration': '{"a huge":"copy of the object"}',
    },
    ownerReferences: [
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd-1', controller: true },
    ],
    managedFields: [{ manager: 'tagpilot-controller', operation: 'Apply', fieldsV1: { 'f:status': {} } }],
    creationTimestamp: new Date('2026-01-01T00:00:00Z'),
  },
  spec: {
    image: 'registry.local:5000/web',
    triggers: [{ type: 'crontab', value: '@hourly' }],
    rules: [{ type: 'digest', actions: [{ type: 'apply' }] }],
  },
  status: {
    tag: 'v1.4.2',
    digest: `sha256:${'a'.repeat(64)}`,
    result: 'RegistryError',
    message: 'the registry answered 503',
    observedGeneration: 3,
    lastCheckTime: '2026-01-01T00:00:00Z',
    nextCheckTime: '2026-01-01T01:00:00Z',
    conditions: [
      condition('Ready', 'True', 'Valid'),
      condition('UpToDate', 'True', 'Applied'),
      condition('Healthy', 'True', 'Healthy'),
    ],
    history: Array.from({ length: 10 }, (_, i) => ({ tag: `v1.${i}.0`, time: '2026-01-01T00:00:00Z' })),
  },
};

describe('compactImage', () => {
  it('drops managedFields, the last-applied copy and the controller’s bookkeeping', () => {
    const c = compactImage(structuredClone(full));
    expect(c.metadata.managedFields).toBeUndefined();
    expect(c.metadata.annotations).toEqual({ note: 'kept' });
    expect(c.status).toEqual({
      tag: full.status!.tag,
      digest: full.status!.digest,
      result: 'RegistryError',
      message: 'the registry answered 503',
      observedGeneration: 3,
      conditions: full.status!.conditions!.slice(0, 2),
    });
  });

  it('keeps every field the pins, the Ready reconciler and annotation mode read', () => {
    const c = compactImage(structuredClone(full));
    expect(namespacePins([c])).toEqual(namespacePins([full]));
    const now = new Date('2026-02-01T00:00:00Z');
    const desired = imageReadiness(full, new Set());
    expect(imageReadiness(c, new Set())).toEqual(desired);
    expect(imageStatusUpdate(c, desired, now)).toEqual(imageStatusUpdate(full, desired, now));
    for (const k of [
      'name',
      'namespace',
      'uid',
      'resourceVersion',
      'generation',
      'labels',
      'ownerReferences',
    ] as const)
      expect(c.metadata[k]).toEqual(full.metadata[k]);
    expect(c.spec).toEqual(full.spec);
  });
});
