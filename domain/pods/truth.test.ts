import { describe, expect, it } from 'vitest';
import { imageIdDigest, judgePods, nodePlatform, type PodFacts } from './truth.js';

const d = (c: string) => `sha256:${c.repeat(64)}`;
const INDEX = d('1');
const AMD = d('a');
const ARM = d('b');
const OLD_INDEX = d('0');
const OLD_ARM = d('c');
const tag = {
  digest: INDEX,
  platforms: [
    { platform: { os: 'linux', architecture: 'amd64' }, digest: AMD },
    { platform: { os: 'linux', architecture: 'arm64' }, digest: ARM },
  ],
};
const nodes = new Map([
  ['amd', { os: 'linux', architecture: 'amd64' }],
  ['arm', { os: 'linux', architecture: 'arm64' }],
]);
const mark = { key: 'rollout.tagpilot.dev/web', value: `latest@${INDEX}` };
const pod = (name: string, node: string, imageID?: string, annotations = {}): PodFacts => ({
  workload: 'Deployment/web',
  name,
  node,
  annotations,
  containers: [{ name: 'web', imageID }],
});

describe('imageIdDigest', () => {
  it.each([
    [`reg.local/acme/web@${INDEX}`, INDEX],
    [`docker-pullable://acme/web@${AMD}`, AMD],
    [INDEX, undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%s → %s', (id, want) => expect(imageIdDigest(id)).toBe(want));
});

describe('nodePlatform', () => {
  it('reads kubernetes.io/os and kubernetes.io/arch', () => {
    expect(nodePlatform({ 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'arm64' })).toEqual({
      os: 'linux',
      architecture: 'arm64',
    });
    expect(nodePlatform({ 'kubernetes.io/os': 'linux' })).toBeUndefined();
  });
});

describe('judgePods', () => {
  it('counts the index digest and the entry of the node platform as current, anything else as stale', () => {
    const t = judgePods(
      [
        pod('a-index', 'amd', `r/web@${INDEX}`),
        pod('b-amd', 'amd', `r/web@${AMD}`),
        pod('c-arm', 'arm', `r/web@${ARM}`),
        pod('d-old', 'arm', `r/web@${OLD_INDEX}`),
        pod('e-wrong-arch', 'arm', `r/web@${AMD}`),
        pod('f-pending', 'amd'),
      ],
      nodes,
      tag,
      mark,
    );
    expect(t.status).toMatchObject({ digest: INDEX, current: 3, stale: 2, unknown: 1 });
    expect(t.status.stalePods).toEqual([
      {
        workload: 'Deployment/web',
        pod: 'd-old',
        container: 'web',
        node: 'arm',
        platform: 'linux/arm64',
        running: OLD_INDEX,
        expected: ARM,
      },
      expect.objectContaining({ pod: 'e-wrong-arch', running: AMD, expected: ARM }),
    ]);
    expect(t.workloads.get('Deployment/web')).toEqual({
      current: 3,
      stale: 2,
      unknown: 1,
      staleAfterRestart: 0,
    });
  });

  it('on a node of unknown platform any entry of the current image is current', () => {
    const t = judgePods(
      [pod('a', 'gone', `r/web@${ARM}`), pod('b', 'gone', `r/web@${OLD_ARM}`)],
      nodes,
      tag,
      mark,
    );
    expect(t.status).toMatchObject({ current: 1, stale: 1 });
    expect(t.status.stalePods?.[0]).toMatchObject({ pod: 'b', expected: INDEX });
    expect(t.status.stalePods?.[0]).not.toHaveProperty('platform');
  });

  it('on an arm node (its labels name no variant) the v6 and the v7 entry are both current; stale expects v7', () => {
    const V6 = d('6');
    const V7 = d('7');
    const armIndex = {
      digest: INDEX,
      platforms: [
        { platform: { os: 'linux', architecture: 'arm', variant: 'v6' }, digest: V6 },
        { platform: { os: 'linux', architecture: 'arm', variant: 'v7' }, digest: V7 },
        { platform: { os: 'linux', architecture: 'amd64' }, digest: AMD },
      ],
    };
    const pi = new Map([['pi', { os: 'linux', architecture: 'arm' }]]);
    const t = judgePods(
      [pod('a', 'pi', `r/web@${V6}`), pod('b', 'pi', `r/web@${V7}`), pod('c', 'pi', `r/web@${AMD}`)],
      pi,
      armIndex,
      mark,
    );
    expect(t.status).toMatchObject({ current: 2, stale: 1 });
    expect(t.status.stalePods?.[0]).toMatchObject({ pod: 'c', expected: V7, platform: 'linux/arm' });
  });

  it('marks stale Pods that a restart for this digest created', () => {
    const t = judgePods(
      [pod('a', 'arm', `r/web@${OLD_ARM}`, { [mark.key]: mark.value }), pod('b', 'arm', `r/web@${OLD_ARM}`)],
      nodes,
      tag,
      mark,
    );
    expect(t.workloads.get('Deployment/web')).toMatchObject({ stale: 2, staleAfterRestart: 1 });
    expect(t.status.stalePods?.map((p) => p.afterRestart)).toEqual([true, undefined]);
  });

  it('lists at most 10 stale containers but counts them all', () => {
    const many = Array.from({ length: 14 }, (_, i) =>
      pod(`p${String(i).padStart(2, '0')}`, 'amd', `r@${OLD_INDEX}`),
    );
    const t = judgePods(many, nodes, tag, mark);
    expect(t.status.stale).toBe(14);
    expect(t.status.stalePods).toHaveLength(10);
  });
});
