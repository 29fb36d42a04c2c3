// The client against recorded response shapes of Docker Hub, GHCR, Quay and ECR (headers, challenge
// parameters, token bodies, error bodies, Link formats), replayed with nock. Every interceptor answers once
// and unmatched requests fail, so each test also pins the exact requests the client sends.
import nock from 'nock';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { metricsRegistry } from '../../common/metrics.js';
import type { RegistryClientOptions } from './client-options.js';
import { RegistryClient } from './client.js';
import {
  RegistryAuthError,
  RegistryBadResponseError,
  RegistryError,
  RegistryNotFoundError,
  RegistryRateLimitError,
  RegistryServerError,
  RegistryTimeoutError,
} from './errors.js';
import { MediaTypes } from './manifest.js';
import { registryCache, registryRateLimitRemaining, registryRequests } from './metrics.js';

const HUB = 'https://registry-1.docker.io';
const HUB_AUTH = 'https://auth.docker.io';
const GHCR = 'https://ghcr.io';
const QUAY = 'https://quay.io';
const ECR_HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const ECR = `https://${ECR_HOST}`;

const digestA = 'sha256:' + 'a'.repeat(64);
const digestB = 'sha256:' + 'b'.repeat(64);
const digestC = 'sha256:' + 'c'.repeat(64);

const unauthorizedBody = (repo: string) => ({
  errors: [
    {
      code: 'UNAUTHORIZED',
      message: 'authentication required',
      detail: [{ Type: 'repository', Class: '', Name: repo, Action: 'pull' }],
    },
  ],
});

const hubChallenge = (repo: string, error?: string) => ({
  'www-authenticate': `Bearer realm="${HUB_AUTH}/token",service="registry.docker.io",scope="repository:${repo}:pull"${error ? `,error="${error}"` : ''}`,
  'content-type': 'application/json',
  'docker-distribution-api-version': 'registry/2.0',
});

const hubToken = (token: string) => ({
  token,
  access_token: token,
  expires_in: 300,
  issued_at: '2025-01-01T00:00:00.000000000Z',
});

const hubRateHeaders = (remaining: number) => ({
  'ratelimit-limit': '100;w=21600',
  'ratelimit-remaining': `${remaining};w=21600`,
  'docker-ratelimit-source': '203.0.113.7',
});

let clock = 0;
let sleeps: number[] = [];

function client(options: RegistryClientOptions = {}): RegistryClient {
  return new RegistryClient({
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    random: () => 1,
    ...options,
  });
}

async function counted(labels: Record<string, string>): Promise<number> {
  const { values } = await registryRequests.get();
  return values
    .filter((v) =>
      Object.entries(labels).every(([k, want]) => String(v.labels[k as keyof typeof v.labels]) === want),
    )
    .reduce((sum, v) => sum + v.value, 0);
}

async function cacheCount(cache: string, result: string): Promise<number> {
  const { values } = await registryCache.get();
  return values.find((v) => v.labels.cache === cache && v.labels.result === result)?.value ?? 0;
}

async function caught(promise: Promise<unknown>): Promise<RegistryError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof RegistryError) return err;
    throw err;
  }
  throw new Error('expected a RegistryError, got success');
}

beforeEach(() => {
  nock.disableNetConnect();
  metricsRegistry.resetMetrics();
  clock = Date.parse('2025-01-01T00:00:00Z');
  sleeps = [];
});

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  nock.enableNetConnect();
  expect(pending, 'every recorded response was requested').toEqual([]);
});

