import { describe, expect, it } from 'vitest';
import type { Image, ImageSpec } from '../../crds/index.js';
import { parseImageReference } from '../registry/index.js';
import type { HookEvent } from '../triggers/index.js';
import { hookRelay } from './hook-relay.js';

const REPO = 'registry.example.com/team/web';

function image(name: string, spec: Partial<ImageSpec>): Image {
  return {
    apiVersion: 'tagpilot.dev/v1alpha1',
    kind: 'Image',
    metadata: { name, namespace: 'ns' },
    spec: {
      image: REPO,
      triggers: [{ type: 'webhook' }],
      rules: [{ type: 'newest-build', actions: [{ type: 'apply' }] }],
      ...spec,
    },
  };
}

const event = (tag?: string): HookEvent => ({
  source: 'generic',
  repository: REPO,
  reference: parseImageReference(REPO),
  tags: tag === undefined ? [] : [tag],
  ...(tag === undefined ? {} : { tag }),
});

function relay(images: Image[], leading = true) {
  const enqueued: string[] = [];
  const pushed: [string, readonly string[]][] = [];
  const patched: string[] = [];
  const onHook = hookRelay({
    images: { jsonPatch: async (_ns: string, name: string) => (patched.push(name), images[0]!) },
    list: () => images,
    leading: () => leading,
    stopping: () => false,
    enqueue: (key) => enqueued.push(key),
    pushed: (key, tags) => pushed.push([key, tags]),
  });
  return { onHook, enqueued, pushed, patched };
}

describe('hookRelay', () => {
  const images = [
    image('build', { baseTag: 'main-0000000', tagFilter: { include: '^main-' } }),
    image('release', { baseTag: 'v1.0.0', tagFilter: { include: '^v' } }),
    image('semver', { baseTag: '1.0.0', rules: [{ type: 'semver-major', actions: [{ type: 'apply' }] }] }),
    image('other', { image: 'registry.example.com/team/api' }),
    image('cron', { triggers: [{ type: 'crontab', value: '@hourly' }] }),
  ];

  it('queues only Images whose filter and rules accept the tag, and says why for the others', async () => {
    const r = relay(images);
    const answer = await r.onHook(event('main-7f3a9c1'));
    expect(answer.matched).toBe(3);
    expect(answer.results).toEqual([
      { image: 'ns/build', tag: 'main-7f3a9c1', accepted: true, reason: expect.stringMatching(/build time/) },
      {
        image: 'ns/release',
        tag: 'main-7f3a9c1',
        accepted: false,
        reason: 'tag main-7f3a9c1 does not match tagFilter.include ^v',
      },
      { image: 'ns/semver', tag: 'main-7f3a9c1', accepted: false, reason: expect.stringMatching(/rejected/) },
    ]);
    expect(r.enqueued).toEqual(['ns/build']);
    expect(r.pushed).toEqual([['ns/build', ['main-7f3a9c1']]]);
  });

  it('without a tag every following Image is queued', async () => {
    const r = relay(images);
    const answer = await r.onHook(event());
    expect(answer.results.every((x) => x.accepted)).toBe(true);
    expect(r.enqueued).toEqual(['ns/build', 'ns/release', 'ns/semver']);
    expect(r.pushed).toEqual([]);
  });

  it('a follower asks the leader only for the accepting Images', async () => {
    const r = relay(images, false);
    await r.onHook(event('v1.1.0'));
    // semver-major keeps the current tag's shape: 1.0.0 never moves to v1.1.0.
    expect(r.patched).toEqual(['release']);
    expect(r.enqueued).toEqual([]);
  });
});
