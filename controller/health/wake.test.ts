import { KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Cache } from '../../common/cache.js';
import { Informer } from '../../common/informer.js';
import type { Image, ImageRolloutWorkload } from '../../crds/index.js';
import type { Workload, WorkloadKind } from '../kube/workloads.js';
import { RolloutIndex, indexRollouts, rolloutsOfPod, rolloutsOfWorkload } from './wake.js';

const image = (
  name: string,
  followed?: Pick<ImageRolloutWorkload, 'kind' | 'name'>[],
  namespace = 'shop',
): Image =>
  ({
    metadata: { name, namespace },
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
const indexOf = (list: Image[]) => {
  const index = new RolloutIndex();
  for (const i of list) index.set(i);
  return index;
};
const index = indexOf(images);

describe('rolloutsOfWorkload', () => {
  it.each([
    [workload('Deployment', 'web'), ['web']],
    [workload('StatefulSet', 'db'), ['api']],
    [workload('Deployment', 'db'), []],
    [workload('CronJob', 'nightly'), ['cron']],
    [workload('Deployment', 'other'), []],
  ])('%j wakes %j', (w, expected) => {
    expect(names(rolloutsOfWorkload(index, w))).toEqual(expected);
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
    expect(names(rolloutsOfPod(index, pod(labels), cached))).toEqual(expected);
  });

  it('a followed workload the cache does not know wakes nobody (the poll still looks)', () => {
    expect(rolloutsOfPod(index, pod({ app: 'web' }), () => undefined)).toEqual([]);
  });
});

describe('RolloutIndex', () => {
  const web = workload('Deployment', 'web', { app: 'web' });
  const cached = (kind: WorkloadKind, name: string) =>
    kind === 'Deployment' && name === 'web' ? web : undefined;

  it('follows each version of an Image: a rollout started, moved, ended, and the Image deleted', () => {
    const index = new RolloutIndex();
    index.set(image('web'));
    expect(rolloutsOfWorkload(index, web)).toEqual([]);
    index.set(image('web', [{ kind: 'Deployment', name: 'web' }]));
    expect(names(rolloutsOfWorkload(index, web))).toEqual(['web']);
    expect(names(rolloutsOfPod(index, pod({ app: 'web' }), cached))).toEqual(['web']);
    index.set(image('web', [{ kind: 'StatefulSet', name: 'db' }]));
    expect(rolloutsOfWorkload(index, web)).toEqual([]);
    expect(names(rolloutsOfWorkload(index, workload('StatefulSet', 'db')))).toEqual(['web']);
    index.set(image('web'));
    expect(rolloutsOfWorkload(index, workload('StatefulSet', 'db'))).toEqual([]);
    index.set(image('web', [{ kind: 'Deployment', name: 'web' }]));
    index.delete(image('web'));
    expect(rolloutsOfWorkload(index, web)).toEqual([]);
    expect(rolloutsOfPod(index, pod({ app: 'web' }), cached)).toEqual([]);
    expect([...index.followed('shop')]).toEqual([]);
  });

  it('answers with the latest version of an Image, once per Image, and only in the workload namespace', () => {
    const index = new RolloutIndex();
    const followsWeb = [{ kind: 'Deployment' as const, name: 'web' }];
    index.set(image('a', followsWeb));
    index.set(image('b', [...followsWeb, { kind: 'Deployment', name: 'web' }]));
    index.set(image('c', followsWeb, 'other'));
    const newer = image('a', followsWeb);
    newer.metadata.resourceVersion = '9';
    index.set(newer);
    const found = rolloutsOfWorkload(index, web);
    expect(names(found)).toEqual(['a', 'b']);
    expect(found[0]).toBe(newer);
    expect(names(rolloutsOfPod(index, pod({ app: 'web' }), cached))).toEqual(['a', 'b']);
    index.delete(image('a'));
    expect(names(rolloutsOfWorkload(index, web))).toEqual(['b']);
  });
});

describe('indexRollouts', () => {
  const web = workload('Deployment', 'web');
  const version = (i: Image, resourceVersion: string): Image => ({
    ...i,
    metadata: { ...i.metadata, resourceVersion },
  });

  it('sees a rollout the controller wrote itself (upsert), though its watch event then emits no update', async () => {
    // A real Image cache over a watch the test drives.
    let send: (phase: string, o: unknown) => void = () => undefined;
    const informer = new Informer<Image>({
      kubeConfig: new KubeConfig(),
      path: '/apis/tagpilot.dev/v1alpha1/images',
      log: pino({ level: 'silent' }),
      list: () =>
        Promise.resolve({ items: [version(image('web'), '1')], metadata: { resourceVersion: '1' } }),
    });
    (informer as unknown as { watch: unknown }).watch = {
      watch: (_p: string, _q: unknown, cb: typeof send) => {
        send = cb;
        return Promise.resolve(new AbortController());
      },
    };
    const cache = new Cache<Image>([], () => informer);
    const index = indexRollouts(cache);
    await cache.start();
    await new Promise((r) => setImmediate(r));
    expect(rolloutsOfWorkload(index, web)).toEqual([]);
    // The gate's status write, put into the cache from the apiserver's answer ...
    const following = version(image('web', [{ kind: 'Deployment', name: 'web' }]), '2');
    cache.upsert(following);
    expect(names(rolloutsOfWorkload(index, web))).toEqual(['web']);
    // ... then the same version from the watch (no update), a later one without the rollout, a delete.
    send('MODIFIED', following);
    expect(names(rolloutsOfWorkload(index, web))).toEqual(['web']);
    send('MODIFIED', version(image('web'), '3'));
    expect(rolloutsOfWorkload(index, web)).toEqual([]);
    send('MODIFIED', version(image('web', [{ kind: 'Deployment', name: 'web' }]), '4'));
    expect(names(rolloutsOfWorkload(index, web))).toEqual(['web']);
    send('DELETED', version(image('web', [{ kind: 'Deployment', name: 'web' }]), '5'));
    expect(rolloutsOfWorkload(index, web)).toEqual([]);
    await cache.stop();
  });
});