describe('Docker Hub', () => {
  it('lists tags anonymously: challenge, anonymous token, every page; then serves from cache', async () => {
    nock(HUB)
      .get('/v2/library/nginx/tags/list')
      .query({ n: '1000' })
      .reply(401, unauthorizedBody('library/nginx'), hubChallenge('library/nginx'));
    nock(HUB_AUTH, { badheaders: ['authorization'] })
      .get('/token')
      .query({ service: 'registry.docker.io', scope: 'repository:library/nginx:pull' })
      .reply(200, hubToken('hub-token-1'));
    nock(HUB, { reqheaders: { authorization: 'Bearer hub-token-1' } })
      .get('/v2/library/nginx/tags/list')
      .query({ n: '1000' })
      .reply(
        200,
        { name: 'library/nginx', tags: ['1.25', '1.26'] },
        { link: '</v2/library/nginx/tags/list?last=1.26&n=1000>; rel="next"' },
      )
      .get('/v2/library/nginx/tags/list')
      .query({ last: '1.26', n: '1000' })
      .reply(200, { name: 'library/nginx', tags: ['latest'] });

    const c = client();
    expect(await c.listTags('nginx')).toEqual(['1.25', '1.26', 'latest']);
    expect(await c.listTags('docker.io/library/nginx:ignored')).toEqual(['1.25', '1.26', 'latest']);
    expect(await cacheCount('tags', 'hit')).toBe(1);
    expect(await counted({ registry: 'registry-1.docker.io', kind: 'tags' })).toBe(3);
    expect(await counted({ registry: 'registry-1.docker.io', kind: 'token' })).toBe(1);
  });

  it('skips the challenge for later repositories of a known realm and reuses tokens until they expire', async () => {
    nock(HUB)
      .get('/v2/library/nginx/tags/list')
      .query(true)
      .reply(401, unauthorizedBody('library/nginx'), hubChallenge('library/nginx'));
    nock(HUB_AUTH)
      .get('/token')
      .query({ service: 'registry.docker.io', scope: 'repository:library/nginx:pull' })
      .reply(200, hubToken('t-nginx'))
      .get('/token')
      .query({ service: 'registry.docker.io', scope: 'repository:library/redis:pull' })
      .reply(200, hubToken('t-redis'));
    nock(HUB, { reqheaders: { authorization: 'Bearer t-nginx' } })
      .get('/v2/library/nginx/tags/list')
      .query(true)
      .reply(200, { tags: ['1'] })
      .head('/v2/library/nginx/manifests/1')
      .reply(200, '', {
        'docker-content-digest': digestA,
        'content-type': MediaTypes.ociIndex,
        ...hubRateHeaders(99),
      });
    nock(HUB, { reqheaders: { authorization: 'Bearer t-redis' } })
      .get('/v2/library/redis/tags/list')
      .query(true)
      .reply(200, { tags: ['7'] });

    const c = client();
    await c.listTags('nginx');
    await c.listTags('redis'); // no 401 first: the realm is known
    expect(await c.getDigest('nginx', '1')).toBe(digestA); // token reused
    expect(await counted({ kind: 'token' })).toBe(2);
    expect(await counted({ status: '401' })).toBe(1);

    // 300 s tokens are renewed 10 s early.
    clock += 291_000;
    nock(HUB_AUTH)
      .get('/token')
      .query({ service: 'registry.docker.io', scope: 'repository:library/nginx:pull' })
      .reply(200, hubToken('t-nginx-2'));
    nock(HUB, { reqheaders: { authorization: 'Bearer t-nginx-2' } })
      .head('/v2/library/nginx/manifests/1')
      .reply(200, '', { 'docker-content-digest': digestB, 'content-type': MediaTypes.ociIndex });
    expect(await c.getDigest('nginx', '1')).toBe(digestB);
  });

  it('lets one request discover the auth scheme while concurrent ones wait: one 401, not one per request', async () => {
    const repos = ['library/nginx', 'library/redis', 'library/postgres'];
    nock(HUB, { badheaders: ['authorization'] })
      .get(/\/v2\/library\/\w+\/tags\/list/)
      .query(true)
      .reply(401, unauthorizedBody('library/x'), hubChallenge('library/x'));
    for (const repo of repos) {
      nock(HUB_AUTH)
        .get('/token')
        .query({ service: 'registry.docker.io', scope: `repository:${repo}:pull` })
        .reply(200, hubToken(`t-${repo}`));
      nock(HUB, { reqheaders: { authorization: `Bearer t-${repo}` } })
        .get(`/v2/${repo}/tags/list`)
        .query(true)
        .reply(200, { tags: [repo] });
    }
    const c = client();
    const lists = await Promise.all(repos.map((r) => c.listTags(r)));
    expect(lists).toEqual(repos.map((r) => [r]));
    expect(await counted({ status: '401' })).toBe(1);
  });

  it('reads HEAD digests and records the pull rate limit left', async () => {
    nock(HUB).head('/v2/library/nginx/manifests/latest').reply(401, '', hubChallenge('library/nginx'));
    nock(HUB_AUTH).get('/token').query(true).reply(200, hubToken('t'));
    nock(HUB, {
      reqheaders: {
        accept: (v) =>
          v.includes(MediaTypes.ociIndex) &&
          v.includes(MediaTypes.dockerManifestList) &&
          v.includes(MediaTypes.dockerManifest),
      },
    })
      .head('/v2/library/nginx/manifests/latest')
      .reply(200, '', {
        'content-type': MediaTypes.ociIndex,
        'docker-content-digest': digestA,
        etag: `"${digestA}"`,
        ...hubRateHeaders(76),
      });
    expect(await client().getDigest('nginx')).toBe(digestA);
    const gauge = await registryRateLimitRemaining.get();
    expect(gauge.values).toEqual([{ labels: { registry: 'registry-1.docker.io' }, value: 76 }]);
    expect(await counted({ kind: 'manifest_get' })).toBe(0);
  });

  it('sends pull-secret credentials to the token endpoint as Basic auth', async () => {
    nock(HUB)
      .get('/v2/acme/private/tags/list')
      .query(true)
      .reply(401, unauthorizedBody('acme/private'), hubChallenge('acme/private'));
    nock(HUB_AUTH, {
      reqheaders: { authorization: `Basic ${Buffer.from('acme:dckr_pat_x').toString('base64')}` },
    })
      .get('/token')
      .query({ service: 'registry.docker.io', scope: 'repository:acme/private:pull' })
      .reply(200, hubToken('t-acme'));
    nock(HUB, { reqheaders: { authorization: 'Bearer t-acme' } })
      .get('/v2/acme/private/tags/list')
      .query(true)
      .reply(200, { name: 'acme/private', tags: ['v1'] });
    expect(
      await client().listTags('acme/private', { credentials: { username: 'acme', password: 'dckr_pat_x' } }),
    ).toEqual(['v1']);
  });

  it('reports a repository the anonymous token may not pull (or that does not exist)', async () => {
    nock(HUB)
      .get('/v2/library/nope/tags/list')
      .query(true)
      .reply(401, unauthorizedBody('library/nope'), hubChallenge('library/nope'));
    nock(HUB_AUTH).get('/token').query(true).reply(200, hubToken('t'));
    nock(HUB)
      .get('/v2/library/nope/tags/list')
      .query(true)
      .reply(401, unauthorizedBody('library/nope'), hubChallenge('library/nope', 'insufficient_scope'));
    const err = await caught(client().listTags('nope'));
    expect(err).toBeInstanceOf(RegistryAuthError);
    expect(err.message).toBe(
      'registry registry-1.docker.io requires authentication for docker.io/library/nope, or the repository does not exist (UNAUTHORIZED: authentication required); add an image pull secret',
    );
  });

  const tooMany = {
    errors: [
      {
        code: 'TOOMANYREQUESTS',
        message:
          'You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit',
      },
    ],
  };

  it('waits out a 429 Retry-After, pausing the registry, then succeeds', async () => {
    nock(HUB)
      .head('/v2/library/nginx/manifests/1')
      .reply(429, '', { 'retry-after': '7', ...hubRateHeaders(0) })
      .head('/v2/library/nginx/manifests/1')
      .reply(200, '', { 'docker-content-digest': digestA, 'content-type': MediaTypes.ociManifest });
    expect(await client().getDigest('nginx', '1')).toBe(digestA);
    expect(sleeps).toEqual([7000]);
  });

  it('gives up on 429 after the attempts with backoff, saying what the limit is', async () => {
    const scope = nock(HUB);
    for (let i = 0; i < 3; i++)
      scope.get('/v2/library/nginx/tags/list').query(true).reply(429, tooMany, hubRateHeaders(0));
    const err = await caught(client().listTags('nginx'));
    expect(err).toBeInstanceOf(RegistryRateLimitError);
    expect(err.kind).toBe('rate-limited');
    expect(err.transient).toBe(true);
    expect(err.message).toBe(
      'registry registry-1.docker.io rate-limited the tags of docker.io/library/nginx (429); limit 100 per 6 h, 0 left; retry later; authenticated pulls (an imagePullSecret) usually get a higher limit',
    );
    expect(sleeps).toEqual([500, 1000]);
  });

  it('fails at once when Retry-After is longer than it may wait, so the caller can reschedule', async () => {
    nock(HUB).get('/v2/library/nginx/tags/list').query(true).reply(429, tooMany, { 'retry-after': '3600' });
    const err = await caught(client().listTags('nginx'));
    expect(err).toBeInstanceOf(RegistryRateLimitError);
    expect((err as RegistryRateLimitError).retryAfterSeconds).toBe(3600);
    expect(err.message).toContain('retry after 3600 s');
    expect(sleeps).toEqual([]);
  });
});

