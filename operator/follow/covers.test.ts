import { describe, expect, it } from 'vitest';
import { covers } from './covers.js';

const desired = {
  metadata: { name: 'a', labels: { x: '1' } },
  spec: { image: 'nginx', triggers: [{ type: 'webhook' }], targets: [{ kind: 'Deployment', name: 'w' }] },
};

describe('covers', () => {
  it('ignores fields the apiserver defaults or others add', () => {
    const stored = {
      metadata: { name: 'a', uid: 'u', labels: { x: '1', y: '2' } },
      spec: { ...desired.spec, baseTag: 'latest', suspend: false, triggers: [{ type: 'webhook' }] },
      status: { tag: 'v1' },
    };
    expect(covers(stored, desired)).toBe(true);
  });

  it.each([
    ['a changed value', { image: 'busybox' }],
    ['a dropped list entry', { triggers: [] }],
    ['an extra list entry', { triggers: [{ type: 'webhook' }, { type: 'manual' }] }],
    ['a removed field', { targets: undefined }],
  ])('sees %s', (_name, change) => {
    expect(covers({ metadata: desired.metadata, spec: { ...desired.spec, ...change } }, desired)).toBe(false);
  });
});
