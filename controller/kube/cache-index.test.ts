// The workloads' index by repository, kept from real informers (common/informer.ts) whose watch the test
// drives: what it answers must always be what list() and a filter would.
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Cache } from '../../common/cache.js';
import { fakeWatch, type FakeWatch } from '../../common/informer.fakes.js';
import { Informer } from '../../common/informer.js';
import { repositoriesOf } from './pod-spec.js';
import { CacheIndex } from './cache-index.js';
import { WatchedLists } from './watched-lists.js';
import type { Workload, WorkloadKind } from './workloads.js';

const A = 'registry.example.com/team/a';
const B = 'registry.example.com/team/b';
const C = 'registry.example.com/team/c';

let rv = 1;
function workload(
  kind: WorkloadKind,
  namespace: string,
  name: string,
  images: string[],
  init: string[] = [],
): Workload {
  const spec = {
    containers: images.map((image, i) => ({ name: `c${i}`, image })),
    ...(init.length ? { initContainers: init.map((image, i) => ({ name: `i${i}`, image })) } : {}),
  };
  return {
    kind,
    metadata: { name, namespace, resourceVersion: String(++rv) },
    spec: kind === 'CronJob' ? { jobTemplate: { spec: { template: { spec } } } } : { template: { spec } },
  };
}

/** What the apiserver holds, per kind; the informers list it. */
type Server = Map<string, Workload>;
const stopped: WatchedLists<Workload>[] = [];

function setup(namespaces: string[] = []) {
  const kinds: WorkloadKind[] = ['Deployment', 'CronJob'];
  const servers = new Map<WorkloadKind, Server>(kinds.map((k) => [k, new Map()]));
  const watches = new Map<WorkloadKind, FakeWatch>();
  const fallbacks: string[] = [];
  const caches = kinds.map(
    (kind) =>
      new Cache<Workload>(namespaces, () => {
        const informer = new Informer<Workload>({
          kubeConfig: new KubeConfig(),
          path: `/apis/test/${kind}`,
          log: pino({ level: 'silent' }),
          retryBaseMs: 1,
          list: async () => ({
            items: [...servers.get(kind)!.values()],
            metadata: { resourceVersion: String(rv) },
          }),
        });
        watches.set(kind, fakeWatch(informer));
        return informer;
      }),
  );
  const lists = new WatchedLists<Workload>({
    caches,
    fallback: async (ns) => {
      fallbacks.push(ns);
      return [...servers.values()].flatMap((s) => [...s.values()]).filter((w) => w.metadata.namespace === ns);
    },
    indexBy: repositoriesOf,
  });
  stopped.push(lists);
  /** The apiserver changes `w` and its watch says so. */
  const event = (phase: 'ADDED' | 'MODIFIED' | 'DELETED', w: Workload) => {
    const server = servers.get(w.kind)!;
    if (phase === 'DELETED') server.delete(`${w.metadata.namespace}/${w.metadata.name}`);
    else server.set(`${w.metadata.namespace}/${w.metadata.name}`, w);
    watches.get(w.kind)!.calls.at(-1)!.send(phase, w);
  };
  const names = async (ns: string, repository: string) =>
    (await lists.listBy(ns, repository)).map((w) => `${w.kind}/${w.metadata.name}`);
  /** list() and a filter, the way the callers looked before the index; kinds in order, each by name. */
  const expected = async (ns: string, repository: string) =>
    (await lists.list(ns))
      .filter((w) => repositoriesOf(w).has(repository))
      .sort((x, y) =>
        x.kind === y.kind
          ? x.metadata.name! < y.metadata.name!
            ? -1
            : 1
          : kinds.indexOf(x.kind) - kinds.indexOf(y.kind),
      )
      .map((w) => `${w.kind}/${w.metadata.name}`);
  return { servers, watches, caches, lists, fallbacks, event, names, expected };
}

const flush = () => new Promise((r) => setImmediate(r));

afterEach(async () => {
  for (const l of stopped.splice(0)) await l.stop();
});