describe('GHCR', () => {
  const ghcrChallenge = (repo: string) => ({
    'www-authenticate': `Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:${repo}:pull"`,
    'content-type': 'application/json',
  });

  it('pages with its Link format and an anonymous token without expires_in', async () => {
    nock(GHCR)
      .get('/v2/acme/web/tags/list')
      .query({ n: '1000' })
      .reply(401, unauthorizedBody('acme/web'), ghcrChallenge('acme/web'));
    nock(GHCR, { badheaders: ['authorization'] })
      .get('/token')
      .query({ scope: 'repository:acme/web:pull', service: 'ghcr.io' })
      .reply(200, { token: 'djE6YW5vbg==' });
    nock(GHCR, { reqheaders: { authorization: 'Bearer djE6YW5vbg==' } })
      .get('/v2/acme/web/tags/list')
      .query({ n: '1000' })
      .reply(
        200,
        { name: 'acme/web', tags: ['v1.0.0', 'v1.1.0'] },
        { link: '</v2/acme/web/tags/list?last=v1.1.0&n=0>; rel="next"' },
      )
      .get('/v2/acme/web/tags/list')
      .query({ last: 'v1.1.0', n: '0' })
      .reply(200, { name: 'acme/web', tags: ['v1.2.0'] });
    expect(await client().listTags('ghcr.io/acme/web')).toEqual(['v1.0.0', 'v1.1.0', 'v1.2.0']);
  });

  it('resolves a platform from a Docker manifest list with a PAT (HEAD, then GET by digest once)', async () => {
    const list = {
      schemaVersion: 2,
      mediaType: MediaTypes.dockerManifestList,
      manifests: [
        {
          mediaType: MediaTypes.dockerManifest,
          digest: digestB,
          size: 100,
          platform: { architecture: 'amd64', os: 'linux' },
        },
        {
          mediaType: MediaTypes.dockerManifest,
          digest: digestC,
          size: 100,
          platform: { architecture: 'arm64', os: 'linux', variant: 'v8' },
        },
      ],
    };
    nock(GHCR).head('/v2/acme/web/manifests/v1').reply(401, '', ghcrChallenge('acme/web'));
    nock(GHCR, {
      reqheaders: { authorization: `Basic ${Buffer.from('octocat:ghp_secret').toString('base64')}` },
    })
      .get('/token')
      .query(true)
      .reply(200, { token: 'djE6cHJpdmF0ZQ==' });
    nock(GHCR, { reqheaders: { authorization: 'Bearer djE6cHJpdmF0ZQ==' } })
      .head('/v2/acme/web/manifests/v1')
      .reply(200, '', { 'content-type': MediaTypes.dockerManifestList, 'docker-content-digest': digestA })
      .get(`/v2/acme/web/manifests/${digestA}`)
      .reply(200, list, { 'content-type': MediaTypes.dockerManifestList, 'docker-content-digest': digestA })
      .head('/v2/acme/web/manifests/v1')
      .reply(200, '', { 'content-type': MediaTypes.dockerManifestList, 'docker-content-digest': digestA });
    const c = client();
    const access = { credentials: { username: 'octocat', password: 'ghp_secret' } };
    expect(await c.getDigest('ghcr.io/acme/web', 'v1', access, { platform: 'linux/arm64' })).toBe(digestC);
    expect(await c.getDigest('ghcr.io/acme/web', 'v1', access, { platform: 'linux/amd64' })).toBe(digestB);
    expect(await c.getDigest('ghcr.io/acme/web', 'v1', access)).toBe(digestA);
    // A later check HEADs again (fresh) but the index body is content-addressed: no second GET.
    expect(
      await c.getDigest('ghcr.io/acme/web', 'v1', access, { platform: 'linux/arm64', fresh: true }),
    ).toBe(digestC);
    expect(await counted({ kind: 'manifest_get' })).toBe(1);
    const err = await caught(c.getDigest('ghcr.io/acme/web', 'v1', access, { platform: 'linux/s390x' }));
    expect(err).toBeInstanceOf(RegistryNotFoundError);
    expect(err.message).toBe(
      'ghcr.io/acme/web:v1 has no linux/s390x image (it has linux/amd64, linux/arm64/v8)',
    );
  });

  it('maps 403 DENIED to an auth error naming the repository', async () => {
    nock(GHCR)
      .get('/v2/acme/secret/tags/list')
      .query(true)
      .reply(403, { errors: [{ code: 'DENIED', message: 'requested access to the resource is denied' }] });
    const err = await caught(client().listTags('ghcr.io/acme/secret'));
    expect(err).toBeInstanceOf(RegistryAuthError);
    expect(err.status).toBe(403);
    expect(err.message).toBe(
      'registry ghcr.io denied the tags of ghcr.io/acme/secret (DENIED: requested access to the resource is denied): the anonymous user lacks pull permission on ghcr.io/acme/secret',
    );
  });
});

