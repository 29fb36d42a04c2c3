import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeWatch } from './informer.fakes.js';
import { Informer, isNotOlder, objectKey, type ListPage } from './informer.js';

interface Obj {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  data?: Record<string, string>;
}

const obj = (namespace: string, name: string, rv: string, data?: Record<string, string>): Obj => ({
  metadata: { namespace, name, resourceVersion: rv },
  ...(data ? { data } : {}),
});

const flush = () => new Promise((r) => setImmediate(r));
const informers: Informer<Obj>[] = [];

function setup(
  pages: ListPage<Obj>[][],
  extra: Partial<ConstructorParameters<typeof Informer<Obj>>[0]> = {},
) {
  const lists: { limit: number; continueToken?: string }[] = [];
  let round = 0;
  const informer = new Informer<Obj>({
    kubeConfig: new KubeConfig(),
    path: '/api/v1/secrets',
    log: pino({ level: 'silent' }),
    pageSize: 2,
    retryBaseMs: 1,
    list: (page) => {
      lists.push(page);
      const listing = pages[Math.min(round, pages.length - 1)]!;
      const index = page.continueToken ? Number(page.continueToken) : 0;
      if (index === listing.length - 1) round++;
      return Promise.resolve(listing[index]!);
    },
    ...extra,
  });
  const fake = fakeWatch(informer);
  informers.push(informer);
  return { informer, fake, lists };
}

afterEach(() => {
  for (const i of informers.splice(0)) i.stop();
});

describe('isNotOlder', () => {
  it.each([
    ['10', '9', true],
    ['10', '10', true],
    ['9', '10', false],
    ['100', '99', true], // numeric, not lexical
    [undefined, '5', true],
    ['abc', '5', true], // opaque versions: trust the order of arrival
  ])('%s against cached %s → %s', (incoming, cached, expected) => {
    expect(isNotOlder(incoming, cached)).toBe(expected);
  });
});

describe('Informer', () => {
  it('lists every page, applies the transform before caching, and sends selectors with the watch', async () => {
    const dropValues = (o: Obj): Obj => ({
      metadata: o.metadata,
      data: Object.fromEntries(Object.keys(o.data ?? {}).map((k) => [k, ''])),
    });
    const seen: Obj[] = [];
    const { informer, fake, lists } = setup(
      [
        [
          { items: [obj('a', 's1', '1', { token: 'c2VjcmV0' })], metadata: { continue: '1' } },
          { items: [obj('b', 's2', '2', { pw: 'aHVudGVyMg==' })], metadata: { resourceVersion: '5' } },
        ],
      ],
      { transform: dropValues, fieldSelector: 'type=Opaque', onAdd: (o) => seen.push(o) },
    );
    await informer.start();
    await flush();
    expect(lists).toEqual([{ limit: 2 }, { limit: 2, continueToken: '1' }]);
    expect(fake.calls[0]?.params).toMatchObject({ resourceVersion: '5', fieldSelector: 'type=Opaque' });
    fake.calls[0]!.send('ADDED', obj('a', 's3', '6', { key: 'dmFsdWU=' }));
    const values = [...informer.list(), ...seen].flatMap((o) => Object.values(o.data ?? {}));
    expect(values).toEqual(['', '', '', '', '', '']);
    expect(informer.list('a').map(objectKey)).toEqual(['a/s1', 'a/s3']);
    expect(informer.get('b', 's2')?.data).toEqual({ pw: '' });
  });

  it('handlers added with on() see events until off(); a throwing handler does not stop the others', async () => {
    const { informer, fake } = setup([[{ items: [], metadata: { resourceVersion: '1' } }]]);
    const seen: string[] = [];
    const record = (o: Obj, old?: Obj) =>
      seen.push(`${o.metadata.name}@${old?.metadata.resourceVersion ?? '-'}`);
    informer.on('add', () => {
      throw new Error('broken handler');
    });
    informer.on('add', record);
    informer.on('update', record);
    await informer.start();
    await flush();
    const watch = fake.calls[0]!;
    watch.send('ADDED', obj('a', 'x', '2'));
    watch.send('MODIFIED', obj('a', 'x', '3'));
    watch.send('MODIFIED', obj('a', 'x', '2')); // older than the cache: ignored
    informer.off('update', record);
    watch.send('MODIFIED', obj('a', 'x', '4'));
    expect(seen).toEqual(['x@-', 'x@2']);
    expect(informer.get('a', 'x')?.metadata.resourceVersion).toBe('4');
  });

  it('upsert() replaces an older cached object and tells upsert handlers; the same version from the watch then emits no update', async () => {
    const { informer, fake } = setup([[{ items: [obj('a', 'x', '2')], metadata: { resourceVersion: '2' } }]]);
    const seen: string[] = [];
    informer.on('update', (o, old) =>
      seen.push(`update ${o.metadata.resourceVersion}<${old?.metadata.resourceVersion}`),
    );
    informer.on('upsert', (o, old) =>
      seen.push(`upsert ${o.metadata.resourceVersion}<${old?.metadata.resourceVersion}`),
    );
    await informer.start();
    await flush();
    informer.upsert(obj('a', 'x', '3'));
    informer.upsert(obj('a', 'x', '1')); // older than the cache: ignored
    informer.upsert(obj('a', 'gone', '4')); // not cached: the watch decides existence
    fake.calls[0]!.send('MODIFIED', obj('a', 'x', '3'));
    fake.calls[0]!.send('MODIFIED', obj('a', 'x', '5'));
    expect(seen).toEqual(['upsert 3<2', 'update 5<3']);
    expect(informer.get('a', 'gone')).toBeUndefined();
  });

  it('relists after 410 Gone and emits what changed meanwhile', async () => {
    const events: string[] = [];
    const restarts: string[] = [];
    const { informer, fake } = setup(
      [
        [{ items: [obj('a', 'stay', '1'), obj('a', 'gone', '1')], metadata: { resourceVersion: '2' } }],
        [{ items: [obj('a', 'stay', '7'), obj('a', 'new', '8')], metadata: { resourceVersion: '9' } }],
      ],
      {
        onAdd: (o) => events.push(`add ${o.metadata.name}`),
        onUpdate: (o) => events.push(`update ${o.metadata.name}`),
        onDelete: (o) => events.push(`delete ${o.metadata.name}`),
        onRestart: (r) => restarts.push(r),
      },
    );
    await informer.start();
    await flush();
    events.length = 0;
    fake.calls[0]!.send('ERROR', { code: 410, message: 'too old resource version' });
    fake.calls[0]!.end();
    while (fake.calls.length < 2) await flush();
    expect(restarts).toEqual(['expired']);
    expect(events.sort()).toEqual(['add new', 'delete gone', 'update stay']);
    expect(fake.calls[1]?.params).toMatchObject({ resourceVersion: '9' });
  });

  it('watches again after a failed or ended watch', async () => {
    const restarts: string[] = [];
    const { informer, fake } = setup([[{ items: [], metadata: { resourceVersion: '3' } }]], {
      onRestart: (r) => restarts.push(r),
    });
    await informer.start();
    await flush();
    fake.calls[0]!.send('BOOKMARK', { metadata: { resourceVersion: '12' } });
    fake.calls[0]!.end(new Error('connection reset'));
    while (fake.calls.length < 2) await flush();
    fake.calls[1]!.end();
    while (fake.calls.length < 3) await flush();
    expect(restarts).toEqual(['error', 'closed']);
    expect(fake.calls.map((c) => c.params.resourceVersion)).toEqual(['3', '12', '12']);
  });
});