describe('the workloads index by repository', () => {
  it('files the first list and watched adds under every repository a container or init container names', async () => {
    const t = setup();
    t.servers.get('Deployment')!.set('team/web', workload('Deployment', 'team', 'web', [`${A}:1`, `${B}:1`]));
    t.servers.get('CronJob')!.set('team/job', workload('CronJob', 'team', 'job', ['busybox:1'], [`${A}:1`]));
    t.lists.start();
    expect(await t.names('team', A)).toEqual(['Deployment/web', 'CronJob/job']);
    await flush();
    t.event('ADDED', workload('Deployment', 'team', 'api', [`${A}:2`]));
    t.event('ADDED', workload('Deployment', 'other', 'api', [`${A}:2`]));
    // Kinds in order, each by name (the order of the apiserver's list), whatever the order of arrival.
    expect(await t.names('team', A)).toEqual(['Deployment/api', 'Deployment/web', 'CronJob/job']);
    expect(await t.names('team', B)).toEqual(['Deployment/web']);
    expect(await t.names('team', 'docker.io/library/busybox')).toEqual(['CronJob/job']);
    expect(await t.names('team', C)).toEqual([]);
    expect(await t.names('other', A)).toEqual(['Deployment/api']);
    expect(t.fallbacks).toEqual([]);
  });

  it('moves a workload whose update changes its repositories, and forgets a deleted one', async () => {
    const t = setup();
    t.lists.start();
    await t.names('team', A);
    await flush();
    t.event('ADDED', workload('Deployment', 'team', 'web', [`${A}:1`]));
    t.event('MODIFIED', workload('Deployment', 'team', 'web', [`${B}:1`, `${C}:1`]));
    expect(await t.names('team', A)).toEqual([]);
    expect(await t.names('team', B)).toEqual(['Deployment/web']);
    t.event('MODIFIED', workload('Deployment', 'team', 'web', [`${C}:2`]));
    expect(await t.names('team', B)).toEqual([]);
    expect(await t.names('team', C)).toEqual(['Deployment/web']);
    t.event('DELETED', workload('Deployment', 'team', 'web', [`${C}:2`]));
    expect(await t.names('team', C)).toEqual([]);
  });

  it("follows this program's own writes (upsert), which their watch event then does not repeat", async () => {
    const t = setup();
    t.servers.get('Deployment')!.set('team/web', workload('Deployment', 'team', 'web', [`${A}:1`]));
    t.lists.start();
    await t.names('team', A);
    t.lists.upsert(0, workload('Deployment', 'team', 'web', [`${B}:1`]));
    expect(await t.names('team', A)).toEqual([]);
    expect(await t.names('team', B)).toEqual(['Deployment/web']);
  });

  it('after a relist (410 Gone) answers for what the new list holds', async () => {
    const t = setup();
    const deployments = t.servers.get('Deployment')!;
    for (const name of ['kept', 'changed', 'gone'])
      deployments.set(`team/${name}`, workload('Deployment', 'team', name, [`${A}:1`]));
    t.lists.start();
    expect(await t.names('team', A)).toEqual(['Deployment/changed', 'Deployment/gone', 'Deployment/kept']);
    await flush();
    // Meanwhile, unseen by the watch: one deleted, one moved to B, one created.
    deployments.delete('team/gone');
    deployments.set('team/changed', workload('Deployment', 'team', 'changed', [`${B}:1`]));
    deployments.set('team/new', workload('Deployment', 'team', 'new', [`${A}:1`]));
    const watch = t.watches.get('Deployment')!;
    watch.calls[0]!.send('ERROR', { code: 410, message: 'too old resource version' });
    watch.calls[0]!.end();
    for (let i = 0; i < 200 && watch.calls.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
    expect(watch.calls).toHaveLength(2);
    expect(await t.names('team', A)).toEqual(['Deployment/kept', 'Deployment/new']);
    expect(await t.names('team', B)).toEqual(['Deployment/changed']);
    expect(t.lists.index(0)!.size).toBe(3);
  });

  it('forgets everything when stopped (leadership lost): falls back meanwhile, and files the next list afresh', async () => {
    const t = setup();
    const deployments = t.servers.get('Deployment')!;
    deployments.set('team/web', workload('Deployment', 'team', 'web', [`${A}:1`]));
    t.lists.start();
    expect(await t.names('team', A)).toEqual(['Deployment/web']);
    await t.lists.stop();
    expect(t.lists.index(0)!.size).toBe(0);
    deployments.delete('team/web'); // while nobody watched
    deployments.set('team/api', workload('Deployment', 'team', 'api', [`${A}:1`, `${B}:1`]));
    expect(await t.names('team', A)).toEqual(['Deployment/api']); // the apiserver's list, filtered
    expect(t.fallbacks).toEqual(['team']);
    t.lists.start();
    expect(await t.names('team', A)).toEqual(['Deployment/api']);
    expect(await t.names('team', B)).toEqual(['Deployment/api']);
    expect(t.lists.index(0)!.keys('team', A)).toEqual(['team/api']);
    expect(t.fallbacks).toEqual(['team']);
  });

  it('falls back, filtered, for a namespace no cache watches and while a watch fails', async () => {
    const t = setup(['team']);
    t.servers.get('Deployment')!.set('else/web', workload('Deployment', 'else', 'web', [`${A}:1`]));
    t.servers.get('Deployment')!.set('else/api', workload('Deployment', 'else', 'api', [`${B}:1`]));
    t.lists.start();
    expect(await t.names('else', A)).toEqual(['Deployment/web']);
    await flush();
    t.watches.get('CronJob')!.calls[0]!.end(new Error('connection refused'));
    expect(await t.names('team', A)).toEqual([]);
    expect(t.fallbacks).toEqual(['else', 'team']);
  });

  it('answers as list() and a filter would, for every repository, through a long run of changes', async () => {
    const t = setup();
    t.lists.start();
    await t.names('n0', A);
    await flush();
    // A small deterministic generator (no flaky seeds): workloads move between repositories, come and go.
    let seed = 7;
    const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const repos = [A, B, C];
    const live = new Map<string, Workload>();
    for (let step = 0; step < 400; step++) {
      const kind = (['Deployment', 'CronJob'] as const)[next(2)]!;
      const ns = `n${next(2)}`;
      const name = `w${next(6)}`;
      const key = `${kind}/${ns}/${name}`;
      const images = [`${repos[next(3)]}:1`, ...(next(2) ? [`${repos[next(3)]}:2`] : [])];
      const w = workload(kind, ns, name, images, next(4) === 0 ? [`${repos[next(3)]}:i`] : []);
      if (live.has(key) && next(4) === 0) {
        t.event('DELETED', live.get(key)!);
        live.delete(key);
      } else if (next(5) === 0 && live.has(key)) {
        t.lists.upsert(kind === 'Deployment' ? 0 : 1, w);
        live.set(key, w);
      } else {
        t.event(live.has(key) ? 'MODIFIED' : 'ADDED', w);
        live.set(key, w);
      }
      for (const n of ['n0', 'n1'])
        for (const r of repos) {
          const want = await t.expected(n, r);
          expect(await t.names(n, r), `step ${step}`).toEqual(want);
          // The index itself, not only what listBy makes of it: no entry left behind.
          const filed = [0, 1].flatMap((i) => t.lists.index(i)!.keys(n, r));
          expect(filed.length, `step ${step}`).toBe(want.length);
        }
      expect([0, 1].map((i) => t.lists.index(i)!.size).reduce((x, y) => x + y)).toBe(live.size);
    }
    expect(live.size).toBeGreaterThan(5);
  });
});

describe('CacheIndex', () => {
  it('files nothing for an object without keys, and keeps namespaces apart', () => {
    const index = new CacheIndex<Workload>(repositoriesOf);
    index.set(workload('Deployment', 'a', 'none', []));
    expect(index.size).toBe(0);
    index.set(workload('Deployment', 'a', 'web', [`${A}:1`]));
    index.set(workload('Deployment', 'b', 'web', [`${A}:1`]));
    expect(index.keys('a', A)).toEqual(['a/web']);
    index.set(workload('Deployment', 'a', 'web', []));
    expect(index.keys('a', A)).toEqual([]);
    expect(index.keys('b', A)).toEqual(['b/web']);
    // One object under a key, then several, then one again.
    for (const name of ['z', 'm', 'c']) index.set(workload('Deployment', 'b', name, [`${A}:1`]));
    expect(index.keys('b', A)).toEqual(['b/c', 'b/m', 'b/web', 'b/z']);
    for (const name of ['web', 'm', 'z']) index.delete(workload('Deployment', 'b', name, []));
    expect(index.keys('b', A)).toEqual(['b/c']);
    index.set(workload('Deployment', 'b', 'c', [`${A}:1`, `${B}:1`])); // again, and under B too
    expect([index.keys('b', A), index.keys('b', B)]).toEqual([['b/c'], ['b/c']]);
    index.delete(workload('Deployment', 'b', 'c', []));
    expect([index.keys('b', A), index.keys('b', B), index.size]).toEqual([[], [], 0]);
    index.set(workload('Deployment', 'b', 'web', [`${A}:1`]));
    index.clear();
    expect(index.keys('b', A)).toEqual([]);
    expect(index.size).toBe(0);
  });
});