describe('Quay', () => {
  it('follows opaque next_page links and its scope-less challenge', async () => {
    nock(QUAY)
      .get('/v2/coreos/etcd/tags/list')
      .query({ n: '1000' })
      .reply(401, unauthorizedBody('coreos/etcd'), {
        'www-authenticate': 'Bearer realm="https://quay.io/v2/auth",service="quay.io"',
      });
    nock(QUAY)
      .get('/v2/auth')
      .query({ service: 'quay.io', scope: 'repository:coreos/etcd:pull' })
      .reply(200, { token: 'quay-t' });
    nock(QUAY, { reqheaders: { authorization: 'Bearer quay-t' } })
      .get('/v2/coreos/etcd/tags/list')
      .query({ n: '1000' })
      .reply(
        200,
        { name: 'coreos/etcd', tags: ['v3.5.0'] },
        { link: '</v2/coreos/etcd/tags/list?n=100&next_page=gAAAAABn-x_Y%3D>; rel="next"' },
      )
      .get('/v2/coreos/etcd/tags/list')
      .query({ n: '100', next_page: 'gAAAAABn-x_Y=' })
      .reply(200, { name: 'coreos/etcd', tags: ['v3.5.1'] });
    expect(await client().listTags('quay.io/coreos/etcd')).toEqual(['v3.5.0', 'v3.5.1']);
  });
});