describe('Informer: namespace index and liveness', () => {
  it('lists a namespace from its index through adds, deletes and a relist', async () => {
    const { informer, fake } = setup([
      [{ items: [obj('a', 'x', '1'), obj('b', 'y', '1')], metadata: { resourceVersion: '2' } }],
      [{ items: [obj('b', 'y', '5'), obj('c', 'z', '5')], metadata: { resourceVersion: '6' } }],
    ]);
    await informer.start();
    await flush();
    const watch = fake.calls[0]!;
    watch.send('ADDED', obj('a', 'w', '3'));
    expect(informer.list('a').map(objectKey).sort()).toEqual(['a/w', 'a/x']);
    watch.send('DELETED', obj('a', 'x', '4'));
    watch.send('DELETED', obj('a', 'w', '4'));
    expect(informer.list('a')).toEqual([]);
    expect(informer.list('b').map(objectKey)).toEqual(['b/y']);
    watch.send('ERROR', { code: 410, message: 'too old resource version' });
    watch.end();
    while (fake.calls.length < 2) await flush();
    expect(informer.list('a')).toEqual([]);
    expect(informer.list('b').map((o) => o.metadata.resourceVersion)).toEqual(['5']);
    expect(informer.list('c').map(objectKey)).toEqual(['c/z']);
    expect(informer.list().map(objectKey).sort()).toEqual(['b/y', 'c/z']);
  });

  it('is live while synced and watching; not after a failure until the watch delivers again, nor after stop', async () => {
    const { informer, fake } = setup([[{ items: [], metadata: { resourceVersion: '1' } }]], {
      retryBaseMs: 50,
    });
    expect(informer.isLive).toBe(false);
    await informer.start();
    await flush();
    expect(informer.isLive).toBe(true);
    fake.calls[0]!.end(); // a normal end (server timeout): watched again at once, still live
    expect(informer.isLive).toBe(true);
    while (fake.calls.length < 2) await flush();
    fake.calls[1]!.end(new Error('connection refused'));
    expect(informer.isLive).toBe(false);
    expect(informer.hasSynced).toBe(true);
    while (fake.calls.length < 3) await flush();
    expect(informer.isLive).toBe(false); // watching again, but not yet known to deliver
    fake.calls[2]!.send('BOOKMARK', { metadata: { resourceVersion: '2' } });
    expect(informer.isLive).toBe(true);
    informer.stop();
    expect(informer.isLive).toBe(false);
    expect(informer.hasSynced).toBe(true); // kept for a plain stop

    informer.stop({ forget: true });
    expect([informer.hasSynced, informer.size]).toEqual([false, 0]);
  });
});
