// The registry client against the real Distribution registry (Debian's docker-registry 2.8) in its three
// auth modes: 1,500 tags, multi-platform indexes, a re-pushed tag, pull-secret credentials, and the exact
// requests that reach the registry (counted by a proxy in front of it).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  RegistryAuthError,
  RegistryClient,
  RegistryError,
  RegistryNotFoundError,
  credentialsFromPullSecrets,
  parseImageReference,
  type RegistryAccess,
} from '../../../controller/registry/index.js';
import { registryRequests } from '../../../controller/registry/metrics.js';
import { pushImage, pushTags, type PushResult } from '../../testenv/images.js';
import type { RegistryMode } from '../../testenv/types.js';
import { startRegistryProxy, type RegistryProxy } from './registry-proxy.js';

const env = inject('testenv');
const TAG_COUNT = 1500;
const PLATFORMS = ['linux/amd64', 'linux/arm64', 'linux/arm/v7'];

async function caught(promise: Promise<unknown>): Promise<RegistryError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof RegistryError) return err;
    throw err;
  }
  throw new Error('expected a RegistryError, got success');
}

/** Requests the client itself counted for a registry label (token requests go to the realm, not the proxy). */
async function clientCount(registry: string, kind: string): Promise<number> {
  const { values } = await registryRequests.get();
  return values
    .filter((v) => v.labels.registry === registry && v.labels.kind === kind)
    .reduce((sum, v) => sum + v.value, 0);
}

describe.each<RegistryMode>(['anonymous', 'basic', 'token'])('real registry, %s', (mode) => {
  const registry = env.registries[mode];
  const prefix = `it-registry/${mode}-${randomBytes(4).toString('hex')}`;
  const manyRepo = `${prefix}/many`;
  const multiRepo = `${prefix}/multi`;
  const tags = Array.from({ length: TAG_COUNT }, (_, i) => `1.${Math.floor(i / 100)}.${i % 100}`);
  const access: RegistryAccess =
    mode === 'anonymous' ? {} : { credentials: { username: registry.username, password: registry.password } };
  let multi: PushResult;
  let single: PushResult;
  let passthrough: RegistryProxy;
  let paginating: RegistryProxy;

  beforeAll(async () => {
    await pushTags(registry, manyRepo, tags);
    multi = await pushImage(registry, multiRepo, 'v1', { platforms: PLATFORMS });
    single = await pushImage(registry, multiRepo, 'single');
    passthrough = await startRegistryProxy({ upstream: registry.host });
    paginating = await startRegistryProxy({ upstream: registry.host, maxPageSize: 100 });
  });

  afterAll(async () => {
    await passthrough?.close();
    await paginating?.close();
  });

  it(`lists all ${TAG_COUNT} tags; Distribution 2.8 sends them in one response, whatever n says`, async () => {
    passthrough.reset();
    const client = new RegistryClient();
    const listed = await client.listTags(`${passthrough.host}/${manyRepo}`, access);
    expect([...listed].sort()).toEqual([...tags].sort());
    expect(passthrough.counts()['GET tags 200']).toBe(1);
    // Again within the TTL: served from the cache, nothing reaches the registry.
    const before = passthrough.requests.length;
    expect(await client.listTags(`${passthrough.host}/${manyRepo}`, access)).toBe(listed);
    expect(passthrough.requests.length).toBe(before);
    await client.close();
  });

  it(`pages through ${TAG_COUNT} tags when the registry caps pages at 100 (Link: rel="next")`, async () => {
    paginating.reset();
    const client = new RegistryClient();
    const listed = await client.listTags(`${paginating.host}/${manyRepo}`, access);
    expect(listed).toEqual([...tags].sort());
    expect(paginating.counts()['GET tags 200']).toBe(TAG_COUNT / 100);
    // Auth: at most the one challenge of the first request; later pages reuse the scheme and token.
    expect(paginating.counts()['GET tags 401'] ?? 0).toBe(mode === 'anonymous' ? 0 : 1);
    expect(await clientCount(paginating.host, 'token')).toBe(mode === 'token' ? 1 : 0);
    await client.close();
  });

  it('reports the index digest of a multi-platform tag and each platform digest', async () => {
    const client = new RegistryClient();
    const ref = parseImageReference(`${registry.host}/${multiRepo}`);
    expect(await client.getDigest(ref, 'v1', access)).toBe(multi.digest);
    for (const platform of PLATFORMS) {
      expect(await client.getDigest(ref, 'v1', access, { platform })).toBe(multi.platformDigests[platform]);
    }
    const platforms = await client.getPlatforms(ref, 'v1', access);
    expect(platforms.map((p) => p.digest).sort()).toEqual(Object.values(multi.platformDigests).sort());
    const err = await caught(client.getDigest(ref, 'v1', access, { platform: 'linux/s390x' }));
    expect(err).toBeInstanceOf(RegistryNotFoundError);
    expect(err.message).toContain('has no linux/s390x image (it has linux/amd64, linux/arm64, linux/arm/v7)');
    await client.close();
  });

  it('checks the platform of a single-platform image through its config', async () => {
    const client = new RegistryClient();
    const ref = `${registry.host}/${multiRepo}:single`;
    expect(await client.getDigest(ref, undefined, access, { platform: 'linux/amd64' })).toBe(single.digest);
    const err = await caught(client.getDigest(ref, undefined, access, { platform: 'linux/arm64' }));
    expect(err.message).toContain('has no linux/arm64 image (it has linux/amd64)');
    await client.close();
  });

  it('sees the new digest of a re-pushed tag once the cached HEAD is bypassed or expired', async () => {
    const repo = `${prefix}/moving`;
    const first = await pushImage(registry, repo, 'latest', { seed: 'first' });
    passthrough.reset();
    const client = new RegistryClient();
    const ref = `${passthrough.host}/${repo}`;
    expect(await client.getDigest(ref, 'latest', access)).toBe(first.digest);
    const second = await pushImage(registry, repo, 'latest', { seed: 'second' });
    expect(second.digest).not.toBe(first.digest);
    // Within the digest TTL the HEAD is not repeated...
    expect(await client.getDigest(ref, 'latest', access)).toBe(first.digest);
    // ...a webhook-triggered check asks afresh, and a client without a digest cache always does.
    expect(await client.getDigest(ref, 'latest', access, { fresh: true })).toBe(second.digest);
    const uncached = new RegistryClient({ digestTtlMs: 0 });
    expect(await uncached.getDigest(ref, 'latest', access)).toBe(second.digest);
    const heads = passthrough.requests.filter((r) => r.method === 'HEAD' && r.status === 200).length;
    expect(heads).toBe(3);
    expect(passthrough.requests.filter((r) => r.method === 'GET' && r.kind === 'manifests')).toEqual([]);
    await client.close();
    await uncached.close();
  });

  it('says when a tag or a repository does not exist', async () => {
    const client = new RegistryClient();
    const noTag = await caught(client.getDigest(`${registry.host}/${multiRepo}`, 'nope', access));
    expect(noTag).toBeInstanceOf(RegistryNotFoundError);
    expect(noTag.message).toBe(
      `${registry.host}/${multiRepo}:nope not found on registry ${registry.host}: the tag or repository does not exist`,
    );
    const noRepo = await caught(client.listTags(`${registry.host}/${prefix}/missing`, access));
    expect(noRepo).toBeInstanceOf(RegistryNotFoundError);
    expect(noRepo.message).toContain('NAME_UNKNOWN');
    await client.close();
  });
});