describe('ECR-style Basic auth', () => {
  const basicChallenge = {
    'www-authenticate': `Basic realm="https://${ECR_HOST}/",service="ecr.amazonaws.com"`,
    'content-type': 'text/plain; charset=utf-8',
  };
  const ecrPassword = 'eyJwYXlsb2FkIjoiZWNyLXNlY3JldC1wYXNzd29yZCJ9';
  const basic = `Basic ${Buffer.from(`AWS:${ecrPassword}`).toString('base64')}`;

  it('answers the Basic challenge once, then authenticates up front', async () => {
    nock(ECR, { badheaders: ['authorization'] })
      .get('/v2/web/tags/list')
      .query(true)
      .reply(401, 'Not Authorized\n', basicChallenge);
    nock(ECR, { reqheaders: { authorization: basic } })
      .get('/v2/web/tags/list')
      .query(true)
      .reply(200, { name: 'web', tags: ['1.0.0'] })
      .get('/v2/api/tags/list')
      .query(true)
      .reply(200, { name: 'api', tags: ['2.0.0'] });
    const c = client();
    const access = { credentials: { username: 'AWS', password: ecrPassword } };
    expect(await c.listTags(`${ECR_HOST}/web`, access)).toEqual(['1.0.0']);
    expect(await c.listTags(`${ECR_HOST}/api`, access)).toEqual(['2.0.0']);
    expect(await counted({ status: '401' })).toBe(1);
  });

  it('reports rejected credentials without the password', async () => {
    nock(ECR).get('/v2/web/tags/list').query(true).reply(401, 'Not Authorized\n', basicChallenge);
    nock(ECR).get('/v2/web/tags/list').query(true).reply(401, 'Not Authorized\n', basicChallenge);
    const err = await caught(
      client().listTags(`${ECR_HOST}/web`, { credentials: { username: 'AWS', password: ecrPassword } }),
    );
    expect(err).toBeInstanceOf(RegistryAuthError);
    expect(err.message).toBe(
      `registry ${ECR_HOST} rejected user "AWS" for ${ECR_HOST}/web, or the repository does not exist (Not Authorized); check the image pull secret`,
    );
    expect(err.message).not.toContain(ecrPassword);
  });

  it('asks for credentials when a Basic registry is used anonymously', async () => {
    nock(ECR).get('/v2/web/tags/list').query(true).reply(401, 'Not Authorized\n', basicChallenge);
    const err = await caught(client().listTags(`${ECR_HOST}/web`));
    expect(err.kind).toBe('auth');
    expect(err.message).toContain('add an image pull secret');
  });
});

