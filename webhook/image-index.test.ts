import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Image } from '../crds/index.js';
import { ImageIndex } from './image-index.js';
import { namespacePins } from './pins.js';

const NAMESPACES = ['a', 'b'];
const REPOSITORIES = ['reg.local/web', 'reg.local/api', 'docker.io/library/nginx', 'not a reference!'];

function image(
  namespace: string,
  name: string,
  repo: string,
  tag: string | undefined,
  digestRule: boolean,
  suspend: boolean,
): Image {
  return {
    apiVersion: 'tagpilot.dev/v1alpha1',
    kind: 'Image',
    metadata: { name, namespace },
    spec: {
      image: repo,
      triggers: [{ type: 'webhook' }],
      rules: [{ type: digestRule ? 'digest' : 'semver-minor', actions: [{ type: 'apply' }] }],
      ...(suspend ? { suspend: true } : {}),
    },
    status: {
      ...(tag ? { tag } : {}),
      digest: `sha256:${(tag ?? 'none')
        .padEnd(64, '0')
        .replace(/[^0-9a-f]/g, 'a')
        .slice(0, 64)}`,
    },
  };
}

const op = fc.record({
  del: fc.boolean(),
  namespace: fc.constantFrom(...NAMESPACES),
  name: fc.constantFrom('i1', 'i2', 'i3', 'i4', 'i5'),
  repo: fc.constantFrom(...REPOSITORIES),
  tag: fc.constantFrom(undefined, 'v1.0.0', 'v1.1.0', 'bad tag'),
  digestRule: fc.boolean(),
  suspend: fc.boolean(),
});

describe('ImageIndex', () => {
  it('keeps each namespace’s pins equal to namespacePins over its Images, through any upserts and deletes', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const index = new ImageIndex();
        const truth = new Map<string, Image>();
        for (const o of ops) {
          const key = `${o.namespace}/${o.name}`;
          if (o.del) {
            index.delete({ metadata: { name: o.name, namespace: o.namespace } });
            truth.delete(key);
          } else {
            const img = image(o.namespace, o.name, o.repo, o.tag, o.digestRule, o.suspend);
            index.upsert(img);
            truth.set(key, img);
          }
          for (const ns of NAMESPACES) {
            const want = namespacePins([...truth.values()].filter((i) => i.metadata.namespace === ns));
            expect(index.pinsFor(ns)).toEqual(want);
          }
          expect(index.size).toBe(truth.size);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('changes the pins of the namespace an Image is in, and only those', () => {
    const index = new ImageIndex();
    index.upsert(image('a', 'web', 'reg.local/web', 'v1.0.0', false, false));
    const pins = index.pinsFor('a');
    expect(pins.byRepository.get('reg.local/web')?.tag).toBe('v1.0.0');
    index.upsert(image('b', 'web', 'reg.local/web', 'v2.0.0', false, false));
    expect(index.pinsFor('a').byRepository.get('reg.local/web')?.tag).toBe('v1.0.0');
    index.upsert(image('a', 'web', 'reg.local/web', 'v1.1.0', false, false));
    expect(index.pinsFor('a').byRepository.get('reg.local/web')?.tag).toBe('v1.1.0');
    index.delete({ metadata: { name: 'web', namespace: 'a' } });
    expect(index.pinsFor('a').byRepository.size).toBe(0);
  });
});