describe.each<RegistryMode>(['basic', 'token'])('real registry, %s, credentials', (mode) => {
  const registry = env.registries[mode];
  const manyRepo = `it-registry/${mode}-${randomBytes(4).toString('hex')}/private`;

  beforeAll(async () => {
    await pushTags(registry, manyRepo, ['only']);
  });

  it('rejects missing and wrong credentials without echoing the password', async () => {
    const client = new RegistryClient();
    const anonymous = await caught(client.listTags(`${registry.host}/${manyRepo}`));
    expect(anonymous).toBeInstanceOf(RegistryAuthError);
    expect(anonymous.message).toMatch(/add an image pull secret$/);
    const wrongPassword = `wrong-${randomBytes(6).toString('hex')}`;
    const wrong = await caught(
      client.listTags(`${registry.host}/${manyRepo}`, {
        credentials: { username: registry.username, password: wrongPassword },
      }),
    );
    expect(wrong).toBeInstanceOf(RegistryAuthError);
    expect(wrong.message).toContain(`user "${registry.username}"`);
    expect(wrong.message).not.toContain(wrongPassword);
    await client.close();
  });

  it('authenticates with credentials read from a dockerconfigjson pull secret', async () => {
    const auths = {
      [`http://${registry.host}`]: {
        auth: Buffer.from(`${registry.username}:${registry.password}`).toString('base64'),
      },
    };
    const secret = {
      metadata: { name: 'pull' },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths })).toString('base64') },
    };
    const ref = parseImageReference(`${registry.host}/${manyRepo}`);
    const credentials = credentialsFromPullSecrets([secret], ref);
    expect(credentials?.username).toBe(registry.username);
    const client = new RegistryClient();
    expect(await client.listTags(ref, { credentials })).toEqual(['only']);
    await client.close();
  });
});

describe('real registry, build times (newest-build)', () => {
  const anon = env.registries.anonymous;
  const repo = `it-created/${randomBytes(4).toString('hex')}`;

  it('reads config created through the manifest, through an index for the asked platform, and fetches each config once', async () => {
    await pushImage(anon, repo, 'single', { created: '2026-11-01T10:00:00Z' });
    await pushImage(anon, repo, 'multi', { created: '2026-11-02T10:00:00Z', platforms: PLATFORMS });
    await pushImage(anon, repo, 'none');
    const proxy = await startRegistryProxy({ upstream: anon.host });
    try {
      const client = new RegistryClient();
      const ref = parseImageReference(`${proxy.host}/${repo}`);
      expect(await client.getCreated(ref, 'single')).toBe('2026-11-01T10:00:00Z');
      expect(await client.getCreated(ref, 'multi')).toBe('2026-11-02T10:00:00Z');
      expect(await client.getCreated(ref, 'multi', {}, { platform: 'linux/arm64' })).toBe(
        '2026-11-02T10:00:00Z',
      );
      expect(await client.getCreated(ref, 'none')).toBeUndefined();
      const err = await caught(client.getCreated(ref, 'missing'));
      expect(err).toBeInstanceOf(RegistryNotFoundError);
      proxy.reset();
      // Everything behind a digest is cached: asked again (past the digest cache), only HEADs are sent.
      for (const tag of ['single', 'multi', 'none']) await client.getCreated(ref, tag, {}, { fresh: true });
      expect(proxy.counts()).toEqual({ 'HEAD manifests 200': 3 });
      await client.close();
    } finally {
      await proxy.close();
    }
  });
});