describe('other credential kinds', () => {
  it('exchanges an identity token with the OAuth2 refresh-token grant (ACR)', async () => {
    const acr = 'https://acme.azurecr.io';
    nock(acr).get('/v2/web/tags/list').query(true).reply(401, unauthorizedBody('web'), {
      'www-authenticate': 'Bearer realm="https://acme.azurecr.io/oauth2/token",service="acme.azurecr.io"',
    });
    nock(acr)
      .post(
        '/oauth2/token',
        (body: Record<string, string>) =>
          body.grant_type === 'refresh_token' &&
          body.refresh_token === 'refresh-secret' &&
          body.service === 'acme.azurecr.io' &&
          body.scope === 'repository:web:pull',
      )
      .reply(200, { access_token: 'acr-access' });
    nock(acr, { reqheaders: { authorization: 'Bearer acr-access' } })
      .get('/v2/web/tags/list')
      .query(true)
      .reply(200, { tags: ['1'] });
    expect(
      await client().listTags('acme.azurecr.io/web', {
        credentials: { username: '00000000-0000-0000-0000-000000000000', identityToken: 'refresh-secret' },
      }),
    ).toEqual(['1']);
  });

  it('presents a registry token as is', async () => {
    nock('https://r.example', { reqheaders: { authorization: 'Bearer given' } })
      .get('/v2/a/tags/list')
      .query(true)
      .reply(200, { tags: [] });
    expect(await client().listTags('r.example/a', { credentials: { registryToken: 'given' } })).toEqual([]);
  });
});

