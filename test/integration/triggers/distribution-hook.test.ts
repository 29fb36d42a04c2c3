// The Distribution receiver fed by a real registry: pushes to the test registry produce notification
// envelopes, the test environment's relay forwards them to a receiver served here, and onHook must see
// the pushed repository (normalised from the registry's request.host) with its tag and digest. A second
// relay target without the token proves that real deliveries without it are refused.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startOpsServer } from '../../../common/ops-server.js';
import { createHookHandler, type HookEvent } from '../../../controller/triggers/index.js';
import { hooksReceived } from '../../../controller/triggers/metrics.js';
import { pushImage } from '../../testenv/images.js';

const env = inject('testenv');
const registry = env.registries.anonymous;
const relay = env.notifications.url;
const token = randomBytes(16).toString('hex');

const events: HookEvent[] = [];
let close: () => Promise<void>;

/** Polls (bounded) until `find` returns something; the registry notifies asynchronously. */
async function eventually<T>(what: string, find: () => T | undefined | Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const found = await find();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`gave up waiting for ${what}; received events: ${JSON.stringify(events)}`);
}

async function unauthorizedCount(): Promise<number> {
  const { values } = await hooksReceived.get();
  return (
    values.find((v) => v.labels.source === 'distribution' && v.labels.outcome === 'unauthorized')?.value ?? 0
  );
}

async function relayTargets(method: 'POST' | 'DELETE', url?: string): Promise<void> {
  const res = await fetch(`${relay}/targets`, {
    method,
    ...(url === undefined
      ? {}
      : { body: JSON.stringify({ url }), headers: { 'content-type': 'application/json' } }),
  });
  if (res.status !== 204) throw new Error(`relay ${method} /targets answered ${res.status}`);
}

beforeAll(async () => {
  const handler = createHookHandler({
    onHook: async (event) => {
      events.push(event);
      return { matched: 1, results: [{ image: 'ns/img', accepted: true, reason: 'test' }] };
    },
    secrets: { distribution: [token] },
  });
  const server = await startOpsServer({ host: '127.0.0.1', port: 0, ready: () => true, handle: handler });
  close = server.close;
  const receiver = `http://127.0.0.1:${server.port}/v1/hooks/distribution`;
  await relayTargets('POST', `${receiver}?token=${token}`);
  await relayTargets('POST', receiver);
});

afterAll(async () => {
  await relayTargets('DELETE');
  await close();
});

describe('Distribution notifications from a real registry', () => {
  it('deliver pushed repositories, tags and digests to onHook, and only with the token', async () => {
    const unauthorizedBefore = await unauthorizedCount();
    const repo = `triggers/hook-${randomBytes(4).toString('hex')}`;
    const single = await pushImage(registry, repo, '1.0.0');
    const event = await eventually('the 1.0.0 push', () =>
      events.find((e) => e.repository === `${registry.host}/${repo}` && e.tags.includes('1.0.0')),
    );
    expect(event).toMatchObject({
      source: 'distribution',
      repository: `${registry.host}/${repo}`,
      reference: { domain: registry.host, registry: registry.host, repository: repo },
      tag: '1.0.0',
      digest: single.digest,
    });

    // A multi-platform push: the members go by digest, the index by tag; the tagged event names the index.
    const multi = await pushImage(registry, repo, '2.0.0', { platforms: ['linux/amd64', 'linux/arm64'] });
    const tagged = await eventually('the 2.0.0 push', () => events.find((e) => e.tags.includes('2.0.0')));
    expect(tagged).toMatchObject({
      repository: `${registry.host}/${repo}`,
      tag: '2.0.0',
      digest: multi.digest,
    });
    // Blob uploads never became events: every event names a manifest.
    const known = new Set([single.digest, multi.digest, ...Object.values(multi.platformDigests)]);
    const ours = events.filter((e) => e.repository === `${registry.host}/${repo}`);
    for (const e of ours) expect(known.has(e.digest ?? '')).toBe(true);

    // The relay also delivered everything to the target without the token.
    await eventually('the tokenless deliveries to be refused', async () =>
      (await unauthorizedCount()) > unauthorizedBefore ? true : undefined,
    );
  });
});
