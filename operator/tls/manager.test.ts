import type { CoreV1Api, V1Secret } from '@kubernetes/client-node';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { certificateInfo, splitPemBundle } from './certs.js';
import { CertificateManager, decodeSecret } from './manager.js';

const HOUR = 3_600_000;

/** An in-memory Secret store with the three calls the manager makes, recording their order. */
function fakeCluster() {
  let secret: V1Secret | undefined;
  let version = 0;
  const calls: string[] = [];
  const notFound = Object.assign(new Error('not found'), { code: 404 });
  const core = {
    readNamespacedSecret: () => {
      calls.push('read');
      return secret ? Promise.resolve(structuredClone(secret)) : Promise.reject(notFound);
    },
    createNamespacedSecret: ({ body }: { body: V1Secret }) => {
      calls.push('create');
      secret = { ...body, metadata: { ...body.metadata, resourceVersion: String(++version) } };
      return Promise.resolve(secret);
    },
    replaceNamespacedSecret: ({ body }: { body: V1Secret }) => {
      calls.push('replace');
      if (body.metadata?.resourceVersion !== secret?.metadata?.resourceVersion) {
        return Promise.reject(Object.assign(new Error('conflict'), { code: 409 }));
      }
      secret = { ...body, metadata: { ...body.metadata, resourceVersion: String(++version) } };
      return Promise.resolve(secret);
    },
  } as unknown as CoreV1Api;
  const published: string[] = [];
  const publish = (bundle: string) => {
    calls.push('publish');
    published.push(bundle);
    return Promise.resolve();
  };
  return { core, publish, calls, published, secret: () => decodeSecret(secret) };
}

function manager(
  cluster: ReturnType<typeof fakeCluster>,
  opts: { validityMs: number; renewBeforeMs: number; now: Date },
) {
  return new CertificateManager({
    core: cluster.core,
    namespace: 'tagpilot-system',
    secretName: 'tls',
    hosts: ['127.0.0.1'],
    validityMs: opts.validityMs,
    renewBeforeMs: opts.renewBeforeMs,
    selfSigned: true,
    publish: cluster.publish,
    log: pino({ level: 'silent' }),
    propagationDelayMs: 0,
    now: () => opts.now,
  });
}

describe('CertificateManager', () => {
  it('issues once, then keeps, then rotates: publishing the new CA next to the old before writing', async () => {
    const cluster = fakeCluster();
    const t0 = new Date('2030-01-01T00:00:00Z');
    const clock = { validityMs: 24 * HOUR, renewBeforeMs: 8 * HOUR, now: t0 };
    const m = manager(cluster, clock);

    expect(await m.reconcile()).toBe(10 * 60_000);
    expect(cluster.calls).toEqual(['read', 'publish', 'create']);
    const first = cluster.secret()!;
    expect(cluster.published).toEqual([first['ca.crt']]);

    cluster.calls.length = 0;
    clock.now = new Date(t0.getTime() + HOUR);
    await m.reconcile();
    expect(cluster.calls).toEqual(['read', 'publish']);
    expect(cluster.secret()).toEqual(first);

    cluster.calls.length = 0;
    clock.now = new Date(t0.getTime() + 17 * HOUR);
    await m.reconcile();
    expect(cluster.calls).toEqual(['read', 'publish', 'replace']);
    const second = cluster.secret()!;
    const bundle = splitPemBundle(second['ca.crt']!);
    expect(bundle).toHaveLength(2);
    expect(bundle[1]).toBe(first['ca.crt']);
    expect(cluster.published.at(-1)).toBe(second['ca.crt']);
    expect(second['tls.crt']).not.toBe(first['tls.crt']);
  });

  it('reissues at once when the configured validity is lowered below the stored certificate', async () => {
    const cluster = fakeCluster();
    const now = new Date('2030-01-01T00:00:00Z');
    await manager(cluster, { validityMs: 365 * 24 * HOUR, renewBeforeMs: 30 * 24 * HOUR, now }).reconcile();
    const yearLong = cluster.secret()!['tls.crt']!;
    const next = await manager(cluster, { validityMs: 60_000, renewBeforeMs: 40_000, now }).reconcile();
    const short = cluster.secret()!['tls.crt']!;
    expect(short).not.toBe(yearLong);
    expect(certificateInfo(short).notAfter.getTime()).toBe(now.getTime() + 60_000);
    expect(next).toBe(20_000);
  });
});