describe('errors and resilience', () => {
  const R = 'https://registry.example.com';

  it('404 on tags is a not-found naming the repository', async () => {
    nock(R)
      .get('/v2/team/app/tags/list')
      .query(true)
      .reply(404, {
        errors: [
          {
            code: 'NAME_UNKNOWN',
            message: 'repository name not known to registry',
            detail: { name: 'team/app' },
          },
        ],
      });
    const err = await caught(client().listTags('registry.example.com/team/app'));
    expect(err).toBeInstanceOf(RegistryNotFoundError);
    expect(err.message).toBe(
      'repository registry.example.com/team/app not found on registry registry.example.com (NAME_UNKNOWN: repository name not known to registry); check spec.image',
    );
  });

  it('404 on a manifest HEAD is a not-found naming the tag', async () => {
    nock(R).head('/v2/team/app/manifests/9.9').reply(404);
    const err = await caught(client().getDigest('registry.example.com/team/app', '9.9'));
    expect(err).toBeInstanceOf(RegistryNotFoundError);
    expect(err.message).toBe(
      'registry.example.com/team/app:9.9 not found on registry registry.example.com: the tag or repository does not exist',
    );
  });

  it('retries a 500 with backoff and succeeds', async () => {
    nock(R)
      .get('/v2/app/tags/list')
      .query(true)
      .reply(500, { errors: [{ code: 'UNKNOWN', message: 'unknown error' }] })
      .get('/v2/app/tags/list')
      .query(true)
      .reply(502, 'Bad Gateway')
      .get('/v2/app/tags/list')
      .query(true)
      .reply(200, { tags: ['1'] });
    expect(await client().listTags('registry.example.com/app')).toEqual(['1']);
    expect(sleeps).toEqual([500, 1000]);
    expect(await counted({ kind: 'tags', status: '500' })).toBe(1);
    expect(await counted({ kind: 'tags', status: '502' })).toBe(1);
  });

  it('gives up after the attempts on persistent 5xx', async () => {
    nock(R)
      .get('/v2/app/tags/list')
      .query(true)
      .times(3)
      .reply(503, { errors: [{ code: 'UNAVAILABLE', message: 'service unavailable' }] });
    const err = await caught(client().listTags('registry.example.com/app'));
    expect(err).toBeInstanceOf(RegistryServerError);
    expect(err.transient).toBe(true);
    expect(err.message).toBe(
      'registry registry.example.com answered 503 for the tags of registry.example.com/app 3 times (UNAVAILABLE: service unavailable); it is failing, retry later',
    );
  });

  it('times out a registry that does not answer within the deadline of the whole request, retries included', async () => {
    nock(R).get('/v2/app/tags/list').query(true).delay(1_000).reply(200, { tags: [] });
    const err = await caught(client({ timeoutMs: 50, maxAttempts: 2 }).listTags('registry.example.com/app'));
    expect(err).toBeInstanceOf(RegistryTimeoutError);
    expect(err.message).toBe(
      'registry registry.example.com did not answer the tags of registry.example.com/app within 0.05 s',
    );
    // The one attempt used the whole deadline: no second attempt that would make "within 0.05 s" a lie.
    expect(await counted({ kind: 'tags', status: 'timeout' })).toBe(1);
  });

  it('falls back to GET and hashes the body when HEAD is not allowed', async () => {
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: { digest: digestB },
      layers: [],
    });
    nock(R)
      .head('/v2/app/manifests/1')
      .reply(405)
      .get('/v2/app/manifests/1')
      .reply(200, manifest, { 'content-type': MediaTypes.ociManifest });
    const { createHash } = await import('node:crypto');
    expect(await client().getDigest('registry.example.com/app', '1')).toBe(
      `sha256:${createHash('sha256').update(manifest).digest('hex')}`,
    );
  });

  it('falls back to GET when HEAD has no Docker-Content-Digest, and checks a single image platform via its config', async () => {
    const manifest = {
      schemaVersion: 2,
      mediaType: MediaTypes.dockerManifest,
      config: { digest: digestB },
      layers: [],
    };
    nock(R)
      .head('/v2/app/manifests/1')
      .reply(200, '', { 'content-type': MediaTypes.dockerManifest })
      .get('/v2/app/manifests/1')
      .reply(200, manifest, { 'content-type': MediaTypes.dockerManifest, 'docker-content-digest': digestA })
      .get(`/v2/app/blobs/${digestB}`)
      .reply(200, { architecture: 'amd64', os: 'linux', config: {} });
    const c = client();
    expect(await c.getDigest('registry.example.com/app', '1', {}, { platform: 'linux/amd64' })).toBe(digestA);
    const err = await caught(c.getDigest('registry.example.com/app', '1', {}, { platform: 'linux/arm64' }));
    expect(err.message).toBe('registry.example.com/app:1 has no linux/arm64 image (it has linux/amd64)');
  });

  it('coalesces identical requests in flight into one', async () => {
    nock(R)
      .get('/v2/app/tags/list')
      .query(true)
      .delay(20)
      .reply(200, { tags: ['1'] });
    const c = client();
    const results = await Promise.all(
      Array.from({ length: 5 }, () => c.listTags('registry.example.com/app')),
    );
    expect(results.every((r) => r === results[0])).toBe(true);
    expect(await cacheCount('tags', 'coalesced')).toBe(4);
    expect(await counted({ kind: 'tags' })).toBe(1);
  });

  it('keeps callers with different credentials apart', async () => {
    nock(R, { badheaders: ['authorization'] })
      .get('/v2/app/tags/list')
      .query(true)
      .reply(200, { tags: ['public'] });
    nock(R).get('/v2/app/tags/list').query(true).reply(401, '', { 'www-authenticate': 'Basic realm="r"' });
    nock(R, { reqheaders: { authorization: `Basic ${Buffer.from('u:p').toString('base64')}` } })
      .get('/v2/app/tags/list')
      .query(true)
      .reply(200, { tags: ['public', 'private'] });
    const c = client();
    expect(await c.listTags('registry.example.com/app')).toEqual(['public']);
    expect(
      await c.listTags('registry.example.com/app', { credentials: { username: 'u', password: 'p' } }),
    ).toEqual(['public', 'private']);
  });

  it('holds each registry to its concurrency limit', async () => {
    let active = 0;
    let peak = 0;
    nock(R)
      .get(/\/v2\/repo\d\/tags\/list/)
      .query(true)
      .times(6)
      .reply((_uri, _body, callback) => {
        active++;
        peak = Math.max(peak, active);
        setTimeout(() => {
          active--;
          callback(null, [200, { tags: [] }]);
        }, 10);
      });
    const c = client({ concurrencyPerRegistry: 2 });
    await Promise.all(Array.from({ length: 6 }, (_, i) => c.listTags(`registry.example.com/repo${i}`)));
    expect(peak).toBe(2);
  });

  it('lets a registry pick its page size when it refuses ours', async () => {
    nock(R)
      .get('/v2/app/tags/list')
      .query({ n: '1000' })
      .reply(400, {
        errors: [{ code: 'PAGINATION_NUMBER_INVALID', message: 'invalid number of results requested' }],
      })
      .get('/v2/app/tags/list')
      .reply(200, { tags: ['1'] });
    expect(await client().listTags('registry.example.com/app')).toEqual(['1']);
  });

  it('does not follow a next page on another host', async () => {
    nock(R)
      .get('/v2/app/tags/list')
      .query(true)
      .reply(200, { tags: ['1'] }, { link: '<https://evil.example/v2/app/tags/list?last=1>; rel="next"' });
    const err = await caught(client().listTags('registry.example.com/app'));
    expect(err).toBeInstanceOf(RegistryBadResponseError);
    expect(err.message).toContain('another host (evil.example)');
  });

  it('rejects a tags body that is not a tag list', async () => {
    nock(R)
      .get('/v2/app/tags/list')
      .query(true)
      .reply(200, '<html>login</html>', { 'content-type': 'text/html' });
    const err = await caught(client().listTags('registry.example.com/app'));
    expect(err.kind).toBe('bad-response');
  });

  it('talks plain HTTP to localhost by default and HTTPS when told otherwise', async () => {
    nock('http://localhost:5000')
      .get('/v2/app/tags/list')
      .query(true)
      .reply(200, { tags: ['http'] });
    nock('https://localhost:5000')
      .get('/v2/app/tags/list')
      .query(true)
      .reply(200, { tags: ['https'] });
    const c = client();
    expect(await c.listTags('localhost:5000/app')).toEqual(['http']);
    expect(await c.listTags('localhost:5000/app', { plainHTTP: false })).toEqual(['https']);
  });

  it('explains an HTTPS registry addressed over plain HTTP', async () => {
    nock('http://registry.example.com')
      .get('/v2/app/tags/list')
      .query(true)
      .reply(400, 'Client sent an HTTP request to an HTTPS server.\n');
    const err = await caught(client().listTags('registry.example.com/app', { plainHTTP: true }));
    expect(err.kind).toBe('tls');
    expect(err.message).toBe(
      'registry registry.example.com speaks HTTPS, not plain HTTP; unset plainHTTP (--plain-http) for it',
    );
  });

  it('maps a name that does not resolve to a network error without retrying', async () => {
    nock.enableNetConnect('no-such-host.invalid');
    const err = await caught(client().listTags('no-such-host.invalid/app'));
    expect(err.kind).toBe('network');
    expect(err.transient).toBe(false);
    expect(err.message).toContain('does not resolve');
    expect(sleeps).toEqual([]);
  });
});

describe('secrets', () => {
  it('never writes a password or token into logs or errors', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = pino({ level: 'trace' }, sink);
    const R = 'https://secure.example';
    nock(R)
      .get('/v2/app/tags/list')
      .query(true)
      .reply(401, '', { 'www-authenticate': 'Bearer realm="https://secure.example/token",service="secure"' });
    nock(R).get('/token').query(true).reply(200, { token: 'token-SECRET-1', expires_in: 60 });
    nock(R).get('/v2/app/tags/list').query(true).reply(429, '', { 'retry-after': '1' });
    nock(R)
      .get('/v2/app/tags/list')
      .query(true)
      .reply(401, '', { 'www-authenticate': 'Bearer realm="https://secure.example/token",service="secure"' });
    nock(R)
      .get('/token')
      .query(true)
      .reply(401, { errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] });
    const err = await caught(
      client({ logger }).listTags('secure.example/app', {
        credentials: { username: 'bot', password: 'password-SECRET-2' },
      }),
    );
    expect(err.kind).toBe('auth');
    expect(lines.length).toBeGreaterThan(0);
    for (const text of [...lines, err.message, String(err.stack)]) {
      expect(text).not.toMatch(/SECRET|Authorization|Bearer t|Basic [A-Za-z0-9+/=]{8}/);
    }
  });
});
